package payscore.send;

import java.util.List;
import payscore.idempotency.IdempotencyRecord;
import payscore.observe.OutcomeLog.Metric;
import payscore.request.FieldError;
import payscore.wechatpay.SendOutcome;

/**
 * What the end of one request means to everyone outside, decided in this one place: the HTTP
 * status, code, message and {@code Retry-After}; what SQS does with the message; the metric it
 * counts under; whether the log line is a warning. The handlers and the log read these rows; none
 * of them looks at a {@link SendResult} itself.
 *
 * @param code the contract's error code; null for a success
 * @param retryAfterSeconds the {@code Retry-After} of the HTTP answer; null for none
 * @param detail what the HTTP body carries beside {@code code} and {@code message}
 * @param record the order's record where the answer shows it (null otherwise)
 * @param wechatpay WeChat's answer where the caller is shown it (null otherwise)
 * @param errors the rule violations of an invalid request (empty otherwise)
 */
public record Outcome(
    Kind kind,
    int httpStatus,
    String code,
    String message,
    Long retryAfterSeconds,
    Disposition disposition,
    Metric metric,
    boolean warn,
    Detail detail,
    IdempotencyRecord record,
    SendOutcome wechatpay,
    List<FieldError> errors) {

  /** Every way a request can end. */
  public enum Kind {
    SENT, SENT_UNRECORDED, REPLAYED, INVALID_REQUEST, IN_PROGRESS, PAYLOAD_MISMATCH, OUTCOME_UNKNOWN,
    WECHATPAY_REJECTED, UPSTREAM_ERROR, UPSTREAM_TIMEOUT, DEPENDENCY_UNAVAILABLE, INTERNAL_ERROR, RESOLVED,
    NOT_FOUND, NOT_RESOLVABLE, FORBIDDEN
  }

  /** What the queue function does with an SQS message that ended so. */
  public enum Disposition {
    /** Done: acknowledged. */
    ACK,
    /** Left in {@code batchItemFailures}: SQS delivers it again, and after maxReceiveCount moves it to the DLQ. */
    RETRY,
    /** Sent to the DLQ now with {@code error_code} and {@code error_message}, then acknowledged. */
    PARK
  }

  /** The part of the HTTP body that depends on the kind. */
  public enum Detail { SENT_BODY, SENT_UNRECORDED, STATE, RECORD, RECORD_ONLY, WECHATPAY, ERRORS, NONE }

  public Outcome {
    errors = List.copyOf(errors);
  }

  /** The row for a send's result. */
  public static Outcome of(SendResult result) {
    return switch (result) {
      case SendResult.Sent sent when sent.replayed() -> new Outcome(Kind.REPLAYED, 200, null, null, null,
          Disposition.ACK, Metric.Replayed, false, Detail.SENT_BODY, sent.record(), null, List.of());
      case SendResult.Sent sent -> new Outcome(Kind.SENT, 200, null, null, null,
          Disposition.ACK, Metric.Sent, false, Detail.SENT_BODY, sent.record(), null, List.of());
      // WeChat has it; the record does not say so: the caller is answered as sent, an operator alerted.
      case SendResult.SentUnrecorded unrecorded -> new Outcome(Kind.SENT_UNRECORDED, 200, null, null, null,
          Disposition.ACK, Metric.Uncertain, true, Detail.SENT_UNRECORDED, null,
          new SendOutcome.Accepted(204, unrecorded.wechatpayRequestId()), List.of());
      case SendResult.InProgress busy -> new Outcome(Kind.IN_PROGRESS, 409, "IN_PROGRESS",
          "another send for this order is under way; retry after " + busy.retryAfterSeconds() + " s",
          busy.retryAfterSeconds(), Disposition.RETRY, Metric.Conflict, false, Detail.NONE, null, null, List.of());
      case SendResult.PayloadMismatch mismatch -> new Outcome(Kind.PAYLOAD_MISMATCH, 409, "PAYLOAD_MISMATCH",
          "this order was already sent, or may have been, with a different body", null,
          Disposition.PARK, Metric.Conflict, false, Detail.STATE, mismatch.record(), null, List.of());
      case SendResult.OutcomeUnknown unknown -> new Outcome(Kind.OUTCOME_UNKNOWN, 409, "OUTCOME_UNKNOWN",
          "an earlier attempt may have reached WeChat Pay and WeChat Pay refuses the retry; check the order with "
              + "WeChat Pay before doing anything else", null,
          Disposition.PARK, Metric.Uncertain, true, Detail.RECORD, unknown.record(), null, List.of());
      case SendResult.Rejected rejected -> new Outcome(Kind.WECHATPAY_REJECTED, 422, "WECHATPAY_REJECTED",
          "WeChat Pay refused the message and nothing was sent (" + describe(rejected.outcome()) + ")", null,
          Disposition.PARK, Metric.Rejected, false, Detail.WECHATPAY, null, rejected.outcome(), List.of());
      case SendResult.UpstreamError upstream -> new Outcome(Kind.UPSTREAM_ERROR, 502, "UPSTREAM_ERROR",
          "WeChat Pay could not take the message now (" + describe(upstream.outcome()) + "); retry the same request",
          upstream.outcome().status() == 429 ? 2L : 1L, Disposition.RETRY, mayHaveArrived(upstream.outcome()),
          true, Detail.WECHATPAY, null, upstream.outcome(), List.of());
      case SendResult.UpstreamTimeout timeout -> new Outcome(Kind.UPSTREAM_TIMEOUT, 504, "UPSTREAM_TIMEOUT",
          "WeChat Pay did not answer in time; retry the same request", 1L,
          Disposition.RETRY, mayHaveArrived(timeout.outcome()), true, Detail.WECHATPAY, null, timeout.outcome(),
          List.of());
      case SendResult.DependencyUnavailable unavailable -> dependencyUnavailable(unavailable.message());
      // Uncertain when this request or an earlier one may have reached WeChat; Failed only when none did.
      case SendResult.Unrecorded unrecorded -> new Outcome(Kind.INTERNAL_ERROR, 500, "INTERNAL_ERROR",
          "could not record the outcome in DynamoDB (" + unrecorded.cause() + ") after WeChat Pay answered "
              + describe(unrecorded.outcome()) + "; retry the same request", null, Disposition.RETRY,
          unrecorded.sentBefore() ? Metric.Uncertain : mayHaveArrived(unrecorded.outcome()), true, Detail.NONE,
          null, null, List.of());
      case SendResult.InternalError internal -> internalError(internal.message());
    };
  }

  /** The row for an operator's resolution of an order. */
  public static Outcome of(ResolveResult result) {
    return switch (result) {
      case ResolveResult.Resolved resolved -> new Outcome(Kind.RESOLVED, 200, null, null, null, Disposition.ACK,
          Metric.Resolved, false, Detail.RECORD_ONLY, resolved.record(), null, List.of());
      case ResolveResult.NotFound notFound -> new Outcome(Kind.NOT_FOUND, 404, "NOT_FOUND",
          "no pending message was ever requested for this order", null, Disposition.ACK, Metric.Invalid, false,
          Detail.NONE, null, null, List.of());
      case ResolveResult.NotResolvable refused -> new Outcome(Kind.NOT_RESOLVABLE, 409, "NOT_RESOLVABLE",
          "only an order whose outcome is unknown can be settled: this one is " + refused.record().state()
              + (refused.record().state() == payscore.idempotency.IdempotencyRecord.State.IN_PROGRESS
                  ? " with a live lease" : ""), null, Disposition.ACK, Metric.Conflict, false, Detail.RECORD,
          refused.record(), null, List.of());
      case ResolveResult.Unavailable unavailable -> dependencyUnavailable(unavailable.message());
      case ResolveResult.InternalError internal -> internalError(internal.message());
    };
  }

  /**
   * The row for a resolution without an IAM caller identity: refused before anything is read or
   * changed. It counts as {@code Invalid} and warns: with the template's IAM authorizer on every
   * route it cannot happen, so one that does means the route's authorization was changed.
   */
  public static Outcome forbidden(String message) {
    return new Outcome(Kind.FORBIDDEN, 403, "FORBIDDEN", message, null, Disposition.PARK, Metric.Invalid, true,
        Detail.NONE, null, null, List.of());
  }

  /** The row for a request that breaks the rules: nothing was claimed or sent. */
  public static Outcome invalid(List<FieldError> errors) {
    return new Outcome(Kind.INVALID_REQUEST, 400, "INVALID_REQUEST", "the request breaks " + errors.size()
        + (errors.size() == 1 ? " rule" : " rules") + ": " + summary(errors), null,
        Disposition.PARK, Metric.Invalid, false, Detail.ERRORS, null, null, errors);
  }

  /**
   * The row of an SQS message whose order did not finish by the time the batch response was due:
   * it goes back to the queue. {@code atWeChat}: a send was under way, so it may have arrived.
   */
  public static Outcome unfinished(boolean atWeChat) {
    return new Outcome(Kind.UPSTREAM_TIMEOUT, 504, "UNFINISHED", "the order did not finish within the invocation",
        null, Disposition.RETRY, atWeChat ? Metric.Uncertain : Metric.Failed, true, Detail.NONE, null, null,
        List.of());
  }

  /**
   * The row for DynamoDB or Secrets Manager failing before anything was sent or changed: a passing
   * fault, so the same request is worth retrying.
   */
  public static Outcome dependencyUnavailable(String message) {
    return new Outcome(Kind.DEPENDENCY_UNAVAILABLE, 503, "DEPENDENCY_UNAVAILABLE", message + "; retry the same request",
        1L, Disposition.RETRY, Metric.Failed, true, Detail.NONE, null, null, List.of());
  }

  /** The row for a configuration or dependency failure; {@code message} names the cause, never a secret. */
  public static Outcome internalError(String message) {
    return new Outcome(Kind.INTERNAL_ERROR, 500, "INTERNAL_ERROR", message, null,
        Disposition.RETRY, Metric.Failed, true, Detail.NONE, null, null, List.of());
  }

  /**
   * The row of a message that repeats an earlier one of the same SQS batch (same order, same body):
   * it shares that message's end but counts as {@code Replayed}, so one acceptance is one {@code Sent}.
   */
  public Outcome asRepeat() {
    Kind repeated = kind == Kind.SENT ? Kind.REPLAYED : kind;
    return new Outcome(repeated, httpStatus, code, message, retryAfterSeconds, disposition, Metric.Replayed, warn,
        detail, record, wechatpay, errors);
  }

  /** The log line's {@code result}: what became of the request, in one word. */
  public String logResult() {
    return switch (kind) {
      // WeChat has it: sent, whether or not the record says so (the metric and level tell the difference).
      case SENT, SENT_UNRECORDED -> "SENT";
      case REPLAYED -> "REPLAYED";
      case RESOLVED -> "RESOLVED";
      default -> code;
    };
  }

  /** The log line's {@code error_code}: the contract's code, or what a success left undone. */
  public String logErrorCode() {
    return kind == Kind.SENT_UNRECORDED ? "SENT_UNRECORDED" : code;
  }

  public boolean success() {
    return code == null;
  }

  /** An outcome that may have reached WeChat counts as {@code Uncertain}; one that proves nothing was sent, {@code Failed}. */
  private static Metric mayHaveArrived(SendOutcome outcome) {
    return switch (outcome) {
      case SendOutcome.Uncertain uncertain -> Metric.Uncertain;
      case SendOutcome.TimedOut timedOut -> Metric.Uncertain;
      case SendOutcome.Accepted accepted -> Metric.Uncertain;
      case SendOutcome.NotProcessed notProcessed -> Metric.Failed;
      case SendOutcome.DeadlinePassed deadlinePassed -> Metric.Failed;
      case SendOutcome.Rejected rejected -> Metric.Failed;
    };
  }

  private static String describe(SendOutcome outcome) {
    if (outcome.status() == 0) return outcome.code();
    return "HTTP " + outcome.status() + (outcome.code() == null ? "" : " " + outcome.code())
        + (outcome.message() == null ? "" : ": " + outcome.message());
  }

  private static String summary(List<FieldError> errors) {
    StringBuilder text = new StringBuilder();
    for (FieldError error : errors) {
      if (!text.isEmpty()) text.append("; ");
      text.append(error.field()).append(' ').append(error.message());
    }
    return text.toString();
  }
}
