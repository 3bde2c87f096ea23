package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import payscore.lambda.ApiAnswer;
import payscore.lambda.MetricLines;

/**
 * A SENT record that cannot be written at all, through the functions as Lambda runs them (see
 * {@link ThroughFaultProxy}): 200 {@code recorded: false}, counted Uncertain, and never a second
 * acceptance. It waits out an invocation and then a lease, so it is a class of its own, run beside
 * the others.
 */
@Order(3)
class SentUnrecordedThroughRuntimeTest extends ThroughFaultProxy {
  @Test
  void sentWriteThatNeverSucceedsAnswers200NotRecordedCountsUncertainAndNeverLeadsToASecondAcceptance()
      throws Exception {
    String order = "THROTTLED-SENT-2";
    ActiveRule throttled = proxy.inject(FaultRule.always("UpdateItem", Fault.throttle()).whereBodyContains(WRITES_SENT));
    MetricLines metrics = MetricLines.mark(api);

    long started = System.nanoTime();
    ApiAnswer answer = post(order, body(1500));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertTrue(throttled.fired() >= 1, "the SENT write was throttled");
    assertEquals(200, answer.status(), "WeChat has the message: 200 all the same; " + answer);
    assertEquals("SENT", answer.body().path("state").asText(), answer.toString());
    assertTrue(answer.body().path("recorded").isBoolean() && !answer.body().path("recorded").asBoolean(),
        "recorded: false; " + answer);
    assertTrue(took.compareTo(API_TIMEOUT) < 0, "answered within the invocation: " + took);
    assertEquals(1, harness.wechat.acceptedCount(order));
    String requestId = harness.wechat.requestsFor(order).get(0).requestId();
    assertEquals(requestId, answer.body().path("wechatpay_request_id").asText());
    List<JsonNode> lines = metrics.lines(1);
    assertEquals(1, lines.size(), "one metric line for the request: " + lines);
    assertEquals(List.of("Uncertain"), MetricLines.metricsOf(lines.get(0)), "counted as Uncertain: " + lines);
    assertEquals(1, MetricLines.count(lines, "Uncertain", "api"));

    proxy.remove(throttled);
    // The same body again, as a client would retry it (waiting out IN_PROGRESS as Retry-After says).
    ApiAnswer again = postUntilNotInProgress(order, body(1500), Duration.ofSeconds(45));

    assertEquals(1, harness.wechat.acceptedCount(order), "never a second acceptance");
    boolean replay = again.status() == 200 && again.body().path("replayed").asBoolean(false);
    boolean unknown = again.status() == 409 && "OUTCOME_UNKNOWN".equals(again.code());
    assertTrue(replay || unknown, "a replay or OUTCOME_UNKNOWN, not " + again);
  }
}
