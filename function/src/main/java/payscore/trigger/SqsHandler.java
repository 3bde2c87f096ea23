package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import payscore.json.JsonTrees;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessageReader;
import payscore.send.Outcome;
import payscore.send.Outcome.Disposition;
import payscore.trigger.BatchProgress.Ending;
import payscore.send.PendingMessageService;

/**
 * SQS batches with partial batch failures: plans the batch, runs its orders concurrently against
 * the invocation's deadline, parks permanent failures, and answers with the messages SQS must
 * deliver again.
 */
public final class SqsHandler implements EventHandler {
  /** Kept back from the invocation to return the batch response before Lambda stops us. */
  private static final Duration RETURN_RESERVE = Duration.ofMillis(300);

  private final PendingMessageReader reader;
  private final PendingMessageService service;
  private final DeadLetterQueue deadLetters;
  private final OrderRunner orders;
  private final OutcomeLog log;
  private final Clock clock;


  public SqsHandler(PendingMessageReader reader, PendingMessageService service, DeadLetterQueue deadLetters,
      java.util.concurrent.ExecutorService workers, OutcomeLog log, Clock clock) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.service = Objects.requireNonNull(service, "service");
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    this.orders = new OrderRunner(workers, clock);
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The {@code SQSBatchResponse} for one SQS event. */
  @Override
  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    BatchPlan plan = BatchPlan.read(event, reader);
    if (!deadLetters.configured()) {
      log.problem("configuration", "environment variable DEAD_LETTER_QUEUE_URL is not set");
      return response(plan.ids(), Map.of());
    }
    Map<String, Ending> endings = new HashMap<>();
    // Closed once this call returns: work still running then starts no send and parks nothing,
    // since SQS delivers its messages again.
    BatchProgress batch = new BatchProgress();
    for (BatchPlan.Invalid invalid : plan.invalid()) {
      Instant started = clock.instant();
      Ending ending = end(invalid.id(), invalid.body(), invalid.attributes(), Outcome.invalid(invalid.errors()), batch);
      endings.put(invalid.id(), ending);
      log(invalid.id(), invalid.outOrderNo(), null, ending, started);
    }
    Map<String, Callable<Void>> work = new LinkedHashMap<>();
    plan.byOrder().forEach((order, messages) -> work.put(order, () -> {
      runOrder(order, messages, invocationEnd, batch);
      return null;
    }));
    orders.run(work, invocationEnd.minus(RETURN_RESERVE), (order, why) -> log.problem("order_unfinished",
        "order " + order + " did not finish in the invocation (" + why + ")"));
    endings.putAll(batch.close());
    // Each message is counted once: one whose order did not finish goes back to the queue now.
    Instant now = clock.instant();
    plan.byOrder().forEach((order, messages) -> {
      for (BatchPlan.Queued queued : messages) {
        if (endings.containsKey(queued.id())) continue;
        Ending unfinished = new Ending(Outcome.unfinished(batch.atWeChat.contains(order)), Disposition.RETRY);
        log(queued.id(), queued.message().outOrderNo(), queued.message().subMchid(), unfinished, now);
      }
    });
    return response(plan.ids(), endings);
  }

  /** The answer when the function itself could not be built: every message goes back to the queue. */
  public static ObjectNode unavailable(JsonNode event) {
    List<String> ids = new java.util.ArrayList<>();
    for (JsonNode record : event.path("Records")) ids.add(record.path("messageId").asText());
    return response(ids, Map.of());
  }

  /** One order's messages, in batch order; a repeat of an earlier message shares its end. */
  private void runOrder(String order, List<BatchPlan.Queued> messages, Instant invocationEnd, BatchProgress batch) {
    Map<String, Ending> byHash = new HashMap<>();
    for (BatchPlan.Queued queued : messages) {
      if (!batch.open.get()) break;
      Instant started = clock.instant();
      String hash = queued.message().payloadHash();
      Ending first = byHash.get(hash);
      Ending ending;
      if (first != null) {
        // The DLQ holds messages, not orders: a repeat of a parked message is parked too.
        ending = first.disposition() == Disposition.PARK
            ? end(queued.id(), queued.body(), queued.attributes(), first.outcome().asRepeat(), batch)
            : new Ending(first.outcome().asRepeat(), first.disposition());
      } else {
        Outcome outcome =
            Outcome.of(service.send(queued.message(), invocationEnd, () -> batch.atWeChat.add(order)));
        batch.atWeChat.remove(order);
        ending = end(queued.id(), queued.body(), queued.attributes(), outcome, batch);
        byHash.put(hash, ending);
      }
      if (!batch.record(queued.id(), ending)) return;
      log(queued.id(), queued.message().outOrderNo(), queued.message().subMchid(), ending, started);
    }
  }

  private Ending end(String id, String body, JsonNode attributes, Outcome outcome, BatchProgress batch) {
    if (outcome.disposition() != Disposition.PARK) return new Ending(outcome, outcome.disposition());
    boolean parked = batch.open.get() && deadLetters.park(id, body, attributes, outcome.code(), outcome.message());
    return new Ending(outcome, parked ? Disposition.PARK : Disposition.RETRY);
  }

  private void log(String id, String outOrderNo, String subMchid, Ending ending, Instant started) {
    String result = switch (ending.disposition()) {
      case ACK -> ending.outcome().logResult();
      case PARK -> "PARKED";
      case RETRY -> "RETRY";
    };
    log.outcome(OutcomeLines.entry("sqs", outOrderNo, subMchid, id, result, ending.outcome().code(), ending.outcome(),
        Duration.between(started, clock.instant()).toMillis()));
  }

  private static ObjectNode response(List<String> ids, Map<String, Ending> endings) {
    ObjectNode response = JsonTrees.object();
    ArrayNode failures = response.putArray("batchItemFailures");
    for (String id : ids) {
      Ending ending = endings.get(id);
      if (ending == null || ending.disposition() == Disposition.RETRY) failures.addObject().put("itemIdentifier", id);
    }
    return response;
  }
}
