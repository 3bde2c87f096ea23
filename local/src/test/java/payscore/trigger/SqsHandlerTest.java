package payscore.trigger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.harness.LambdaContext;
import payscore.harness.FunctionTest;
import payscore.harness.SampleRequest;
import payscore.simulator.Behaviour;
import payscore.simulator.RecordedRequest;
import payscore.simulator.Verdict;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The contract's "SQS outcomes", through the handler as Lambda invokes it, against moto and the
 * simulator: what the batch response says, what reached WeChat, what the table and the DLQ hold.
 */
class SqsHandlerTest extends FunctionTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final JsonNode EVENT_RECORDS = FunctionHarness.event("sqs-batch.json").get("Records");
  /** The valid message of events/sqs-batch.json, for order ORDER-SQS-0001. */
  static final String VALID = EVENT_RECORDS.get(0).get("body").asText();
  static final String VALID_REORDERED = EVENT_RECORDS.get(1).get("body").asText();
  static final String INVALID = EVENT_RECORDS.get(2).get("body").asText();
  static final Duration INVOCATION = Duration.ofSeconds(10);


  /** The valid message's body for another order. */
  private static String body(String order) {
    return VALID.replace("ORDER-SQS-0001", order);
  }

  /** The same order with another discount and total: a different request. */
  private static String otherBody(String order) {
    return body(order).replace("\"amount\":100,", "\"amount\":200,").replace("39900", "39800");
  }

  /** Invokes the handler as Lambda does: event JSON in, SQSBatchResponse JSON out. */
  private static JsonNode invoke(FunctionHarness target, JsonNode event, Duration timeout) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    target.sqs().handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out, new LambdaContext(timeout));
    return JSON.readTree(out.toByteArray());
  }

  private JsonNode batch(String... bodies) throws IOException {
    return invoke(harness, FunctionHarness.sqsEvent(List.of(bodies)), INVOCATION);
  }

  /** The message ids in {@code batchItemFailures}, in response order. */
  private static List<String> failures(JsonNode response) {
    assertTrue(response.get("batchItemFailures").isArray(), "an SQSBatchResponse: " + response);
    List<String> ids = new ArrayList<>();
    for (JsonNode failure : response.get("batchItemFailures")) ids.add(failure.get("itemIdentifier").asText());
    return ids;
  }

  private static String attribute(Message message, String name) {
    var value = message.messageAttributes().get(name);
    assertNotNull(value, "message attribute " + name + " on " + message.messageAttributes());
    assertEquals("String", value.dataType());
    return value.stringValue();
  }

  /** Asserts the DLQ holds exactly these bodies, each byte for byte, and returns them in that order. */
  private static List<Message> parked(FunctionHarness target, String... bodies) {
    List<Message> letters = target.deadLetters();
    assertEquals(bodies.length, letters.size(), "DLQ: " + letters);
    List<Message> ordered = new ArrayList<>();
    for (String body : bodies) {
      Message letter = letters.stream().filter(m -> m.body().equals(body)).findFirst()
          .orElseThrow(() -> new AssertionError("not parked unchanged: " + body + " in " + letters));
      assertArrayEquals(body.getBytes(UTF_8), letter.body().getBytes(UTF_8));
      ordered.add(letter);
    }
    return ordered;
  }

  /** The pending_message log lines the function wrote for one SQS message id, oldest first. */
  private List<JsonNode> outcomesOf(String messageId) throws IOException {
    List<JsonNode> outcomes = new ArrayList<>();
    for (String line : harness.logs().split("\n")) {
      if (!line.contains("\"event\":\"pending_message\"")) continue;
      JsonNode entry = JSON.readTree(line);
      if (messageId.equals(entry.path("sqs_message_id").asText())) outcomes.add(entry);
    }
    return outcomes;
  }

  private static JsonNode sentBody(RecordedRequest request) throws IOException {
    return JSON.readTree(request.bodyText());
  }

  @Test
  void batchFromEventsFolderSendsOnceSharesTheOutcomeWithItsDuplicateAndParksTheInvalidOne() throws IOException {
    JsonNode response = invoke(harness, FunctionHarness.event("sqs-batch.json"), INVOCATION);

    assertEquals(List.of(), failures(response), "sent, shared and parked messages are all acknowledged");
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-SQS-0001");
    assertEquals(1, requests.size(), "the reordered duplicate never reached WeChat");
    assertEquals(Verdict.ACCEPTED, requests.get(0).verdict());
    assertEquals(1, harness.wechat.acceptedCount("ORDER-SQS-0001"));
    assertTrue(harness.wechat.requestsFor("ORDER-SQS-0002").isEmpty(), "the invalid one never reached WeChat");
    Map<String, AttributeValue> record = harness.record("ORDER-SQS-0001").orElseThrow();
    assertEquals("SENT", record.get("state").s());
    assertEquals("1", record.get("attempts").n());
    assertEquals(requests.get(0).requestId(), record.get("wechatpay_request_id").s());
    assertTrue(Long.parseLong(record.get("expires_at").n()) >= Instant.now().plus(Duration.ofDays(30)).getEpochSecond());
    assertTrue(harness.record("ORDER-SQS-0002").isEmpty(), "nothing is claimed for an invalid body");
    Message letter = parked(harness, INVALID).get(0);
    assertEquals("INVALID_REQUEST", attribute(letter, "error_code"));
    String reason = attribute(letter, "error_message");
    assertTrue(reason.contains("prepaid_time") && reason.contains("total_amount"), reason);
  }

  @Test
  void redeliveryOfASentMessageIsAcknowledgedAsReplayedWithoutReachingWeChat() throws IOException {
    assertEquals(List.of(), failures(batch(VALID)));
    String sentAt = harness.record("ORDER-SQS-0001").orElseThrow().get("sent_at").s();

    JsonNode redelivered = batch(VALID_REORDERED);

    assertEquals(List.of(), failures(redelivered));
    assertEquals(1, harness.wechat.requestsFor("ORDER-SQS-0001").size(), "WeChat is not called again");
    Map<String, AttributeValue> record = harness.record("ORDER-SQS-0001").orElseThrow();
    assertEquals("SENT", record.get("state").s());
    assertEquals("1", record.get("attempts").n());
    assertEquals(sentAt, record.get("sent_at").s());
    List<JsonNode> outcomes = outcomesOf("m1");
    assertEquals("SENT", outcomes.get(0).get("result").asText());
    assertEquals("REPLAYED", outcomes.get(outcomes.size() - 1).get("result").asText());
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void definitiveRefusalIsParkedAsWeChatPayRejectedAndRecordedRejected() throws IOException {
    harness.wechat.script("ORDER-R1", Behaviour.reject(400, "INVALID_ORDER_STATE", "订单状态不正确"));
    String body = body("ORDER-R1");

    JsonNode response = batch(body);

    assertEquals(List.of(), failures(response), "a parked message is acknowledged");
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-R1");
    assertEquals(1, requests.size());
    assertEquals(400, requests.get(0).status());
    assertEquals(0, harness.wechat.acceptedCount("ORDER-R1"));
    Map<String, AttributeValue> record = harness.record("ORDER-R1").orElseThrow();
    assertEquals("REJECTED", record.get("state").s());
    assertEquals("INVALID_ORDER_STATE", record.get("last_error").m().get("code").s());
    assertEquals(requests.get(0).requestId(), record.get("wechatpay_request_id").s());
    Message letter = parked(harness, body).get(0);
    assertEquals("WECHATPAY_REJECTED", attribute(letter, "error_code"));
    String reason = attribute(letter, "error_message");
    assertTrue(reason.contains("400") && reason.contains("INVALID_ORDER_STATE"), reason);
  }

  @Test
  void redeliveryThatWeChatRefusesAfterAnUncertainAttemptIsParkedAsOutcomeUnknown() throws IOException {
    harness.wechat.script("ORDER-U1", Behaviour.serverError(500, true)); // WeChat took it, then failed
    String body = body("ORDER-U1");

    JsonNode first = batch(body);

    assertEquals(List.of("m1"), failures(first), "a 5xx is retried by SQS");
    assertEquals("UNKNOWN", harness.state("ORDER-U1"));
    assertFalse(harness.record("ORDER-U1").orElseThrow().get("needs_review").bool());
    assertTrue(harness.deadLetters().isEmpty(), "not parked while a retry may still settle it");

    JsonNode redelivered = batch(body); // WeChat refuses the duplicate

    assertEquals(List.of(), failures(redelivered), "parked, so acknowledged");
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-U1");
    assertEquals(2, requests.size());
    assertEquals(Verdict.DUPLICATE, requests.get(1).verdict());
    assertEquals(1, harness.wechat.acceptedCount("ORDER-U1"));
    Map<String, AttributeValue> record = harness.record("ORDER-U1").orElseThrow();
    assertEquals("UNKNOWN", record.get("state").s());
    assertTrue(record.get("needs_review").bool());
    assertEquals("2", record.get("attempts").n());
    Message letter = parked(harness, body).get(0);
    assertEquals("OUTCOME_UNKNOWN", attribute(letter, "error_code"));
    assertTrue(attribute(letter, "error_message").contains("WeChat"), attribute(letter, "error_message"));

    JsonNode again = batch(body); // a person must check: no further request

    assertEquals(List.of(), failures(again));
    assertEquals(2, harness.wechat.requestsFor("ORDER-U1").size(), "no retry once a person must check");
    assertEquals("OUTCOME_UNKNOWN", attribute(parked(harness, body).get(0), "error_code"));
  }

  @Test
  void serverErrorIsRetriedNotParkedAndTheRedeliveryIsSent() throws IOException {
    harness.wechat.script("ORDER-T1", Behaviour.serverError(503, false));
    String body = body("ORDER-T1");

    JsonNode failed = batch(body);

    assertEquals(List.of("m1"), failures(failed));
    assertEquals(1, harness.wechat.requestsFor("ORDER-T1").size());
    assertEquals(503, harness.wechat.requestsFor("ORDER-T1").get(0).status());
    assertEquals("UNKNOWN", harness.state("ORDER-T1"), "a 5xx may have reached WeChat");
    assertTrue(harness.deadLetters().isEmpty());

    JsonNode redelivered = batch(body);

    assertEquals(List.of(), failures(redelivered));
    assertEquals("SENT", harness.state("ORDER-T1"));
    assertEquals(1, harness.wechat.acceptedCount("ORDER-T1"));
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void rateLimitIsRetriedNotParkedAndLeavesTheOrderFree() throws IOException {
    harness.wechat.script("ORDER-T2", Behaviour.rateLimited());

    JsonNode limited = batch(body("ORDER-T2"));

    assertEquals(List.of("m1"), failures(limited));
    assertEquals(429, harness.wechat.requestsFor("ORDER-T2").get(0).status());
    assertTrue(harness.record("ORDER-T2").isEmpty(), "nothing was sent, so nothing holds the order");
    assertTrue(harness.deadLetters().isEmpty());

    assertEquals(List.of(), failures(batch(otherBody("ORDER-T2"))), "a new request for the order is sent");
    assertEquals("SENT", harness.state("ORDER-T2"));
    assertEquals(1, harness.wechat.acceptedCount("ORDER-T2"));
  }

  @Test
  void unauthorizedIsRetriedNotParkedAndLeavesTheOrderFree() throws IOException {
    harness.wechat.script("ORDER-T3", Behaviour.unauthorized());

    JsonNode refused = batch(body("ORDER-T3"));

    assertEquals(List.of("m1"), failures(refused));
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-T3");
    assertEquals(1, requests.size(), "the secret did not change, so there is nothing new to sign with");
    assertEquals(401, requests.get(0).status());
    assertTrue(harness.record("ORDER-T3").isEmpty(), "a 401 proves nothing was sent");
    assertTrue(harness.deadLetters().isEmpty());

    assertEquals(List.of(), failures(batch(body("ORDER-T3"))));
    assertEquals("SENT", harness.state("ORDER-T3"));
  }

  @Test
  void timeoutIsRetriedBeforeTheInvocationEndsAndTheRecordSaysUnknown() throws IOException {
    harness.wechat.script("ORDER-T4", Behaviour.acceptThenHang());
    Duration lambdaTimeout = Duration.ofSeconds(3);

    long started = System.nanoTime();
    JsonNode response = invoke(harness, FunctionHarness.sqsEvent(List.of(body("ORDER-T4"))), lambdaTimeout);
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(List.of("m1"), failures(response));
    assertTrue(elapsedMs < lambdaTimeout.toMillis(), "answered before Lambda stops it: " + elapsedMs + " ms");
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-T4");
    assertEquals(1, requests.size());
    assertEquals(0, requests.get(0).status(), "WeChat never answered");
    Map<String, AttributeValue> record = harness.record("ORDER-T4").orElseThrow();
    assertEquals("UNKNOWN", record.get("state").s(), "the outcome was written within the invocation");
    assertFalse(record.get("needs_review").bool());
    assertNull(record.get("lease_until"), "the claim was finished, not left to expire");
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void unverifiedTwoHundredIsRetriedNotParkedAndTheRecordSaysUnknown() throws IOException {
    harness.wechat.script("ORDER-T5", Behaviour.signTest());

    JsonNode response = batch(body("ORDER-T5"));

    assertEquals(List.of("m1"), failures(response));
    assertEquals(1, harness.wechat.requestsFor("ORDER-T5").size());
    assertEquals(1, harness.wechat.acceptedCount("ORDER-T5"));
    assertEquals("UNKNOWN", harness.state("ORDER-T5"));
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void messageForAnOrderBeingSentElsewhereIsRetriedAsInProgress() throws Exception {
    harness.wechat.script("ORDER-T6", Behaviour.delay(Duration.ofMillis(1500)));
    String body = body("ORDER-T6");
    String httpBody = ((ObjectNode) JSON.readTree(body)).without("out_order_no").toString();
    AtomicReference<JsonNode> httpResponse = new AtomicReference<>();
    Thread holder = new Thread(() -> {
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        harness.api().handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(
            FunctionHarness.httpPost("ORDER-T6", httpBody))), out, new LambdaContext(INVOCATION));
        httpResponse.set(JSON.readTree(out.toByteArray()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    holder.start();
    awaitState("ORDER-T6", "IN_PROGRESS");

    JsonNode response = batch(body);
    boolean stillSending = "IN_PROGRESS".equals(harness.state("ORDER-T6"));
    holder.join();

    assertTrue(stillSending, "the batch ran while the HTTP send held the order");
    assertEquals(List.of("m1"), failures(response));
    assertEquals(200, httpResponse.get().get("statusCode").asInt());
    assertEquals(1, harness.wechat.requestsFor("ORDER-T6").size(), "only the holder reached WeChat");
    assertEquals("SENT", harness.state("ORDER-T6"));
    assertTrue(harness.deadLetters().isEmpty());

    assertEquals(List.of(), failures(batch(body)), "the redelivery replays the holder's success");
    assertEquals(1, harness.wechat.requestsFor("ORDER-T6").size());
  }

  @Test
  void secondBodyForTheSameOrderInOneBatchIsParkedAsPayloadMismatch() throws IOException {
    String first = body("ORDER-P1");
    String second = otherBody("ORDER-P1");

    JsonNode response = batch(first, second);

    assertEquals(List.of(), failures(response));
    List<RecordedRequest> requests = harness.wechat.requestsFor("ORDER-P1");
    assertEquals(1, requests.size(), "two messages for one order never both reach WeChat");
    assertEquals(39900, sentBody(requests.get(0)).get("total_amount").asInt(), "the first one was sent");
    assertEquals("SENT", harness.state("ORDER-P1"));
    Message letter = parked(harness, second).get(0);
    assertEquals("PAYLOAD_MISMATCH", attribute(letter, "error_code"));
    assertTrue(attribute(letter, "error_message").contains("different body"), attribute(letter, "error_message"));
  }

  @Test
  void bodiesThatAreNotJsonOrLackTheOrderNumberAreParkedUnchanged() throws IOException {
    String notJson = "out_order_no=ORDER-N1&total_amount=39900 \t就餐费用";
    String noOrderNo = "{\n  \"service_id\" : \"" + SampleRequest.SERVICE_ID + "\",\n"
        + ((ObjectNode) JSON.readTree(VALID)).without(List.of("out_order_no", "service_id")).toPrettyString().substring(1);

    JsonNode response = batch(notJson, noOrderNo);

    assertEquals(List.of(), failures(response));
    assertTrue(harness.wechat.requests().isEmpty());
    assertTrue(harness.record("ORDER-N1").isEmpty());
    List<Message> letters = parked(harness, notJson, noOrderNo);
    assertEquals("INVALID_REQUEST", attribute(letters.get(0), "error_code"));
    assertTrue(attribute(letters.get(0), "error_message").contains("body"), attribute(letters.get(0), "error_message"));
    assertEquals("INVALID_REQUEST", attribute(letters.get(1), "error_code"));
    assertTrue(attribute(letters.get(1), "error_message").contains("out_order_no"),
        attribute(letters.get(1), "error_message"));
  }

  @Test
  void reasonQuotingAControlCharacterFromTheBodyIsStillParkableOnRealSqs() throws IOException {
    // The body itself holds only printable characters (the control character is a JSON escape), so
    // SQS delivered it; the error_message must obey the same character rules, or SendMessage is refused.
    String unknownControlField = body("ORDER-N2").replace("{\"out_order_no\"", "{\"\\u0001x\":1,\"out_order_no\"");

    JsonNode response = batch(unknownControlField);

    assertEquals(List.of(), failures(response));
    assertTrue(harness.wechat.requests().isEmpty());
    Message letter = parked(harness, unknownControlField).get(0);
    assertEquals("INVALID_REQUEST", attribute(letter, "error_code"));
    String reason = attribute(letter, "error_message");
    assertTrue(reason.codePoints().allMatch(SqsHandlerTest::allowedBySqs),
        "error_message holds characters SQS refuses in a String attribute: " + reason.replace("\u0001", "\\u0001"));
  }

  /** The characters SQS accepts in a message body and in String attribute values (SendMessage). */
  private static boolean allowedBySqs(int c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
        || (c >= 0x10000 && c <= 0x10FFFF);
  }

  @Test
  void distinctOrdersOfABatchAreSentConcurrently() throws IOException {
    assertEquals(List.of(), failures(batch(body("WARM-UP")))); // secret loaded, connections open
    List<String> orders = List.of("ORDER-C1", "ORDER-C2", "ORDER-C3", "ORDER-C4", "ORDER-C5");
    orders.forEach(order -> harness.wechat.script(order, Behaviour.delay(Duration.ofMillis(500))));

    long started = System.nanoTime();
    JsonNode response = batch(orders.stream().map(SqsHandlerTest::body).toArray(String[]::new));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;

    assertEquals(List.of(), failures(response));
    assertTrue(elapsedMs < 1_800, "5 × 500 ms took " + elapsedMs + " ms: not concurrent");
    List<Instant> arrivals = new ArrayList<>();
    for (String order : orders) {
      assertEquals(1, harness.wechat.acceptedCount(order), order);
      assertEquals("SENT", harness.state(order), order);
      arrivals.add(harness.wechat.requestsFor(order).get(0).receivedAt());
    }
    Duration spread = Duration.between(arrivals.stream().min(Instant::compareTo).orElseThrow(),
        arrivals.stream().max(Instant::compareTo).orElseThrow());
    assertTrue(spread.toMillis() < 1_000, "all five were waiting at WeChat together; spread " + spread);
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void messageThatCannotBeParkedInAMissingDlqIsRetriedNotLost() throws IOException {
    String missingQueue = MOTO.endpoint() + "/123456789012/no-such-dead-letter-queue";
    try (FunctionHarness misconfigured = new FunctionHarness(MOTO.endpoint(),
        Map.of("DEAD_LETTER_QUEUE_URL", missingQueue))) {
      JsonNode response = invoke(misconfigured, FunctionHarness.sqsEvent(List.of(INVALID, body("ORDER-D1"))),
          INVOCATION);

      assertEquals(List.of("m1"), failures(response), "the unparkable message stays on the queue");
      assertTrue(misconfigured.wechat.requestsFor("ORDER-SQS-0002").isEmpty());
      assertEquals(1, misconfigured.wechat.acceptedCount("ORDER-D1"), "the rest of the batch is unaffected");
      assertEquals("SENT", misconfigured.state("ORDER-D1"));
      assertTrue(misconfigured.deadLetters().isEmpty(), "nothing went anywhere else either");
      assertTrue(misconfigured.logs().contains("park_failed"), misconfigured.logs());
    }
  }

  @Test
  void rejectionThatCannotBeParkedBecauseTheDlqWasDeletedIsRetried() throws IOException {
    harness.queues.deleteQueue(r -> r.queueUrl(harness.deadLetterQueueUrl));
    harness.wechat.script("ORDER-D2", Behaviour.reject(403, "NO_AUTH", "商户无权限"));

    JsonNode response = batch(body("ORDER-D2"));

    assertEquals(List.of("m1"), failures(response));
    assertEquals(1, harness.wechat.requestsFor("ORDER-D2").size());
    assertEquals("REJECTED", harness.state("ORDER-D2"), "the refusal is still recorded");
    assertTrue(harness.logs().contains("park_failed"), harness.logs());
  }

  @Test
  void missingDeadLetterQueueConfigurationRetriesTheWholeBatchAndSendsNothing() throws IOException {
    try (FunctionHarness misconfigured = new FunctionHarness(MOTO.endpoint(), Map.of("DEAD_LETTER_QUEUE_URL", ""))) {
      JsonNode event = FunctionHarness.event("sqs-batch.json");

      JsonNode response = invoke(misconfigured, event, INVOCATION);

      List<String> ids = new ArrayList<>();
      event.get("Records").forEach(record -> ids.add(record.get("messageId").asText()));
      assertEquals(ids, failures(response), "every message goes back to the queue");
      assertTrue(misconfigured.wechat.requests().isEmpty(), "nothing reaches WeChat");
      assertTrue(misconfigured.record("ORDER-SQS-0001").isEmpty(), "nothing is claimed");
      assertTrue(misconfigured.deadLetters().isEmpty());
      assertTrue(misconfigured.logs().contains("DEAD_LETTER_QUEUE_URL"), misconfigured.logs());
    }
  }

  private void awaitState(String order, String state) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!state.equals(harness.state(order))) {
      if (System.nanoTime() > giveUp) throw new AssertionError(order + " never reached " + state);
      Thread.sleep(20);
    }
  }
}
