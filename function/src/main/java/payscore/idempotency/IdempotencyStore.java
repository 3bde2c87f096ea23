package payscore.idempotency;

import java.time.Instant;
import java.util.Optional;

/**
 * The idempotency records, changed by conditional writes only: no read decides a write. Keeping
 * the invariants of the contract is the store's job; deciding what an outcome means is not. Every
 * verb throws {@link StoreUnavailableException} when the store cannot be reached; a write retried
 * after such a failure meets its own earlier write (every write names the caller's lease token)
 * and changes nothing more.
 */
public interface IdempotencyStore {
  /**
   * Claims the order for one send of the body with {@code payloadHash}, in one conditional write.
   * Granted when the order is new, was rejected, is {@code UNKNOWN} (not under review) with the
   * same body, or is held by a claim whose lease has passed with the same body. The claim is also
   * the mark that the request is about to leave: a holder that dies counts as having sent, so the
   * caller makes everything the request needs before it claims.
   *
   * @param leaseUntil after this instant the claim counts as abandoned by a dead holder
   * @param expiresAt the record's TTL, in seconds since the epoch
   */
  Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil, long expiresAt);

  Optional<IdempotencyRecord> find(String key);

  /**
   * Ends the claim {@code token} with {@code finish} and returns the record as written; empty when
   * the claim was lost (its lease
   * passed and another request took the order over). A {@code SENT} finish is also written over a
   * lost claim of the same body that has not ended in {@code SENT}: WeChat's verified 204 is the
   * truth, whoever holds the order now.
   */
  Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish, Instant now);

  /**
   * Deletes the claim {@code token} if what it replaced says nothing of this order may have reached
   * WeChat: for a claim whose answer never came, so the caller never sent and does not know what it
   * replaced. Otherwise the claim stays, and ends with its lease.
   */
  boolean abandon(String key, String token);

  /** Deletes the claim {@code token}: nothing reached WeChat, so the order is free again. */
  boolean release(String key, String token);

  /**
   * Settles an order whose outcome is unknown ({@code UNKNOWN}, or {@code IN_PROGRESS} past its
   * lease), in one conditional write: {@code SENT} when WeChat has the message, {@code REJECTED}
   * when it does not (the order is free again). Two operators racing settle it once.
   */
  Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now);

  /**
   * This store with every call, retries included, bounded by {@code budget}, so that a write never
   * outlives the invocation that makes it. A store without remote calls is itself.
   */
  default IdempotencyStore within(java.time.Duration budget) {
    return this;
  }

  /**
   * @param applied whether this call settled the order
   * @param record the record as written when applied; otherwise the current one (null: no record)
   */
  record Settlement(boolean applied, IdempotencyRecord record) {}
}
