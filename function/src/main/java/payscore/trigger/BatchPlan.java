package payscore.trigger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import payscore.json.JsonTrees;
import payscore.request.FieldError;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessage;
import payscore.request.PendingMessageReader;

/**
 * An SQS batch read and planned: every message id in order, the valid messages grouped by order
 * (each group is sent one message after another), and the invalid ones, which are parked.
 */
/**
 * @param byOrder keyed by order number, or {@code <sub_mchid>#<order number>} for a partner order
 */
record BatchPlan(List<String> ids, Map<String, List<Queued>> byOrder, List<Invalid> invalid) {

  /** A valid message; {@code attributes} are its SQS message attributes, kept when it is parked. */
  record Queued(String id, String body, JsonNode attributes, PendingMessage message) {}

  /** A message that breaks the rules; {@code outOrderNo} is what its body says, if it says anything usable. */
  record Invalid(String id, String body, JsonNode attributes, String outOrderNo, List<FieldError> errors) {}

  static BatchPlan read(JsonNode event, PendingMessageReader reader) {
    List<String> ids = new ArrayList<>();
    Map<String, List<Queued>> byOrder = new LinkedHashMap<>();
    List<Invalid> invalid = new ArrayList<>();
    for (JsonNode record : event.path("Records")) {
      String id = record.path("messageId").asText();
      String body = record.path("body").asText("");
      JsonNode attributes = record.path("messageAttributes");
      ids.add(id);
      try {
        PendingMessage message = reader.readQueued(body.getBytes(UTF_8));
        // One order per (sub-merchant, order number): two sub-merchants may use the same number.
        String order = message.subMchid() == null ? message.outOrderNo() : message.subMchid() + "#" + message.outOrderNo();
        byOrder.computeIfAbsent(order, key -> new ArrayList<>()).add(new Queued(id, body, attributes, message));
      } catch (InvalidRequestException e) {
        invalid.add(new Invalid(id, body, attributes, orderNoOf(body), e.errors()));
      }
    }
    return new BatchPlan(List.copyOf(ids), byOrder, List.copyOf(invalid));
  }

  private static String orderNoOf(String body) {
    try {
      JsonNode root = JsonTrees.read(body);
      JsonNode order = root == null ? null : root.get("out_order_no");
      return order != null && order.isTextual() && order.textValue().length() <= 64 ? order.textValue() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
