package payscore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Lambda events for the whole-graph tests, made from the real-shaped files under
 * {@code src/test/resources/events/} (copies of the repository's {@code events/}, which
 * {@code sam build} does not copy) with the route, order, body and caller of each test.
 */
final class Events {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectNode HTTP_API_SEND = load("http-api-send.json");
  private static final ObjectNode HTTP_API_GET = load("http-api-get-status.json");
  private static final ObjectNode REST_API_SEND = load("rest-api-send.json");
  private static final ObjectNode SQS_BATCH = load("sqs-batch.json");

  private Events() {}

  /** The two payload versions API Gateway sends; both must get the same answers. */
  enum Payload {
    /** HTTP API, payload 2.0: {@code requestContext.http.method}, {@code rawPath}, the IAM authorizer's caller. */
    HTTP_API_2_0 {
      @Override
      ObjectNode post(String orderNo, String body) {
        ObjectNode event = route(HTTP_API_SEND, "POST", "/service-orders/{out_order_no}/pending-message",
            "/service-orders/" + orderNo + "/pending-message", orderNo);
        event.put("body", body);
        return event;
      }

      @Override
      ObjectNode get(String orderNo) {
        return route(HTTP_API_GET, "GET", "/service-orders/{out_order_no}/pending-message",
            "/service-orders/" + orderNo + "/pending-message", orderNo);
      }

      @Override
      ObjectNode resolution(String orderNo, String body, String callerArn) {
        ObjectNode event = route(HTTP_API_SEND, "POST", "/service-orders/{out_order_no}/pending-message/resolution",
            "/service-orders/" + orderNo + "/pending-message/resolution", orderNo);
        event.put("body", body);
        if (callerArn != null) {
          ((ObjectNode) event.get("requestContext")).putObject("authorizer").putObject("iam")
              .put("accessKey", "ASIAEXAMPLEEXAMPLE").put("accountId", "123456789012")
              .put("userArn", callerArn).put("userId", "AROAEXAMPLE:operator");
        }
        return event;
      }

      private ObjectNode route(ObjectNode template, String method, String resource, String path, String orderNo) {
        ObjectNode event = template.deepCopy();
        String routeKey = method + " " + resource;
        event.put("routeKey", routeKey);
        event.put("rawPath", path);
        ObjectNode context = (ObjectNode) event.get("requestContext");
        context.put("routeKey", routeKey);
        ((ObjectNode) context.get("http")).put("method", method).put("path", path);
        ((ObjectNode) event.get("pathParameters")).put("out_order_no", orderNo);
        return event;
      }
    },

    /** REST API, payload 1.0: {@code httpMethod}, {@code resource}, the caller's {@code identity}. */
    REST_API_1_0 {
      @Override
      ObjectNode post(String orderNo, String body) {
        ObjectNode event = route("POST", "/service-orders/{out_order_no}/pending-message",
            "/service-orders/" + orderNo + "/pending-message", orderNo);
        event.put("body", body);
        return event;
      }

      @Override
      ObjectNode get(String orderNo) {
        ObjectNode event = route("GET", "/service-orders/{out_order_no}/pending-message",
            "/service-orders/" + orderNo + "/pending-message", orderNo);
        event.putNull("body");
        ((ObjectNode) event.get("headers")).remove("Content-Type");
        event.remove("multiValueHeaders");
        return event;
      }

      @Override
      ObjectNode resolution(String orderNo, String body, String callerArn) {
        ObjectNode event = route("POST", "/service-orders/{out_order_no}/pending-message/resolution",
            "/service-orders/" + orderNo + "/pending-message/resolution", orderNo);
        event.put("body", body);
        ObjectNode identity = ((ObjectNode) event.get("requestContext")).putObject("identity");
        identity.put("sourceIp", "203.0.113.10");
        if (callerArn != null) identity.put("userArn", callerArn).put("caller", "AROAEXAMPLE:operator");
        return event;
      }

      private ObjectNode route(String method, String resource, String path, String orderNo) {
        ObjectNode event = REST_API_SEND.deepCopy();
        event.put("resource", resource);
        event.put("path", path);
        event.put("httpMethod", method);
        ObjectNode context = (ObjectNode) event.get("requestContext");
        context.put("httpMethod", method).put("resourcePath", resource).put("path", "/prod" + path);
        ((ObjectNode) event.get("pathParameters")).put("out_order_no", orderNo);
        return event;
      }
    };

    abstract ObjectNode post(String orderNo, String body);

    abstract ObjectNode get(String orderNo);

    /** The operator's route; {@code callerArn} null: the request context names no IAM caller. */
    abstract ObjectNode resolution(String orderNo, String body, String callerArn);
  }

  /** One SQS message of a batch. */
  record Message(String id, String body) {}

  /** The repository's {@code events/sqs-batch.json} as it is: a message, its duplicate, and an invalid one. */
  static ObjectNode sqsBatchFile() {
    return SQS_BATCH.deepCopy();
  }

  /** A batch of these messages, each shaped as the first record of {@code sqs-batch.json}. */
  static ObjectNode sqsBatch(Message... messages) {
    ObjectNode event = SQS_BATCH.deepCopy();
    ArrayNode records = (ArrayNode) event.get("Records");
    ObjectNode template = (ObjectNode) records.get(0).deepCopy();
    records.removeAll();
    for (Message message : messages) {
      ObjectNode record = template.deepCopy();
      record.put("messageId", message.id());
      record.put("receiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-" + message.id());
      record.put("body", message.body());
      records.add(record);
    }
    return event;
  }

  /** The HTTP body as an SQS message body: the same fields, {@code out_order_no} first. */
  static String queued(String orderNo, String httpBody) {
    try {
      ObjectNode queued = JSON.createObjectNode().put("out_order_no", orderNo);
      queued.setAll((ObjectNode) JSON.readTree(httpBody));
      return JSON.writeValueAsString(queued);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode load(String name) {
    try (InputStream in = Events.class.getResourceAsStream("/events/" + name)) {
      if (in == null) throw new IllegalStateException("missing test resource events/" + name);
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
