package payscore.soak;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import payscore.harness.FunctionHarness;
import payscore.soak.FaultPlan.Kind;
import payscore.soak.FaultPlan.Order;
import payscore.soak.FaultSoak.Report;
import payscore.soak.SoakMessage.End;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The soak's {@link Report}, and the account of it printed at the end: what was injected, how messages ended, what failed. */
final class SoakReport {
  private final FunctionHarness harness;
  private final AwsFaults aws;
  private final SoakLogReader logs;
  private final DeadLetterBox letters;
  private final SqsRounds sqs;
  private final MotoOutage outage;
  private final OrderChecks checks;
  private final PrintStream out;

  SoakReport(FunctionHarness harness, AwsFaults aws, SoakLogReader logs, DeadLetterBox letters, SqsRounds sqs,
      MotoOutage outage, OrderChecks checks, PrintStream out) {
    this.harness = harness;
    this.aws = aws;
    this.logs = logs;
    this.letters = letters;
    this.sqs = sqs;
    this.outage = outage;
    this.checks = checks;
    this.out = out;
  }

  Report report(FaultPlan plan, int orders, long seed, int rounds, int requests, int acceptances, int invocations,
      Duration wall, List<String> failures) {
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
    wechatFaults.put("401 SIGN_ERROR after the key rotation", (long) checks.signErrors());
    Map<String, Long> sums = new LinkedHashMap<>();
    for (String metric : ContractMetrics.METRICS) sums.put(metric, logs.emfSums().getOrDefault(metric, 0L));
    return new Report(orders, seed, plan.messages.size(), invalid, Map.copyOf(ends), requests, acceptances, rounds,
        invocations, wall, List.copyOf(failures), awsFaults, wechatFaults, sums, ContractMetrics.outcomeCounts(plan));
  }

  void print(Report report, FaultPlan plan, Map<String, String> records) {
    out.println();
    out.printf("Fault soak: %d orders, seed %d%n", report.orders(), report.seed());
    Map<Kind, Long> kinds = plan.orders.stream()
        .collect(Collectors.groupingBy(o -> o.kind, () -> new EnumMap<>(Kind.class), Collectors.counting()));
    out.println("  order kinds:  " + kinds);
    out.println("  modifiers:    " + plan.modifiers);
    out.println("  key rotation: " + (sqs.rotatedAt() == null ? "none" : sqs.rotationNote() + "; " + checks.signErrors()
        + " requests signed with the old key got 401 SIGN_ERROR and were re-signed after a re-read of the secret"));
    out.println("  moto restart: " + outage.note());
    out.println("  WeChat faults scripted (answers): " + report.wechatFaults());
    out.println("  AWS faults injected by kind:      " + report.awsFaults());
    out.println("  items the function wrote again before the restore reached them: " + outage.restoredOver());
    out.println("  DLQ letters written twice (a park retried after its answer was lost): " + letters.duplicateLetters());
    out.println("  AWS faults per order (orders, injected): " + aws.byOrder.entrySet().stream()
        .collect(Collectors.groupingBy(Map.Entry::getValue, () -> new EnumMap<>(AwsFaults.OrderFault.class),
            Collectors.mapping(e -> aws.fired(e.getKey()), Collectors.toList()))));
    aws.events.forEach(event -> out.println("  AWS event: " + event));
    out.println("  fault proxy: " + aws.proxy.report());
    out.println();
    out.printf("  %-34s %8s%n", "end", "messages");
    for (End end : End.values()) out.printf("  %-34s %8d%n", end.label, report.count(end));
    out.printf("  %-34s %8d%n", "total", report.ends().values().stream().mapToInt(Integer::intValue).sum());
    out.println();
    out.printf("  messages %d (%d invalid), orders %d, WeChat requests %d, WeChat acceptances %d,%n",
        report.messages(), report.invalidMessages(), report.orders(), report.wechatRequests(), report.wechatAcceptances());
    out.printf("  rounds %d, invocations %d, wall time %.1f s%n", report.rounds(), report.invocations(),
        report.wall().toMillis() / 1000.0);
    out.println();
    out.println("  metrics (EMF sums; each delivery the function handled counts once, under exactly one):");
    out.printf("  %-22s %8s %10s%n", "metric", "EMF sum", "outcomes");
    for (String metric : ContractMetrics.METRICS) {
      out.printf("  %-22s %8d %10d%n", metric, report.metricSums().get(metric),
          report.outcomeCounts().getOrDefault(metric, 0L));
    }
    out.printf("  %-22s %8s %10d%n", ContractMetrics.UNCERTAIN_OR_FAILED, "",
        report.outcomeCounts().getOrDefault(ContractMetrics.UNCERTAIN_OR_FAILED, 0L));
    out.printf("  %-22s %8d %10d%n", "total", report.metricSums().values().stream().mapToLong(Long::longValue).sum(),
        report.outcomeCounts().values().stream().mapToLong(Long::longValue).sum());
    out.printf("  unscripted timeouts (the machine, not a fault script, was too slow for the deadline): %d%n",
        checks.slowNotes().size());
    checks.slowNotes().forEach(note -> out.println("    " + note));
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
      out.println("  checks: " + report.failures().size() + " FAILED");
      report.failures().stream().limit(50).forEach(f -> out.println("    - " + f));
    }
  }

  /** What the order's record says, and what a redrive of it would do. */
  String recordSummary(String orderNo) {
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
