package payscore.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * An API Gateway answer as the function returned it through the runtime: status, headers and the
 * JSON body parsed. Fails (as a test failure) when the function's answer is not that shape.
 */
public record ApiAnswer(int status, JsonNode headers, JsonNode body, String raw) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Sends {@code event} and reads the answer; a Lambda error (timeout, crash) fails the test with its payload. */
  public static ApiAnswer invoke(LocalLambda function, JsonNode event) {
    String raw;
    try {
      raw = function.invoke(event.toString());
    } catch (FunctionError e) {
      throw new AssertionError("the function gave no answer but a Lambda error (" + e.kind() + "): " + e.payload()
          + "\n" + LambdaLogs.excerpt(function.logs()), e);
    }
    return parse(raw);
  }

  public static ApiAnswer parse(String raw) {
    try {
      JsonNode response = JSON.readTree(raw);
      if (response == null || !response.path("statusCode").isInt() || !response.path("body").isTextual()) {
        throw new AssertionError("not an API Gateway answer: " + raw);
      }
      JsonNode body = JSON.readTree(response.path("body").asText());
      if (body == null || !body.isObject()) {
        throw new AssertionError("the answer's body is not a JSON object: " + raw);
      }
      return new ApiAnswer(response.path("statusCode").asInt(), response.path("headers"), body, raw);
    } catch (IOException e) {
      throw new AssertionError("the answer is not JSON: " + raw, e);
    }
  }

  /** The error code, or null for a success. */
  public String code() {
    return body.path("code").asText(null);
  }

  /** A response header, matched case-insensitively, or null. */
  public String header(String name) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = headers.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getKey().equalsIgnoreCase(name)) return field.getValue().asText();
    }
    return null;
  }

  @Override
  public String toString() {
    return raw;
  }

  static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
