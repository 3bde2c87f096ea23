package payscore.idempotency;

import java.time.Instant;
import java.util.List;

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
 * @param resolution how an operator settled the order, while that settlement is current; null
 *     otherwise (never settled, or claimed again since, e.g. after {@code NOT_SENT})
 * @param sending while {@link State#IN_PROGRESS}: whether the holder's request may have left for
 *     WeChat (false: it was claimed but never sent, so a takeover may treat it as nothing sent)
 * @param resolutions every settlement of the order, oldest first; a later claim keeps them
 * @param resolutionReplaced with a current {@code resolution}: the state it replaced
 *     ({@code UNKNOWN}, or {@code IN_PROGRESS} past its lease); null otherwise
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
    boolean sending,
    List<Resolution> resolutions,
    State resolutionReplaced) {

  public enum State { IN_PROGRESS, SENT, REJECTED, UNKNOWN }

  public IdempotencyRecord {
    resolutions = resolutions == null ? List.of() : List.copyOf(resolutions);
  }

  /**
   * An operator's decision on an order whose outcome was unknown.
   *
   * @param sent whether WeChat has the message ({@code SENT}) or not ({@code NOT_SENT})
   * @param resolvedBy the caller's IAM identity (API Gateway's {@code userArn}), never from the body
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
        createdAt, updatedAt, sentAt, expiresAt, null, true, List.of(), null);
  }

  /** A record whose holder may have sent (the cautious reading), settled at most once. */
  public IdempotencyRecord(String key, State state, String payloadHash, Instant leaseUntil, String leaseToken,
      boolean needsReview, int attempts, String wechatpayRequestId, LastError lastError, Instant createdAt,
      Instant updatedAt, Instant sentAt, long expiresAt, Resolution resolution) {
    this(key, state, payloadHash, leaseUntil, leaseToken, needsReview, attempts, wechatpayRequestId, lastError,
        createdAt, updatedAt, sentAt, expiresAt, resolution, true,
        resolution == null ? List.of() : List.of(resolution), null);
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
        wechatpayRequestId, lastError, createdAt, updatedAt, sentAt, expiresAt, resolution, otherSending,
        resolutions, resolutionReplaced);
  }

  /** Whether an operator may settle it now: unknown, or held by a claim whose lease has passed. */
  public boolean resolvable(Instant now) {
    return state == State.UNKNOWN || (state == State.IN_PROGRESS && !leaseActive(now));
  }

  public boolean leaseActive(Instant now) {
    return state == State.IN_PROGRESS && leaseUntil != null && leaseUntil.isAfter(now);
  }
}
