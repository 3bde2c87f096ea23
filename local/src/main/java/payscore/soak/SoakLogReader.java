package payscore.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import payscore.harness.FunctionHarness;

/**
 * What the function logged, read as it grows: its pending_message outcome lines by SQS message id,
 * the EMF metric line written with each, and the sums of every EMF line's metrics.
 */
final class SoakLogReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FunctionHarness harness;
  private final List<String> failures;
  private int logOffset;
  /** Sums of the EMF lines' metrics (value 1 each), by metric name; and EMF lines with no outcome line before them. */
  private final Map<String, Long> emfSums = new LinkedHashMap<>();
  private int orphanEmfLines;
  private final Map<String, String> metricsByDelivery = new HashMap<>();

  SoakLogReader(FunctionHarness harness, List<String> failures) {
    this.harness = harness;
    this.failures = failures;
  }

  /** Skips what is logged so far: the warm-up's outcomes are not the soak's. */
  void skipWhatIsLogged() {
    String logs = harness.logs();
    logOffset = logs.lastIndexOf('\n') + 1;
  }

  /** The metric of the EMF line logged with this delivery's outcome line, taken (null: none). */
  String takeMetric(String deliveryId) {
    return metricsByDelivery.remove(deliveryId);
  }

  Map<String, Long> emfSums() {
    return emfSums;
  }

  int orphanEmfLines() {
    return orphanEmfLines;
  }

  /**
   * The function's pending_message log lines written since the last call, by SQS message id; the
   * EMF line written with each (the next line) gives {@link #takeMetric}. Every EMF line's
   * metrics are summed into {@link #emfSums}.
   */
  Map<String, JsonNode> newLines() {
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

  /**
   * The one metric of an EMF line: a member named after one of the contract's metrics with value 1,
   * declared under {@code _aws.CloudWatchMetrics} in namespace PayScorePendingMessage with the
   * {@code Trigger} dimension set to {@code sqs}. Adds it to {@link #emfSums}; returns a description
   * of what is wrong instead when the line is not that.
   */
  private String emf(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      List<String> present = ContractMetrics.METRICS.stream().filter(node::has).toList();
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
}
