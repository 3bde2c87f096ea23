package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import payscore.lambda.ApiAnswer;
import payscore.lambda.MetricLines;
import payscore.simulator.Behaviour;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Records of WeChat's answer that cannot be written at once, or at all, through the functions as
 * Lambda runs them (see {@link ThroughFaultProxy}): writes are retried until the invocation's
 * deadline. Each test waits out most of an invocation, so they run beside the other classes.
 */
@Order(2)
class RecordWritesThroughRuntimeTest extends ThroughFaultProxy {

  @Test
  void sentWriteThrottledLongerThanOneSdkCallIsRetriedUntilItIsRecorded() throws Exception {
    String order = "THROTTLED-SENT-1";
    // Throttled for 6 s from the first SENT write: longer than one SDK call may take (5 s call
    // timeout), well inside the invocation's 15 s.
    ActiveRule throttled = proxy.inject(FaultRule.always("UpdateItem", Fault.throttle()).whereBodyContains(WRITES_SENT));
    Thread lifter = liftAfter(throttled, Duration.ofSeconds(6));

    ApiAnswer answer = post(order, body(1500));
    lifter.join(20_000);

    assertTrue(throttled.fired() >= 2, "the SENT write was throttled (" + throttled.fired() + " times)");
    assertSentNow(answer, order);
    assertNotEquals(false, answer.body().path("recorded").asBoolean(true), "recorded is true or absent: " + answer);
    assertEquals(1, harness.wechat.requestsFor(order).size());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void unknownWriteThatNeverSucceedsAfterA5xxIsRetriedAndCountsUncertainNotFailed() throws Exception {
    // WeChat's 500 may mean it took the message; the UNKNOWN record saying so cannot be written.
    String order = "THROTTLED-UNKNOWN-1";
    harness.wechat.script(order, Behaviour.serverError(500, false));
    ActiveRule throttled = proxy.inject(FaultRule.always("UpdateItem", Fault.throttle())
        .whereBodyContains(WRITES_UNKNOWN));
    MetricLines metrics = MetricLines.mark(api);

    long started = System.nanoTime();
    ApiAnswer answer = post(order, body(1500));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertTrue(throttled.fired() >= 1, "the UNKNOWN write was throttled");
    assertEquals(500, answer.status(), answer.toString());
    assertEquals("INTERNAL_ERROR", answer.code());
    assertTrue(answer.body().path("message").asText().contains("could not record the outcome in DynamoDB"),
        answer.toString());
    assertTrue(took.compareTo(API_TIMEOUT) < 0, "answered within the invocation: " + took);
    assertEquals(1, harness.wechat.requestsFor(order).size(), "the request reached WeChat");
    List<JsonNode> lines = metrics.lines(1);
    assertEquals(List.of("Uncertain"), MetricLines.metricsOf(lines.get(0)),
        "a request that may have reached WeChat counts Uncertain, never Failed: " + lines);
    // The claim stays, marked as sending: the next request for the order is never told it is free.
    Map<String, AttributeValue> item = harness.record(order).orElseThrow();
    assertEquals("IN_PROGRESS", item.get("state").s());
    assertTrue(item.get("sending").bool(), "marked as sending: " + item);
  }
}
