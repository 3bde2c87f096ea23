package payscore.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON trees read and written with Jackson's streaming parser and generator alone. The tree
 * types are databind's ({@link JsonNode}), but no {@code ObjectMapper} is ever built: its set-up
 * costs about 100 ms of CPU and 500 classes at a cold start, for nothing a tree needs.
 *
 * <p>Reading is strict: a repeated key or anything after the root value is an error.
 */
public final class JsonTrees {
  private static final JsonFactory FACTORY = new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** The tree of {@code text}; null for empty input. */
  public static JsonNode read(String text) throws IOException {
    try (JsonParser parser = FACTORY.createParser(text)) {
      return root(parser);
    }
  }

  public static JsonNode read(byte[] bytes) throws IOException {
    try (JsonParser parser = FACTORY.createParser(bytes)) {
      return root(parser);
    }
  }

  public static JsonNode read(InputStream input) throws IOException {
    try (JsonParser parser = FACTORY.createParser(input)) {
      return root(parser);
    }
  }

  public static void write(JsonNode node, OutputStream output) throws IOException {
    try (JsonGenerator generator = FACTORY.createGenerator(output, JsonEncoding.UTF8)) {
      value(generator, node);
    }
  }

  /** Compact JSON text; use this, never {@link JsonNode#toString()}, which builds an ObjectMapper. */
  public static String text(JsonNode node) {
    StringWriter text = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(text)) {
      value(generator, node);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory JSON write failed", e);
    }
    return text.toString();
  }

  public static byte[] bytes(JsonNode node) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(node, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory JSON write failed", e);
    }
    return bytes.toByteArray();
  }

  private static JsonNode root(JsonParser parser) throws IOException {
    JsonToken first = parser.nextToken();
    if (first == null) return null;
    JsonNode root = node(parser, first);
    if (parser.nextToken() != null) throw new JsonParseException(parser, "Trailing token after the JSON value");
    return root;
  }

  private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT: {
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          object.set(name, node(parser, parser.nextToken()));
        }
        return object;
      }
      case START_ARRAY: {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
          array.add(node(parser, next));
        }
        return array;
      }
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        switch (parser.getNumberType()) {
          case INT:
            return NODES.numberNode(parser.getIntValue());
          case LONG:
            return NODES.numberNode(parser.getLongValue());
          default:
            return NODES.numberNode(parser.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(parser.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(parser, "Unexpected token " + token);
    }
  }

  private static void value(JsonGenerator generator, JsonNode node) throws IOException {
    if (node == null || node.isNull() || node.isMissingNode()) {
      generator.writeNull();
    } else if (node.isObject()) {
      generator.writeStartObject();
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        generator.writeFieldName(field.getKey());
        value(generator, field.getValue());
      }
      generator.writeEndObject();
    } else if (node.isArray()) {
      generator.writeStartArray();
      for (JsonNode item : node) value(generator, item);
      generator.writeEndArray();
    } else if (node.isTextual()) {
      generator.writeString(node.textValue());
    } else if (node.isBoolean()) {
      generator.writeBoolean(node.booleanValue());
    } else if (node.isIntegralNumber()) {
      if (node.canConvertToLong()) generator.writeNumber(node.longValue()); else generator.writeNumber(node.bigIntegerValue());
    } else if (node.isNumber()) {
      if (node.isBigDecimal()) generator.writeNumber(node.decimalValue()); else generator.writeNumber(node.doubleValue());
    } else {
      generator.writeString(node.asText());
    }
  }
}
