package payscore.send;

import payscore.idempotency.IdempotencyRecord;

/** The end of an operator's request to settle an order whose outcome is unknown. */
public sealed interface ResolveResult {
  /** Settled: the record as written, with the resolution fields. */
  record Resolved(IdempotencyRecord record) implements ResolveResult {}

  /** No record: the order was never seen. */
  record NotFound() implements ResolveResult {}

  /** The record's state cannot be settled: SENT, REJECTED, or IN_PROGRESS with a live lease. */
  record NotResolvable(IdempotencyRecord record) implements ResolveResult {}

  /** DynamoDB or Secrets Manager failed; nothing was changed for sure. */
  record Unavailable(String message) implements ResolveResult {}

  /** The merchant secret is malformed: a configuration fault, which a retry only repeats; nothing was changed. */
  record InternalError(String message) implements ResolveResult {}
}
