package payscore.soak;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import payscore.harness.FunctionHarness;
import payscore.soak.FaultPlan.Order;
import payscore.soak.SoakMessage.Delivery;
import payscore.soak.SoakMessage.End;

/**
 * The metric contract: what each delivery may count as, from what the soak saw, and whether the
 * function's EMF lines counted every delivery once, under a metric the contract allows.
 */
final class ContractMetrics {
  /** The contract's metrics. */
  static final List<String> METRICS = List.of("Sent", "Replayed", "Invalid", "Rejected", "Conflict", "Uncertain",
      "Failed", "Resolved");
  static final String UNCERTAIN_OR_FAILED = "Uncertain or Failed";

  private final FunctionHarness harness;
  private final SoakLogReader logs;
  private final List<String> failures;

  ContractMetrics(FunctionHarness harness, SoakLogReader logs, List<String> failures) {
    this.harness = harness;
    this.logs = logs;
    this.failures = failures;
  }

  /**
   * What the contract lets this delivery count as, from what the soak saw (SQS's answer, the DLQ
   * letter, the record, WeChat's log), never from the metric the function logged. A repeat inside
   * the batch is Replayed; a parked message counts by its error_code; an acknowledged send is Sent
   * when the record says SENT, else Uncertain (recorded: false); a retried message counts Conflict
   * for IN_PROGRESS, and otherwise Failed when WeChat got no request for its order while it ran,
   * or Uncertain or Failed when WeChat did (whether that request may have taken it is the
   * function's call: a 429 proves nothing was sent, a 5xx does not).
   */
  Set<String> expected(Delivery delivery, SoakMessage message, Instant settledAt) {
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

  /** The delivery-by-delivery metric check and the sums (see {@link #expected}). */
  void check(FaultPlan plan) {
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
    if (logs.orphanEmfLines() > 0) failures.add(logs.orphanEmfLines() + " EMF lines with no outcome line before them");
    Map<String, Long> counts = outcomeCounts(plan);
    long deliveries = plan.messages.stream().mapToLong(m -> m.deliveries.size()).sum();
    long emfTotal = logs.emfSums().values().stream().mapToLong(Long::longValue).sum();
    for (String metric : List.of("Sent", "Replayed", "Invalid", "Rejected", "Conflict", "Resolved")) {
      long emf = logs.emfSums().getOrDefault(metric, 0L);
      if (emf != counts.getOrDefault(metric, 0L)) {
        failures.add("metric sum " + metric + " = " + emf + ", but " + counts.getOrDefault(metric, 0L)
            + " deliveries ended so");
      }
    }
    long uncertain = logs.emfSums().getOrDefault("Uncertain", 0L);
    long failed = logs.emfSums().getOrDefault("Failed", 0L);
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
  static Map<String, Long> outcomeCounts(FaultPlan plan) {
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
  static boolean alarmed(Order order) {
    return order.messages.stream().flatMap(m -> m.deliveries.stream()).anyMatch(d -> "Uncertain".equals(d.logMetric));
  }
}
