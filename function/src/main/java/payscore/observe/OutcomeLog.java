package payscore.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Objects;

/**
 * One structured JSON line per outcome, and a CloudWatch Embedded Metric Format line beside it.
 * Only identifiers, states and figures are written: never a body, a key, a signature or a secret.
 */
public final class OutcomeLog {
  static final String NAMESPACE = "PayScorePendingMessage";
  private static final JsonFactory JSON = new JsonFactory();

  private final PrintStream out;
  private final Clock clock;

  public OutcomeLog(PrintStream out, Clock clock) {
    this.out = Objects.requireNonNull(out, "out");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The contract's metrics: each request counts once, under exactly one; each is a CloudWatch metric name. */
  public enum Metric { Sent, Replayed, Invalid, Rejected, Conflict, Uncertain, Failed, Resolved }

  /**
   * @param trigger {@code api} or {@code sqs}
   * @param subMchid the sub-merchant of a service provider's (partner) request; null in direct mode
   * @param state the record's state, or the result's name when no record was touched
   * @param warn whether the line is a warning (an outcome an operator must look at)
   */
  public record Entry(String trigger, String outOrderNo, String subMchid, String sqsMessageId, String result, String state,
      int attempt, String wechatpayRequestId, int wechatpayStatus, String errorCode, String errorMessage,
      long durationMs, Metric metric, boolean warn) {}

  public void outcome(Entry entry) {
    String[] lines = lines(entry);
    synchronized (out) {
      out.println(lines[0]);
      out.println(lines[1]);
    }
  }

  /** Formats a sample entry without printing it, so a SnapStart snapshot holds the formatting path. */
  public void prime() {
    lines(new Entry("api", "PRIMING-0001", null, null, "SENT", "SENT", 1, "PRIMING", 204, null, null, 0, Metric.Sent,
        false));
  }

  private String[] lines(Entry entry) {
    String line = write(json -> {
      json.writeStringField("level", entry.warn ? "WARN" : "INFO");
      json.writeStringField("event", "pending_message");
      json.writeStringField("trigger", entry.trigger);
      json.writeStringField("mode", mode(entry));
      field(json, "out_order_no", entry.outOrderNo);
      field(json, "sub_mchid", entry.subMchid);
      field(json, "sqs_message_id", entry.sqsMessageId);
      json.writeStringField("result", entry.result);
      field(json, "state", entry.state);
      if (entry.attempt > 0) json.writeNumberField("attempt", entry.attempt);
      field(json, "wechatpay_request_id", entry.wechatpayRequestId);
      if (entry.wechatpayStatus > 0) json.writeNumberField("wechatpay_status", entry.wechatpayStatus);
      field(json, "error_code", entry.errorCode);
      field(json, "error_message", entry.errorMessage);
      json.writeNumberField("duration_ms", entry.durationMs);
    });
    String metric = write(json -> {
      json.writeObjectFieldStart("_aws");
      json.writeNumberField("Timestamp", clock.millis());
      json.writeArrayFieldStart("CloudWatchMetrics");
      json.writeStartObject();
      json.writeStringField("Namespace", NAMESPACE);
      // Counted per trigger (what the alarms watch) and per trigger and mode.
      json.writeArrayFieldStart("Dimensions");
      json.writeStartArray();
      json.writeString("Trigger");
      json.writeEndArray();
      json.writeStartArray();
      json.writeString("Trigger");
      json.writeString("Mode");
      json.writeEndArray();
      json.writeEndArray();
      json.writeArrayFieldStart("Metrics");
      json.writeStartObject();
      json.writeStringField("Name", entry.metric.name());
      json.writeStringField("Unit", "Count");
      json.writeEndObject();
      json.writeStartObject();
      json.writeStringField("Name", "Latency");
      json.writeStringField("Unit", "Milliseconds");
      json.writeEndObject();
      json.writeEndArray();
      json.writeEndObject();
      json.writeEndArray();
      json.writeEndObject();
      json.writeStringField("Trigger", entry.trigger);
      json.writeStringField("Mode", mode(entry));
      json.writeNumberField(entry.metric.name(), 1);
      json.writeNumberField("Latency", entry.durationMs);
    });
    return new String[] {line, metric};
  }

  /**
   * An operator's settlement of an order, as the audit trail keeps it (the contract's "Audit", v3).
   *
   * @param subMchid the sub-merchant in partner mode; null in direct mode
   * @param resolution {@code SENT} or {@code NOT_SENT}
   * @param state the order's state as written ({@code SENT} or {@code REJECTED})
   * @param replacedState the state the resolution replaced ({@code UNKNOWN}, or {@code IN_PROGRESS}
   *     past its lease)
   * @param payloadHash the hash of the body the order was (or may have been) sent with
   * @param caller the operator's IAM identity, from the API Gateway request context
   */
  public record Resolution(String outOrderNo, String subMchid, String resolution, String state, String replacedState,
      String payloadHash, String caller, String resolvedAt) {}

  /**
   * One line per resolution, beside its outcome line: who settled which order, from what, to what.
   * The operator's free-text reason stays in the record, not in the log.
   */
  public void resolution(Resolution entry) {
    String line = write(json -> {
      json.writeStringField("level", "INFO");
      json.writeStringField("event", "resolution");
      json.writeStringField("mode", entry.subMchid == null ? "direct" : "partner");
      field(json, "out_order_no", entry.outOrderNo);
      field(json, "sub_mchid", entry.subMchid);
      field(json, "resolution", entry.resolution);
      field(json, "state", entry.state);
      field(json, "replaced_state", entry.replacedState);
      field(json, "payload_hash", entry.payloadHash);
      field(json, "caller", entry.caller);
      field(json, "resolved_at", entry.resolvedAt);
    });
    synchronized (out) {
      out.println(line);
    }
  }

  /** A problem outside any one order (configuration, a failed DLQ write); names causes only. */
  public void problem(String event, String message) {
    String line = write(json -> {
      json.writeStringField("level", "ERROR");
      json.writeStringField("event", event);
      json.writeStringField("message", message);
    });
    synchronized (out) {
      out.println(line);
    }
  }

  private static String mode(Entry entry) {
    return entry.subMchid == null ? "direct" : "partner";
  }

  private interface Fields {
    void write(JsonGenerator json) throws IOException;
  }

  private static String write(Fields fields) {
    StringWriter text = new StringWriter(256);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory JSON write failed", e);
    }
    return text.toString();
  }

  private static void field(JsonGenerator json, String name, String value) throws IOException {
    if (value != null) json.writeStringField(name, value);
  }
}
