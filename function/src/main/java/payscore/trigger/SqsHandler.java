package payscore.trigger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import payscore.PendingMessageFunction;
import payscore.idempotency.IdempotencyRecord;
import payscore.json.JsonTrees;
import payscore.observe.OutcomeLog;
import payscore.observe.OutcomeLog.Metric;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessage;
import payscore.send.SendResult;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * SQS batches with partial batch failures. Messages for different orders are sent concurrently;
 * messages for one order one after another, and a repeat of an earlier message of the batch
 * (same order, same body) shares its outcome. Permanent failures are parked in the DLQ with
 * {@code error_code} and {@code error_message}; transient ones are left for SQS to redeliver.
 */
public final class SqsHandler extends JsonEventHandler {
  /** Kept back from the invocation to return the batch response before Lambda stops us. */
  private static final Duration RETURN_RESERVE = Duration.ofMillis(300);

  /** Lambda's constructor: the execution environment's one function, built now, during INIT. */
  public SqsHandler() {
    this(Functions.shared());
  }

  public SqsHandler(PendingMessageFunction function) {
    this(Functions.of(function));
  }

  private SqsHandler(Functions functions) {
    super(functions);
  }

  /** What to do with one message. */
  private record Disposition(boolean retry, String parkCode, String parkMessage, SendResult result) {
    static Disposition done(SendResult result) {
      return new Disposition(false, null, null, result);
    }

    static Disposition retry(SendResult result) {
      return new Disposition(true, null, null, result);
    }

    static Disposition park(String code, String message, SendResult result) {
      return new Disposition(false, code, message, result);
    }
  }

  private record Message(String id, String body, PendingMessage parsed) {}

  /** The {@code SQSBatchResponse} for one SQS event. */
  @Override
  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    ObjectNode response = JsonTrees.object();
    ArrayNode failures = response.putArray("batchItemFailures");
    List<String> ids = new ArrayList<>();
    for (JsonNode record : event.path("Records")) ids.add(record.path("messageId").asText());
    PendingMessageFunction function;
    try {
      function = functions.get();
    } catch (RuntimeException e) {
      // Configuration is broken: every message goes back to the queue until it is fixed.
      System.out.println(JsonTrees.text(JsonTrees.object().put("level", "ERROR").put("event", "configuration")
          .put("message", String.valueOf(e.getMessage()))));
      ids.forEach(id -> failures.addObject().put("itemIdentifier", id));
      return response;
    }
    if (function.configuration.deadLetterQueueUrl() == null) {
      function.log.problem("configuration", "environment variable DEAD_LETTER_QUEUE_URL is not set");
      ids.forEach(id -> failures.addObject().put("itemIdentifier", id));
      return response;
    }

    Map<String, List<Message>> byOrder = new LinkedHashMap<>();
    Map<String, Disposition> dispositions = new HashMap<>();
    for (JsonNode record : event.path("Records")) {
      String id = record.path("messageId").asText();
      String body = record.path("body").asText("");
      long started = System.nanoTime();
      try {
        PendingMessage message = function.reader.readQueued(body.getBytes(UTF_8));
        byOrder.computeIfAbsent(message.outOrderNo(), order -> new ArrayList<>()).add(new Message(id, body, message));
      } catch (InvalidRequestException e) {
        Disposition parked = park(function, id, body, "INVALID_REQUEST", e.getMessage(), null);
        dispositions.put(id, parked);
        log(function.log, id, orderNoOf(body), parked, started);
      }
    }

    Instant returnBy = invocationEnd.minus(RETURN_RESERVE);
    Map<String, CompletableFuture<Map<String, Disposition>>> running = new LinkedHashMap<>();
    byOrder.forEach((order, messages) -> running.put(order,
        CompletableFuture.supplyAsync(() -> processOrder(function, messages, invocationEnd), function.workers)));
    running.forEach((order, future) -> {
      try {
        long wait = Math.max(0, Duration.between(Instant.now(), returnBy).toMillis());
        dispositions.putAll(future.get(wait, TimeUnit.MILLISECONDS));
      } catch (TimeoutException | ExecutionException e) {
        // Unfinished or failed: SQS delivers these again; the record keeps any send idempotent.
        function.log.problem("order_unfinished", "order " + order + " did not finish in the invocation ("
            + e.getClass().getSimpleName() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (String id : ids) {
      Disposition disposition = dispositions.get(id);
      if (disposition == null || disposition.retry) failures.addObject().put("itemIdentifier", id);
    }
    return response;
  }

  /** One order's messages, in batch order. */
  private Map<String, Disposition> processOrder(PendingMessageFunction function, List<Message> messages,
      Instant invocationEnd) {
    Map<String, Disposition> byId = new HashMap<>();
    Map<String, Disposition> byHash = new HashMap<>();
    for (Message message : messages) {
      long started = System.nanoTime();
      String hash = message.parsed.payloadHash();
      Disposition shared = byHash.get(hash);
      if (shared != null) {
        // A repeat within the batch shares the first one's outcome; a parked first one parks the
        // repeat too, since the DLQ holds messages, not orders.
        Disposition repeat = shared.parkCode == null ? shared
            : park(function, message.id, message.body, shared.parkCode, shared.parkMessage, shared.result);
        byId.put(message.id, repeat);
        log(function.log, message.id, message.parsed.outOrderNo(), repeat, started);
        continue;
      }
      SendResult result = function.service.send(message.parsed, invocationEnd);
      Disposition disposition = dispose(function, message, result);
      byHash.put(hash, disposition);
      byId.put(message.id, disposition);
      log(function.log, message.id, message.parsed.outOrderNo(), disposition, started);
    }
    return byId;
  }

  private Disposition dispose(PendingMessageFunction function, Message message, SendResult result) {
    if (result instanceof SendResult.Sent) return Disposition.done(result);
    if (result instanceof SendResult.Rejected rejected) {
      return park(function, message.id, message.body, "WECHATPAY_REJECTED", describe(rejected.outcome().status(),
          rejected.outcome().code(), rejected.outcome().message()), result);
    }
    if (result instanceof SendResult.OutcomeUnknown) {
      return park(function, message.id, message.body, "OUTCOME_UNKNOWN", "an earlier attempt may have reached "
          + "WeChat Pay and WeChat Pay refuses the retry; check the order before redriving", result);
    }
    if (result instanceof SendResult.PayloadMismatch) {
      return park(function, message.id, message.body, "PAYLOAD_MISMATCH", "this order was already sent, or may "
          + "have been, with a different body", result);
    }
    return Disposition.retry(result);
  }

  /** Sends the message to the DLQ unchanged; if that fails, SQS must deliver it again instead. */
  private Disposition park(PendingMessageFunction function, String id, String body, String code, String message,
      SendResult result) {
    try {
      function.sqs().sendMessage(request -> request
          .queueUrl(function.configuration.deadLetterQueueUrl())
          .messageBody(body)
          .messageAttributes(Map.of(
              "error_code", text(code),
              "error_message", text(attributeText(message, 1000)),
              "source_message_id", text(id))));
      return Disposition.park(code, message, result);
    } catch (SdkException e) {
      function.log.problem("park_failed", "message " + id + " could not be parked in the DLQ ("
          + e.getClass().getSimpleName() + "); it stays on the queue");
      return Disposition.retry(result);
    }
  }

  /**
   * SQS refuses attribute values with characters outside its set (control characters, lone
   * surrogates), and a refused park would leave the message circling: such characters, which an
   * error message may quote from an unknown field name, become '?'. Cut at a character boundary.
   */
  static String attributeText(String text, int maxCodePoints) {
    StringBuilder clean = new StringBuilder(Math.min(text.length(), maxCodePoints));
    int count = 0;
    for (int i = 0; i < text.length() && count < maxCodePoints; count++) {
      int c = text.codePointAt(i);
      boolean allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
          || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      clean.appendCodePoint(allowed ? c : '?');
      i += Character.charCount(c);
    }
    return clean.toString();
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
  }

  private static String describe(int status, String code, String message) {
    return "WeChat Pay answered " + status + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message);
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

  private static void log(OutcomeLog log, String messageId, String orderNo, Disposition disposition, long started) {
    SendResult result = disposition.result;
    IdempotencyRecord record = result == null ? null : Outcomes.record(result);
    Metric metric = disposition.parkCode != null ? Metric.Parked
        : result == null ? Metric.Failed : Outcomes.metric(result);
    String resultName = disposition.parkCode != null ? "PARKED"
        : disposition.retry ? "RETRY" : result instanceof SendResult.Sent sent && sent.replayed() ? "REPLAYED" : "SENT";
    log.outcome(new OutcomeLog.Entry("sqs", orderNo, messageId, resultName,
        record == null ? null : record.state().name(),
        record == null ? 0 : record.attempts(),
        result == null ? null : Outcomes.requestId(result),
        result == null ? 0 : Outcomes.wechatpayStatus(result),
        disposition.parkCode != null ? disposition.parkCode : result == null ? null : errorCode(result),
        disposition.parkCode != null ? null : result instanceof SendResult.InternalError internal ? internal.message() : null,
        (System.nanoTime() - started) / 1_000_000,
        metric));
  }

  private static String errorCode(SendResult result) {
    if (result instanceof SendResult.InProgress) return "IN_PROGRESS";
    if (result instanceof SendResult.UpstreamError) return "UPSTREAM_ERROR";
    if (result instanceof SendResult.UpstreamTimeout) return "UPSTREAM_TIMEOUT";
    if (result instanceof SendResult.InternalError) return "INTERNAL_ERROR";
    return null;
  }
}
