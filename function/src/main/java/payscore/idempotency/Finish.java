package payscore.idempotency;

import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;

/** How a claim ends: the state to write and what WeChat said. */
public record Finish(State state, boolean needsReview, String wechatpayRequestId, LastError lastError) {
  public static Finish sent(String requestId) {
    return new Finish(State.SENT, false, requestId, null);
  }

  public static Finish rejected(String requestId, LastError error) {
    return new Finish(State.REJECTED, false, requestId, error);
  }

  /** May have reached WeChat; the same body may be retried. */
  public static Finish unknown(String requestId, LastError error) {
    return new Finish(State.UNKNOWN, false, requestId, error);
  }

  /** May have reached WeChat, and WeChat refused the retry: a person must check. */
  public static Finish outcomeUnknown(String requestId, LastError error) {
    return new Finish(State.UNKNOWN, true, requestId, error);
  }
}
