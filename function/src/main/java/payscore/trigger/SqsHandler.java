package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import payscore.json.JsonTrees;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessageReader;
import payscore.send.InvocationBudget;
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

  private final PendingMessageReader reader;
  private final PendingMessageService service;
  private final DeadLetterQueue deadLetters;
  private final OrderRunner orders;
  private final OutcomeLog log;
  private final Clock clock;
  private final InvocationBudget budget;

  public SqsHandler(PendingMessageReader reader, PendingMessageService service, DeadLetterQueue deadLetters,
      java.util.concurrent.ExecutorService workers, OutcomeLog log, Clock clock, InvocationBudget budget) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.service = Objects.requireNonNull(service, "service");
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    this.orders = new OrderRunner(workers, clock);
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  /** The {@code SQSBatchResponse} for one SQS event. */
  @Override
  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    BatchPlan plan = BatchPlan.read(event, reader);
    if (!deadLetters.configured()) {
      log.problem("configuration", "environment variable DEAD_LETTER_QUEUE_URL is not set");
      return response(plan.ids(), Map.of());
    }
    BatchProgress batch = new BatchProgress();
    Instant started = clock.instant();
    Map<String, Callable<Void>> work = new LinkedHashMap<>();
    plan.byOrder().forEach((order, messages) -> work.put(order, () -> {
      runOrder(order, messages, invocationEnd, batch);
      return null;
    }));
    orders.run(work, budget.ordersBy(invocationEnd), (order, why) -> log.problem("order_unfinished",
        "order " + order + " did not finish in the invocation (" + why + ")"));
    Map<String, Ending> ended = batch.close();

    // From here on only this thread acts: it parks, and counts what did not finish, each message once.
    Instant parkBy = budget.parkBy(invocationEnd);
    Map<String, Ending> endings = new HashMap<>();
    for (BatchPlan.Invalid invalid : plan.invalid()) {
      Ending parked = park(invalid.id(), invalid.body(), invalid.attributes(),
          new Ending(Outcome.invalid(invalid.errors()), Disposition.PARK), parkBy);
      endings.put(invalid.id(), parked);
      log(invalid.id(), invalid.outOrderNo(), null, parked, started);
    }
    plan.byOrder().forEach((order, messages) -> {
      Set<String> bodies = new HashSet<>();
      for (BatchPlan.Queued queued : messages) {
        boolean repeat = !bodies.add(queued.message().payloadHash());
        Ending ending = ended.get(queued.id());
        if (ending == null) {
          Outcome unfinished = Outcome.unfinished(batch.atWeChat.contains(order));
          ending = new Ending(repeat ? unfinished.asRepeat() : unfinished, Disposition.RETRY);
        } else if (ending.disposition() == Disposition.PARK) {
          ending = park(queued.id(), queued.body(), queued.attributes(), ending, parkBy);
        } else {
          endings.put(queued.id(), ending); // logged by its work
          continue;
        }
        endings.put(queued.id(), ending);
        log(queued.id(), queued.message().outOrderNo(), queued.message().subMchid(), ending, started);
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

  /**
   * One order's messages, in batch order; a repeat of an earlier message shares its end. Ends to
   * park are left to the handler's own thread, which parks them once the work is over.
   */
  private void runOrder(String order, List<BatchPlan.Queued> messages, Instant invocationEnd, BatchProgress batch) {
    Map<String, Ending> byHash = new HashMap<>();
    for (BatchPlan.Queued queued : messages) {
      if (!batch.open.get()) return;
      Instant started = clock.instant();
      String hash = queued.message().payloadHash();
      Ending first = byHash.get(hash);
      Ending ending;
      if (first != null) {
        ending = new Ending(first.outcome().asRepeat(), first.disposition());
      } else {
        Outcome outcome =
            Outcome.of(service.send(queued.message(), invocationEnd, () -> batch.atWeChat.add(order)));
        batch.atWeChat.remove(order);
        ending = new Ending(outcome, outcome.disposition());
        byHash.put(hash, ending);
      }
      if (!batch.record(queued.id(), ending)) return;
      if (ending.disposition() != Disposition.PARK) {
        log(queued.id(), queued.message().outOrderNo(), queued.message().subMchid(), ending, started);
      }
    }
  }

  /** Parks the message, bounded by {@code parkBy}; one that cannot be parked goes back to the queue. */
  private Ending park(String id, String body, JsonNode attributes, Ending ending, Instant parkBy) {
    Instant now = clock.instant();
    boolean parked = budget.roomToPark(now, parkBy) && deadLetters.park(id, body, attributes,
        ending.outcome().code(), ending.outcome().message(), Duration.between(now, parkBy));
    return parked ? ending : new Ending(ending.outcome(), Disposition.RETRY);
  }

  private void log(String id, String outOrderNo, String subMchid, Ending ending, Instant started) {
    String result = switch (ending.disposition()) {
      case ACK -> ending.outcome().logResult();
      case PARK -> "PARKED";
      case RETRY -> "RETRY";
    };
    log.outcome(OutcomeLines.entry("sqs", outOrderNo, subMchid, id, result, ending.outcome().logErrorCode(), ending.outcome(),
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
