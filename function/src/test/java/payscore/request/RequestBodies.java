package payscore.request;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;

/**
 * Test support for the request package: realistic bodies, a builder that replaces one field by its
 * contract path (e.g. {@code post_payments[3].name}), and assertions on the reported errors.
 */
final class RequestBodies {
  private RequestBodies() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** The order number used for HTTP requests (the path parameter). */
  static final String ORDER_NO = "1234323JKHDFE1243252";

  /** The sub-merchant of partner (服务商) requests. */
  static final String SUB_MCHID = "1900000109";

  /** The contract's example body, compact. */
  static final String EXAMPLE = """
      {"service_id":"2002000000000558128851361561536",\
      "post_payments":[{"name":"就餐费用","amount":40000,"description":"就餐人均100元","count":4}],\
      "post_discounts":[{"name":"满20减1元","description":"不与其他优惠叠加","amount":100,"count":1}],\
      "total_amount":39900,"prepaid_time":"20231218"}""";

  /** U+1F600, a 4-byte UTF-8 character (a surrogate pair in Java). */
  static final String EMOJI = "\uD83D\uDE00";

  /** A CJK character: 3 bytes of UTF-8, but one character. */
  static final String HAN = "费";

  static byte[] utf8(String text) {
    return text.getBytes(UTF_8);
  }

  static byte[] resource(String name) {
    try (InputStream in = RequestBodies.class.getResourceAsStream("/request/" + name)) {
      assertNotNull(in, "missing test resource /request/" + name);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) length += part.length;
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }

  static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) bytes[i] = (byte) values[i];
    return bytes;
  }

  // ---------------------------------------------------------------------------------------------
  // Assertions
  // ---------------------------------------------------------------------------------------------

  /** Runs the read and returns the errors it reported; fails if it succeeded or threw anything else. */
  static List<FieldError> errorsOf(Executable read) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, read);
    assertFalse(e.errors().isEmpty(), "an InvalidRequestException must carry at least one error");
    for (FieldError error : e.errors()) {
      assertNotNull(error.field(), "every error names a field");
      assertFalse(error.field().isBlank(), "every error names a field");
      assertNotNull(error.message(), "every error has a message");
      assertFalse(error.message().isBlank(), "every error has a message");
    }
    return e.errors();
  }

  /**
   * Asserts exactly one error, for {@code field}, whose message mentions at least one of the
   * fragments (case-insensitive).
   */
  static void assertOnlyError(List<FieldError> errors, String field, String... anyOfFragments) {
    assertEquals(1, errors.size(), () -> "expected exactly one error for " + field + " but got " + errors);
    assertError(errors.get(0), field, anyOfFragments);
  }

  static void assertError(FieldError error, String field, String... anyOfFragments) {
    assertEquals(field, error.field(), () -> "field path of " + error);
    String message = error.message().toLowerCase(Locale.ROOT);
    boolean mentioned = anyOfFragments.length == 0;
    for (String fragment : anyOfFragments) {
      mentioned |= message.contains(fragment.toLowerCase(Locale.ROOT));
    }
    assertTrue(mentioned, () -> "message of " + error + " should mention one of " + List.of(anyOfFragments));
  }

  static List<String> fields(List<FieldError> errors) {
    List<String> fields = new ArrayList<>();
    for (FieldError error : errors) fields.add(error.field());
    return fields;
  }

  /** Malformed input may only ever end in a result or an InvalidRequestException. */
  static void assertOnlyInvalidRequestEscapes(String label, Executable read) {
    try {
      read.execute();
    } catch (InvalidRequestException e) {
      assertFalse(e.errors().isEmpty(), () -> label + ": InvalidRequestException without errors");
    } catch (Throwable t) {
      fail(label + ": expected success or InvalidRequestException but got " + t, t);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Body builder
  // ---------------------------------------------------------------------------------------------

  /** A JSON body under construction; paths are the contract's, e.g. {@code post_discounts[1].count}. */
  static final class Body {
    private static final Pattern STEP = Pattern.compile("([A-Za-z_]+)(?:\\[(\\d+)])?");

    private final ObjectNode root;
    private final Map<String, String> raw = new LinkedHashMap<>();

    private Body(ObjectNode root) {
      this.root = root;
    }

    /** The contract's example. */
    static Body example() {
      return parse(EXAMPLE);
    }

    /** The contract's example as an SQS message: with {@code out_order_no}. */
    static Body queued() {
      return example().set("out_order_no", ORDER_NO);
    }

    /** The contract's example as a partner request: with {@code sub_mchid}, written last. */
    static Body partner() {
      return example().set("sub_mchid", SUB_MCHID);
    }

    /** The smallest valid body: one payment with a name only, no discounts. */
    static Body minimal() {
      return parse("""
          {"service_id":"S1","post_payments":[{"name":"n"}],"total_amount":0,"prepaid_time":"20240101"}""");
    }

    static Body parse(String json) {
      try {
        return new Body((ObjectNode) JSON.readTree(json));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(e);
      }
    }

    /** Sets (or, for index == size, appends) the value at a path. */
    Body set(String path, Object value) {
      JsonNode node = value == null ? NullNode.getInstance()
          : value instanceof JsonNode json ? json : JSON.valueToTree(value);
      List<String[]> steps = steps(path);
      JsonNode parent = root;
      for (int i = 0; i < steps.size(); i++) {
        String name = steps.get(i)[0];
        String index = steps.get(i)[1];
        boolean last = i == steps.size() - 1;
        if (index == null) {
          if (last) {
            ((ObjectNode) parent).set(name, node);
            return this;
          }
          parent = parent.get(name);
        } else {
          ArrayNode array = (ArrayNode) parent.get(name);
          int at = Integer.parseInt(index);
          if (last) {
            if (at == array.size()) array.add(node);
            else array.set(at, node);
            return this;
          }
          parent = array.get(at);
        }
      }
      throw new IllegalArgumentException(path);
    }

    /** Sets the value at a path to literal JSON text, e.g. {@code 1e3}, which Jackson would not write. */
    Body setRaw(String path, String rawJson) {
      String token = "@@raw-" + raw.size() + "@@";
      set(path, token);
      raw.put("\"" + token + "\"", rawJson);
      return this;
    }

    Body remove(String path) {
      List<String[]> steps = steps(path);
      JsonNode parent = root;
      for (int i = 0; i < steps.size(); i++) {
        String name = steps.get(i)[0];
        String index = steps.get(i)[1];
        boolean last = i == steps.size() - 1;
        if (last && index == null) {
          ((ObjectNode) parent).remove(name);
          return this;
        }
        parent = parent.get(name);
        if (index != null) {
          if (last) {
            ((ArrayNode) parent).remove(Integer.parseInt(index));
            return this;
          }
          parent = parent.get(Integer.parseInt(index));
        }
      }
      throw new IllegalArgumentException(path);
    }

    /** Replaces the payments with {@code n} items of 1 fen each, drops the discounts, and fixes the total. */
    Body payments(int n) {
      ArrayNode payments = JSON.createArrayNode();
      for (int i = 0; i < n; i++) payments.addObject().put("name", "item " + i).put("amount", 1);
      root.set("post_payments", payments);
      root.remove("post_discounts");
      root.put("total_amount", n);
      return this;
    }

    /** Replaces the discounts with {@code n} items with distinct names and no amount; fixes the total. */
    Body discounts(int n) {
      ArrayNode discounts = JSON.createArrayNode();
      for (int i = 0; i < n; i++) discounts.addObject().put("name", "discount " + i).put("count", 1);
      root.set("post_discounts", discounts);
      root.put("total_amount", 40000);
      return this;
    }

    ObjectNode node() {
      return root.deepCopy();
    }

    String json() {
      try {
        String json = JSON.writeValueAsString(root);
        for (Map.Entry<String, String> entry : raw.entrySet()) json = json.replace(entry.getKey(), entry.getValue());
        return json;
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    byte[] bytes() {
      return utf8(json());
    }

    private static List<String[]> steps(String path) {
      List<String[]> steps = new ArrayList<>();
      for (String part : path.split("\\.")) {
        Matcher m = STEP.matcher(part);
        if (!m.matches()) throw new IllegalArgumentException("bad path " + path);
        steps.add(new String[] {m.group(1), m.group(2)});
      }
      return steps;
    }

    @Override
    public String toString() {
      return json();
    }
  }
}
