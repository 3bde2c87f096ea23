package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URLEncoder;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import payscore.fuzz.BodyFields.Field;
import payscore.fuzz.FuzzCase.Expect;
import payscore.fuzz.FuzzText.Flavour;
import payscore.harness.FunctionHarness;

/**
 * What building one fuzz case of any family draws on: the generator's randomness and order ledger,
 * random picks and JSON values, order numbers the contract refuses, and API Gateway events (the
 * {@code events/} files) for an order.
 */
abstract class CaseBuilder {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectNode V2_POST = FunctionHarness.event("http-api-send.json");
  private static final ObjectNode V1_POST = FunctionHarness.event("rest-api-send.json");
  private static final ObjectNode V2_GET = FunctionHarness.event("http-api-get-status.json");
  static final Set<String> TOP_LEVEL =
      Set.of("out_order_no", "service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time");
  static final Set<String> ITEM_FIELDS = Set.of("name", "amount", "description", "count");

  final Random r;
  final OrderLedger ledger;
  final String kind;

  CaseBuilder(Random random, OrderLedger ledger, String kind) {
    this.r = random;
    this.ledger = ledger;
    this.kind = kind;
  }

  /** The case, or null when this kind cannot be made now (e.g. nothing has been sent to replay yet). */
  abstract FuzzCase build();

  /** What a valid body for {@code order} gets, given what earlier cases did with the order. */
  Expect expectValid(String order, BodyModel m) {
    OrderLedger.Sent sent = ledger.sent.get(order);
    if (sent == null) return Expect.sent();
    if (sent.model() == null) return Expect.any();
    return sent.model().wechatTree().equals(m.wechatTree()) ? Expect.replay() : Expect.status(409, "PAYLOAD_MISMATCH");
  }

  <T> T pick(List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  @SafeVarargs
  final <T> T pick(T... values) {
    return values[r.nextInt(values.length)];
  }

  Field pickField(BodyModel m, java.util.function.Predicate<Field> filter) {
    List<Field> candidates = BodyFields.of(m).stream().filter(filter).toList();
    return candidates.isEmpty() ? null : pick(candidates);
  }

  static ArrayNode array(JsonNode item) {
    ArrayNode array = NODES.arrayNode();
    array.add(item);
    return array;
  }

  /** Any JSON value, at most {@code depth} levels deep. */
  JsonNode randomJson(int depth) {
    int pick = r.nextInt(depth <= 0 ? 6 : 8);
    return switch (pick) {
      case 0 -> NullNode.getInstance();
      case 1 -> BooleanNode.valueOf(r.nextBoolean());
      case 2 -> LongNode.valueOf(r.nextLong() >> r.nextInt(64));
      case 3 -> DoubleNode.valueOf(r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
      case 4, 5 -> TextNode.valueOf(FuzzText.text(r, r.nextInt(12), Flavour.SPECIAL));
      case 6 -> {
        ArrayNode array = NODES.arrayNode();
        for (int i = r.nextInt(4); i > 0; i--) array.add(randomJson(depth - 1));
        yield array;
      }
      default -> {
        ObjectNode object = NODES.objectNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          String key = r.nextInt(3) == 0 ? pick(List.copyOf(TOP_LEVEL)) : FuzzText.text(r, r.nextInt(8), Flavour.MIXED);
          object.set(key, randomJson(depth - 1));
        }
        yield object;
      }
    };
  }

  /** Order numbers the contract refuses. */
  String badOrder() {
    return switch (r.nextInt(17)) {
      case 0 -> "";
      case 1 -> FuzzText.orderChars(r, 33);
      case 2 -> "ORDER " + r.nextInt(1000);
      case 3 -> "订单" + r.nextInt(1000);
      case 4 -> "A.B";
      case 5 -> "..";
      case 6 -> "../x";
      // Path parameters are decoded once: %25 stays a literal %, which no order number holds.
      case 7 -> "A%25" + FuzzText.orderChars(r, 4);
      case 8 -> "A\tB";
      case 9 -> "\uD83D\uDE00";
      case 10 -> "A/B";
      case 11 -> "A+B";
      case 12 -> "A%2FB";
      case 13 -> FuzzText.orderChars(r, 1000);
      case 14 -> "A\u0000B";
      case 15 -> "\uff21\uff22\uff23";
      default -> " " + FuzzText.orderChars(r, 5);
    };
  }

  static String encodeAll(String text, boolean lower) {
    StringBuilder s = new StringBuilder();
    for (byte b : text.getBytes(UTF_8)) s.append(String.format(lower ? "%%%02x" : "%%%02X", b & 0xFF));
    return s.toString();
  }

  /** Whether the case goes through the stream entry (as Lambda calls it) rather than handle(). */
  boolean stream() {
    return r.nextInt(10) < 3;
  }

  /** An HTTP API (2.0) POST for this order, without a body. */
  static ObjectNode post(String order) {
    ObjectNode event = V2_POST.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("rawPath", path);
    ObjectNode http = (ObjectNode) event.get("requestContext").get("http");
    http.put("path", path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.remove("body");
    return event;
  }

  static ObjectNode getEvent(String order) {
    ObjectNode event = V2_GET.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("rawPath", path);
    ((ObjectNode) event.get("requestContext").get("http")).put("path", path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    return event;
  }

  /** A REST API (1.0) event for this order, without a body. */
  static ObjectNode v1(String method, String order) {
    ObjectNode event = V1_POST.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("httpMethod", method);
    event.put("path", path);
    ObjectNode context = (ObjectNode) event.get("requestContext");
    context.put("httpMethod", method);
    context.put("path", "/prod" + path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.remove("body");
    event.put("isBase64Encoded", false);
    if (method.equals("GET")) {
      event.remove("multiValueHeaders");
      ((ObjectNode) event.get("headers")).remove("Content-Type");
    }
    return event;
  }

  static void setBase64(ObjectNode event, byte[] body) {
    event.put("body", Base64.getEncoder().encodeToString(body));
    event.put("isBase64Encoded", true);
  }
}
