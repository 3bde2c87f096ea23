package payscore.soak;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.Collectors;
import payscore.PendingMessageFunction;
import payscore.harness.FunctionHarness;
import payscore.harness.InProcessHandler;
import payscore.harness.LambdaContext;
import payscore.harness.MotoProcess;
import payscore.simulator.RecordedRequest;
import payscore.simulator.Verdict;
import payscore.soak.FaultPlan.Kind;
import payscore.soak.FaultPlan.Order;
import payscore.soak.SoakMessage.Delivery;
import payscore.soak.SoakMessage.End;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

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
  /** How long a round waits past the first message's return to visibility, to gather the next ones. */
  private static final Duration GATHER = Duration.ofMillis(500);
  /** The Lambda timeout of the invocation in flight across the moto restart. */
  static final Duration IN_FLIGHT_INVOCATION = Duration.ofSeconds(6);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration QUIESCE_LIMIT = Duration.ofSeconds(20);

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
  private final Map<String, Message> letters = new HashMap<>();
  private final List<PendingMessageFunction> functions = new ArrayList<>();
  private BlockingQueue<InProcessHandler> idle;
  private FunctionHarness harness;
  private PrintStream out;
  private int logOffset;
  private int invocations;
  /** Items the function wrote again before the restore reached them (the restore left them). */
  private int restoredOver;
  /** DLQ letters written twice for one delivery: a park retried after its answer was lost. */
  private int duplicateLetters;
  private Instant rotatedAt;
  private Instant rotationDone;
  private int signErrors;
  private String rotationNote;
  private String outageNote = "none";
  /** The in-flight orders straddled the restart (their claims were in the snapshot, their answers came after). */
  private boolean inFlightExercised;
  private AwsFaults aws;
  /** Invocations that have taken an execution environment, so far. */
  private final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
  /** Sums of the EMF lines' metrics (value 1 each), by metric name; and EMF lines with no outcome line before them. */
  private final Map<String, Long> emfSums = new LinkedHashMap<>();
  private int orphanEmfLines;
  /** The contract's metrics. */
  static final List<String> METRICS = List.of("Sent", "Replayed", "Invalid", "Rejected", "Conflict", "Uncertain",
      "Failed", "Resolved");
  private static final String UNCERTAIN_OR_FAILED = "Uncertain or Failed";

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
    if (this.out != null) throw new IllegalStateException("a FaultSoak runs once; make a new one");
    this.out = out;
    long started = System.nanoTime();
    Random random = new Random(seed);
    FaultPlan plan = FaultPlan.create(orderCount, random);
    MotoProcess moto = MotoProcess.dedicated();
    int rounds = 0;
    int requests = 0;
    int acceptances = 0;
    Map<String, String> records = new HashMap<>();
    try {
      harness = new FunctionHarness(moto.endpoint());
      aws = new AwsFaults(payscore.faults.AwsFaultProxy.start(moto.endpoint()), seed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES, task -> {
      Thread thread = new Thread(task, "soak-invoker");
      thread.setDaemon(true);
      return thread;
    });
    try {
      out.printf("fault soak: %d orders, %d messages, seed %d%n", orderCount, plan.messages.size(), seed);
      // The function instances reach AWS through the fault proxy; the soak's own bookkeeping reads moto directly.
      Map<String, String> throughProxy = Map.of("AWS_ENDPOINT_URL", aws.proxy.endpoint().toString());
      for (int i = 0; i < INSTANCES; i++) functions.add(harness.newInstance(throughProxy));
      idle = new ArrayBlockingQueue<>(INSTANCES);
      for (PendingMessageFunction function : functions) idle.add(harness.sqs(function));
      warmUp();
      aws.plan(plan.orders);
      out.println("  AWS faults per order: " + aws.byOrder.values().stream()
          .collect(Collectors.groupingBy(f -> f, () -> new EnumMap<>(AwsFaults.OrderFault.class), Collectors.counting())));
      for (Order order : plan.orders) {
        if (!order.script.isEmpty()) {
          harness.wechat.script(order.orderNo,
              order.script.stream().map(FaultPlan.Step::behaviour).toArray(payscore.simulator.Behaviour[]::new));
        }
      }

      rounds = drive(plan, random, moto, pool);
      awaitLeases(plan);
      check(plan);
      requests = (int) harness.wechat.requests().stream().filter(r -> r.outOrderNo() != null).count();
      acceptances = plan.orders.stream().mapToInt(o -> harness.wechat.acceptedCount(o.orderNo)).sum();
      for (SoakMessage message : plan.messages) {
        if (message.end == End.REDRIVEN) records.put(message.order.orderNo, recordSummary(message.order.orderNo));
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
    Report report = report(plan, orderCount, seed, rounds, requests, acceptances, wall);
    print(report, plan, records);
    return report;
  }

  /**
   * One invocation per execution environment before the soak, as warm Lambda environments would
   * be: the secret read, clients built, classes loaded. Otherwise the first batches spend much of
   * their 3 s on a cold JVM and time out for reasons no fault script chose. Then the simulator
   * forgets them.
   */
  private void warmUp() throws InterruptedException {
    String body = FunctionHarness.event("sqs-batch.json").get("Records").get(0).get("body").asText();
    List<InProcessHandler> handlers = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) handlers.add(idle.take());
    for (int i = 0; i < handlers.size(); i++) {
      ObjectNode event = FunctionHarness.sqsEvent(List.of(body.replace("ORDER-SQS-0001", "WARM-UP-" + i)));
      JsonNode response = handlers.get(i).handle(event, Instant.now().plusSeconds(30));
      if (!response.path("batchItemFailures").isEmpty()) throw new IllegalStateException("warm-up failed: " + response);
    }
    idle.addAll(handlers);
    harness.wechat.reset();
    String logs = harness.logs();
    logOffset = logs.lastIndexOf('\n') + 1; // the warm-up's outcomes are not the soak's
  }

  // ---------------------------------------------------------------- SQS model

  /**
   * Rounds until every message has an end; returns how many rounds ran. A round receives every
   * message that is on the queue and visible, in batches; a message handed back becomes visible
   * again {@link #VISIBILITY_TIMEOUT} after the invocation that failed it returned.
   */
  private int drive(FaultPlan plan, Random random, MotoProcess moto, ExecutorService pool)
      throws InterruptedException {
    int round = 0;
    while (true) {
      if (plan.messages.stream().noneMatch(m -> m.end == null)) return round;
      round++;
      if (round > MAX_ROUNDS) {
        List<String> stuck = plan.messages.stream().filter(m -> m.end == null).map(m -> m + " " + m.history())
            .limit(20).toList();
        failures.add("messages still on the queue after " + MAX_ROUNDS + " rounds: " + stuck);
        return round - 1;
      }
      int r = round;
      Instant now = Instant.now();
      List<SoakMessage> available = new ArrayList<>(plan.messages.stream()
          .filter(m -> m.pending(r) && !m.visibleAt.isAfter(now)).toList());
      // The in-flight orders wait in round 1 for the moto restart, which they must straddle.
      List<SoakMessage> inFlight = round != 1 ? List.of()
          : available.stream().filter(m -> m.order.kind == Kind.IN_FLIGHT).toList();
      if (inFlight.size() < available.size()) {
        available.removeAll(inFlight);
      } else {
        inFlight = List.of(); // nothing else to send: no restart to straddle
      }
      if (available.isEmpty()) {
        Optional<Instant> next = plan.messages.stream().filter(m -> m.pending(r) && m.visibleAt.isAfter(now))
            .map(m -> m.visibleAt).min(Instant::compareTo);
        if (next.isPresent()) {
          // Everything on the queue is invisible: wait for the first to come back (and a little
          // more, to gather the ones just behind it into the same round).
          Thread.sleep(Math.max(1, Duration.between(Instant.now(), next.get()).toMillis()) + GATHER.toMillis());
          round--;
        }
        continue; // otherwise only late arrivals are left: they come with the next round
      }
      long roundStarted = System.nanoTime();
      Collections.shuffle(available, random);
      List<List<SoakMessage>> batches = new ArrayList<>();
      for (int i = 0; i < available.size(); ) {
        int size = random.nextDouble() < 0.7 ? 10 : 1 + random.nextInt(10);
        batches.add(available.subList(i, Math.min(available.size(), i + size)));
        i += size;
      }
      // Midway through the first (biggest) round: rotate the key while batches are in flight,
      // later take moto down.
      int rotateAt = round == 1 ? batches.size() * 2 / 5 : -1;
      // AWS faults: throttling bursts a quarter into round 1 and at the start of round 2; an outage of
      // the AWS endpoint longer than an invocation halfway through round 1, with invocations in flight.
      int burstAt = round == 1 ? batches.size() / 4 : round == 2 ? 0 : -1;
      int awsOutageAt = round == 1 ? Math.max(rotateAt + 1, batches.size() / 2) : -1;
      int restartAt = round == 1 ? Math.max(awsOutageAt + 1, batches.size() * 7 / 10) : -1;
      int startedBefore = started.get();
      int outageBatches = Math.max(2, batches.size() / 20);
      List<Delivery> deliveries = new ArrayList<>();
      List<Future<?>> running = new ArrayList<>();
      boolean restarted = false;
      for (int i = 0; i < batches.size(); i++) {
        if (i == burstAt) {
          awaitStarted(startedBefore + i - 1);
          aws.burst("round " + round + ", batch " + i + " of " + batches.size());
        }
        if (i == awsOutageAt) {
          awaitStarted(startedBefore + i - 1);
          aws.startOutage("round " + round + ", batch " + i + " of " + batches.size());
        }
        if (i == rotateAt) {
          aws.throttleSecrets("round " + round + ", at the key rotation");
          rotatedAt = Instant.now();
          harness.rotateMerchantKey();
          rotationDone = Instant.now();
          rotationNote = String.format("round %d, with %d of %d batches dispatched (took %d ms)", round, i,
              batches.size(), Duration.between(rotatedAt, rotationDone).toMillis());
          out.println("  merchant key rotated: " + rotationNote);
        }
        if (i == restartAt) {
          await(running);
          aws.awaitOutageEnd();
          quiesce();
          int end = Math.min(batches.size(), i + outageBatches);
          outage(moto, inFlight, batches.subList(i, end), round, deliveries, pool);
          restarted = true;
          i = end - 1;
          continue;
        }
        List<SoakMessage> batch = batches.get(i);
        List<Delivery> batchDeliveries = deliver(batch, round, false);
        deliveries.addAll(batchDeliveries);
        running.add(pool.submit(() -> invoke(batch, batchDeliveries, r, INVOCATION)));
      }
      await(running);
      if (!restarted && !inFlight.isEmpty()) {
        // Too few batches to reach the restart: the in-flight orders go as an ordinary batch.
        List<Delivery> flying = deliver(inFlight, round, false);
        deliveries.addAll(flying);
        invoke(inFlight, flying, round, INVOCATION);
      }
      quiesce();
      int[] tally = settle(deliveries);
      aws.roundSettled();
      out.printf("  round %d: %d batches, %d deliveries: %d acknowledged, %d back on the queue, %d redriven"
              + " (%d ms)%n", round, batches.size() + (inFlight.isEmpty() ? 0 : 1),
          deliveries.size(), tally[0], tally[1], tally[2], (System.nanoTime() - roundStarted) / 1_000_000);
    }
  }

  private List<Delivery> deliver(List<SoakMessage> batch, int round, boolean outage) {
    List<Delivery> deliveries = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      SoakMessage message = batch.get(i);
      Delivery delivery = message.deliver(round, outage);
      messagesByDelivery.put(delivery.deliveryId, message);
      // The function shares the outcome of an earlier message of the batch with the same order and body.
      for (int j = 0; j < i; j++) {
        SoakMessage earlier = batch.get(j);
        if (message.valid && earlier.valid && earlier.order == message.order && earlier.hash.equals(message.hash)) {
          delivery.repeatInBatch = true;
        }
      }
      deliveries.add(delivery);
    }
    return deliveries;
  }

  /** One Lambda invocation of one execution environment with this batch, as SQS's poller makes it. */
  private void invoke(List<SoakMessage> batch, List<Delivery> deliveries, int round, Duration timeout) {
    ObjectNode event = FunctionHarness.event("sqs-batch.json");
    ObjectNode template = (ObjectNode) event.get("Records").get(0);
    ArrayNode records = event.putArray("Records");
    for (int i = 0; i < batch.size(); i++) {
      ObjectNode record = template.deepCopy();
      record.put("messageId", deliveries.get(i).deliveryId);
      record.put("receiptHandle", UUID.randomUUID().toString());
      record.put("body", batch.get(i).body);
      ((ObjectNode) record.get("attributes")).put("ApproximateReceiveCount", Integer.toString(deliveries.get(i).receive));
      records.add(record);
    }
    InProcessHandler handler;
    try {
      handler = idle.take();
      started.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      deliveries.forEach(d -> d.failed = true);
      return;
    }
    Set<String> failed = new HashSet<>();
    Instant invokedAt = Instant.now();
    deliveries.forEach(d -> d.invokedAt = invokedAt);
    try {
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), response,
          new LambdaContext(timeout));
      JsonNode answer = JSON.readTree(response.toByteArray());
      JsonNode items = answer.get("batchItemFailures");
      if (items == null || !items.isArray()) {
        failures.add("round " + round + ": not an SQSBatchResponse: " + answer);
        deliveries.forEach(d -> failed.add(d.deliveryId));
      } else {
        for (JsonNode item : items) failed.add(item.path("itemIdentifier").asText());
      }
    } catch (IOException | RuntimeException e) {
      // Lambda retries the whole batch when the handler throws; the function is not meant to.
      failures.add("round " + round + ": the handler threw " + e);
      deliveries.forEach(d -> failed.add(d.deliveryId));
    } finally {
      synchronized (this) {
        invocations++;
      }
      Instant returnedAt = Instant.now();
      deliveries.forEach(d -> d.returnedAt = returnedAt);
      idle.add(handler);
    }
    Set<String> ids = deliveries.stream().map(d -> d.deliveryId).collect(Collectors.toSet());
    for (String id : failed) {
      if (!ids.contains(id)) failures.add("round " + round + ": batchItemFailures names " + id + ", not in the batch");
    }
    for (Delivery delivery : deliveries) delivery.failed = failed.contains(delivery.deliveryId);
  }

  /** Waits (at most 10 s) until {@code count} invocations have started, so that faults meet invocations in flight. */
  private void awaitStarted(int count) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (started.get() < count && System.nanoTime() < giveUp) Thread.sleep(5);
  }

  private static void await(List<Future<?>> running) throws InterruptedException {
    for (Future<?> future : running) {
      try {
        future.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("an invocation crashed the soak", e.getCause());
      }
    }
    running.clear();
  }

  /**
   * Waits until no function instance has work running. A handler returns before an order it gave
   * up on has finished; that work goes on (in Lambda it would resume in the next invocation), and
   * the soak settles a round only once it is done, so its writes and letters are all seen.
   */
  private void quiesce() throws InterruptedException {
    long giveUp = System.nanoTime() + QUIESCE_LIMIT.toNanos();
    while (true) {
      boolean busy = false;
      for (PendingMessageFunction function : functions) {
        if (function.ordersInFlight() > 0) busy = true;
      }
      if (!busy) return;
      if (System.nanoTime() > giveUp) {
        failures.add("function work still running " + QUIESCE_LIMIT.toSeconds() + " s after its invocations ended");
        return;
      }
      Thread.sleep(10);
    }
  }

  /**
   * Gives each delivery of the round its consequence: deleted (sent, replayed, parked) or back on
   * the queue, and redriven once it was received {@value SoakMessage#MAX_RECEIVE_COUNT} times.
   * Returns {acknowledged, back on the queue, redriven}.
   */
  private int[] settle(List<Delivery> deliveries) {
    drainDeadLetters();
    Map<String, JsonNode> logged = newLogLines();
    Map<String, SoakMessage> byDelivery = new HashMap<>();
    int acknowledged = 0;
    int back = 0;
    int redriven = 0;
    for (Delivery delivery : deliveries) {
      SoakMessage message = messageOf(delivery);
      byDelivery.put(delivery.deliveryId, message);
      JsonNode line = logged.get(delivery.deliveryId);
      delivery.logMetric = metricsByDelivery.remove(delivery.deliveryId);
      if (line != null) {
        delivery.logResult = line.path("result").asText(null);
        delivery.logErrorCode = line.path("error_code").asText(null);
        delivery.logErrorMessage = line.path("error_message").asText(null);
        delivery.logLine = line.toString();
      }
      Message letter = letters.remove(delivery.deliveryId);
      if (delivery.failed) {
        if (letter != null) {
          // Parked by work the handler had given up on: a second copy may follow; allowed only then.
          delivery.parkedCode = attribute(letter, "error_code");
          // Or the function tried to park it and never heard back (the DLQ write's answer was lost):
          // SQS is at-least-once, so the letter and the redelivery are the same message twice.
          boolean parkUnconfirmed = "RETRY".equals(delivery.logResult) && PARK_CODES.contains(delivery.logErrorCode);
          if (!"PARKED".equals(delivery.logResult) && !parkUnconfirmed) {
            failures.add(message + ": parked (" + delivery.parkedCode + ") and also retried: " + message.history());
          }
        }
        if (message.receives() >= SoakMessage.MAX_RECEIVE_COUNT) {
          message.end = End.REDRIVEN;
          redriven++;
        } else {
          message.visibleAt = (delivery.returnedAt == null ? Instant.now() : delivery.returnedAt)
              .plus(VISIBILITY_TIMEOUT);
          back++;
        }
        continue;
      }
      acknowledged++;
      if (letter != null) {
        delivery.parkedCode = attribute(letter, "error_code");
        checkLetter(message, letter);
        try {
          message.end = End.valueOf(delivery.parkedCode);
          if (!message.end.parked()) throw new IllegalArgumentException();
        } catch (IllegalArgumentException | NullPointerException e) {
          failures.add(message + ": parked with unknown error_code " + delivery.parkedCode);
          message.end = End.INVALID_REQUEST; // an end, so the soak goes on; the failure is recorded
        }
      } else if ("SENT".equals(delivery.logResult)) {
        // Acknowledged as sent: recorded (the record says SENT with its body), or not (recorded: false).
        boolean recorded = harness.record(message.order.orderNo)
            .map(i -> "SENT".equals(i.get("state").s()) && message.hash.equals(i.get("payload_hash").s()))
            .orElse(false);
        message.end = delivery.repeatInBatch ? End.REPLAYED : recorded ? End.SENT : End.SENT_UNRECORDED;
      } else if ("REPLAYED".equals(delivery.logResult)) {
        message.end = End.REPLAYED;
      } else {
        failures.add(message + ": acknowledged but neither parked nor sent (logged " + delivery.logResult + " "
            + delivery.logErrorCode + "): lost");
        message.end = End.REDRIVEN; // counted, and the failure says why
      }
    }
    if (!letters.isEmpty()) {
      failures.add("DLQ letters for no delivery of this round: " + letters.keySet());
      letters.clear();
    }
    Instant settledAt = Instant.now();
    for (Delivery delivery : deliveries) {
      delivery.expectedMetrics = expectedMetrics(delivery, byDelivery.get(delivery.deliveryId), settledAt);
      if (delivery.failed && ("SENT".equals(delivery.logResult) || "REPLAYED".equals(delivery.logResult))) {
        failures.add(byDelivery.get(delivery.deliveryId) + ": logged " + delivery.logResult
            + " but handed back to SQS (batchItemFailures): " + delivery.describe());
      }
    }
    return new int[] {acknowledged, back, redriven};
  }

  private final Map<String, SoakMessage> messagesByDelivery = new HashMap<>();

  /**
   * What the contract lets this delivery count as, from what the soak saw (SQS's answer, the DLQ
   * letter, the record, WeChat's log), never from the metric the function logged. A repeat inside
   * the batch is Replayed; a parked message counts by its error_code; an acknowledged send is Sent
   * when the record says SENT, else Uncertain (recorded: false); a retried message counts Conflict
   * for IN_PROGRESS, and otherwise Failed when WeChat got no request for its order while it ran,
   * or Uncertain or Failed when WeChat did (whether that request may have taken it is the
   * function's call: a 429 proves nothing was sent, a 5xx does not).
   */
  /** The codes a message is parked with. */
  private static final Set<String> PARK_CODES =
      Set.of("INVALID_REQUEST", "WECHATPAY_REJECTED", "PAYLOAD_MISMATCH", "OUTCOME_UNKNOWN");

  private Set<String> expectedMetrics(Delivery delivery, SoakMessage message, Instant settledAt) {
    if (delivery.repeatInBatch) return Set.of("Replayed");
    // WeChat took it and the function could not confirm the SENT record (the write's answer was lost):
    // it says so, whatever the record came to hold.
    if ("SENT_UNRECORDED".equals(delivery.logErrorCode)) return Set.of("Uncertain");
    // A request cut off after it left may or may not have arrived; the function cannot tell.
    if (delivery.failed && ("UPSTREAM_TIMEOUT".equals(delivery.logErrorCode)
        || "UNFINISHED".equals(delivery.logErrorCode))) {
      return Set.of("Uncertain", "Failed");
    }
    String code = delivery.failed ? delivery.logErrorCode : delivery.parkedCode;
    if (code != null) {
      switch (code) {
        case "INVALID_REQUEST" -> { return Set.of("Invalid"); }
        case "WECHATPAY_REJECTED" -> { return Set.of("Rejected"); }
        case "PAYLOAD_MISMATCH", "IN_PROGRESS" -> { return Set.of("Conflict"); }
        case "OUTCOME_UNKNOWN" -> { return Set.of("Uncertain"); }
        default -> { }
      }
    }
    if (!delivery.failed) {
      if (message.end == End.SENT) return Set.of("Sent");
      if (message.end == End.SENT_UNRECORDED) return Set.of("Uncertain");
      if (message.end == End.REPLAYED) return Set.of("Replayed");
    }
    if (delivery.failed && "SENT".equals(delivery.logResult)) return Set.of("Sent");
    if (delivery.failed && "REPLAYED".equals(delivery.logResult)) return Set.of("Replayed");
    Instant from = delivery.invokedAt;
    boolean wechatCalled = harness.wechat.requestsFor(message.order.orderNo).stream()
        .anyMatch(r -> from != null && !r.receivedAt().isBefore(from) && !r.receivedAt().isAfter(settledAt));
    return wechatCalled ? Set.of("Uncertain", "Failed") : Set.of("Failed");
  }

  private SoakMessage messageOf(Delivery delivery) {
    return messagesByDelivery.get(delivery.deliveryId);
  }

  /** Reads and deletes everything in the DLQ into {@link #letters}, by the source message id. */
  private void drainDeadLetters() {
    while (true) {
      List<Message> batch = harness.queues.receiveMessage(r -> r.queueUrl(harness.deadLetterQueueUrl)
          .maxNumberOfMessages(10).visibilityTimeout(60).messageAttributeNames("All").waitTimeSeconds(0)).messages();
      if (batch.isEmpty()) return;
      List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>();
      for (Message letter : batch) {
        String source = attribute(letter, "source_message_id");
        if (source == null) {
          failures.add("DLQ letter without source_message_id: " + letter.messageAttributes());
        } else if (letters.put(source, letter) != null) {
          // A park retried after its answer was lost writes the letter twice: the same message.
          duplicateLetters++;
        }
        delete.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(delete.size()))
            .receiptHandle(letter.receiptHandle()).build());
      }
      harness.queues.deleteMessageBatch(r -> r.queueUrl(harness.deadLetterQueueUrl).entries(delete));
    }
  }

  private void checkLetter(SoakMessage message, Message letter) {
    if (!letter.body().equals(message.body)) failures.add(message + ": parked with a changed body: " + letter.body());
    String code = attribute(letter, "error_code");
    String reason = attribute(letter, "error_message");
    if (code == null || code.isBlank() || reason == null || reason.isBlank()) {
      failures.add(message + ": parked without error_code and error_message: " + letter.messageAttributes());
    }
  }

  private static String attribute(Message letter, String name) {
    MessageAttributeValue value = letter.messageAttributes().get(name);
    return value == null ? null : value.stringValue();
  }

  /**
   * The function's pending_message log lines written since the last call, by SQS message id; the
   * EMF line written with each (the next line) gives {@link #metricsByDelivery}. Every EMF line's
   * metrics are summed into {@link #emfSums}.
   */
  private Map<String, JsonNode> newLogLines() {
    String logs = harness.logs();
    int end = logs.lastIndexOf('\n') + 1;
    Map<String, JsonNode> lines = new HashMap<>();
    String previousId = null;
    for (String line : logs.substring(logOffset, end).split("\n")) {
      if (line.startsWith("{\"_aws\"")) {
        String metric = emf(line);
        if (previousId == null) {
          orphanEmfLines++;
        } else {
          metricsByDelivery.put(previousId, metric);
        }
        previousId = null;
        continue;
      }
      previousId = null;
      if (!line.contains("\"event\":\"pending_message\"")) continue;
      try {
        JsonNode entry = JSON.readTree(line);
        String id = entry.path("sqs_message_id").asText(null);
        if (id != null && lines.put(id, entry) != null) failures.add("two outcomes logged for delivery " + id);
        previousId = id;
      } catch (IOException e) {
        failures.add("unreadable log line: " + line);
      }
    }
    logOffset = end;
    return lines;
  }

  private final Map<String, String> metricsByDelivery = new HashMap<>();

  /**
   * The one metric of an EMF line: a member named after one of the contract's metrics with value 1,
   * declared under {@code _aws.CloudWatchMetrics} in namespace PayScorePendingMessage with the
   * {@code Trigger} dimension set to {@code sqs}. Adds it to {@link #emfSums}; returns a description
   * of what is wrong instead when the line is not that.
   */
  private String emf(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      List<String> present = METRICS.stream().filter(node::has).toList();
      for (String metric : present) emfSums.merge(metric, node.get(metric).asLong(), Long::sum);
      JsonNode declared = node.path("_aws").path("CloudWatchMetrics").path(0);
      boolean triggerDimension = false;
      for (JsonNode set : declared.path("Dimensions")) {
        if (set.size() == 1 && "Trigger".equals(set.path(0).asText())) triggerDimension = true;
      }
      if (present.size() != 1) return "bad EMF: " + present.size() + " of the contract's metrics";
      String metric = present.get(0);
      boolean named = false;
      for (JsonNode m : declared.path("Metrics")) if (metric.equals(m.path("Name").asText())) named = true;
      if (node.get(metric).asLong() != 1 || !named || !triggerDimension
          || !"PayScorePendingMessage".equals(declared.path("Namespace").asText())
          || !"sqs".equals(node.path("Trigger").asText())) {
        return "bad EMF: " + line;
      }
      return metric;
    } catch (IOException e) {
      return "unreadable EMF";
    }
  }

  // ---------------------------------------------------------------- the moto outage

  /**
   * The moto restart. First the in-flight orders are sent in an invocation of their own and, once
   * their claims are in the table, WeChat holds their answers for {@link FaultPlan#IN_FLIGHT_DELAY}.
   * Meanwhile the table's items and the secret are read, and moto is restarted (losing all
   * state); {@code batches} run against the empty moto; the in-flight invocation gets WeChat's
   * acceptances but cannot record them. Then, with nothing in flight, the table, the secret and
   * the queues are recreated under the same names with their contents, as a durable service
   * comes back: no write the function made is lost, only the service was away.
   */
  private void outage(MotoProcess moto, List<SoakMessage> inFlight, List<List<SoakMessage>> batches, int round,
      List<Delivery> deliveries, ExecutorService pool) throws InterruptedException {
    drainDeadLetters();
    Future<?> flying = null;
    String flightNote = "no in-flight orders";
    if (!inFlight.isEmpty()) {
      List<Delivery> flyingDeliveries = deliver(inFlight, round, true);
      deliveries.addAll(flyingDeliveries);
      Instant sent = Instant.now();
      flying = pool.submit(() -> invoke(inFlight, flyingDeliveries, round, IN_FLIGHT_INVOCATION));
      // The snapshot must hold every claim (or the emulation would lose a write the function made),
      // and must be taken well before WeChat answers (or it would miss the finishing write).
      Instant latest = sent.plus(FaultPlan.IN_FLIGHT_DELAY.dividedBy(2));
      if (awaitClaims(inFlight, latest)) {
        inFlightExercised = true;
        flightNote = inFlight.size() + " orders claimed and waiting for WeChat across the restart";
      } else {
        flightNote = "skipped: the claims were not all in the table by " + Duration.between(sent, latest).toMillis()
            + " ms, so the orders finished before the restart";
        await(new ArrayList<>(List.of(flying)));
        quiesce();
        flying = null;
      }
    }
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    harness.dynamo.scanPaginator(r -> r.tableName(harness.table).consistentRead(true)).items().forEach(items::add);
    String secret = harness.secrets.getSecretValue(r -> r.secretId(harness.secretId)).secretString();
    long down = System.nanoTime();
    try {
      moto.restart();
    } catch (IOException e) {
      throw new UncheckedIOException("moto did not come back", e);
    }
    int outageDeliveries = 0;
    int acknowledgedDuringOutage = 0;
    for (List<SoakMessage> batch : batches) {
      List<Delivery> batchDeliveries = deliver(batch, round, true);
      deliveries.addAll(batchDeliveries);
      invoke(batch, batchDeliveries, round, INVOCATION);
      outageDeliveries += batchDeliveries.size();
      acknowledgedDuringOutage += (int) batchDeliveries.stream().filter(d -> !d.failed).count();
    }
    if (flying != null) await(new ArrayList<>(List.of(flying)));
    quiesce();
    restore(items, secret);
    long millis = (System.nanoTime() - down) / 1_000_000;
    outageNote = String.format("round %d, %d batches (%d deliveries) against the empty moto, %d of them acknowledged;"
        + " in flight: %s; %d items restored; down %d ms", round, batches.size(), outageDeliveries,
        acknowledgedDuringOutage, flightNote, items.size(), millis);
    out.println("  moto restarted: " + outageNote);
    if (acknowledgedDuringOutage > 0) {
      failures.add("messages acknowledged while DynamoDB and the DLQ were gone: " + acknowledgedDuringOutage);
    }
  }

  /** Waits until every order's record is IN_PROGRESS (claimed); false if that did not happen by {@code latest}. */
  private boolean awaitClaims(List<SoakMessage> messages, Instant latest) throws InterruptedException {
    Set<String> waiting = messages.stream().map(m -> m.order.orderNo).collect(Collectors.toCollection(HashSet::new));
    while (Instant.now().isBefore(latest)) {
      waiting.removeIf(order -> "IN_PROGRESS".equals(harness.state(order)));
      if (waiting.isEmpty()) return true;
      Thread.sleep(5);
    }
    return false;
  }

  private void restore(List<Map<String, AttributeValue>> items, String secret) {
    harness.dynamo.createTable(r -> r.tableName(harness.table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
        .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S)
            .build()));
    // The function may write again as soon as the table exists: an outage loses no write made after
    // it, so an item the function has written since wins over the copy from before.
    for (Map<String, AttributeValue> item : items) {
      try {
        harness.dynamo.putItem(r -> r.tableName(harness.table).item(item).conditionExpression("attribute_not_exists(pk)"));
      } catch (ConditionalCheckFailedException written) {
        restoredOver++;
      }
    }
    harness.secrets.createSecret(r -> r.name(harness.secretId).secretString(secret));
    String dlq = harness.queues.createQueue(r -> r.queueName(queueName(harness.deadLetterQueueUrl))).queueUrl();
    String queue = harness.queues.createQueue(r -> r.queueName(queueName(harness.queueUrl))
        .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "90"))).queueUrl();
    if (!dlq.equals(harness.deadLetterQueueUrl) || !queue.equals(harness.queueUrl)) {
      throw new IllegalStateException("queues came back under other URLs: " + dlq + ", " + queue);
    }
    int present = harness.dynamo.scan(r -> r.tableName(harness.table).consistentRead(true).select("COUNT")).count();
    if (present < items.size()) throw new IllegalStateException("restored only " + present + " of " + items.size());
  }

  private static String queueName(String url) {
    String path = URI.create(url).getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  // ---------------------------------------------------------------- checks

  /**
   * After the last round: waits until every lease still in the table has passed (a lease ends at
   * most {@link FaultSoak#IN_FLIGHT_INVOCATION} plus the function's skew after its claim), so the
   * order checks see the records as a later request would.
   */
  private void awaitLeases(FaultPlan plan) throws InterruptedException {
    long latest = 0;
    for (Order order : plan.orders) {
      Optional<Map<String, AttributeValue>> item = harness.record(order.orderNo);
      if (item.isPresent() && "IN_PROGRESS".equals(item.get().get("state").s()) && item.get().containsKey("lease_until")) {
        latest = Math.max(latest, Long.parseLong(item.get().get("lease_until").n()));
      }
    }
    long wait = latest + 100 - System.currentTimeMillis();
    if (wait > 0) Thread.sleep(Math.min(wait, Duration.ofSeconds(10).toMillis()));
  }

  /** The delivery-by-delivery metric check and the sums (see {@link #expectedMetrics}). */
  private void checkMetrics(FaultPlan plan) {
    List<String> wrong = new ArrayList<>();
    for (SoakMessage message : plan.messages) {
      for (Delivery delivery : message.deliveries) {
        if (delivery.logMetric == null) {
          wrong.add(message + " " + delivery.deliveryId + ": no outcome line with an EMF metric" + message.history());
        } else if (!delivery.expectedMetrics.contains(delivery.logMetric)) {
          wrong.add(message + " " + delivery.deliveryId + ": counted " + delivery.logMetric + ", the contract says "
              + delivery.expectedMetrics + " (logged " + delivery.logResult + " " + delivery.logErrorCode + ", "
              + (delivery.failed ? "retried" : delivery.parkedCode != null ? "parked" : "acknowledged")
              + (delivery.repeatInBatch ? ", a repeat in its batch" : "") + ") " + message.history());
        }
      }
    }
    if (!wrong.isEmpty()) {
      failures.add(wrong.size() + " deliveries not counted under the metric their outcome calls for, e.g. "
          + wrong.stream().limit(8).toList());
    }
    if (orphanEmfLines > 0) failures.add(orphanEmfLines + " EMF lines with no outcome line before them");
    Map<String, Long> counts = outcomeCounts(plan);
    long deliveries = plan.messages.stream().mapToLong(m -> m.deliveries.size()).sum();
    long emfTotal = emfSums.values().stream().mapToLong(Long::longValue).sum();
    for (String metric : List.of("Sent", "Replayed", "Invalid", "Rejected", "Conflict", "Resolved")) {
      long emf = emfSums.getOrDefault(metric, 0L);
      if (emf != counts.getOrDefault(metric, 0L)) {
        failures.add("metric sum " + metric + " = " + emf + ", but " + counts.getOrDefault(metric, 0L)
            + " deliveries ended so");
      }
    }
    long uncertain = emfSums.getOrDefault("Uncertain", 0L);
    long failed = emfSums.getOrDefault("Failed", 0L);
    long mustUncertain = counts.getOrDefault("Uncertain", 0L);
    long mustFailed = counts.getOrDefault("Failed", 0L);
    long either = counts.getOrDefault(UNCERTAIN_OR_FAILED, 0L);
    if (uncertain + failed != mustUncertain + mustFailed + either || uncertain < mustUncertain || failed < mustFailed) {
      failures.add("metric sums Uncertain " + uncertain + " and Failed " + failed + " do not fit the outcomes: "
          + mustUncertain + " Uncertain, " + mustFailed + " Failed, " + either + " either");
    }
    if (emfTotal != deliveries) {
      failures.add("metric sums total " + emfTotal + ", but the function handled " + deliveries
          + " deliveries (each counts once under exactly one metric)");
    }
  }

  /** Deliveries by the metric the contract calls for; those with two possibilities under {@link #UNCERTAIN_OR_FAILED}. */
  private static Map<String, Long> outcomeCounts(FaultPlan plan) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String metric : METRICS) counts.put(metric, 0L);
    counts.put(UNCERTAIN_OR_FAILED, 0L);
    for (SoakMessage message : plan.messages) {
      for (Delivery delivery : message.deliveries) {
        String key = delivery.expectedMetrics.size() == 1 ? delivery.expectedMetrics.iterator().next()
            : delivery.expectedMetrics.isEmpty() ? "none" : UNCERTAIN_OR_FAILED;
        counts.merge(key, 1L, Long::sum);
      }
    }
    return counts;
  }

  /** Some delivery of the order was counted Uncertain: the alarm fired for it. */
  private static boolean alarmed(Order order) {
    return order.messages.stream().flatMap(m -> m.deliveries.stream()).anyMatch(d -> "Uncertain".equals(d.logMetric));
  }

  private void check(FaultPlan plan) {
    Map<String, List<RecordedRequest>> requests = new HashMap<>();
    for (RecordedRequest request : harness.wechat.requests()) {
      if (request.outOrderNo() != null) requests.computeIfAbsent(request.outOrderNo(), o -> new ArrayList<>()).add(request);
      if (request.verdict() == Verdict.PARAM_ERROR || request.verdict() == Verdict.INVALID_REQUEST
          || request.verdict() == Verdict.NOT_FOUND) {
        failures.add("WeChat answered " + request.verdict() + " " + request.code() + " to " + request.rawPath()
            + ": the function sent what WeChat refuses");
      }
      if (request.verdict() == Verdict.SIGN_ERROR) signErrors++;
      if (request.verdict() == Verdict.SIGN_ERROR && (rotatedAt == null || request.receivedAt().isBefore(rotatedAt))) {
        failures.add("WeChat refused a signature before the key was rotated: " + request.rawPath());
      }
    }
    if (rotatedAt != null && requests.values().stream().flatMap(List::stream)
        .noneMatch(r -> r.verdict() == Verdict.ACCEPTED && r.receivedAt().isAfter(rotatedAt))) {
      failures.add("nothing was accepted after the key rotation: the new key was never picked up");
    }

    for (SoakMessage message : plan.messages) {
      if (message.end == null) failures.add(message + ": no end " + message.history());
      if (!message.valid && message.end != End.INVALID_REQUEST) {
        failures.add(message + ": an invalid body ended " + message.end + ", not parked INVALID_REQUEST "
            + message.history());
      }
      if (message.valid && message.end == End.INVALID_REQUEST) {
        failures.add(message + ": a valid body was parked INVALID_REQUEST " + message.history());
      }
    }

    if (plan.messages.stream().anyMatch(m -> m.end == null)) return; // reported; the order checks need ends
    checkMetrics(plan);
    for (Order order : plan.orders) checkOrder(order, requests.getOrDefault(order.orderNo, List.of()));
    for (SoakMessage message : plan.messages) {
      for (Delivery delivery : message.deliveries) {
        if (delivery.unscriptedTimeout(message.order)) {
          boolean duringRotation = rotatedAt != null && delivery.invokedAt.isBefore(rotationDone)
              && delivery.returnedAt.isAfter(rotatedAt);
          slowNotes.add(message + " " + delivery.describe() + " -> " + message.end
              + (duringRotation ? " (in flight during the key rotation)" : "")
              + diagnosis(message, requests.getOrDefault(message.order.orderNo, List.of())));
        }
      }
    }
  }

  private final List<String> slowNotes = new ArrayList<>();

  private void checkOrder(Order order, List<RecordedRequest> requests) {
    String who = "order " + order.orderNo + " (" + order.describe() + ")";
    int accepted = harness.wechat.acceptedCount(order.orderNo);
    Optional<Map<String, AttributeValue>> item = harness.record(order.orderNo);
    String state = item.map(i -> i.get("state").s()).orElse(null);
    String recordHash = item.map(i -> i.get("payload_hash").s()).orElse(null);
    boolean review = item.map(i -> i.containsKey("needs_review") && Boolean.TRUE.equals(i.get("needs_review").bool()))
        .orElse(false);
    String detail = who + ": accepted " + accepted + ", record " + (state == null ? "none"
        : state + (review ? " needs_review" : "")) + ", WeChat " + requests.stream()
        .map(r -> r.status() + (r.code() == null ? "" : " " + r.code())).toList() + ", messages "
        + order.messages.stream().map(m -> m.id + "=" + m.end + m.history()).toList();
    List<SoakMessage> valid = order.validMessages();

    if (accepted > 1) failures.add("WeChat accepted more than once: " + detail);
    if (order.kind == Kind.INVALID) {
      if (!requests.isEmpty() || item.isPresent()) failures.add("an invalid-only order reached WeChat or the table: "
          + detail);
      return;
    }
    boolean alarmed = alarmed(order);
    long leaseUntil = item.filter(i -> i.containsKey("lease_until")).map(i -> Long.parseLong(i.get("lease_until").n()))
        .orElse(0L);
    if (accepted == 1 && !"SENT".equals(state) && !"UNKNOWN".equals(state)
        && !("IN_PROGRESS".equals(state) && alarmed)) {
      failures.add("WeChat took it but the record does not say SENT or UNKNOWN, and no Uncertain was counted for it: "
          + detail);
    }
    // IN_PROGRESS at the end (every lease has had time to pass): a claim whose holder could not
    // write its outcome (a SENT write that failed until the deadline, recorded: false; a holder cut
    // off by the outage). The next request for the order takes it over as "may have reached
    // WeChat". It is accounted for only when no message is left waiting for it and the function
    // counted it Uncertain (the alarm fired), so an operator knows; else it is stuck.
    if ("IN_PROGRESS".equals(state)) {
      if (leaseUntil > System.currentTimeMillis()) {
        failures.add("the record is IN_PROGRESS with a lease that has not passed after the soak: " + detail);
      } else if (!alarmed) {
        failures.add("the record is stuck IN_PROGRESS past its lease and no Uncertain was counted for it: " + detail);
      }
    }
    if ("UNKNOWN".equals(state) && !alarmed) {
      failures.add("the record is UNKNOWN but no delivery of the order was counted Uncertain (no alarm): " + detail);
    }
    if (order.messages.size() == 1 && !order.messages.get(0).deliveries.isEmpty()
        && "IN_PROGRESS".equals(order.messages.get(0).deliveries.get(0).logErrorCode)) {
      failures.add("its only message's first delivery got IN_PROGRESS against itself (invariant 6; AWS fault "
          + aws.byOrder.get(order) + "): " + detail);
    }
    if ("SENT".equals(state)) {
      List<RecordedRequest> taken = requests.stream().filter(r -> r.verdict() == Verdict.ACCEPTED).toList();
      if (accepted != 1 || taken.size() != 1
          || !taken.get(0).requestId().equals(item.get().get("wechatpay_request_id").s())) {
        failures.add("SENT without exactly one verified acceptance carrying the recorded Request-ID: " + detail);
      }
      if (valid.stream().noneMatch(m -> m.hash.equals(recordHash) && (m.end.sent() || m.end == End.REDRIVEN))) {
        failures.add("SENT, but no message with its body ended sent, replayed or redriven: " + detail);
      }
    }
    if ("UNKNOWN".equals(state) && review
        && valid.stream().noneMatch(m -> m.hash.equals(recordHash) && m.end == End.OUTCOME_UNKNOWN)) {
      failures.add("needs review, but no message of its body was parked OUTCOME_UNKNOWN: " + detail);
    }
    if ("UNKNOWN".equals(state) && !review
        && valid.stream().noneMatch(m -> m.hash.equals(recordHash) && m.end == End.REDRIVEN)) {
      failures.add("UNKNOWN and still retryable, but no message of its body is left to retry it (redriven): "
          + detail);
    }
    if ("REJECTED".equals(state)) {
      if (accepted != 0) failures.add("REJECTED although WeChat took it: " + detail);
      if (valid.stream().noneMatch(m -> m.hash.equals(recordHash) && m.end == End.WECHATPAY_REJECTED)) {
        failures.add("REJECTED, but no message of its body was parked WECHATPAY_REJECTED: " + detail);
      }
    }
    if (state == null && accepted != 0) failures.add("WeChat took it and there is no record: " + detail);
    if (valid.stream().filter(m -> m.end == End.SENT || m.end == End.SENT_UNRECORDED).count() > 1) {
      failures.add("more than one message reported a first-time send: " + detail);
    }

    for (SoakMessage message : valid) {
      String what = message + " ended " + message.end + " " + message.history() + "; " + detail;
      switch (message.end) {
        case SENT, REPLAYED -> {
          if (!"SENT".equals(state) || !message.hash.equals(recordHash)) {
            failures.add("reported sent, but the record does not say SENT with its body: " + what);
          }
        }
        case SENT_UNRECORDED -> {
          if (accepted != 1) failures.add("acknowledged as sent (record not written) but WeChat accepted "
              + accepted + " times: " + what);
        }
        case OUTCOME_UNKNOWN -> {
          if (!"UNKNOWN".equals(state) || !review || !message.hash.equals(recordHash)) {
            failures.add("parked OUTCOME_UNKNOWN without a record UNKNOWN needing review for its body: " + what);
          }
          if (!refusedAfterMaybeTaken(requests)) {
            failures.add("parked OUTCOME_UNKNOWN, but WeChat never refused a retry after an answer that may have"
                + " taken it: " + what);
          }
        }
        case PAYLOAD_MISMATCH -> {
          if (order.validBodies < 2 || state == null || message.hash.equals(recordHash)
              || !("SENT".equals(state) || "UNKNOWN".equals(state))) {
            failures.add("parked PAYLOAD_MISMATCH, but the record does not hold another body sent or maybe sent: "
                + what);
          }
        }
        case WECHATPAY_REJECTED -> {
          if (!order.scriptRejects()) failures.add("parked WECHATPAY_REJECTED without a scripted refusal: " + what);
        }
        case REDRIVEN -> checkRedriven(message, order, state, review, accepted, what);
        case INVALID_REQUEST -> { } // reported above
      }
    }

    if (valid.size() == 1) checkPrediction(valid.get(0), order, requests);
  }

  /** What a lone valid message of the order must end as, unless something besides its script failed it. */
  private void checkPrediction(SoakMessage message, Order order, List<RecordedRequest> requests) {
    End predicted = switch (order.kind) {
      case CLEAN, DELAY, TRANSIENT -> End.SENT;
      case PROCESSED, HANG, REJECT_AFTER_5XX -> End.OUTCOME_UNKNOWN;
      case REJECT -> End.WECHATPAY_REJECTED;
      case PERSISTENT -> End.REDRIVEN;
      case INVALID -> End.INVALID_REQUEST;
      // WeChat took it and the SENT record could not be written: 200 recorded: false, counted Uncertain.
      case IN_FLIGHT -> inFlightExercised ? End.SENT_UNRECORDED : End.SENT;
    };
    AwsFaults.OrderFault awsFault = aws.byOrder.get(order);
    if (awsFault != null && awsFault.changesPrediction() && aws.fired(order) > 0 && predicted == End.SENT) {
      predicted = End.SENT_UNRECORDED;
    }
    if (order.kind == Kind.IN_FLIGHT && inFlightExercised) {
      Delivery first = message.deliveries.get(0);
      // WeChat's answer came while the table was gone: either it verified (acknowledged, recorded:
      // false, Uncertain) or, on a loaded machine, it came after the send deadline (retried,
      // Uncertain, as UPSTREAM_TIMEOUT or, when the UNKNOWN record could not be written either,
      // INTERNAL_ERROR; the takeover is then refused by WeChat: OUTCOME_UNKNOWN).
      boolean late = first.failed && "Uncertain".equals(first.logMetric)
          && ("UPSTREAM_TIMEOUT".equals(first.logErrorCode) || "INTERNAL_ERROR".equals(first.logErrorCode));
      if (late && (message.end == End.OUTCOME_UNKNOWN || message.end == End.REDRIVEN)) return;
      if (first.failed || !"Uncertain".equals(first.logMetric)) {
        failures.add(message + ": in flight across the moto restart (WeChat took it, DynamoDB was gone), but its first"
            + " delivery was not acknowledged as sent with Uncertain (recorded: false): " + first.describe() + " "
            + first.logLine);
      }
    }
    if (message.end == predicted) return;
    // Global AWS faults (a throttling burst, the outage) may have met any of its deliveries: the
    // contract's checks still hold for it, but not its kind's prediction.
    if (message.deliveries.stream().anyMatch(d -> aws.touchedByGlobalFaults(d.invokedAt, d.returnedAt))) return;
    // Its refusal could not be parked (DLQ write failed): SQS delivers it again and the order, left
    // REJECTED (free for a new request), is sent.
    if (predicted == End.WECHATPAY_REJECTED && message.end.sent()
        && message.deliveries.stream().anyMatch(d -> d.failed && "WECHATPAY_REJECTED".equals(d.logErrorCode))) {
      return;
    }
    boolean unscripted = message.deliveries.stream().anyMatch(d -> d.extraFailure(order));
    boolean abandoned = message.deliveries.stream()
        .anyMatch(d -> d.failed && d.logResult != null && !"RETRY".equals(d.logResult));
    boolean timedOut = message.deliveries.stream().anyMatch(d -> d.unscriptedTimeout(order));
    if (message.end == End.REDRIVEN && unscripted) return;
    if (message.end == End.REPLAYED && predicted == End.SENT && abandoned) return;
    // A timeout means "may have reached WeChat" (invariant 3): if WeChat did take it, the retry is
    // refused and a person must check. Checked further by refusedAfterMaybeTaken.
    if (message.end == End.OUTCOME_UNKNOWN && timedOut) return;
    failures.add(message + " ended " + message.end + ", expected " + predicted
        + (awsFault == null ? "" : " (AWS fault " + awsFault + ", injected " + aws.fired(order) + "x)") + ": "
        + message.history() + diagnosis(message, requests));
  }

  /** Timings of the message's invocations and of WeChat's requests for its order, and the function's log lines. */
  private String diagnosis(SoakMessage message, List<RecordedRequest> requests) {
    StringBuilder text = new StringBuilder();
    for (Delivery d : message.deliveries) {
      text.append("\n      ").append(d.deliveryId).append(" invoked ").append(d.invokedAt).append(" returned ")
          .append(d.returnedAt).append(" log ").append(d.logLine);
    }
    for (RecordedRequest r : requests) {
      text.append("\n      WeChat ").append(r.receivedAt()).append(' ').append(r.verdict()).append(' ')
          .append(r.status()).append(r.code() == null ? "" : " " + r.code());
    }
    return text.toString();
  }

  /** A message SQS gave up on: its order's record must say whether a person or a redrive is needed. */
  private void checkRedriven(SoakMessage message, Order order, String state, boolean review, int accepted,
      String what) {
    boolean unscripted = message.deliveries.stream().anyMatch(d -> d.extraFailure(order));
    if (state == null && accepted == 0) return; // nothing reached WeChat: a redrive simply sends it
    if ("UNKNOWN".equals(state) && !review) return; // may have reached WeChat: a redrive retries the same body
    if ("IN_PROGRESS".equals(state)) {
      // Its lease has passed (checked in checkOrder): a redrive takes the claim over as "may have
      // reached WeChat" and retries the same body, as for UNKNOWN.
      return;
    }
    if (!unscripted) {
      failures.add("redriven though its order's record (" + state + ") needs nothing and its own failures were all"
          + " scripted: " + what);
    }
  }

  /** WeChat's log shows an answer that may have taken the message and a later refusal. */
  private static boolean refusedAfterMaybeTaken(List<RecordedRequest> requests) {
    boolean maybeTaken = false;
    for (RecordedRequest request : requests) {
      int status = request.status();
      boolean refusal = status >= 400 && status < 500 && status != 401 && status != 429;
      if (maybeTaken && refusal) return true;
      if (status == 0 || status >= 500 || (status >= 200 && status < 300)) maybeTaken = true;
    }
    return false;
  }

  // ---------------------------------------------------------------- report

  private Report report(FaultPlan plan, int orders, long seed, int rounds, int requests, int acceptances,
      Duration wall) {
    Map<End, Integer> ends = new EnumMap<>(End.class);
    for (End end : End.values()) ends.put(end, 0);
    for (SoakMessage message : plan.messages) if (message.end != null) ends.merge(message.end, 1, Integer::sum);
    int invalid = (int) plan.messages.stream().filter(m -> !m.valid).count();
    Map<String, Long> awsFaults = new LinkedHashMap<>();
    aws.injected().forEach((kind, n) -> awsFaults.put(kind.name(), n));
    Map<String, Long> wechatFaults = new LinkedHashMap<>();
    for (Order order : plan.orders) {
      for (FaultPlan.Step step : order.script) {
        String name = step.name().startsWith("delay") ? "delay" : step.name();
        wechatFaults.merge(name, 1L, Long::sum);
      }
    }
    wechatFaults.put("401 SIGN_ERROR after the key rotation", (long) signErrors);
    Map<String, Long> sums = new LinkedHashMap<>();
    for (String metric : METRICS) sums.put(metric, emfSums.getOrDefault(metric, 0L));
    return new Report(orders, seed, plan.messages.size(), invalid, Map.copyOf(ends), requests, acceptances, rounds,
        invocations, wall, List.copyOf(failures), awsFaults, wechatFaults, sums, outcomeCounts(plan));
  }

  private void print(Report report, FaultPlan plan, Map<String, String> records) {
    out.println();
    out.printf("Fault soak: %d orders, seed %d%n", report.orders, report.seed);
    Map<Kind, Long> kinds = plan.orders.stream()
        .collect(Collectors.groupingBy(o -> o.kind, () -> new EnumMap<>(Kind.class), Collectors.counting()));
    out.println("  order kinds:  " + kinds);
    out.println("  modifiers:    " + plan.modifiers);
    out.println("  key rotation: " + (rotatedAt == null ? "none" : rotationNote + "; " + signErrors
        + " requests signed with the old key got 401 SIGN_ERROR and were re-signed after a re-read of the secret"));
    out.println("  moto restart: " + outageNote);
    out.println("  WeChat faults scripted (answers): " + report.wechatFaults());
    out.println("  AWS faults injected by kind:      " + report.awsFaults());
    out.println("  items the function wrote again before the restore reached them: " + restoredOver);
    out.println("  DLQ letters written twice (a park retried after its answer was lost): " + duplicateLetters);
    out.println("  AWS faults per order (orders, injected): " + aws.byOrder.entrySet().stream()
        .collect(Collectors.groupingBy(Map.Entry::getValue, () -> new EnumMap<>(AwsFaults.OrderFault.class),
            Collectors.mapping(e -> aws.fired(e.getKey()), Collectors.toList()))));
    aws.events.forEach(event -> out.println("  AWS event: " + event));
    out.println("  fault proxy: " + aws.proxy.report());
    out.println();
    out.printf("  %-34s %8s%n", "end", "messages");
    for (End end : End.values()) out.printf("  %-34s %8d%n", end.label, report.count(end));
    out.printf("  %-34s %8d%n", "total", report.ends.values().stream().mapToInt(Integer::intValue).sum());
    out.println();
    out.printf("  messages %d (%d invalid), orders %d, WeChat requests %d, WeChat acceptances %d,%n",
        report.messages, report.invalidMessages, report.orders, report.wechatRequests, report.wechatAcceptances);
    out.printf("  rounds %d, invocations %d, wall time %.1f s%n", report.rounds, report.invocations,
        report.wall.toMillis() / 1000.0);
    out.println();
    out.println("  metrics (EMF sums; each delivery the function handled counts once, under exactly one):");
    out.printf("  %-22s %8s %10s%n", "metric", "EMF sum", "outcomes");
    for (String metric : METRICS) {
      out.printf("  %-22s %8d %10d%n", metric, report.metricSums().get(metric),
          report.outcomeCounts().getOrDefault(metric, 0L));
    }
    out.printf("  %-22s %8s %10d%n", UNCERTAIN_OR_FAILED, "", report.outcomeCounts().getOrDefault(UNCERTAIN_OR_FAILED, 0L));
    out.printf("  %-22s %8d %10d%n", "total", report.metricSums().values().stream().mapToLong(Long::longValue).sum(),
        report.outcomeCounts().values().stream().mapToLong(Long::longValue).sum());
    out.printf("  unscripted timeouts (the machine, not a fault script, was too slow for the deadline): %d%n",
        slowNotes.size());
    slowNotes.forEach(note -> out.println("    " + note));
    List<SoakMessage> flown = plan.messages.stream().filter(m -> m.order.kind == Kind.IN_FLIGHT).toList();
    if (!flown.isEmpty()) {
      out.println();
      out.println("  in flight across the moto restart (WeChat took them while the table was gone):");
      for (SoakMessage message : flown) out.printf("    %s -> %s %s%n", message, message.end, message.history());
    }
    List<SoakMessage> redriven = plan.messages.stream().filter(m -> m.end == End.REDRIVEN).toList();
    if (!redriven.isEmpty()) {
      out.println();
      out.println("  redriven messages (SQS's own DLQ) and what their order's record says:");
      for (SoakMessage message : redriven) {
        out.printf("    %s %s%n      record: %s%n", message, message.history(), records.get(message.order.orderNo));
      }
    }
    out.println();
    if (report.checksHold()) {
      out.println("  checks: all hold (WeChat accepted each order at most once; every message has exactly one end)");
    } else {
      out.println("  checks: " + report.failures.size() + " FAILED");
      report.failures.stream().limit(50).forEach(f -> out.println("    - " + f));
    }
  }

  private String recordSummary(String orderNo) {
    try {
      return harness.record(orderNo).map(item -> {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("state", item.get("state").s());
        if (item.containsKey("needs_review")) fields.put("needs_review", String.valueOf(item.get("needs_review").bool()));
        if (item.containsKey("attempts")) fields.put("attempts", item.get("attempts").n());
        if (item.containsKey("last_error")) {
          Map<String, AttributeValue> error = item.get("last_error").m();
          fields.put("last_error", error.get("status").n() + (error.containsKey("code") ? " " + error.get("code").s() : ""));
        }
        String meaning = "UNKNOWN".equals(fields.get("state")) && !"true".equals(fields.get("needs_review"))
            ? " -> may have reached WeChat; a redrive retries the same body" : "";
        return fields + meaning;
      }).orElse("none -> nothing reached WeChat; a redrive sends it");
    } catch (RuntimeException e) {
      return "unreadable (" + e + ")";
    }
  }
}
