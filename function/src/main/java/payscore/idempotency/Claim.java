package payscore.idempotency;

/** The answer to an attempt to claim an order for one send. */
public sealed interface Claim {
  /**
   * The caller holds the order until its lease ends. {@code previous} is the record the claim
   * replaced (null for a new order): when it says a request may already have reached WeChat, a
   * refusal of this send cannot be taken at face value.
   */
  record Granted(String token, int attempt, IdempotencyRecord previous) implements Claim {
    public boolean mayHaveBeenSentBefore() {
      return previous != null && previous.mayHaveReachedWeChat();
    }
  }

  /**
   * Someone else holds the order, or its state forbids this send; {@code current} says which
   * (null in the rare case the store could not say: treat the order as busy).
   */
  record Refused(IdempotencyRecord current) implements Claim {}
}
