package payscore.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import payscore.faults.AwsFaultProxy;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoProcess;
import payscore.soak.FaultPlan.Order;
import payscore.soak.SoakMessage.End;

/**
 * A fault soak: orders go through SQS batches against moto and the WeChat Pay simulator, with
 * faults injected at random (5xx that did or did not take the message, 429, 401, accept-then-hang
 * timeouts, SIGNTEST probes and unsigned 204s, short delays, definitive refusals, duplicate
 * deliveries with reordered keys, second bodies, invalid bodies, a merchant key rotation and a moto
 * restart midway), and what the function reports as failed is delivered again the way SQS would,
 * until every message has an end. Then it checks that WeChat took each order at most once and that
 * every message ended sent, replayed, parked with a reason, or redriven after
 * {@value SoakMessage#MAX_RECEIVE_COUNT} receives with a record saying why.
 *
 * <p>SQS itself is modelled here, without a queue: a round receives every visible message on the
 * queue, shuffled and cut into batches of up to 10, which {@value #INSTANCES} execution
 * environments (function instances, each with its own caches and clients) run concurrently, as
 * Lambda's poller would. Messages in {@code batchItemFailures} become visible again after a
 * (shortened) visibility timeout with one more receive; the others are deleted, and the DLQ tells
 * parked ones from sent ones.
 *
 * <p>The moto restart emulates an outage of durable services, not data loss. With no other
 * invocation in flight, a few orders are claimed and left waiting for a slow WeChat answer; the
 * table's items and the secret are read; moto is restarted (losing everything); some batches run
 * against the empty moto (every message must come back as a failure) while WeChat takes the
 * waiting orders, whose outcome the function then cannot record; finally the table, the secret
 * and the queues are recreated under the same names with their contents.
 *
 * <p>Its parts, one job each: {@link FaultPlan} (the orders, messages and fault scripts),
 * {@link AwsFaults} (the fault proxy's plan), {@link FunctionInstances} (the execution environments
 * and their invocations), {@link SqsRounds} (SQS's rounds and each delivery's consequence, with
 * {@link DeliveryLedger}, {@link DeadLetterBox} and {@link SoakLogReader}), {@link MotoOutage} (the
 * restart), {@link ContractMetrics} and {@link OrderChecks} (the checks), {@link SoakReport}.
 *
 * <p>Run {@link #main} for the benchmark size: {@code FaultSoak [orders [seed]]}, exit code 0 when
 * every check holds.
 */
public final class FaultSoak {
  /** The Lambda timeout of each invocation; the function keeps 1.5 s of it for its final write. */
  static final Duration INVOCATION = Duration.ofSeconds(3);
  /** Concurrent execution environments. */
  static final int INSTANCES = 3;
  static final int MAX_ROUNDS = 50;
  /** SQS's visibility timeout, shortened from the queue's 90 s: a failed message comes back after it. */
  static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(2);
  /** The Lambda timeout of the invocation in flight across the moto restart. */
  static final Duration IN_FLIGHT_INVOCATION = Duration.ofSeconds(6);

  /** What a soak saw, and which of its checks failed. */
  public record Report(
      int orders,
      long seed,
      int messages,
      int invalidMessages,
      Map<End, Integer> ends,
      int wechatRequests,
      int wechatAcceptances,
      int rounds,
      int invocations,
      Duration wall,
      List<String> failures,
      Map<String, Long> awsFaults,
      Map<String, Long> wechatFaults,
      Map<String, Long> metricSums,
      Map<String, Long> outcomeCounts) {

    public boolean checksHold() {
      return failures.isEmpty();
    }

    public int count(End end) {
      return ends.getOrDefault(end, 0);
    }
  }

  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private boolean ran;

  public static void main(String[] args) {
    int orders = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : Long.getLong("soak.seed", 20_240_611L);
    Report report = new FaultSoak().run(orders, seed, System.out);
    System.out.flush();
    System.exit(report.checksHold() ? 0 : 1);
  }

  /**
   * Runs the soak on a moto server of its own (it restarts it once, which would wipe the state of
   * test classes running beside it on the shared one); prints progress and the
   * report to {@code out}. One run per instance.
   */
  public Report run(int orderCount, long seed, PrintStream out) {
    if (ran) throw new IllegalStateException("a FaultSoak runs once; make a new one");
    ran = true;
    long started = System.nanoTime();
    Random random = new Random(seed);
    FaultPlan plan = FaultPlan.create(orderCount, random);
    MotoProcess moto = MotoProcess.dedicated();
    int rounds = 0;
    int requests = 0;
    int acceptances = 0;
    Map<String, String> records = new HashMap<>();
    FunctionHarness harness;
    AwsFaults aws;
    try {
      harness = new FunctionHarness(moto.endpoint());
      aws = new AwsFaults(AwsFaultProxy.start(moto.endpoint()), seed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FunctionInstances instances = new FunctionInstances(harness, failures);
    DeliveryLedger ledger = new DeliveryLedger();
    DeadLetterBox letters = new DeadLetterBox(harness, failures);
    SoakLogReader logs = new SoakLogReader(harness, failures);
    ContractMetrics metrics = new ContractMetrics(harness, logs, failures);
    MotoOutage outage = new MotoOutage(harness, instances, ledger, letters, failures, out);
    SqsRounds sqs = new SqsRounds(harness, aws, instances, ledger, outage, letters, logs, metrics, failures, out);
    OrderChecks checks = new OrderChecks(harness, aws, sqs, outage, metrics, failures);
    SoakReport report = new SoakReport(harness, aws, logs, letters, sqs, outage, checks, out);
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES, task -> {
      Thread thread = new Thread(task, "soak-invoker");
      thread.setDaemon(true);
      return thread;
    });
    try {
      out.printf("fault soak: %d orders, %d messages, seed %d%n", orderCount, plan.messages.size(), seed);
      // The function instances reach AWS through the fault proxy; the soak's own bookkeeping reads moto directly.
      instances.start(Map.of("AWS_ENDPOINT_URL", aws.proxy.endpoint().toString()));
      instances.warmUp();
      logs.skipWhatIsLogged();
      aws.plan(plan.orders);
      out.println("  AWS faults per order: " + aws.byOrder.values().stream()
          .collect(Collectors.groupingBy(f -> f, () -> new EnumMap<>(AwsFaults.OrderFault.class), Collectors.counting())));
      for (Order order : plan.orders) {
        if (!order.script.isEmpty()) {
          harness.wechat.script(order.orderNo,
              order.script.stream().map(FaultPlan.Step::behaviour).toArray(payscore.simulator.Behaviour[]::new));
        }
      }

      rounds = sqs.drive(plan, random, moto, pool);
      checks.awaitLeases(plan);
      checks.check(plan);
      requests = (int) harness.wechat.requests().stream().filter(r -> r.outOrderNo() != null).count();
      acceptances = plan.orders.stream().mapToInt(o -> harness.wechat.acceptedCount(o.orderNo)).sum();
      for (SoakMessage message : plan.messages) {
        if (message.end == End.REDRIVEN) records.put(message.order.orderNo, report.recordSummary(message.order.orderNo));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.add("interrupted");
    } finally {
      pool.shutdownNow();
      try {
        aws.close();
      } catch (IOException e) {
        failures.add("the fault proxy did not close: " + e);
      }
      try {
        harness.close(); // also fails if anything secret was logged
      } catch (AssertionError e) {
        failures.add(e.getMessage());
      }
      moto.close();
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - started);
    Report result = report.report(plan, orderCount, seed, rounds, requests, acceptances, instances.invocations(), wall,
        failures);
    report.print(result, plan, records);
    return result;
  }
}
