package payscore.trigger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import payscore.idempotency.IdempotencyRecord;
import payscore.json.JsonTrees;
import payscore.request.FieldError;
import payscore.send.Outcome;
import payscore.wechatpay.SendOutcome;

/** API Gateway answers (the same shape for both payload versions), rendered from the outcome table's rows. */
final class HttpAnswers {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private HttpAnswers() {}

  static ObjectNode of(OrderName order, Outcome outcome) {
    ObjectNode body = JSON.objectNode();
    if (!outcome.success()) body.put("code", outcome.code()).put("message", outcome.message());
    name(body, order);
    switch (outcome.detail()) {
      case SENT_BODY -> {
        IdempotencyRecord record = outcome.record();
        body.put("state", record.state().name());
        body.put("sent_at", text(record.sentAt()));
        body.put("wechatpay_request_id", record.wechatpayRequestId());
        body.put("replayed", outcome.kind() == Outcome.Kind.REPLAYED);
      }
      case SENT_UNRECORDED -> {
        // WeChat has the message; its record could not be written (an operator is alerted).
        body.put("state", "SENT");
        body.putNull("sent_at");
        body.put("wechatpay_request_id", outcome.wechatpay().requestId());
        body.put("replayed", false);
        body.put("recorded", false);
      }
      case STATE -> body.put("state", outcome.record().state().name());
      case RECORD -> body.set("record", record(order, outcome.record()));
      case RECORD_ONLY -> body.setAll(record(order, outcome.record()));
      case WECHATPAY -> body.set("wechatpay", wechatpay(outcome.wechatpay()));
      case ERRORS -> {
        var list = body.putArray("errors");
        for (FieldError error : outcome.errors()) {
          list.addObject().put("field", error.field()).put("message", error.message());
        }
      }
      case NONE -> { }
    }
    return answer(outcome.httpStatus(), body, outcome.retryAfterSeconds());
  }

  /** The record of an order, for {@code GET}. */
  static ObjectNode status(OrderName order, IdempotencyRecord record) {
    return answer(200, record(order, record), null);
  }

  static ObjectNode notFound(OrderName order, String message) {
    return answer(404, name(JSON.objectNode().put("code", "NOT_FOUND").put("message", message), order), null);
  }

  static ObjectNode methodNotAllowed(OrderName order) {
    return answer(405, name(JSON.objectNode().put("code", "METHOD_NOT_ALLOWED")
        .put("message", "use POST to send or settle, GET to read the record"), order), null);
  }

  /** An event of a route this function does not serve: API Gateway should never have sent it here. */
  static ObjectNode routeNotFound(OrderName order) {
    return answer(404, name(JSON.objectNode().put("code", "ROUTE_NOT_FOUND").put("message",
        "this function serves POST and GET " + ApiRequest.PENDING_MESSAGE + " and POST " + ApiRequest.RESOLUTION
            + " only"), order), null);
  }

  /** Every answer names the order: its number, its mode and, in partner mode, the sub-merchant. */
  private static ObjectNode name(ObjectNode body, OrderName order) {
    body.put("out_order_no", order.outOrderNo());
    body.put("mode", order.mode());
    if (order.partner()) body.put("sub_mchid", order.subMchid());
    return body;
  }

  private static ObjectNode answer(int status, ObjectNode body, Long retryAfterSeconds) {
    ObjectNode event = JSON.objectNode();
    event.put("statusCode", status);
    ObjectNode headers = event.putObject("headers");
    headers.put("Content-Type", "application/json");
    if (retryAfterSeconds != null) headers.put("Retry-After", Long.toString(retryAfterSeconds));
    event.put("body", JsonTrees.text(body));
    event.put("isBase64Encoded", false);
    return event;
  }

  private static ObjectNode record(OrderName order, IdempotencyRecord record) {
    ObjectNode body = name(JSON.objectNode(), order);
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
    // The current resolution, until the order is claimed again; every one, oldest first, always.
    if (record.resolution() != null) {
      body.put("resolution", record.resolution().name());
      body.put("resolution_reason", record.resolution().reason());
      body.put("resolved_at", text(record.resolution().resolvedAt()));
      body.put("resolved_by", record.resolution().resolvedBy());
    }
    ArrayNode history = body.putArray("resolutions");
    for (IdempotencyRecord.Resolution resolution : record.resolutions()) {
      history.addObject()
          .put("resolution", resolution.name())
          .put("reason", resolution.reason())
          .put("resolved_at", text(resolution.resolvedAt()))
          .put("resolved_by", resolution.resolvedBy());
    }
    return body;
  }

  private static ObjectNode wechatpay(SendOutcome outcome) {
    ObjectNode node = JSON.objectNode();
    if (outcome.status() > 0) node.put("status", outcome.status()); else node.putNull("status");
    node.put("code", outcome.code());
    node.put("message", outcome.message());
    node.put("request_id", outcome.requestId());
    return node;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
