package payscore.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import payscore.lambda.SamTemplate;

/**
 * function/pom.xml has no parent (sam build copies it alone), so it repeats the versions the top
 * POM declares for local/: wherever both name the same property, artifact or plugin, they agree.
 */
class SharedVersionsTest {
  private static final Path ROOT = SamTemplate.locate().getParent();

  @Test
  void functionAndLocalUseTheSameVersionsOfWhatTheyShare() throws Exception {
    Pom function = Pom.read(ROOT.resolve("function/pom.xml"));
    Pom top = Pom.read(ROOT.resolve("pom.xml"));
    List<String> compared = new ArrayList<>();

    for (var property : function.properties.entrySet()) {
      if (!top.properties.containsKey(property.getKey())) continue;
      assertEquals(top.properties.get(property.getKey()), property.getValue(), "property " + property.getKey());
      compared.add(property.getKey());
    }
    for (var artifact : function.versions.entrySet()) {
      if (!top.versions.containsKey(artifact.getKey())) continue;
      assertEquals(top.versions.get(artifact.getKey()), artifact.getValue(), artifact.getKey());
      compared.add(artifact.getKey());
    }

    // Guards against a reader that finds nothing: the SDK, Jackson, JUnit, ACCP, the WeChat Pay SDK,
    // SLF4J, the compiler and surefire at least are shared.
    assertTrue(compared.size() >= 12, "compared only " + compared);
  }

  /** A POM's properties, and the versions it gives dependencies and plugins ("group:artifact"), resolved. */
  private record Pom(Map<String, String> properties, Map<String, String> versions) {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]+)}");

    static Pom read(Path file) throws Exception {
      Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile())
          .getDocumentElement();
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("project.version", text(child(project, "version")));
      Element declared = child(project, "properties");
      for (Element property : children(declared)) properties.put(property.getTagName(), text(property));
      Map<String, String> versions = new LinkedHashMap<>();
      collect(project, versions);
      for (var entry : properties.entrySet()) entry.setValue(resolve(entry.getValue(), properties));
      versions.replaceAll((key, version) -> resolve(version, properties));
      return new Pom(properties, versions);
    }

    /** Every dependency and plugin with a version, at any depth (management sections, profiles). */
    private static void collect(Element element, Map<String, String> versions) {
      String tag = element.getTagName();
      if ((tag.equals("dependency") || tag.equals("plugin")) && child(element, "version") != null) {
        String group = child(element, "groupId") == null ? "org.apache.maven.plugins" : text(child(element, "groupId"));
        versions.put(group + ":" + text(child(element, "artifactId")), text(child(element, "version")));
        return;
      }
      for (Element child : children(element)) collect(child, versions);
    }

    private static String resolve(String value, Map<String, String> properties) {
      Matcher reference = REFERENCE.matcher(value);
      StringBuilder resolved = new StringBuilder();
      while (reference.find()) {
        String name = reference.group(1);
        reference.appendReplacement(resolved, Matcher.quoteReplacement(
            properties.containsKey(name) ? resolve(properties.get(name), properties) : reference.group()));
      }
      return reference.appendTail(resolved).toString();
    }

    private static Element child(Element parent, String name) {
      if (parent == null) return null;
      for (Element child : children(parent)) if (child.getTagName().equals(name)) return child;
      return null;
    }

    private static List<Element> children(Element parent) {
      List<Element> elements = new ArrayList<>();
      if (parent == null) return elements;
      for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
        if (node instanceof Element element) elements.add(element);
      }
      return elements;
    }

    private static String text(Element element) {
      return element.getTextContent().strip();
    }
  }
}
