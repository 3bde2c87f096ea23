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
    long expiresAt) {

  public enum State { IN_PROGRESS, SENT, REJECTED, UNKNOWN }

  /** WeChat's (or the network's) last refusal or failure for this order. */
  public record LastError(int status, String code, String message) {}

  /** Whether a request for this order may have reached WeChat, judging by this record alone. */
  public boolean mayHaveReachedWeChat() {
    return state != State.REJECTED;
  }

  public boolean leaseActive(Instant now) {
    return state == State.IN_PROGRESS && leaseUntil != null && leaseUntil.isAfter(now);
  }
}
