package payscore.soak;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import payscore.harness.FunctionHarness;
import payscore.simulator.RecordedRequest;
import payscore.simulator.Verdict;
import payscore.soak.FaultPlan.Kind;
import payscore.soak.FaultPlan.Order;
import payscore.soak.SoakMessage.Delivery;
import payscore.soak.SoakMessage.End;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The checks after the last round: every message has an end its body allows; WeChat took each
 * order at most once, and its record says what became of it; a lone message of an order ends as
 * its fault script predicts, unless something besides the script failed it.
 */
final class OrderChecks {
  private final FunctionHarness harness;
  private final AwsFaults aws;
  private final SqsRounds sqs;
  private final MotoOutage outage;
  private final ContractMetrics metrics;
  private final List<String> failures;
  private int signErrors;
  private final List<String> slowNotes = new ArrayList<>();

  OrderChecks(FunctionHarness harness, AwsFaults aws, SqsRounds sqs, MotoOutage outage, ContractMetrics metrics,
      List<String> failures) {
    this.harness = harness;
    this.aws = aws;
    this.sqs = sqs;
    this.outage = outage;
    this.metrics = metrics;
    this.failures = failures;
  }

  /** Requests signed with the old key that WeChat refused after the rotation. */
  int signErrors() {
    return signErrors;
  }

  /** Deliveries that timed out with no fault script to blame: the machine was too slow for the deadline. */
  List<String> slowNotes() {
    return slowNotes;
  }

  /**
   * After the last round: waits until every lease still in the table has passed (a lease ends at
   * most {@link FaultSoak#IN_FLIGHT_INVOCATION} plus the function's skew after its claim), so the
   * order checks see the records as a later request would.
   */
  void awaitLeases(FaultPlan plan) throws InterruptedException {
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

  void check(FaultPlan plan) {
    Instant rotatedAt = sqs.rotatedAt();
    Instant rotationDone = sqs.rotationDone();
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
    metrics.check(plan);
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
    boolean alarmed = ContractMetrics.alarmed(order);
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
      case IN_FLIGHT -> outage.inFlightExercised() ? End.SENT_UNRECORDED : End.SENT;
    };
    AwsFaults.OrderFault awsFault = aws.byOrder.get(order);
    if (awsFault != null && awsFault.changesPrediction() && aws.fired(order) > 0 && predicted == End.SENT) {
      predicted = End.SENT_UNRECORDED;
    }
    if (order.kind == Kind.IN_FLIGHT && outage.inFlightExercised()) {
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
}
