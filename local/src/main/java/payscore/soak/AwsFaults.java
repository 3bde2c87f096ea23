package payscore.soak;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import payscore.faults.ActiveRule;
import payscore.faults.AwsFaultProxy;
import payscore.faults.Fault;
import payscore.faults.FaultKind;
import payscore.faults.FaultRule;
import payscore.harness.FunctionHarness;
import payscore.soak.FaultPlan.Kind;
import payscore.soak.FaultPlan.Order;

/**
 * The soak's AWS faults, injected by an {@link AwsFaultProxy} between the function instances and
 * moto, all drawn from their own seeded {@link Random} (so the WeChat plan of a seed stays what it
 * was without them).
 *
 * <p><b>Per order</b>, aimed at one item by its key ({@code "1900000001#SOAK-00042"} in the request
 * body) and at one write of it by sequence: the order's first {@code UpdateItem} is its claim; a
 * later one is a finish. To reach a finish, the rule list holds a pass-through ({@code
 * delayAnswer(0)}, counted by the proxy as {@code DELAYED} and subtracted in the report) for each
 * earlier {@code UpdateItem} of the item, then the fault. Only orders with a single message get
 * these, so no other message of theirs can consume the sequence.
 *
 * <p><b>Global</b>, at seeded points of the run: throttling bursts (the next n requests of an
 * operation, whoever sends them), a 5xx burst, a Secrets Manager throttle at the key rotation,
 * and an outage of the AWS endpoint (every request reset once read) of {@link #OUTAGE}, longer
 * than an invocation, while invocations are in flight.
 */
final class AwsFaults {
  /** Longer than an invocation ({@link FaultSoak#INVOCATION}). */
  static final Duration OUTAGE = Duration.ofSeconds(5);
  /** Past the SDK's 2 s attempt timeout. */
  static final Duration LATE = Duration.ofMillis(2_500);

  /** What happens to one order's DynamoDB writes or DLQ letters. */
  enum OrderFault {
    /** The claim is applied, its answer lost (connection closed). */
    CLAIM_DROPPED,
    /** The claim is applied, the connection reset without an answer. */
    CLAIM_RESET,
    /** The claim is applied, its answer comes after the SDK's attempt timeout. */
    CLAIM_LATE,
    /** The claim gets two 500s (not applied); the SDK retries. */
    CLAIM_5XX,
    /** After a verified 204, the SENT write is applied and its answer lost. */
    SENT_DROPPED,
    /** After a verified 204, the SENT write is applied and the connection reset. */
    SENT_RESET,
    /** After a verified 204, the SENT write is throttled three times, then goes through. */
    SENT_THROTTLE_BURST,
    /** After a verified 204, every SENT write is throttled until the invocation is over: {@code recorded: false}. */
    SENT_UNWRITABLE,
    /** After a definitive refusal, the REJECTED write is applied and its answer lost. */
    REJECTED_DROPPED,
    /** After a 429 (nothing sent), the release is applied and its answer lost. */
    RELEASE_DROPPED,
    /** After a 429 (nothing sent), the release is applied and the connection reset. */
    RELEASE_RESET,
    /** Parking in the DLQ is throttled one to four times (the SDK retries some). */
    DLQ_THROTTLED;

    boolean fits(Order order) {
      boolean single = order.messages.size() == 1;
      boolean first429 = !order.script.isEmpty() && order.script.get(0).name().equals("429");
      return switch (this) {
        case CLAIM_DROPPED, CLAIM_RESET, CLAIM_LATE, CLAIM_5XX -> single
            && (order.kind == Kind.CLEAN || order.kind == Kind.DELAY || order.kind == Kind.TRANSIENT
                || order.kind == Kind.REJECT);
        case SENT_DROPPED, SENT_RESET, SENT_THROTTLE_BURST, SENT_UNWRITABLE -> single
            && (order.kind == Kind.CLEAN || order.kind == Kind.DELAY);
        case REJECTED_DROPPED -> single && order.kind == Kind.REJECT;
        case RELEASE_DROPPED, RELEASE_RESET -> single && first429
            && (order.kind == Kind.TRANSIENT || order.kind == Kind.REJECT);
        case DLQ_THROTTLED -> order.kind == Kind.INVALID || order.kind == Kind.PROCESSED
            || order.kind == Kind.REJECT_AFTER_5XX;
      };
    }

    /** What the contract makes of a lone message of the order, given its kind's prediction. */
    boolean changesPrediction() {
      return this == SENT_UNWRITABLE;
    }
  }

  /** A time when global faults were active: deliveries overlapping it are not held to a kind's prediction. */
  record Window(Instant from, Instant to, String what) {
    boolean overlaps(Instant start, Instant end) {
      return start != null && end != null && !end.isBefore(from) && !start.isAfter(to);
    }
  }

  final AwsFaultProxy proxy;
  final Map<Order, OrderFault> byOrder = new LinkedHashMap<>();
  final List<Window> windows = Collections.synchronizedList(new ArrayList<>());
  /** Global events, in order, for the report. */
  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final Random random;
  private final List<ActiveRule> passThroughs = new ArrayList<>();
  private final Map<Order, ActiveRule> faultRules = new LinkedHashMap<>();
  /** ALWAYS rules removed once fired and the round is settled. */
  private final List<ActiveRule> untilSettled = new ArrayList<>();
  /** Global bursts still open: closed (their window ends) when the round settles. */
  private final List<Instant> openBursts = new ArrayList<>();
  private Instant outageStarted;

  AwsFaults(AwsFaultProxy proxy, long seed) {
    this.proxy = proxy;
    this.random = new Random(seed * 31 + 0x5eed);
  }

  /** Picks the orders of each per-order fault (about 1.2 % of the orders each, at least one) and installs their rules. */
  void plan(List<Order> orders) {
    List<Order> shuffled = new ArrayList<>(orders);
    Collections.shuffle(shuffled, random);
    for (OrderFault fault : OrderFault.values()) {
      int quota = Math.max(1, (int) Math.round(orders.size() * 0.012));
      for (Order order : shuffled) {
        if (quota == 0) break;
        if (byOrder.containsKey(order) || !fault.fits(order)) continue;
        byOrder.put(order, fault);
        quota--;
      }
    }
    byOrder.forEach(this::install);
  }

  private void install(Order order, OrderFault fault) {
    String key = "\"" + FunctionHarness.MCHID + "#" + order.orderNo + "\"";
    switch (fault) {
      case CLAIM_DROPPED -> faultRules.put(order, proxy.inject(
          FaultRule.next(1, "UpdateItem", Fault.dropAnswer()).whereBodyContains(key)));
      case CLAIM_RESET -> faultRules.put(order, proxy.inject(
          FaultRule.next(1, "UpdateItem", Fault.resetAfterApply()).whereBodyContains(key)));
      case CLAIM_LATE -> faultRules.put(order, proxy.inject(
          FaultRule.next(1, "UpdateItem", Fault.delayAnswer(LATE)).whereBodyContains(key)));
      case CLAIM_5XX -> faultRules.put(order, proxy.inject(
          FaultRule.next(2, "UpdateItem", Fault.internalServerError()).whereBodyContains(key)));
      case SENT_DROPPED -> afterClaims(order, key, 1, FaultRule.next(1, "UpdateItem", Fault.dropAnswer()));
      case SENT_RESET -> afterClaims(order, key, 1, FaultRule.next(1, "UpdateItem", Fault.resetAfterApply()));
      case SENT_THROTTLE_BURST -> afterClaims(order, key, 1, FaultRule.next(3, "UpdateItem", Fault.throttle()));
      case SENT_UNWRITABLE -> {
        afterClaims(order, key, 1, FaultRule.always("UpdateItem", Fault.throttle()));
        untilSettled.add(faultRules.get(order));
      }
      // claim, [429, release, claim], refusal, REJECTED write
      case REJECTED_DROPPED -> afterClaims(order, key, order.script.size(),
          FaultRule.next(1, "UpdateItem", Fault.dropAnswer()));
      case RELEASE_DROPPED -> faultRules.put(order, proxy.inject(
          FaultRule.next(1, "DeleteItem", Fault.dropAnswer()).whereBodyContains(key)));
      case RELEASE_RESET -> faultRules.put(order, proxy.inject(
          FaultRule.next(1, "DeleteItem", Fault.resetAfterApply()).whereBodyContains(key)));
      case DLQ_THROTTLED -> faultRules.put(order, proxy.inject(
          FaultRule.next(1 + random.nextInt(4), "SendMessage", Fault.throttle()).whereBodyContains(order.orderNo)));
    }
  }

  /** {@code claims} UpdateItems of the item pass, then {@code rule} applies to the item's next ones. */
  private void afterClaims(Order order, String key, int claims, FaultRule rule) {
    passThroughs.add(proxy.inject(FaultRule.next(claims, "UpdateItem", Fault.delayAnswer(Duration.ZERO))
        .whereBodyContains(key)));
    faultRules.put(order, proxy.inject(rule.whereBodyContains(key)));
  }

  /** How often the order's fault was injected (0: its request never came). */
  int fired(Order order) {
    ActiveRule rule = faultRules.get(order);
    return rule == null ? 0 : rule.fired();
  }

  /** Throttling bursts (and a 5xx burst) on the next requests of each operation, whoever sends them. */
  void burst(String where) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("UpdateItem", 5 + random.nextInt(8));
    sizes.put("GetItem", 2 + random.nextInt(3));
    sizes.put("DeleteItem", 2 + random.nextInt(3));
    sizes.put("SendMessage", 2 + random.nextInt(3));
    sizes.forEach((operation, n) -> proxy.inject(FaultRule.next(n, operation, Fault.throttle())));
    int serverErrors = 3 + random.nextInt(4);
    proxy.inject(FaultRule.next(serverErrors, "UpdateItem", Fault.internalServerError()));
    Instant now = Instant.now();
    synchronized (openBursts) {
      openBursts.add(now);
    }
    events.add(where + ": throttling bursts " + sizes + ", UpdateItem 500 x" + serverErrors);
  }

  /** Secrets Manager throttles the next reads of the secret (the re-read after a 401 SIGN_ERROR). */
  void throttleSecrets(String where) {
    int n = 2 + random.nextInt(3);
    proxy.inject(FaultRule.next(n, "GetSecretValue", Fault.throttle()));
    synchronized (openBursts) {
      openBursts.add(Instant.now());
    }
    events.add(where + ": GetSecretValue throttled x" + n);
  }

  /** Every AWS request is reset once read, for {@link #OUTAGE}, starting now. */
  void startOutage(String where) {
    outageStarted = Instant.now();
    proxy.outage(OUTAGE);
    windows.add(new Window(outageStarted, outageStarted.plus(OUTAGE), "outage"));
    events.add(where + ": AWS endpoint outage (connections reset) for " + OUTAGE.toMillis() + " ms");
  }

  /** Waits until the outage, if any, is over. */
  void awaitOutageEnd() throws InterruptedException {
    if (outageStarted == null) return;
    long left = Duration.between(Instant.now(), outageStarted.plus(OUTAGE)).toMillis();
    if (left > 0) Thread.sleep(left + 50);
  }

  /** At the end of a round: ALWAYS rules that did their work are removed, open bursts close their windows. */
  void roundSettled() {
    for (ActiveRule rule : untilSettled) {
      if (rule.fired() > 0) proxy.remove(rule);
    }
    Instant now = Instant.now();
    synchronized (openBursts) {
      for (Instant from : openBursts) windows.add(new Window(from, now, "burst"));
      openBursts.clear();
    }
  }

  boolean touchedByGlobalFaults(Instant start, Instant end) {
    synchronized (windows) {
      return windows.stream().anyMatch(w -> w.overlaps(start, end));
    }
  }

  /** Faults injected by kind, without the pass-throughs that only count the requests before a fault. */
  Map<FaultKind, Long> injected() {
    Map<FaultKind, Long> counts = new EnumMap<>(FaultKind.class);
    counts.putAll(proxy.faultsInjected());
    long passed = passThroughs.stream().mapToLong(ActiveRule::fired).sum();
    counts.computeIfPresent(FaultKind.DELAYED, (kind, n) -> n - passed == 0 ? null : n - passed);
    return counts;
  }

  void close() throws IOException {
    proxy.close();
  }
}
