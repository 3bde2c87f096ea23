package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.lambda.ApiAnswer;
import payscore.lambda.FunctionError;
import payscore.lambda.MetricLines;
import payscore.simulator.Behaviour;
import payscore.simulator.RecordedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Issue 10's findings through the functions as Lambda runs them, AWS faults injected by
 * {@link AwsFaultProxy} (see {@link ThroughFaultProxy}): lost answers of the function's own
 * writes, DynamoDB down before sending, stalled WeChat answers, encoded paths, SQS counting.
 */
@Order(5)
class FaultsThroughRuntimeTest extends ThroughFaultProxy {
  // ---- 1. A lost answer of the function's own write is recognised as its own (invariant 6) ----

  @Test
  void claimWhoseAnswerIsLostAfterDynamoDbAppliedItIsRecognisedAndTheOrderIsSent() {
    String order = "LOST-CLAIM-1";
    ActiveRule lost = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.dropAnswer()).whereBodyContains(key(order)));

    ApiAnswer answer = post(order, body(1500));

    assertEquals(1, lost.fired(), "the claim's answer was dropped after moto applied it");
    assertSentNow(answer, order);
    assertEquals(1, harness.wechat.requestsFor(order).size(), "WeChat requests");
    assertEquals(1, harness.wechat.acceptedCount(order), "WeChat acceptances");
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void claimWhoseAnswerComesAfterTheAttemptTimeoutIsRecognisedAndTheOrderIsSent() {
    String order = "LATE-CLAIM-1";
    ActiveRule late = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.delayAnswer(Duration.ofSeconds(3)))
        .whereBodyContains(key(order)));

    ApiAnswer answer = post(order, body(1500));

    assertEquals(1, late.fired(), "the claim's answer came 3 s late, past the SDK's 2 s attempt timeout");
    assertSentNow(answer, order);
    assertEquals(1, harness.wechat.requestsFor(order).size(), "WeChat requests");
    assertEquals(1, harness.wechat.acceptedCount(order), "WeChat acceptances");
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void releaseWhoseAnswerIsLostAfterARateLimitLeavesTheOrderFreeForADifferentBody() {
    String order = "LOST-RELEASE-1";
    harness.wechat.script(order, Behaviour.rateLimited());
    ActiveRule lost = proxy.inject(FaultRule.next(1, "DeleteItem", Fault.dropAnswer()).whereBodyContains(key(order)));

    ApiAnswer limited = post(order, body(1500));

    assertEquals(502, limited.status(), limited.toString());
    assertEquals("UPSTREAM_ERROR", limited.code());
    assertNotNull(limited.header("Retry-After"), "a 502 says when to retry");
    assertEquals(1, lost.fired(), "the release (DeleteItem of the claim) had its answer dropped after moto applied it");
    assertNotEquals("IN_PROGRESS", harness.state(order), "a 429 proves nothing was sent: the order is free");

    ApiAnswer different = post(order, body(2500));

    assertSentNow(different, order);
    List<RecordedRequest> received = harness.wechat.requestsFor(order);
    assertEquals(2, received.size(), "the 429 and the new body");
    assertEquals(429, received.get(0).status());
    assertEquals(204, received.get(1).status());
    assertTrue(received.get(1).bodyText().contains("2500"), "the new body was the one sent");
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void rejectedWriteWhoseAnswerIsLostIsStill422AndACorrectedBodyIsSent() {
    String order = "LOST-REJECTED-1";
    harness.wechat.script(order, Behaviour.reject(400, "PARAM_ERROR", "post_payments 不合法"));
    ActiveRule lost = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.dropAnswer())
        .whereBodyContains(WRITES_REJECTED));

    ApiAnswer rejected = post(order, body(1500));

    assertEquals(1, lost.fired(), "the REJECTED write had its answer dropped after moto applied it");
    assertEquals(422, rejected.status(), rejected.toString());
    assertEquals("WECHATPAY_REJECTED", rejected.code());
    assertEquals(400, rejected.body().path("wechatpay").path("status").asInt());
    assertEquals("PARAM_ERROR", rejected.body().path("wechatpay").path("code").asText());
    assertEquals("REJECTED", harness.state(order));

    ApiAnswer corrected = post(order, body(2500));

    assertSentNow(corrected, order);
    assertEquals(2, harness.wechat.requestsFor(order).size());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
  }

  // ---- 7. DynamoDB unreachable before anything was sent: 503 DEPENDENCY_UNAVAILABLE ----

  @Test
  void dynamoDbUnreachableBeforeSendingIs503WithRetryAfterAndNothingIsSentAndTheStatusQueryIs503Too() throws Exception {
    // The secret is read (and cached) first, so that only DynamoDB is down for the order below.
    assertSentNow(post("OUTAGE-WARMUP", body(1500)), "OUTAGE-WARMUP");
    String order = "OUTAGE-1";
    MetricLines metrics = MetricLines.mark(api);
    proxy.outage(Duration.ofSeconds(40));

    ApiAnswer answer;
    ApiAnswer status;
    try {
      answer = post(order, body(1500));
      status = ApiAnswer.invoke(api, FunctionHarness.httpGet(order));
    } finally {
      proxy.endOutage();
    }

    for (ApiAnswer unavailable : List.of(answer, status)) {
      assertEquals(503, unavailable.status(), unavailable.toString());
      assertEquals("DEPENDENCY_UNAVAILABLE", unavailable.code());
      String retryAfter = unavailable.header("Retry-After");
      assertNotNull(retryAfter, "503 carries Retry-After");
      assertTrue(Long.parseLong(retryAfter.strip()) >= 1, "Retry-After in whole seconds: " + retryAfter);
    }
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "nothing was sent");
    assertEquals(Optional.empty(), harness.record(order), "nothing was claimed");
    List<JsonNode> lines = metrics.lines(1);
    assertEquals(1, MetricLines.count(lines, "Failed", "api"), "counted as Failed: " + lines);

    ApiAnswer retried = post(order, body(1500));
    assertSentNow(retried, order);
    assertEquals(1, harness.wechat.acceptedCount(order));
  }

  // ---- 5. A stalled WeChat answer is cut off at the send deadline: JSON 504, record UNKNOWN ----

  @Test
  void errorAnswerWhoseBodyStallsIsCutOffWithAJson504BeforeTheInvocationEnds() {
    assertStallIsCutOff("STALL-ERROR-1", Behaviour.stallBodyForever(Behaviour.serverError(500, false)));
  }

  @Test
  void acceptanceWhoseBodyStallsIsCutOffWithAJson504BeforeTheInvocationEnds() {
    assertStallIsCutOff("STALL-ACCEPTED-1", Behaviour.stallBodyForever(Behaviour.acceptedWithBody()));
  }

  private void assertStallIsCutOff(String order, Behaviour stall) {
    harness.wechat.script(order, stall);
    long started = System.nanoTime();
    String raw;
    try {
      raw = api.invoke(FunctionHarness.httpPost(order, body(1500)).toString());
    } catch (FunctionError e) {
      fail("the function gave no answer but a Lambda error (" + e.kind() + ", after "
          + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms): " + e.payload());
      return;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    ApiAnswer answer = ApiAnswer.parse(raw);

    assertEquals(504, answer.status(), answer.toString());
    assertEquals("UPSTREAM_TIMEOUT", answer.code());
    assertTrue(took.compareTo(API_TIMEOUT) < 0, "answered before the 15 s timeout: " + took.toMillis() + " ms");
    assertEquals(1, harness.wechat.requestsFor(order).size(), "the request reached WeChat");
    assertEquals("UNKNOWN", harness.state(order), "may have reached WeChat");
  }

  // ---- 6. A percent-encoded path parameter is decoded once ----

  @Test
  void restApiPercentEncodedPathParameterIsDecodedOnceAndSent() {
    ObjectNode event = restPost("REST%7C0001", body(1500));

    ApiAnswer answer = ApiAnswer.invoke(api, event);

    assertEquals(200, answer.status(), answer.toString());
    assertEquals("SENT", answer.body().path("state").asText());
    assertEquals("REST|0001", answer.body().path("out_order_no").asText());
    List<RecordedRequest> received = harness.wechat.requestsFor("REST|0001");
    assertEquals(1, received.size());
    assertEquals("/v3/payscore/serviceorder/REST%7C0001/send-pendingmessage", received.get(0).rawPath());
    assertEquals(1, harness.wechat.acceptedCount("REST|0001"));
    Map<String, AttributeValue> record = harness.record("REST|0001").orElseThrow();
    assertEquals(MCHID + "#REST|0001", record.get("pk").s());
    assertEquals("SENT", record.get("state").s());
  }

  @Test
  void pathParameterIsDecodedOnlyOnce() {
    // "%257C" decodes once to "%7C", which is not a valid order number: decoding twice would make it "|".
    ApiAnswer answer = ApiAnswer.invoke(api, restPost("REST%257C0002", body(1500)));

    assertEquals(400, answer.status(), answer.toString());
    assertEquals("INVALID_REQUEST", answer.code());
    assertTrue(harness.wechat.requestsFor("REST|0002").isEmpty());
    assertTrue(harness.wechat.requestsFor("REST%7C0002").isEmpty());
  }

  // ---- SQS: one acceptance is one Sent; a parked message keeps its own attributes ----

  @Test
  void repeatInsideOneSqsBatchIsCountedReplayedNotSentAgain() throws Exception {
    String order = "SQS-REPEAT-1";
    String message = queued(order, 1500);
    MetricLines metrics = MetricLines.mark(queue);

    JsonNode response = JSON.readTree(queue.invoke(FunctionHarness.sqsEvent(List.of(message, message)).toString()));

    assertEquals(0, response.path("batchItemFailures").size(), response.toString());
    assertEquals(1, harness.wechat.requestsFor(order).size());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
    List<JsonNode> lines = metrics.lines(2);
    assertEquals(2, lines.size(), "one metric line per message: " + lines);
    assertEquals(1, MetricLines.count(lines, "Sent", "sqs"), "one acceptance, one Sent: " + lines);
    assertEquals(1, MetricLines.count(lines, "Replayed", "sqs"), "the repeat counts as Replayed: " + lines);
  }

  @Test
  void parkedMessageKeepsItsOwnMessageAttributesBesideTheErrorOnes() throws Exception {
    harness.deadLetters(); // whatever earlier tests parked stays out of this one's view
    String invalid = "{\"out_order_no\":\"SQS-PARK-1\",\"post_payments\":[{\"name\":\"停车费\",\"amount\":1500}],"
        + "\"total_amount\":1500,\"prepaid_time\":\"20231218\"}"; // no service_id
    ObjectNode event = FunctionHarness.sqsEvent(List.of(invalid));
    ObjectNode attributes = ((ObjectNode) event.path("Records").get(0)).putObject("messageAttributes");
    attributes.putObject("trace").put("stringValue", "abc").put("dataType", "String")
        .<ObjectNode>set("stringListValues", JSON.createArrayNode())
        .set("binaryListValues", JSON.createArrayNode());
    attributes.putObject("priority").put("stringValue", "5").put("dataType", "Number")
        .<ObjectNode>set("stringListValues", JSON.createArrayNode())
        .set("binaryListValues", JSON.createArrayNode());

    JsonNode response = JSON.readTree(queue.invoke(event.toString()));

    assertEquals(0, response.path("batchItemFailures").size(), "parked, so acknowledged: " + response);
    assertTrue(harness.wechat.requestsFor("SQS-PARK-1").isEmpty());
    List<Message> parked = harness.deadLetters();
    assertEquals(1, parked.size(), "parked once");
    Message message = parked.get(0);
    assertEquals(invalid, message.body(), "parked unchanged");
    Map<String, MessageAttributeValue> kept = message.messageAttributes();
    assertEquals("INVALID_REQUEST", kept.get("error_code").stringValue());
    assertNotNull(kept.get("error_message"));
    assertFalse(kept.get("error_message").stringValue().isBlank());
    assertNotNull(kept.get("trace"), "the message's own attribute trace is kept: " + kept.keySet());
    assertEquals("abc", kept.get("trace").stringValue());
    assertEquals("String", kept.get("trace").dataType());
    assertNotNull(kept.get("priority"), "the message's own attribute priority is kept: " + kept.keySet());
    assertEquals("5", kept.get("priority").stringValue());
    assertEquals("Number", kept.get("priority").dataType());
  }
}
