package payscore.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoProcess;
import payscore.soak.SoakMessage.Delivery;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The moto restart midway through the soak: an outage of durable services, not data loss (see
 * {@link #run}).
 */
final class MotoOutage {
  private final FunctionHarness harness;
  private final FunctionInstances instances;
  private final DeliveryLedger ledger;
  private final DeadLetterBox letters;
  private final List<String> failures;
  private final PrintStream out;
  /** Items the function wrote again before the restore reached them (the restore left them). */
  private int restoredOver;
  private String note = "none";
  /** The in-flight orders straddled the restart (their claims were in the snapshot, their answers came after). */
  private boolean inFlightExercised;

  MotoOutage(FunctionHarness harness, FunctionInstances instances, DeliveryLedger ledger, DeadLetterBox letters,
      List<String> failures, PrintStream out) {
    this.harness = harness;
    this.instances = instances;
    this.ledger = ledger;
    this.letters = letters;
    this.failures = failures;
    this.out = out;
  }

  int restoredOver() {
    return restoredOver;
  }

  /** What the outage came to, for the report; "none" when there was none. */
  String note() {
    return note;
  }

  boolean inFlightExercised() {
    return inFlightExercised;
  }

  /**
   * The moto restart. First the in-flight orders are sent in an invocation of their own and, once
   * their claims are in the table, WeChat holds their answers for {@link FaultPlan#IN_FLIGHT_DELAY}.
   * Meanwhile the table's items and the secret are read, and moto is restarted (losing all
   * state); {@code batches} run against the empty moto; the in-flight invocation gets WeChat's
   * acceptances but cannot record them. Then, with nothing in flight, the table, the secret and
   * the queues are recreated under the same names with their contents, as a durable service
   * comes back: no write the function made is lost, only the service was away.
   *
   * @param keyRotated whether the merchant key was rotated earlier in the soak
   */
  void run(MotoProcess moto, List<SoakMessage> inFlight, List<List<SoakMessage>> batches, int round,
      List<Delivery> deliveries, ExecutorService pool, boolean keyRotated) throws InterruptedException {
    letters.drain();
    Future<?> flying = null;
    String flightNote = "no in-flight orders";
    if (!inFlight.isEmpty() && keyRotated) {
      // The in-flight orders must be signed with the key WeChat accepts now. An environment that has
      // not met a 401 since the rotation still holds the old key (its cache lasts minutes) and could
      // not re-read the secret with moto gone: WeChat would refuse them and take nothing, and which
      // environment takes them is timing. Each environment, idle now, reads the secret again first,
      // as a restored one does.
      instances.readSecretsAgain();
    }
    if (!inFlight.isEmpty()) {
      List<Delivery> flyingDeliveries = ledger.deliver(inFlight, round, true);
      deliveries.addAll(flyingDeliveries);
      Instant sent = Instant.now();
      flying = pool.submit(() -> instances.invoke(inFlight, flyingDeliveries, round, FaultSoak.IN_FLIGHT_INVOCATION));
      // The snapshot must hold every claim (or the emulation would lose a write the function made),
      // and must be taken well before WeChat answers (or it would miss the finishing write).
      Instant latest = sent.plus(FaultPlan.IN_FLIGHT_DELAY.dividedBy(2));
      if (awaitClaims(inFlight, latest)) {
        inFlightExercised = true;
        flightNote = inFlight.size() + " orders claimed and waiting for WeChat across the restart";
      } else {
        flightNote = "skipped: the claims were not all in the table by " + Duration.between(sent, latest).toMillis()
            + " ms, so the orders finished before the restart";
        FunctionInstances.await(new ArrayList<>(List.of(flying)));
        instances.quiesce();
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
      List<Delivery> batchDeliveries = ledger.deliver(batch, round, true);
      deliveries.addAll(batchDeliveries);
      instances.invoke(batch, batchDeliveries, round, FaultSoak.INVOCATION);
      outageDeliveries += batchDeliveries.size();
      acknowledgedDuringOutage += (int) batchDeliveries.stream().filter(d -> !d.failed).count();
    }
    if (flying != null) FunctionInstances.await(new ArrayList<>(List.of(flying)));
    instances.quiesce();
    restore(items, secret);
    long millis = (System.nanoTime() - down) / 1_000_000;
    note = String.format("round %d, %d batches (%d deliveries) against the empty moto, %d of them acknowledged;"
        + " in flight: %s; %d items restored; down %d ms", round, batches.size(), outageDeliveries,
        acknowledgedDuringOutage, flightNote, items.size(), millis);
    out.println("  moto restarted: " + note);
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
}
