package payscore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.simulator.Behaviour;
import payscore.trigger.SqsHandler;

/**
 * Wall time of an SQS batch of 10 distinct orders against one message, with WeChat answering
 * after a fixed delay, through the real handler, moto and the simulator. Distinct orders are
 * sent concurrently, so a batch should cost little more than its slowest message.
 */
public final class BatchBenchmark {
  private static final String BODY = FunctionHarness.event("http-api-send.json").get("body").asText();
  private static final int ROUNDS = 5;
  private static int orders;

  private BatchBenchmark() {}

  public static void main(String[] args) throws Exception {
    run(MotoServer.shared());
    System.exit(0);
  }

  static void run(MotoServer moto) throws Exception {
    System.out.println();
    System.out.println("SQS batch of 10 distinct orders against one message (median of " + ROUNDS + " rounds)");
    System.out.printf("%-22s %12s %12s %8s %s%n", "WeChat answers after", "1 message", "10 messages", "ratio",
        "targets: < 2.0 (issue 3), <= 1.3 (issue 5)");
    try (FunctionHarness harness = new FunctionHarness(moto.endpoint())) {
      SqsHandler handler = harness.sqs();
      // Warm-up: secret read, connections opened, classes loaded, signing compiled.
      for (int i = 0; i < 30; i++) time(harness, handler, 10, Duration.ZERO);
      System.out.printf("%-22s %9.0f ms %9.0f ms%n", "no delay", median(harness, handler, 1, Duration.ZERO),
          median(harness, handler, 10, Duration.ZERO));
      for (Duration delay : List.of(Duration.ofMillis(100), Duration.ofMillis(500))) {
        double one = median(harness, handler, 1, delay);
        double ten = median(harness, handler, 10, delay);
        System.out.printf("%-22s %9.0f ms %9.0f ms %7.2fx%n", delay.toMillis() + " ms", one, ten, ten / one);
      }
    }
  }

  private static double median(FunctionHarness harness, SqsHandler handler, int size, Duration delay) {
    double[] millis = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) millis[i] = time(harness, handler, size, delay);
    Arrays.sort(millis);
    return millis[ROUNDS / 2];
  }

  /** One batch of {@code size} new orders; fails loudly if any message was not sent. */
  private static double time(FunctionHarness harness, SqsHandler handler, int size, Duration delay) {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String order = "BENCH-" + (++orders);
      if (!delay.isZero()) harness.wechat.script(order, Behaviour.delay(delay));
      bodies.add(BODY.replace("{\"service_id\"", "{\"out_order_no\":\"" + order + "\",\"service_id\""));
    }
    long started = System.nanoTime();
    JsonNode response = handler.handle(FunctionHarness.sqsEvent(bodies), Instant.now().plusSeconds(30));
    double millis = (System.nanoTime() - started) / 1e6;
    if (response.get("batchItemFailures").size() > 0) throw new IllegalStateException("batch failed: " + response);
    return millis;
  }
}
