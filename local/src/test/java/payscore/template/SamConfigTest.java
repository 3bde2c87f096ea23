package payscore.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import payscore.lambda.SamTemplate;

/**
 * Each environment of samconfig.toml deploys as written: a region, a stack name, the IAM
 * capability, and every template parameter without a default either given or asked for by
 * {@code sam deploy --guided}, as the file and the README say.
 */
class SamConfigTest {
  private final Path root = SamTemplate.locate().getParent();

  @Test
  void everyDeployEnvironmentHasARegionAStackNameCapabilitiesAndEveryRequiredParameter() throws Exception {
    String text = Files.readString(root.resolve("samconfig.toml"));
    JsonNode config = new TomlMapper().readTree(text);
    JsonNode parameters = new YAMLMapper().readTree(root.resolve("template.yaml").toFile()).path("Parameters");
    List<String> required = new ArrayList<>();
    parameters.fields().forEachRemaining(p -> {
      if (!p.getValue().has("Default")) required.add(p.getKey());
    });
    String readme = Files.readString(root.resolve("README.md"));
    List<String> environments = new ArrayList<>();
    config.fieldNames().forEachRemaining(name -> {
      if (config.get(name).has("deploy")) environments.add(name);
    });

    assertTrue(environments.containsAll(List.of("default", "production")), environments.toString());
    for (String environment : environments) {
      JsonNode deploy = config.path(environment).path("deploy").path("parameters");
      JsonNode global = config.path(environment).path("global").path("parameters");
      assertFalse(deploy.path("region").asText(global.path("region").asText()).isBlank(), environment + ": region");
      assertFalse(deploy.path("stack_name").asText(global.path("stack_name").asText()).isBlank(),
          environment + ": stack_name");
      assertTrue(deploy.path("capabilities").asText().contains("CAPABILITY_IAM"), environment + ": capabilities");
      String overrides = deploy.path("parameter_overrides").asText();
      String section = section(text, "[" + environment + ".deploy.parameters]");
      for (String parameter : required) {
        boolean given = overrides.matches("(.*\\s)?" + parameter + "=.*");
        boolean guided = section.contains("Required and asked for by --guided: ") && section.contains(parameter)
            && readme.contains("sam deploy --guided" + (environment.equals("default") ? "" : " --config-env "
                + environment)) && readme.contains(parameter);
        assertTrue(given || guided, environment + ": " + parameter + " has no default, is not in parameter_overrides"
            + " and is not documented as asked for by --guided");
      }
    }
  }

  private static String section(String toml, String header) {
    int start = toml.indexOf(header);
    if (start < 0) return "";
    int next = toml.indexOf("\n[", start + header.length());
    return toml.substring(start, next < 0 ? toml.length() : next);
  }
}
