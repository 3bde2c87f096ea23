package payscore.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The CloudWatch Embedded Metric Format lines a function's JVM wrote, from a point in its log on:
 * each request of the contract counts once, under exactly one of its metrics.
 */
public final class MetricLines {
  /** The contract's per-request metrics (see "Metrics"). */
  public static final List<String> REQUEST_METRICS = List.of("Sent", "Replayed", "Invalid", "Rejected", "Conflict",
      "Uncertain", "Failed", "Resolved");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalLambda function;
  private final int from;

  private MetricLines(LocalLambda function, int from) {
    this.function = function;
    this.from = from;
  }

  /** Marks the end of the log now: {@link #lines} returns only what comes after. */
  public static MetricLines mark(LocalLambda function) {
    return new MetricLines(function, function.logs().length());
  }

  /** The log written since the mark. */
  public String logs() {
    String all = function.logs();
    return all.length() <= from ? "" : all.substring(from);
  }

  /**
   * The EMF lines since the mark, once at least {@code expected} have arrived (the log is read
   * from the JVM's stdout by a thread of its own) or 3 s have passed.
   */
  public List<JsonNode> lines(int expected) {
    long giveUp = System.nanoTime() + 3_000_000_000L;
    List<JsonNode> found = parse(logs());
    while (found.size() < expected && System.nanoTime() < giveUp) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = parse(logs());
    }
    // A little longer, so that an extra line (a request counted twice) is seen too.
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return parse(logs());
  }

  /** How many of these EMF lines count {@code metric} (a value of 1), for the trigger given. */
  public static long count(List<JsonNode> lines, String metric, String trigger) {
    return lines.stream()
        .filter(line -> trigger.equals(line.path("Trigger").asText()))
        .filter(line -> line.path(metric).asDouble(0) == 1)
        .count();
  }

  /** The request metrics one EMF line counts (normally exactly one). */
  public static List<String> metricsOf(JsonNode line) {
    return REQUEST_METRICS.stream().filter(metric -> line.has(metric)).toList();
  }

  /** EMF objects: lines that are JSON with {@code _aws}, or JSON log records whose message is one. */
  static List<JsonNode> parse(String logs) {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : logs.split("\n")) {
      JsonNode node = json(line.strip());
      if (node == null) continue;
      if (node.has("_aws")) {
        lines.add(node);
      } else if (node.path("message").isTextual()) {
        JsonNode inner = json(node.path("message").asText().strip());
        if (inner != null && inner.has("_aws")) lines.add(inner);
      }
    }
    return lines;
  }

  private static JsonNode json(String text) {
    if (!text.startsWith("{")) return null;
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (Exception e) {
      return null;
    }
  }
}
