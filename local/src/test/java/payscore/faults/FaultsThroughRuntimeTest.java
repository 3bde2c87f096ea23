package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.lambda.ApiAnswer;
import payscore.lambda.FunctionError;
import payscore.lambda.LambdaLogs;
import payscore.lambda.LocalLambda;
import payscore.lambda.MetricLines;
import payscore.simulator.Behaviour;
import payscore.simulator.RecordedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Issue 10's findings, through the functions as Lambda runs them (sam build's artifact, the
 * runtime interface client, the template's handler, memory and 15 s timeout), with AWS faults
 * injected from outside by {@link AwsFaultProxy} between the function and moto, and WeChat
 * misbehaving in the simulator. Each test asserts what the caller got, what reached WeChat and
 * what is in the table, against the contract.
 *
 * <p>One API function JVM (its AWS calls go through the proxy) and one queue function JVM for the
 * class; the harness itself reads moto directly, so its view of the table is never faulted.
 */
class FaultsThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MCHID = FunctionHarness.MCHID;
  /** The value of the finishing UpdateItem that writes the SENT state (the claim's values name SENT as ":sent"). */
  private static final String WRITES_SENT = "\":state\":{\"S\":\"SENT\"}";
  private static final String WRITES_REJECTED = "\":state\":{\"S\":\"REJECTED\"}";
  private static final String WRITES_UNKNOWN = "\":state\":{\"S\":\"UNKNOWN\"}";
  private static final Duration API_TIMEOUT = Duration.ofSeconds(15);

  private static FunctionHarness harness;
  private static AwsFaultProxy proxy;
  private static LocalLambda api;
  private static LocalLambda queue;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    proxy = AwsFaultProxy.start(MOTO.endpoint());
    Map<String, String> proxied = new HashMap<>(harness.env);
    proxied.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
    api = LocalLambda.start("ApiFunction", proxied);
    queue = LocalLambda.start("QueueFunction", harness.env);
  }

  @AfterEach
  void clearFaults() throws Exception {
    proxy.clearRules();
    proxy.endOutage();
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api, queue);
    } finally {
      if (api != null) api.close();
      if (queue != null) queue.close();
      if (proxy != null) proxy.close();
      if (harness != null) harness.close();
    }
  }

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

  // ---- 2. A SENT record that cannot be written at once: retried to the deadline, else 200 recorded:false ----

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

  @Test
  void unknownWriteThatNeverSucceedsAfterA5xxIsRetriedAndCountsUncertainNotFailed() throws Exception {
    // WeChat's 500 may mean it took the message; the UNKNOWN record saying so cannot be written.
    String order = "THROTTLED-UNKNOWN-1";
    // A warm JVM, so that the time taken below is the invocation's own, not the cold start's.
    assertSentNow(post("THROTTLED-UNKNOWN-WARMUP", body(1500)), "THROTTLED-UNKNOWN-WARMUP");
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

  // ---- 7. DynamoDB unreachable before anything was sent: 503 DEPENDENCY_UNAVAILABLE ----

  @Test
  void dynamoDbUnreachableBeforeSendingIs503WithRetryAfterAndNothingIsSent() throws Exception {
    // The secret is read (and cached) first, so that only DynamoDB is down for the order below.
    assertSentNow(post("OUTAGE-WARMUP", body(1500)), "OUTAGE-WARMUP");
    String order = "OUTAGE-1";
    MetricLines metrics = MetricLines.mark(api);
    proxy.outage(Duration.ofSeconds(40));

    ApiAnswer answer;
    try {
      answer = post(order, body(1500));
    } finally {
      proxy.endOutage();
    }

    assertEquals(503, answer.status(), answer.toString());
    assertEquals("DEPENDENCY_UNAVAILABLE", answer.code());
    String retryAfter = answer.header("Retry-After");
    assertNotNull(retryAfter, "503 carries Retry-After");
    assertTrue(Long.parseLong(retryAfter.strip()) >= 1, "Retry-After in whole seconds: " + retryAfter);
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

  // ---- helpers ----

  private static ApiAnswer post(String order, String body) {
    return ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body));
  }

  /** Posts until the answer is not 409 IN_PROGRESS, sleeping as Retry-After says; none may reach WeChat twice. */
  private static ApiAnswer postUntilNotInProgress(String order, String body, Duration atMost) throws Exception {
    long giveUp = System.nanoTime() + atMost.toNanos();
    while (true) {
      ApiAnswer answer = post(order, body);
      if (answer.status() != 409 || !"IN_PROGRESS".equals(answer.code())) return answer;
      if (System.nanoTime() > giveUp) fail("still IN_PROGRESS after " + atMost + ": " + answer);
      String retryAfter = answer.header("Retry-After");
      long seconds = retryAfter == null ? 1 : Math.max(1, Math.min(10, Long.parseLong(retryAfter.strip())));
      TimeUnit.SECONDS.sleep(seconds);
    }
  }

  private static void assertSentNow(ApiAnswer answer, String order) {
    assertEquals(200, answer.status(), answer.toString());
    assertEquals("SENT", answer.body().path("state").asText(), answer.toString());
    assertFalse(answer.body().path("replayed").asBoolean(true), "sent now, not replayed: " + answer);
    List<RecordedRequest> received = harness.wechat.requestsFor(order);
    assertFalse(received.isEmpty(), "WeChat received the order");
    assertEquals(received.get(received.size() - 1).requestId(), answer.body().path("wechatpay_request_id").asText());
  }

  /** Removes {@code rule} once it has fired and {@code after} has passed since. */
  private static Thread liftAfter(ActiveRule rule, Duration after) {
    Thread lifter = new Thread(() -> {
      try {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (rule.fired() == 0 && System.nanoTime() < giveUp) Thread.sleep(10);
        Thread.sleep(after.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        proxy.remove(rule);
      }
    }, "lift-fault");
    lifter.setDaemon(true);
    lifter.start();
    return lifter;
  }

  /** The order's key as it appears in a DynamoDB request body. */
  private static String key(String order) {
    return "\"" + MCHID + "#" + order + "\"";
  }

  /** A valid request body; different amounts make different bodies. */
  static String body(int amount) {
    return "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":\"停车费\",\"amount\":"
        + amount + ",\"count\":1}],\"total_amount\":" + amount + ",\"prepaid_time\":\"20231218\"}";
  }

  private static String queued(String order, int amount) {
    return "{\"out_order_no\":\"" + order + "\"," + body(amount).substring(1);
  }

  /** A REST API (payload 1.0) POST as API Gateway passes it: the path parameter percent-encoded. */
  private static ObjectNode restPost(String encodedOrder, String body) {
    ObjectNode event = FunctionHarness.event("rest-api-send.json");
    event.put("path", "/service-orders/" + encodedOrder + "/pending-message");
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", encodedOrder);
    ((ObjectNode) event.get("requestContext")).put("path", "/prod/service-orders/" + encodedOrder + "/pending-message");
    event.put("body", body);
    return event;
  }
}
