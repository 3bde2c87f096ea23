package payscore.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import payscore.PendingMessageFunction;
import payscore.harness.FunctionHarness;
import payscore.harness.InProcessHandler;
import payscore.harness.LambdaContext;
import payscore.soak.SoakMessage.Delivery;

/**
 * The soak's {@value FaultSoak#INSTANCES} execution environments (function instances, each with its
 * own caches and clients) and the Lambda invocations they run: a batch goes to whichever is idle,
 * as SQS's poller would hand it to Lambda.
 */
final class FunctionInstances {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration QUIESCE_LIMIT = Duration.ofSeconds(20);

  private final FunctionHarness harness;
  private final List<String> failures;
  private final List<PendingMessageFunction> functions = new ArrayList<>();
  private BlockingQueue<InProcessHandler> idle;
  private int invocations;
  /** Invocations that have taken an execution environment, so far. */
  private final AtomicInteger started = new AtomicInteger();

  FunctionInstances(FunctionHarness harness, List<String> failures) {
    this.harness = harness;
    this.failures = failures;
  }

  /** Builds the instances, with these overrides of the harness's environment. */
  void start(Map<String, String> envOverrides) {
    for (int i = 0; i < FaultSoak.INSTANCES; i++) functions.add(harness.newInstance(envOverrides));
    idle = new ArrayBlockingQueue<>(FaultSoak.INSTANCES);
    for (PendingMessageFunction function : functions) idle.add(harness.sqs(function));
  }

  /** Invocations run so far. */
  synchronized int invocations() {
    return invocations;
  }

  /** Invocations that have taken an execution environment so far. */
  int started() {
    return started.get();
  }

  /**
   * One invocation per execution environment before the soak, as warm Lambda environments would
   * be: the secret read, clients built, classes loaded. Otherwise the first batches spend much of
   * their 3 s on a cold JVM and time out for reasons no fault script chose. Then the simulator
   * forgets them.
   */
  void warmUp() throws InterruptedException {
    String body = FunctionHarness.event("sqs-batch.json").get("Records").get(0).get("body").asText();
    List<InProcessHandler> handlers = new ArrayList<>();
    for (int i = 0; i < FaultSoak.INSTANCES; i++) handlers.add(idle.take());
    for (int i = 0; i < handlers.size(); i++) {
      ObjectNode event = FunctionHarness.sqsEvent(List.of(body.replace("ORDER-SQS-0001", "WARM-UP-" + i)));
      JsonNode response = handlers.get(i).handle(event, Instant.now().plusSeconds(30));
      if (!response.path("batchItemFailures").isEmpty()) throw new IllegalStateException("warm-up failed: " + response);
    }
    idle.addAll(handlers);
    harness.wechat.reset();
  }

  /** One Lambda invocation of one execution environment with this batch, as SQS's poller makes it. */
  void invoke(List<SoakMessage> batch, List<Delivery> deliveries, int round, Duration timeout) {
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
  void awaitStarted(int count) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (started.get() < count && System.nanoTime() < giveUp) Thread.sleep(5);
  }

  static void await(List<Future<?>> running) throws InterruptedException {
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
  void quiesce() throws InterruptedException {
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

  /** Every environment reads the merchant secret again, as after a restore. */
  void readSecretsAgain() {
    for (PendingMessageFunction function : functions) {
      try {
        function.snapStart().afterRestore(null);
      } catch (Exception e) {
        throw new IllegalStateException("an environment could not read the secret again", e);
      }
    }
  }
}
