package payscore.idempotency;

import java.time.Instant;

/**
 * What is known about the pending message of one order.
 *
 * @param key {@code <mchid>#<out_order_no>}
 * @param payloadHash SHA-256 of the canonical body of the request that holds or last held the order
 * @param leaseUntil while {@link State#IN_PROGRESS}: when the holder's invocation is over for sure
 * @param leaseToken while {@link State#IN_PROGRESS}: the holder's claim; only it may finish
 * @param needsReview with {@link State#UNKNOWN}: WeChat refused a retry of a request it may
 *     already have taken, so a person must check; no more retries are sent
 * @param attempts how many times the order was claimed for sending
 * @param expiresAt the table's TTL, in seconds since the epoch
 * @param resolution how an operator settled the order, if one did; null otherwise
 * @param sending while {@link State#IN_PROGRESS}: whether the holder's request may have left for
 *     WeChat (false: it was claimed but never sent, so a takeover may treat it as nothing sent)
 */
public record IdempotencyRecord(
    String key,
    State state,
    String payloadHash,
    Instant leaseUntil,
    String leaseToken,
    boolean needsReview,
    int attempts,
    String wechatpayRequestId,
    LastError lastError,
    Instant createdAt,
    Instant updatedAt,
    Instant sentAt,
    long expiresAt,
    Resolution resolution,
    boolean sending) {

  public enum State { IN_PROGRESS, SENT, REJECTED, UNKNOWN }

  /**
   * An operator's decision on an order whose outcome was unknown.
   *
   * @param sent whether WeChat has the message ({@code SENT}) or not ({@code NOT_SENT})
   * @param resolvedBy the caller's IAM identity, {@code "unknown"} where there is none
   */
  public record Resolution(boolean sent, String reason, Instant resolvedAt, String resolvedBy) {
    public String name() {
      return sent ? "SENT" : "NOT_SENT";
    }
  }

  /** A record no operator settled, whose holder may have sent (the cautious reading). */
  public IdempotencyRecord(String key, State state, String payloadHash, Instant leaseUntil, String leaseToken,
      boolean needsReview, int attempts, String wechatpayRequestId, LastError lastError, Instant createdAt,
      Instant updatedAt, Instant sentAt, long expiresAt) {
    this(key, state, payloadHash, leaseUntil, leaseToken, needsReview, attempts, wechatpayRequestId, lastError,
        createdAt, updatedAt, sentAt, expiresAt, null, true);
  }

  /** A record whose holder may have sent (the cautious reading). */
  public IdempotencyRecord(String key, State state, String payloadHash, Instant leaseUntil, String leaseToken,
      boolean needsReview, int attempts, String wechatpayRequestId, LastError lastError, Instant createdAt,
      Instant updatedAt, Instant sentAt, long expiresAt, Resolution resolution) {
    this(key, state, payloadHash, leaseUntil, leaseToken, needsReview, attempts, wechatpayRequestId, lastError,
        createdAt, updatedAt, sentAt, expiresAt, resolution, true);
  }

  /** WeChat's (or the network's) last refusal or failure for this order. */
  public record LastError(int status, String code, String message) {}

  /** Whether a request for this order may have reached WeChat, judging by this record alone. */
  public boolean mayHaveReachedWeChat() {
    return state != State.REJECTED && !(state == State.IN_PROGRESS && !sending);
  }

  /** The same record in another state: what a claim replaced, when only that state is known. */
  public IdempotencyRecord withState(State other, boolean otherSending) {
    return new IdempotencyRecord(key, other, payloadHash, leaseUntil, leaseToken, needsReview, attempts,
        wechatpayRequestId, lastError, createdAt, updatedAt, sentAt, expiresAt, resolution, otherSending);
  }

  /** Whether an operator may settle it now: unknown, or held by a claim whose lease has passed. */
  public boolean resolvable(Instant now) {
    return state == State.UNKNOWN || (state == State.IN_PROGRESS && !leaseActive(now));
  }

  public boolean leaseActive(Instant now) {
    return state == State.IN_PROGRESS && leaseUntil != null && leaseUntil.isAfter(now);
  }
}
