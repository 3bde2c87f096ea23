package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import payscore.idempotency.IdempotencyRecord;
import payscore.json.JsonTrees;
import payscore.request.FieldError;
import payscore.send.SendResult;
import payscore.wechatpay.SendOutcome;

/** The contract's HTTP table: every result as a status, a JSON body and headers. */
final class HttpResponses {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private HttpResponses() {}

  /** An API Gateway response, the same shape for both payload versions. */
  record HttpResponse(int status, ObjectNode body, Long retryAfterSeconds) {
    ObjectNode toEvent() {
      ObjectNode event = JSON.objectNode();
      event.put("statusCode", status);
      ObjectNode headers = event.putObject("headers");
      headers.put("Content-Type", "application/json");
      if (retryAfterSeconds != null) headers.put("Retry-After", Long.toString(retryAfterSeconds));
      event.put("body", JsonTrees.text(body));
      event.put("isBase64Encoded", false);
      return event;
    }

    String code() {
      return body.path("code").asText(null);
    }
  }

  static HttpResponse of(String outOrderNo, SendResult result) {
    if (result instanceof SendResult.Sent sent) {
      IdempotencyRecord record = sent.record();
      ObjectNode body = JSON.objectNode();
      body.put("out_order_no", outOrderNo);
      body.put("state", record.state().name());
      body.put("sent_at", record.sentAt() == null ? null : record.sentAt().toString());
      body.put("wechatpay_request_id", record.wechatpayRequestId());
      body.put("replayed", sent.replayed());
      return new HttpResponse(200, body, null);
    }
    if (result instanceof SendResult.InProgress inProgress) {
      return new HttpResponse(409, error("IN_PROGRESS", "another send for this order is under way; retry after "
          + inProgress.retryAfterSeconds() + " s"), inProgress.retryAfterSeconds());
    }
    if (result instanceof SendResult.PayloadMismatch mismatch) {
      ObjectNode body = error("PAYLOAD_MISMATCH", "this order was already sent, or may have been, with a "
          + "different body");
      body.put("state", mismatch.record().state().name());
      return new HttpResponse(409, body, null);
    }
    if (result instanceof SendResult.OutcomeUnknown unknown) {
      ObjectNode body = error("OUTCOME_UNKNOWN", "an earlier attempt may have reached WeChat Pay and WeChat Pay "
          + "refuses the retry; check the order with WeChat Pay before doing anything else");
      body.set("record", record(outOrderNo, unknown.record()));
      return new HttpResponse(409, body, null);
    }
    if (result instanceof SendResult.Rejected rejected) {
      ObjectNode body = error("WECHATPAY_REJECTED", "WeChat Pay refused the message and nothing was sent");
      body.set("wechatpay", wechatpay(rejected.outcome()));
      return new HttpResponse(422, body, null);
    }
    if (result instanceof SendResult.UpstreamError upstream) {
      ObjectNode body = error("UPSTREAM_ERROR", "WeChat Pay could not take the message now ("
          + describe(upstream.outcome()) + "); retry the same request");
      body.set("wechatpay", wechatpay(upstream.outcome()));
      return new HttpResponse(502, body, upstream.outcome().status() == 429 ? 2L : 1L);
    }
    if (result instanceof SendResult.UpstreamTimeout timeout) {
      ObjectNode body = error("UPSTREAM_TIMEOUT", "WeChat Pay did not answer in time; retry the same request");
      body.set("wechatpay", wechatpay(timeout.outcome()));
      return new HttpResponse(504, body, 1L);
    }
    SendResult.InternalError internal = (SendResult.InternalError) result;
    return internalError(internal.message());
  }

  static HttpResponse invalid(List<FieldError> errors) {
    ObjectNode body = error("INVALID_REQUEST", "the request breaks " + errors.size()
        + (errors.size() == 1 ? " rule" : " rules"));
    var list = body.putArray("errors");
    for (FieldError error : errors) list.addObject().put("field", error.field()).put("message", error.message());
    return new HttpResponse(400, body, null);
  }

  static HttpResponse status(String outOrderNo, IdempotencyRecord record) {
    return new HttpResponse(200, record(outOrderNo, record), null);
  }

  static HttpResponse notFound(String message) {
    return new HttpResponse(404, error("NOT_FOUND", message), null);
  }

  static HttpResponse methodNotAllowed(String method) {
    return new HttpResponse(405, error("METHOD_NOT_ALLOWED", "use POST to send or GET to read the record"), null);
  }

  static HttpResponse internalError(String message) {
    return new HttpResponse(500, error("INTERNAL_ERROR", message), null);
  }

  static ObjectNode record(String outOrderNo, IdempotencyRecord record) {
    ObjectNode body = JSON.objectNode();
    body.put("out_order_no", outOrderNo);
    body.put("state", record.state().name());
    body.put("needs_review", record.needsReview());
    body.put("attempts", record.attempts());
    body.put("wechatpay_request_id", record.wechatpayRequestId());
    if (record.lastError() == null) {
      body.putNull("last_error");
    } else {
      ObjectNode error = body.putObject("last_error");
      if (record.lastError().status() > 0) error.put("status", record.lastError().status());
      error.put("code", record.lastError().code());
      error.put("message", record.lastError().message());
    }
    body.put("payload_hash", record.payloadHash());
    body.put("created_at", text(record.createdAt()));
    body.put("updated_at", text(record.updatedAt()));
    body.put("sent_at", text(record.sentAt()));
    return body;
  }

  private static ObjectNode error(String code, String message) {
    return JSON.objectNode().put("code", code).put("message", message);
  }

  private static JsonNode wechatpay(SendOutcome outcome) {
    ObjectNode node = JSON.objectNode();
    if (outcome.status() > 0) node.put("status", outcome.status()); else node.putNull("status");
    node.put("code", outcome.code());
    node.put("message", outcome.message());
    node.put("request_id", outcome.requestId());
    return node;
  }

  private static String describe(SendOutcome outcome) {
    return outcome.status() > 0 ? "HTTP " + outcome.status() + (outcome.code() == null ? "" : " " + outcome.code())
        : outcome.code();
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
