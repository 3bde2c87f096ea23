package payscore.send;

import java.time.Instant;
import payscore.idempotency.IdempotencyRecord;
import payscore.wechatpay.SendOutcome;

/** The end of one request to send a pending message, as the triggers report it. */
public sealed interface SendResult {
  /** WeChat took the message, now or earlier ({@code replayed}). */
  record Sent(IdempotencyRecord record, boolean replayed) implements SendResult {}

  /**
   * WeChat took the message (a verified 204) but its {@code SENT} record could not be written, even
   * with retries until the deadline: the caller is told it was sent, and an operator is alerted.
   */
  record SentUnrecorded(String wechatpayRequestId, Instant sentAt) implements SendResult {}

  /** Another send for this order is under way; try again after {@code retryAfterSeconds}. */
  record InProgress(long retryAfterSeconds) implements SendResult {}

  /** The order was sent, or may have been, with a different body. */
  record PayloadMismatch(IdempotencyRecord record) implements SendResult {}

  /** An earlier attempt may have reached WeChat, and WeChat refuses the retry: a person must check. */
  record OutcomeUnknown(IdempotencyRecord record) implements SendResult {}

  /** WeChat refused for good and nothing was sent. */
  record Rejected(SendOutcome outcome) implements SendResult {}

  /** WeChat answered 5xx or 429, could not be reached, or sent a 2xx that did not verify. */
  record UpstreamError(SendOutcome outcome) implements SendResult {}

  /** WeChat did not answer in time. */
  record UpstreamTimeout(SendOutcome outcome) implements SendResult {}

  /** DynamoDB or Secrets Manager failed before anything was sent; the same request may be retried. */
  record DependencyUnavailable(String message) implements SendResult {}

  /**
   * WeChat answered ({@code outcome}), but the record of that answer could not be written, even
   * with retries until the deadline; {@code cause} names the failure. The order's claim stays, so
   * the next request for it treats the order as WeChat's answer would have left it, or more warily.
   * {@code sentBefore}: an earlier attempt for the order may have reached WeChat.
   */
  record Unrecorded(SendOutcome outcome, boolean sentBefore, String cause) implements SendResult {}

  /** Configuration or a dependency failed; {@code message} names the cause, never a secret. */
  record InternalError(String message) implements SendResult {}
}
