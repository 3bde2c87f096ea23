package payscore.idempotency;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import payscore.idempotency.IdempotencyRecord.State;

/**
 * {@link IdempotencyStore} in a map, with {@code DynamoDbIdempotencyStore}'s semantics condition
 * for condition: each verb is atomic per key (one lock), a claim answers with the old record
 * whether it wins or not ({@code ALL_OLD}), and times are compared at the precision DynamoDB
 * stores them (lease in epoch milliseconds, {@code expires_at} in epoch seconds).
 * {@code IdempotencyStoreContract} runs the same tests against both.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
  private final Map<String, IdempotencyRecord> records = new HashMap<>();
  /** What each claim replaced: DynamoDB's {@code prior_state} and {@code prior_sending} (null: none). */
  private final Map<String, IdempotencyRecord> priors = new HashMap<>();

  @Override
  public synchronized Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil,
      long expiresAt) {
    IdempotencyRecord old = records.get(key);
    if (!claimable(old, payloadHash, now)) {
      // The caller's own claim, met again by a retry of a write whose answer was lost.
      if (old != null && old.state() == State.IN_PROGRESS && token.equals(old.leaseToken())) {
        IdempotencyRecord prior = priors.get(key);
        return new Claim.Granted(token, old.attempts(),
            prior == null ? null : old.withState(prior.state(), prior.sending()));
      }
      return new Claim.Refused(old);
    }
    if (old == null) priors.remove(key); else priors.put(key, old);
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
        expiresAt,
        null, // a new claim ends the current resolution ...
        true, // the claim is the sending mark
        old == null ? List.of() : old.resolutions(), // ... and keeps the history
        null));
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
    boolean holder = token.equals(old.leaseToken())
        && (old.state() == State.IN_PROGRESS || old.state() == finish.state());
    // A verified 204 is the truth: it is also written over a lost claim of the same body.
    boolean sentOverLostClaim = finish.state() == State.SENT && payloadHash.equals(old.payloadHash())
        && (old.state() == State.IN_PROGRESS || old.state() == State.UNKNOWN);
    if (!holder && !sentOverLostClaim) return Optional.empty();
    boolean sent = finish.state() == State.SENT;
    IdempotencyRecord written = new IdempotencyRecord(key, finish.state(), old.payloadHash(),
        null, old.leaseToken(), // REMOVE lease; the token stays for a retried finish to match
        finish.needsReview(), old.attempts(),
        finish.wechatpayRequestId() != null ? finish.wechatpayRequestId() : old.wechatpayRequestId(),
        finish.lastError() != null ? finish.lastError() : sent ? null : old.lastError(),
        old.createdAt(), now,
        sent ? now : old.sentAt(),
        old.expiresAt(),
        old.resolution(),
        finish.state() != State.REJECTED && old.sending(), // refused for good: nothing was taken
        old.resolutions(),
        old.resolutionReplaced());
    records.put(key, written);
    return Optional.of(written);
  }

  @Override
  public synchronized boolean abandon(String key, String token) {
    IdempotencyRecord old = records.get(key);
    if (old == null || old.state() != State.IN_PROGRESS || !token.equals(old.leaseToken())) return false;
    IdempotencyRecord prior = priors.get(key);
    if (prior != null && prior.sending()) return false; // it replaced a record that may have been sent
    records.remove(key);
    return true;
  }

  @Override
  public synchronized boolean release(String key, String token) {
    IdempotencyRecord old = records.get(key);
    if (old == null) return true; // released by an attempt whose answer was lost
    if (old.state() != State.IN_PROGRESS || !token.equals(old.leaseToken())) return false;
    records.remove(key);
    return true;
  }

  @Override
  public synchronized Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now) {
    IdempotencyRecord old = records.get(key);
    if (old == null) return new Settlement(false, null);
    boolean resolvable = old.state() == State.UNKNOWN
        || (old.state() == State.IN_PROGRESS && old.leaseUntil().toEpochMilli() < now.toEpochMilli());
    // This call's own resolution, applied by an attempt whose answer was lost, is in the history.
    if (!resolvable) return new Settlement(old.resolutions().contains(resolution), old);
    List<IdempotencyRecord.Resolution> history = new ArrayList<>(old.resolutions());
    history.add(resolution);
    IdempotencyRecord written = new IdempotencyRecord(key, resolution.sent() ? State.SENT : State.REJECTED,
        old.payloadHash(), null, null, false, old.attempts(), old.wechatpayRequestId(), old.lastError(),
        old.createdAt(), now, old.sentAt(), old.expiresAt(), resolution, resolution.sent(), history, old.state());
    records.put(key, written);
    return new Settlement(true, written);
  }
}
