package payscore.idempotency;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import payscore.idempotency.IdempotencyRecord.State;

/**
 * {@link IdempotencyStore} in a map, with {@link DynamoDbIdempotencyStore}'s semantics condition
 * for condition: each verb is atomic per key (one lock), a claim answers with the old record
 * whether it wins or not ({@code ALL_OLD}), and times are compared at the precision DynamoDB
 * stores them (lease in epoch milliseconds, {@code expires_at} in epoch seconds).
 * {@code IdempotencyStoreContract} runs the same tests against both.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
  private final Map<String, IdempotencyRecord> records = new HashMap<>();

  @Override
  public synchronized Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil,
      long expiresAt) {
    IdempotencyRecord old = records.get(key);
    if (!claimable(old, payloadHash, now)) return new Claim.Refused(old);
    // The update keeps what it does not set: attempts and created_at carry on, and so do the
    // Request-ID, last error and sent_at of the attempt before.
    records.put(key, new IdempotencyRecord(key, State.IN_PROGRESS, payloadHash,
        Instant.ofEpochMilli(leaseUntil.toEpochMilli()), token, false,
        old == null ? 1 : old.attempts() + 1,
        old == null ? null : old.wechatpayRequestId(),
        old == null ? null : old.lastError(),
        old == null ? now : old.createdAt(),
        now,
        old == null ? null : old.sentAt(),
        expiresAt));
    return new Claim.Granted(token, old == null ? 1 : old.attempts() + 1, old);
  }

  /** DynamoDbIdempotencyStore's CLAIM_CONDITION, line for line. */
  private static boolean claimable(IdempotencyRecord old, String payloadHash, Instant now) {
    if (old == null) return true;
    boolean sameHash = payloadHash.equals(old.payloadHash());
    return switch (old.state()) {
      case REJECTED -> true;
      case UNKNOWN -> sameHash && !old.needsReview();
      case IN_PROGRESS -> sameHash && old.leaseUntil().toEpochMilli() < now.toEpochMilli();
      // DynamoDB deletes expired items only eventually; an expired record counts as gone.
      case SENT -> old.expiresAt() < now.getEpochSecond();
    };
  }

  @Override
  public synchronized Optional<IdempotencyRecord> find(String key) {
    return Optional.ofNullable(records.get(key));
  }

  @Override
  public synchronized Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish,
      Instant now) {
    IdempotencyRecord old = records.get(key);
    if (old == null) return Optional.empty();
    boolean holder = token.equals(old.leaseToken());
    // A verified 204 is the truth: it is also written over a lost claim of the same body.
    boolean sentOverLostClaim = finish.state() == State.SENT && payloadHash.equals(old.payloadHash())
        && (old.state() == State.IN_PROGRESS || old.state() == State.UNKNOWN);
    if (!holder && !sentOverLostClaim) return Optional.empty();
    boolean sent = finish.state() == State.SENT;
    IdempotencyRecord written = new IdempotencyRecord(key, finish.state(), old.payloadHash(),
        null, null, // REMOVE lease, token
        finish.needsReview(), old.attempts(),
        finish.wechatpayRequestId() != null ? finish.wechatpayRequestId() : old.wechatpayRequestId(),
        finish.lastError() != null ? finish.lastError() : sent ? null : old.lastError(),
        old.createdAt(), now,
        sent ? now : old.sentAt(),
        old.expiresAt());
    records.put(key, written);
    return Optional.of(written);
  }

  @Override
  public synchronized boolean release(String key, String token) {
    IdempotencyRecord old = records.get(key);
    if (old == null || !token.equals(old.leaseToken())) return false;
    records.remove(key);
    return true;
  }
}
