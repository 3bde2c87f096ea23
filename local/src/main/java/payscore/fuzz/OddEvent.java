package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URLEncoder;
import java.util.Base64;
import java.util.Locale;
import java.util.Random;
import payscore.fuzz.FuzzCase.Expect;
import payscore.fuzz.FuzzText.Flavour;

/**
 * A valid body in an odd API Gateway event: the order in odd path parameters or raw paths, the
 * other payload version, odd versions, methods, bodies, headers, or no event object at all.
 */
final class OddEvent extends CaseBuilder {
  private BodyModel m;
  private String body;
  private String order;
  private boolean v1;
  private ObjectNode event;
  private Expect expect;
  private BodyModel model;
  private String note;
  private byte[] rawEvent = null;
  private JsonNode replacement = null;

  OddEvent(Random random, OrderLedger ledger, String kind) {
    super(random, ledger, kind);
  }

  @Override
  FuzzCase build() {
    m = BodyModel.random(r);
    body = FuzzText.compact(m.node(r, r.nextBoolean()));
    order = ledger.fresh(r);
    v1 = r.nextInt(3) == 0;
    event = v1 ? v1("POST", order) : post(order);
    event.put("body", body);
    expect = Expect.sent();
    model = m;
    switch (kind) {
      case "event/path-param" -> {
        if (!pathParameter()) return null;
      }
      case "event/null-event" -> {
        // handle() only: the stream entry always parses something
        return new FuzzCase(kind, null, null, false, Expect.clientError(), null, null, "handle(null, end)");
      }
      case "event/raw-path", "event/raw-path-loose" -> rawPath();
      case "event/payload-1.0", "event/version-odd", "event/method",
          "event/body-not-string", "event/headers" -> envelope();
      default -> wholeEventOrBody();
    }
    if (model != null && order != null && expect.type() == Expect.Type.SENT) expect = expectValid(order, model);
    boolean viaStream = rawEvent != null || stream();
    JsonNode finalEvent = kind.equals("event/not-object") && rawEvent == null ? replacement : event;
    return new FuzzCase(kind, finalEvent, rawEvent, viaStream, expect, order, model, note);
  }

  /** The order number in odd path parameters; false when the order number is taken. */
  private boolean pathParameter() {
    switch (kind) {
      case "event/path-param" -> {
        ObjectNode params = (ObjectNode) event.get("pathParameters");
        switch (r.nextInt(9)) {
          case 0 -> {
            order = ledger.freshOdd(r);
            event = v1 ? v1("POST", order) : post(order);
            event.put("body", body);
            note = "order with '|' and '*': " + order;
          }
          case 1 -> {
            order = ledger.fresh(r, r.nextBoolean() ? 32 : 1);
            event = v1 ? v1("POST", order) : post(order);
            event.put("body", body);
            note = order.length() + "-character order " + order;
          }
          case 2 -> {
            params.putNull("out_order_no");
            expect = Expect.invalid("out_order_no");
            model = null;
            order = null;
            note = "out_order_no null: never taken from the raw path";
          }
          case 3 -> {
            if (r.nextBoolean()) event.remove("pathParameters"); else event.set("pathParameters", r.nextBoolean()
                ? NODES.objectNode() : NullNode.getInstance());
            expect = Expect.invalid("out_order_no");
            model = null;
            order = null;
            note = "pathParameters " + event.get("pathParameters") + ": never taken from the raw path";
          }
          case 4 -> {
            long number = 100_000_000_000L + (r.nextLong() & 0xFFFFFFFFFL);
            order = Long.toString(number);
            if (!ledger.claimName(order)) return false;
            params.put("out_order_no", number);
            expect = Expect.any();
            note = "out_order_no as a JSON number " + number;
          }
          case 5 -> {
            params.set("out_order_no", r.nextBoolean() ? NODES.objectNode() : array(TextNode.valueOf(order)));
            expect = Expect.invalid("out_order_no");
            note = "out_order_no " + params.get("out_order_no");
            order = null;
          }
          default -> {
            String bad = badOrder();
            event = v1 ? v1("POST", bad) : post(bad);
            event.put("body", body);
            expect = Expect.invalid("out_order_no");
            note = "path out_order_no " + FuzzText.quoted(bad);
            order = null;
          }
        }
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return true;
  }

  /** The order number only in the raw path, encoded oddly, or a path that is not the route. */
  private void rawPath() {
    switch (kind) {
      case "event/raw-path" -> {
        String segment;
        String prefix = "/service-orders/";
        String suffix = "/pending-message";
        switch (r.nextInt(12)) {
          case 0 -> {
            segment = URLEncoder.encode(order, UTF_8);
            note = "path " + segment;
          }
          case 1 -> {
            order = ledger.freshOdd(r);
            segment = encodeAll(order, r.nextBoolean());
            note = "every character percent-encoded";
          }
          case 2 -> {
            segment = URLEncoder.encode(order, UTF_8).replace("%7C", "%7c").replace("*", "%2A");
            suffix = r.nextBoolean() ? "/pending-message/" : suffix;
            note = "lower-case escapes";
          }
          case 3 -> {
            segment = URLEncoder.encode(order, UTF_8);
            prefix = pick("/prod/service-orders/", "//service-orders/", "/v1/service-orders/");
            expect = Expect.any();
            note = "prefix " + prefix;
          }
          case 4 -> {
            segment = pick("", " ", "%20", "A%20B", "A+B", "%ZZ", "%", "%E8%AE%A2%E5%8D%95", "a%2Fb", "..", ".",
                "%2E%2E", "A%00B", "%25", "%257C", "%F0%9F%98%80", "%C0%AF", FuzzText.orderChars(r, 33));
            expect = Expect.invalid("out_order_no");
            note = "path segment " + FuzzText.quoted(segment);
            order = null;
          }
          case 5 -> {
            segment = null;
            String path = pick("/pending-message", "", "/", "/service-orders", "/service-orders/", "/service-orders/a/b",
                "service-orders/x/pending", "/SERVICE-ORDERS/ABC/PENDING-MESSAGE", "\u0000", "/service-orders/\n/pending-message");
            event.put(v1 ? "path" : "rawPath", path);
            expect = Expect.clientError();
            note = "path " + FuzzText.quoted(path);
            order = null;
          }
          case 6 -> {
            segment = null;
            event.remove(v1 ? "path" : "rawPath");
            expect = Expect.invalid("out_order_no");
            note = "no path at all";
            order = null;
          }
          case 7 -> {
            segment = null;
            event.set(v1 ? "path" : "rawPath", pick(IntNode.valueOf(42), NullNode.getInstance(), NODES.objectNode(),
                array(TextNode.valueOf("/service-orders/" + order + "/pending-message"))));
            expect = Expect.clientError();
            note = "path " + event.get(v1 ? "path" : "rawPath");
            order = null;
          }
          default -> {
            segment = URLEncoder.encode(order, UTF_8);
            note = "path " + segment;
          }
        }
        if (segment != null) event.put(v1 ? "path" : "rawPath", prefix + segment + suffix);
        if (r.nextBoolean()) event.remove("pathParameters"); else event.set("pathParameters", NullNode.getInstance());
        // The route and its parameters are API Gateway's; whatever the raw path holds, it is never read.
        expect = Expect.invalid("out_order_no");
        model = null;
        order = null;
      }
      case "event/raw-path-loose" -> {
        // Not the route, and without path parameters: the raw path is never read for the order.
        String path = pick("/service-orders/%s/pending-messages", "/service-orders/%s/pending-message/extra",
            "/service-orders/%s/pending-message.json", "/admin/service-orders/%s/pending-message",
            "/service-orders/%s/pending-message/../../other", "/x/service-orders/%s/pending-message?y");
        path = String.format(path, URLEncoder.encode(order, UTF_8));
        event.put(v1 ? "path" : "rawPath", path);
        event.remove("pathParameters");
        expect = Expect.invalid("out_order_no");
        model = null;
        order = null;
        note = "path " + path;
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** The envelope: the REST API payload, an odd version, method, body type or headers. */
  private void envelope() {
    switch (kind) {
      case "event/payload-1.0" -> {
        event = v1("POST", order);
        if (r.nextBoolean()) event.put("version", "1.0");
        if (r.nextBoolean()) setBase64(event, body.getBytes(UTF_8)); else event.put("body", body);
        if (r.nextBoolean()) event.set("multiValueHeaders", NODES.objectNode().set("X", array(NullNode.getInstance())));
        note = "REST API payload";
      }
      case "event/version-odd" -> {
        JsonNode version = pick(NullNode.getInstance(), TextNode.valueOf("1.0"), TextNode.valueOf("3.0"),
            TextNode.valueOf("2"), TextNode.valueOf(" 2.0"), MissingNode.getInstance(), DoubleNode.valueOf(2.0));
        event = post(order);
        event.put("body", body);
        if (version.isMissingNode()) event.remove("version"); else event.set("version", version);
        expect = version.isNumber() ? Expect.any() : Expect.clientError();
        note = "version " + version;
      }
      case "event/method" -> {
        JsonNode method = pick(TextNode.valueOf("post"), TextNode.valueOf("Post"), TextNode.valueOf("pOsT"),
            TextNode.valueOf("PUT"), TextNode.valueOf("DELETE"), TextNode.valueOf("PATCH"), TextNode.valueOf("OPTIONS"),
            TextNode.valueOf("HEAD"), TextNode.valueOf(""), TextNode.valueOf("POST "), TextNode.valueOf("P0ST"),
            TextNode.valueOf("\uff30\uff2f\uff33\uff34"), IntNode.valueOf(42), NODES.objectNode(), NullNode.getInstance(),
            MissingNode.getInstance(), TextNode.valueOf("get"), TextNode.valueOf("GeT"));
        ObjectNode holder = v1 ? event : (ObjectNode) event.get("requestContext").get("http");
        String field = v1 ? "httpMethod" : "method";
        if (method.isMissingNode()) holder.remove(field); else holder.set(field, method);
        String upper = method.isTextual() ? method.textValue().toUpperCase(Locale.ROOT) : "";
        if (!v1) {
          expect = Expect.sent(); // HTTP API: the routeKey names the method; requestContext.http.method is not read
        } else if (upper.equals("POST")) {
          expect = Expect.sent();
        } else if (upper.equals("GET")) {
          expect = Expect.status(404, "NOT_FOUND");
          model = null;
        } else {
          expect = Expect.clientError();
          model = null;
        }
        note = "method " + (method.isMissingNode() ? "missing" : method.toString());
      }
      case "event/body-not-string" -> {
        JsonNode value = pick(MissingNode.getInstance(), NullNode.getInstance(), IntNode.valueOf(42),
            m.node(r, false), array(m.node(r, false)), BooleanNode.TRUE, TextNode.valueOf(""));
        if (value.isMissingNode()) event.remove("body"); else event.set("body", value);
        if (r.nextBoolean()) event.put("isBase64Encoded", r.nextBoolean());
        expect = Expect.invalid("body");
        model = null;
        note = "body " + (value.isMissingNode() ? "missing" : value.getNodeType().toString());
      }
      case "event/headers" -> {
        switch (r.nextInt(8)) {
          case 0 -> event.remove("headers");
          case 1 -> event.set("headers", NullNode.getInstance());
          case 2 -> event.set("headers", NODES.arrayNode().add("content-type: application/json"));
          case 3 -> event.set("headers", NODES.objectNode().put("content-type", "text/plain"));
          case 4 -> event.set("headers", NODES.objectNode().put("CONTENT-TYPE", "application/json; charset=GBK")
              .put("Content-Length", "-1"));
          case 5 -> event.set("headers", NODES.objectNode().put("Content-Type", 42).putNull("Host"));
          case 6 -> {
            ObjectNode headers = NODES.objectNode();
            for (int i = 0; i < 200; i++) headers.put("x-h" + i + FuzzText.text(r, 3, Flavour.MIXED), FuzzText.text(r, 20,
                Flavour.SPECIAL));
            event.set("headers", headers);
          }
          default -> event.set("headers", NODES.objectNode().put("content-type", "application/json\r\nX-Injected: 1")
              .put("x-forwarded-for", "\u0000"));
        }
        expect = Expect.any();
        note = "headers " + FuzzText.truncate(String.valueOf(event.get("headers")), 60);
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** No event object at all, a huge body, an odd base64 flag, fields the function does not read. */
  private void wholeEventOrBody() {
    switch (kind) {
      case "event/not-object" -> {
        model = null;
        order = null;
        expect = Expect.clientError();
        if (r.nextBoolean()) {
          String text = pick("[]", "[1,2,3]", "\"POST\"", "42", "null", "true", "{}", "", "   ", "[" + FuzzText.compact(event)
              + "]", FuzzText.quoted(body));
          rawEvent = text.getBytes(UTF_8);
          note = "event " + FuzzText.truncate(text, 40);
        } else {
          replacement = pick(NODES.arrayNode(), array(event), TextNode.valueOf("POST"), IntNode.valueOf(42),
              NullNode.getInstance(), BooleanNode.TRUE, NODES.objectNode(), MissingNode.getInstance(), TextNode.valueOf(body));
          note = "event " + replacement.getNodeType();
        }
      }
      case "event/huge-body" -> {
        int size = (1 << 20) * (1 + r.nextInt(3));
        event.put("body", "{" + " ".repeat(size) + body.substring(1));
        expect = Expect.invalid("body");
        model = null;
        note = size + " spaces in the body";
      }
      case "event/base64-flag-odd" -> {
        JsonNode flag = pick(TextNode.valueOf("true"), IntNode.valueOf(1), TextNode.valueOf("yes"), NullNode.getInstance(),
            NODES.objectNode(), TextNode.valueOf("false"), IntNode.valueOf(0));
        if (r.nextBoolean()) event.put("body", Base64.getEncoder().encodeToString(body.getBytes(UTF_8)));
        event.set("isBase64Encoded", flag);
        expect = Expect.any();
        note = "isBase64Encoded " + flag + (event.get("body").asText().startsWith("{") ? " with JSON" : " with base64");
      }
      case "event/extra-fields" -> {
        event.put("cookies", 42);
        event.set("queryStringParameters", NODES.arrayNode().add("x"));
        event.put("stageVariables", "x");
        event.putNull("rawQueryString");
        event.set("multiValueQueryStringParameters", NODES.objectNode().set("a", NODES.objectNode()));
        // The raw path is not read (the route is routeKey's, or resource and httpMethod's).
        event.remove(event.has("resource") ? "path" : "rawPath");
        ((ObjectNode) event.get("requestContext")).set("authorizer", randomJson(3));
        note = "fields the function does not read, with odd values";
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }
}
