package payscore.template;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a CloudFormation/SAM YAML template into the JSON form CloudFormation itself uses.
 *
 * <p>Jackson's tree reader drops YAML tags, so {@code !Ref Queue} would become the bare string
 * {@code "Queue"} and {@code !GetAtt Queue.Arn} the string {@code "Queue.Arn"}, indistinguishable
 * from literals. This reader walks the YAML tokens itself and turns every short-form tag into its
 * long form, as {@code cfn-lint} and CloudFormation do:
 *
 * <ul>
 *   <li>{@code !Ref X} becomes {@code {"Ref": "X"}} and {@code !Condition C} {@code {"Condition": "C"}};
 *   <li>{@code !GetAtt A.B} becomes {@code {"Fn::GetAtt": ["A", "B"]}} (split at the first dot);
 *   <li>any other {@code !Name value} becomes {@code {"Fn::Name": value}}.
 * </ul>
 *
 * <p>The static helpers then answer "which logical id does this value refer to?".
 */
final class CloudFormationYaml {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9:]+)(?:\\.[^}]*)?}");

  private CloudFormationYaml() {}

  static ObjectNode read(Path file) {
    try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
      parser.nextToken();
      return (ObjectNode) node(parser);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** The node at the parser's current token; leaves the parser on that node's last token. */
  private static JsonNode node(YAMLParser parser) throws IOException {
    String tag = parser.getTypeId(); // read before moving on: it belongs to the current event
    JsonToken token = parser.currentToken();
    JsonNode value = switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          object.set(name, node(parser));
        }
        yield object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) array.add(node(parser));
        yield array;
      }
      case VALUE_STRING -> NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT -> NODES.numberNode(parser.getLongValue());
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(parser.getBooleanValue());
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new IllegalStateException("unexpected YAML token " + token);
    };
    return tag == null ? value : intrinsic(tag, value);
  }

  private static JsonNode intrinsic(String tag, JsonNode value) {
    ObjectNode longForm = NODES.objectNode();
    switch (tag) {
      case "Ref", "Condition" -> longForm.set(tag, value);
      case "GetAtt" -> {
        if (value.isTextual()) {
          String[] parts = value.asText().split("\\.", 2);
          ArrayNode pair = NODES.arrayNode().add(parts[0]);
          if (parts.length > 1) pair.add(parts[1]);
          longForm.set("Fn::GetAtt", pair);
        } else {
          longForm.set("Fn::GetAtt", value);
        }
      }
      default -> longForm.set("Fn::" + tag, value);
    }
    return longForm;
  }

  /**
   * The logical id a value points at directly: {@code Ref X} (also SAM's {@code Ref X.Alias}) or
   * {@code Fn::GetAtt [X, attribute]}. Anything else (a literal, a Sub, a list) is empty.
   */
  static Optional<String> target(JsonNode value) {
    if (value == null || !value.isObject() || value.size() != 1) return Optional.empty();
    if (value.path("Ref").isTextual()) return Optional.of(value.get("Ref").asText().split("\\.", 2)[0]);
    JsonNode getAtt = value.path("Fn::GetAtt");
    if (getAtt.isArray() && getAtt.size() == 2 && getAtt.get(0).isTextual()) return Optional.of(getAtt.get(0).asText());
    return Optional.empty();
  }

  /** Every logical id a value mentions anywhere: Refs, GetAtts and {@code ${X}} in Subs. */
  static Set<String> mentions(JsonNode value) {
    Set<String> ids = new LinkedHashSet<>();
    collect(value, ids);
    return ids;
  }

  private static void collect(JsonNode value, Set<String> ids) {
    if (value == null) return;
    target(value).ifPresent(ids::add);
    JsonNode sub = value.path("Fn::Sub");
    String text = sub.isTextual() ? sub.asText() : sub.path(0).isTextual() ? sub.path(0).asText() : null;
    if (text != null) {
      Matcher matcher = SUB_VARIABLE.matcher(text);
      while (matcher.find()) ids.add(matcher.group(1));
    }
    if (value.isContainerNode()) value.forEach(child -> collect(child, ids));
  }
}
