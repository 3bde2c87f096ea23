package payscore.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoProcess;
import payscore.soak.FaultPlan.Kind;
import payscore.soak.SoakMessage.Delivery;
import payscore.soak.SoakMessage.End;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SQS as the soak models it, without a queue: rounds that receive every visible message, shuffled
 * and cut into batches, run by the function instances; the AWS faults, the key rotation and the
 * moto restart timed into the first rounds; and each delivery's consequence (deleted, back on the
 * queue after the visibility timeout, or redriven).
 */
final class SqsRounds {
  /** How long a round waits past the first message's return to visibility, to gather the next ones. */
  private static final Duration GATHER = Duration.ofMillis(500);
  /** The codes a message is parked with. */
  private static final Set<String> PARK_CODES =
      Set.of("INVALID_REQUEST", "WECHATPAY_REJECTED", "PAYLOAD_MISMATCH", "OUTCOME_UNKNOWN");

  private final FunctionHarness harness;
  private final AwsFaults aws;
  private final FunctionInstances instances;
  private final DeliveryLedger ledger;
  private final MotoOutage outage;
  private final DeadLetterBox letters;
  private final SoakLogReader logs;
  private final ContractMetrics metrics;
  private final List<String> failures;
  private final PrintStream out;
  private Instant rotatedAt;
  private Instant rotationDone;
  private String rotationNote;

  SqsRounds(FunctionHarness harness, AwsFaults aws, FunctionInstances instances, DeliveryLedger ledger,
      MotoOutage outage, DeadLetterBox letters, SoakLogReader logs, ContractMetrics metrics, List<String> failures,
      PrintStream out) {
    this.harness = harness;
    this.aws = aws;
    this.instances = instances;
    this.ledger = ledger;
    this.outage = outage;
    this.letters = letters;
    this.logs = logs;
    this.metrics = metrics;
    this.failures = failures;
    this.out = out;
  }

  /** When the merchant key was rotated (null: it was not), and when the rotation was done. */
  Instant rotatedAt() {
    return rotatedAt;
  }

  Instant rotationDone() {
    return rotationDone;
  }

  String rotationNote() {
    return rotationNote;
  }

  /**
   * Rounds until every message has an end; returns how many rounds ran. A round receives every
   * message that is on the queue and visible, in batches; a message handed back becomes visible
   * again {@link FaultSoak#VISIBILITY_TIMEOUT} after the invocation that failed it returned.
   */
  int drive(FaultPlan plan, Random random, MotoProcess moto, ExecutorService pool)
      throws InterruptedException {
    int round = 0;
    while (true) {
      if (plan.messages.stream().noneMatch(m -> m.end == null)) return round;
      round++;
      if (round > FaultSoak.MAX_ROUNDS) {
        List<String> stuck = plan.messages.stream().filter(m -> m.end == null).map(m -> m + " " + m.history())
            .limit(20).toList();
        failures.add("messages still on the queue after " + FaultSoak.MAX_ROUNDS + " rounds: " + stuck);
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
      int startedBefore = instances.started();
      int outageBatches = Math.max(2, batches.size() / 20);
      List<Delivery> deliveries = new ArrayList<>();
      List<Future<?>> running = new ArrayList<>();
      boolean restarted = false;
      for (int i = 0; i < batches.size(); i++) {
        if (i == burstAt) {
          instances.awaitStarted(startedBefore + i - 1);
          aws.burst("round " + round + ", batch " + i + " of " + batches.size());
        }
        if (i == awsOutageAt) {
          instances.awaitStarted(startedBefore + i - 1);
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
          FunctionInstances.await(running);
          aws.awaitOutageEnd();
          instances.quiesce();
          int end = Math.min(batches.size(), i + outageBatches);
          outage.run(moto, inFlight, batches.subList(i, end), round, deliveries, pool, rotatedAt != null);
          restarted = true;
          i = end - 1;
          continue;
        }
        List<SoakMessage> batch = batches.get(i);
        List<Delivery> batchDeliveries = ledger.deliver(batch, round, false);
        deliveries.addAll(batchDeliveries);
        running.add(pool.submit(() -> instances.invoke(batch, batchDeliveries, r, FaultSoak.INVOCATION)));
      }
      FunctionInstances.await(running);
      if (!restarted && !inFlight.isEmpty()) {
        // Too few batches to reach the restart: the in-flight orders go as an ordinary batch.
        List<Delivery> flying = ledger.deliver(inFlight, round, false);
        deliveries.addAll(flying);
        instances.invoke(inFlight, flying, round, FaultSoak.INVOCATION);
      }
      instances.quiesce();
      int[] tally = settle(deliveries);
      aws.roundSettled();
      out.printf("  round %d: %d batches, %d deliveries: %d acknowledged, %d back on the queue, %d redriven"
              + " (%d ms)%n", round, batches.size() + (inFlight.isEmpty() ? 0 : 1),
          deliveries.size(), tally[0], tally[1], tally[2], (System.nanoTime() - roundStarted) / 1_000_000);
    }
  }

  /**
   * Gives each delivery of the round its consequence: deleted (sent, replayed, parked) or back on
   * the queue, and redriven once it was received {@value SoakMessage#MAX_RECEIVE_COUNT} times.
   * Returns {acknowledged, back on the queue, redriven}.
   */
  private int[] settle(List<Delivery> deliveries) {
    letters.drain();
    Map<String, JsonNode> logged = logs.newLines();
    Map<String, SoakMessage> byDelivery = new HashMap<>();
    int acknowledged = 0;
    int back = 0;
    int redriven = 0;
    for (Delivery delivery : deliveries) {
      SoakMessage message = ledger.messageOf(delivery);
      byDelivery.put(delivery.deliveryId, message);
      JsonNode line = logged.get(delivery.deliveryId);
      delivery.logMetric = logs.takeMetric(delivery.deliveryId);
      if (line != null) {
        delivery.logResult = line.path("result").asText(null);
        delivery.logErrorCode = line.path("error_code").asText(null);
        delivery.logErrorMessage = line.path("error_message").asText(null);
        delivery.logLine = line.toString();
      }
      Message letter = letters.take(delivery.deliveryId);
      if (delivery.failed) {
        if (letter != null) {
          // Parked by work the handler had given up on: a second copy may follow; allowed only then.
          delivery.parkedCode = DeadLetterBox.attribute(letter, "error_code");
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
              .plus(FaultSoak.VISIBILITY_TIMEOUT);
          back++;
        }
        continue;
      }
      acknowledged++;
      if (letter != null) {
        delivery.parkedCode = DeadLetterBox.attribute(letter, "error_code");
        letters.check(message, letter);
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
    letters.reportLeftOver();
    Instant settledAt = Instant.now();
    for (Delivery delivery : deliveries) {
      delivery.expectedMetrics = metrics.expected(delivery, byDelivery.get(delivery.deliveryId), settledAt);
      if (delivery.failed && ("SENT".equals(delivery.logResult) || "REPLAYED".equals(delivery.logResult))) {
        failures.add(byDelivery.get(delivery.deliveryId) + ": logged " + delivery.logResult
            + " but handed back to SQS (batchItemFailures): " + delivery.describe());
      }
    }
    return new int[] {acknowledged, back, redriven};
  }
}
