package payscore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import payscore.idempotency.Claim;
import payscore.idempotency.Finish;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyStore;
import payscore.idempotency.InMemoryIdempotencyStore;
import payscore.idempotency.StoreUnavailableException;

/**
 * The in-memory store behind a switchboard of failures, as DynamoDB fails: any verb can be told to
 * throw {@link StoreUnavailableException} on its next calls or on every call, with the write
 * applied first or not, and taking the call's whole budget on the clock or none of it. Every call
 * is logged, so a test can say which verbs ran.
 */
final class FaultyIdempotencyStore implements IdempotencyStore {
  enum Verb { CLAIM, FIND, FINISH, RELEASE, ABANDON, RESOLVE }

  /**
   * How one call fails.
   *
   * @param applied the write is made before the failure is thrown: its answer was lost on the way back
   * @param saysMayHaveBeenApplied what the exception's {@code mayHaveBeenApplied} says
   * @param timedOut the call takes its whole budget on the clock, as a call that never answered does
   * @param hold when set, the call first waits for it: a call still under way when the invocation ends
   */
  record Fault(boolean applied, boolean saysMayHaveBeenApplied, boolean timedOut, CountDownLatch hold) {
    /** Refused at once and not applied (throttled, 5xx): the record is as it was. */
    static Fault refused() {
      return new Fault(false, false, false, null);
    }

    /** Applied, and then the connection broke before the answer came. */
    static Fault answerLost() {
      return new Fault(true, true, false, null);
    }

    /** No answer within the call's budget; the write {@code applied} or not, nobody can tell. */
    static Fault timedOut(boolean applied) {
      return new Fault(applied, true, true, null);
    }

    /** Waits for {@code release}, then is refused: a call the invocation's end overtakes. */
    static Fault heldUntil(CountDownLatch release) {
      return new Fault(false, false, false, release);
    }
  }

  /** One call as it was made: {@code budget} is what {@link #within} gave it (null: unbounded). */
  record Call(Verb verb, String key, Duration budget, boolean failed) {}

  private final InMemoryIdempotencyStore records = new InMemoryIdempotencyStore();
  private final StepClock clock;
  private final Map<Verb, Deque<Fault>> next = new EnumMap<>(Verb.class);
  private final Map<Verb, Fault> every = new EnumMap<>(Verb.class);
  private final Map<String, Map<Verb, Deque<Fault>>> nextByKey = new java.util.HashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  /** @param clock stepped by a call that takes its whole budget */
  FaultyIdempotencyStore(StepClock clock) {
    this.clock = clock;
  }

  /** The next calls of {@code verb} fail, one fault each, in order; later calls succeed. */
  synchronized void failNext(Verb verb, Fault... faults) {
    next.computeIfAbsent(verb, v -> new ArrayDeque<>()).addAll(List.of(faults));
  }

  /** The next calls of {@code verb} for this record key fail: for batches whose orders run side by side. */
  synchronized void failNext(String key, Verb verb, Fault... faults) {
    nextByKey.computeIfAbsent(key, k -> new EnumMap<>(Verb.class))
        .computeIfAbsent(verb, v -> new ArrayDeque<>()).addAll(List.of(faults));
  }

  /**
   * Every call of {@code verb} fails from now on. Writes are retried until the invocation's
   * deadline, which only a failure that takes its budget brings closer on a clock that stands
   * still: so a write's lasting failure must be a time-out.
   */
  synchronized void failEvery(Verb verb, Fault fault) {
    if (verb != Verb.FIND && !fault.timedOut()) {
      throw new IllegalArgumentException("a write that fails every time must time out, or its retries never end");
    }
    every.put(verb, fault);
  }

  /** No more failures: every call succeeds from now on. */
  synchronized void heal() {
    next.clear();
    every.clear();
    nextByKey.clear();
  }

  /** The records as they are, read without going through the switchboard. */
  InMemoryIdempotencyStore records() {
    return records;
  }

  Optional<IdempotencyRecord> record(String key) {
    return records.find(key);
  }

  List<Call> calls() {
    return calls;
  }

  List<Verb> verbs() {
    return calls.stream().map(Call::verb).toList();
  }

  void forget() {
    calls.clear();
  }

  @Override
  public IdempotencyStore within(Duration budget) {
    return new Bounded(budget);
  }

  @Override
  public Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil, long expiresAt) {
    return call(Verb.CLAIM, key, null, () -> records.claim(key, payloadHash, token, now, leaseUntil, expiresAt));
  }

  @Override
  public Optional<IdempotencyRecord> find(String key) {
    return call(Verb.FIND, key, null, () -> records.find(key));
  }

  @Override
  public Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish, Instant now) {
    return call(Verb.FINISH, key, null, () -> records.finish(key, payloadHash, token, finish, now));
  }

  @Override
  public boolean abandon(String key, String token) {
    return call(Verb.ABANDON, key, null, () -> records.abandon(key, token));
  }

  @Override
  public boolean release(String key, String token) {
    return call(Verb.RELEASE, key, null, () -> records.release(key, token));
  }

  @Override
  public Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now) {
    return call(Verb.RESOLVE, key, null, () -> records.resolve(key, resolution, now));
  }

  private synchronized Fault faultFor(Verb verb, String key) {
    Deque<Fault> forKey = nextByKey.getOrDefault(key, Map.of()).get(verb);
    if (forKey != null && !forKey.isEmpty()) return forKey.poll();
    Deque<Fault> queued = next.get(verb);
    if (queued != null && !queued.isEmpty()) return queued.poll();
    return every.get(verb);
  }

  private <T> T call(Verb verb, String key, Duration budget, Supplier<T> operation) {
    Fault fault = faultFor(verb, key);
    if (fault == null) {
      T result = operation.get();
      calls.add(new Call(verb, key, budget, false));
      return result;
    }
    calls.add(new Call(verb, key, budget, true));
    if (fault.hold() != null) {
      try {
        fault.hold().await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (fault.applied() && verb != Verb.FIND) operation.get();
    if (fault.timedOut() && budget != null) clock.advance(budget);
    String reason = fault.timedOut() ? "ApiCallAttemptTimeoutException"
        : fault.applied() ? "SocketException" : "ThrottlingException";
    throw new StoreUnavailableException("could not " + verb.name().toLowerCase(java.util.Locale.ROOT)
        + " the record in DynamoDB (" + reason + ")", reason, fault.saysMayHaveBeenApplied(), null);
  }

  /** The store as {@link #within} hands it out: the same records and faults, with the call's budget. */
  private final class Bounded implements IdempotencyStore {
    private final Duration budget;

    Bounded(Duration budget) {
      this.budget = budget;
    }

    @Override
    public Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil,
        long expiresAt) {
      return call(Verb.CLAIM, key, budget, () -> records.claim(key, payloadHash, token, now, leaseUntil, expiresAt));
    }

    @Override
    public Optional<IdempotencyRecord> find(String key) {
      return call(Verb.FIND, key, budget, () -> records.find(key));
    }

    @Override
    public Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish,
        Instant now) {
      return call(Verb.FINISH, key, budget, () -> records.finish(key, payloadHash, token, finish, now));
    }

    @Override
    public boolean abandon(String key, String token) {
      return call(Verb.ABANDON, key, budget, () -> records.abandon(key, token));
    }

    @Override
    public boolean release(String key, String token) {
      return call(Verb.RELEASE, key, budget, () -> records.release(key, token));
    }

    @Override
    public Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now) {
      return call(Verb.RESOLVE, key, budget, () -> records.resolve(key, resolution, now));
    }

    @Override
    public IdempotencyStore within(Duration other) {
      return new Bounded(other);
    }
  }
}
