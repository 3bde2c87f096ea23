package payscore.idempotency;

/** The store contract on the in-memory store that the fast service tests stand on. */
class InMemoryIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore newStore() {
    return new InMemoryIdempotencyStore();
  }
}
