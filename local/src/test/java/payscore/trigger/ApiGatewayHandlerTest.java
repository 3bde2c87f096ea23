package payscore.trigger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.harness.LambdaContext;
import payscore.harness.FunctionTest;
import payscore.simulator.Behaviour;
import payscore.simulator.Verdict;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Every row of the contract's HTTP table, through the handler, against moto and the simulator. */
class ApiGatewayHandlerTest extends FunctionTest {
  static final ObjectMapper JSON = new ObjectMapper();


  /** Invokes the handler as Lambda does: event JSON in, response JSON out. */
  private JsonNode invoke(JsonNode event) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    harness.api().handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out,
        new LambdaContext(Duration.ofSeconds(10)));
    return JSON.readTree(out.toByteArray());
  }

  private static JsonNode body(JsonNode response) throws IOException {
    return JSON.readTree(response.get("body").asText());
  }

  private JsonNode post(String order, String body) throws IOException {
    return invoke(FunctionHarness.httpPost(order, body));
  }

  @Test
  void httpApiEventFromEventsFolderIsSentAndRecorded() throws IOException {
    JsonNode response = invoke(FunctionHarness.event("http-api-send.json"));

    assertEquals(200, response.get("statusCode").asInt());
    assertEquals("application/json", response.path("headers").path("Content-Type").asText());
    JsonNode body = body(response);
    assertEquals("1234323JKHDFE1243252", body.get("out_order_no").asText());
    assertEquals("SENT", body.get("state").asText());
    assertFalse(body.get("replayed").asBoolean());
    assertNotNull(body.get("sent_at").textValue());
    assertEquals(Verdict.ACCEPTED, harness.wechat.requestsFor("1234323JKHDFE1243252").get(0).verdict());
    assertEquals(body.get("wechatpay_request_id").asText(),
        harness.wechat.requestsFor("1234323JKHDFE1243252").get(0).requestId());
    Map<String, AttributeValue> record = harness.record("1234323JKHDFE1243252").orElseThrow();
    assertEquals("SENT", record.get("state").s());
    assertEquals("1", record.get("attempts").n());
    long expiresAt = Long.parseLong(record.get("expires_at").n());
    assertTrue(expiresAt >= java.time.Instant.now().plus(Duration.ofDays(30)).getEpochSecond(), "TTL at least 30 days");
  }

  @Test
  void restApiEventFromEventsFolderIsSent() throws IOException {
    JsonNode response = invoke(FunctionHarness.event("rest-api-send.json"));

    assertEquals(200, response.get("statusCode").asInt());
    assertEquals("ORDER-REST-0001", body(response).get("out_order_no").asText());
    assertEquals(1, harness.wechat.acceptedCount("ORDER-REST-0001"));
  }

  @Test
  void sameRequestAgainIsReplayedWithoutReachingWeChat() throws IOException {
    post("ORDER-1", BODY);
    String reordered = JSON.readTree(BODY).toPrettyString();

    JsonNode response = post("ORDER-1", reordered);

    assertEquals(200, response.get("statusCode").asInt());
    assertTrue(body(response).get("replayed").asBoolean());
    assertEquals(1, harness.wechat.requestsFor("ORDER-1").size());
  }

  @Test
  void invalidBodyIsA400NamingEachFieldAndNothingIsSentOrRecorded() throws IOException {
    String broken = BODY.replace("\"name\":\"就餐费用\"", "\"name\":\"\"").replace("20231218", "20230230");

    JsonNode response = post("ORDER-2", broken);

    assertEquals(400, response.get("statusCode").asInt());
    JsonNode body = body(response);
    assertEquals("INVALID_REQUEST", body.get("code").asText());
    assertEquals("post_payments[0].name", body.get("errors").get(0).get("field").asText());
    assertEquals("prepaid_time", body.get("errors").get(1).get("field").asText());
    assertTrue(harness.wechat.requests().isEmpty());
    assertTrue(harness.record("ORDER-2").isEmpty());
  }

  @Test
  void bodyOrderNumberDifferentFromThePathIsA400() throws IOException {
    JsonNode response = post("ORDER-3", BODY.replace("{\"service_id\"", "{\"out_order_no\":\"ORDER-4\",\"service_id\""));

    assertEquals(400, response.get("statusCode").asInt());
    assertEquals("out_order_no", body(response).get("errors").get(0).get("field").asText());
    assertTrue(harness.wechat.requests().isEmpty());
  }

  @Test
  void getOfAnUnknownOrderIs404() throws IOException {
    JsonNode response = invoke(FunctionHarness.httpGet("NEVER-SEEN"));

    assertEquals(404, response.get("statusCode").asInt());
    assertEquals("NOT_FOUND", body(response).get("code").asText());
  }

  @Test
  void getReturnsTheRecord() throws IOException {
    post("1234323JKHDFE1243252", BODY);

    JsonNode response = invoke(FunctionHarness.event("http-api-get-status.json"));

    assertEquals(200, response.get("statusCode").asInt());
    JsonNode body = body(response);
    assertEquals("SENT", body.get("state").asText());
    assertEquals(1, body.get("attempts").asInt());
    assertTrue(body.get("last_error").isNull());
    assertNotNull(body.get("created_at").textValue());
    assertNotNull(body.get("sent_at").textValue());
    assertNotNull(body.get("wechatpay_request_id").textValue());
  }

  @Test
  void concurrentSendIsA409InProgressWithRetryAfter() throws Exception {
    harness.wechat.script("ORDER-5", Behaviour.delay(Duration.ofMillis(1500)));
    Thread first = new Thread(() -> {
      try {
        post("ORDER-5", BODY);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    first.start();
    awaitState("ORDER-5", "IN_PROGRESS");

    JsonNode response = post("ORDER-5", BODY);
    first.join();

    assertEquals(409, response.get("statusCode").asInt());
    assertEquals("IN_PROGRESS", body(response).get("code").asText());
    assertTrue(Integer.parseInt(response.path("headers").path("Retry-After").asText()) >= 1);
    assertEquals(1, harness.wechat.requestsFor("ORDER-5").size());
    assertEquals("SENT", harness.state("ORDER-5"));
  }

  @Test
  void differentBodyForASentOrderIs409PayloadMismatch() throws IOException {
    post("ORDER-6", BODY);

    JsonNode response = post("ORDER-6", OTHER_BODY);

    assertEquals(409, response.get("statusCode").asInt());
    assertEquals("PAYLOAD_MISMATCH", body(response).get("code").asText());
    assertEquals(1, harness.wechat.requestsFor("ORDER-6").size());
  }

  @Test
  void definitiveRefusalIs422AndTheOrderStaysFreeForACorrectedRequest() throws IOException {
    harness.wechat.script("ORDER-7", Behaviour.reject(400, "INVALID_ORDER_STATE", "订单状态不正确"));

    JsonNode rejected = post("ORDER-7", BODY);

    assertEquals(422, rejected.get("statusCode").asInt());
    JsonNode body = body(rejected);
    assertEquals("WECHATPAY_REJECTED", body.get("code").asText());
    assertEquals(400, body.get("wechatpay").get("status").asInt());
    assertEquals("INVALID_ORDER_STATE", body.get("wechatpay").get("code").asText());
    assertNotNull(body.get("wechatpay").get("request_id").textValue());
    assertEquals("REJECTED", harness.state("ORDER-7"));

    JsonNode corrected = post("ORDER-7", OTHER_BODY);

    assertEquals(200, corrected.get("statusCode").asInt());
    assertEquals("SENT", harness.state("ORDER-7"));
  }

  @Test
  void serverErrorIs502AndTheSameBodyIsRetriedUntilSent() throws IOException {
    harness.wechat.script("ORDER-8", Behaviour.serverError(503, false));

    JsonNode failed = post("ORDER-8", BODY);

    assertEquals(502, failed.get("statusCode").asInt());
    assertEquals("UPSTREAM_ERROR", body(failed).get("code").asText());
    assertEquals("1", failed.path("headers").path("Retry-After").asText());
    assertEquals("UNKNOWN", harness.state("ORDER-8"));
    assertEquals(409, post("ORDER-8", OTHER_BODY).get("statusCode").asInt(), "a different body is refused");

    JsonNode retried = post("ORDER-8", BODY);

    assertEquals(200, retried.get("statusCode").asInt());
    assertEquals("SENT", harness.state("ORDER-8"));
    assertEquals(1, harness.wechat.acceptedCount("ORDER-8"));
  }

  @Test
  void rateLimitIs502AndLeavesTheOrderFree() throws IOException {
    harness.wechat.script("ORDER-9", Behaviour.rateLimited());

    JsonNode limited = post("ORDER-9", BODY);

    assertEquals(502, limited.get("statusCode").asInt());
    assertEquals(429, body(limited).get("wechatpay").get("status").asInt());
    assertTrue(harness.record("ORDER-9").isEmpty(), "nothing was sent, so nothing holds the order");
    assertEquals(200, post("ORDER-9", OTHER_BODY).get("statusCode").asInt());
  }

  @Test
  void unverifiedTwoHundredIs502AndTheRecordSaysUnknown() throws IOException {
    harness.wechat.script("ORDER-10", Behaviour.signTest());

    JsonNode response = post("ORDER-10", BODY);

    assertEquals(502, response.get("statusCode").asInt());
    assertEquals("UNVERIFIED_RESPONSE", body(response).get("wechatpay").get("code").asText());
    assertEquals("UNKNOWN", harness.state("ORDER-10"));
  }

  @Test
  void timeoutIs504AndTheRecordSaysUnknown() throws IOException {
    harness.wechat.script("ORDER-11", Behaviour.acceptThenHang());

    JsonNode response = invokeWithin(FunctionHarness.httpPost("ORDER-11", BODY), Duration.ofMillis(2500));

    assertEquals(504, response.get("statusCode").asInt());
    assertEquals("UPSTREAM_TIMEOUT", body(response).get("code").asText());
    assertEquals("UNKNOWN", harness.state("ORDER-11"));
  }

  @Test
  void retryThatWeChatRefusesAfterAnUncertainAttemptIsOutcomeUnknown() throws IOException {
    harness.wechat.script("ORDER-12", Behaviour.serverError(500, true)); // WeChat took it, then failed

    assertEquals(502, post("ORDER-12", BODY).get("statusCode").asInt());
    JsonNode retried = post("ORDER-12", BODY); // the duplicate is refused

    assertEquals(409, retried.get("statusCode").asInt());
    JsonNode body = body(retried);
    assertEquals("OUTCOME_UNKNOWN", body.get("code").asText());
    assertEquals("UNKNOWN", body.get("record").get("state").asText());
    assertTrue(body.get("record").get("needs_review").asBoolean());
    assertEquals("UNKNOWN", harness.state("ORDER-12"));
    JsonNode again = post("ORDER-12", BODY);
    assertEquals("OUTCOME_UNKNOWN", body(again).get("code").asText());
    assertEquals(2, harness.wechat.requestsFor("ORDER-12").size(), "no retry once a person must check");
  }

  @Test
  void malformedSecretIs500NamingTheFieldNeverItsValue() throws IOException {
    harness.secrets.putSecretValue(r -> r.secretId(harness.secretId)
        .secretString("{\"mchid\":\"1900000001\",\"merchant_serial_no\":\"ABC\",\"merchant_private_key\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEsecretsecret\\n-----END RSA PRIVATE KEY-----\\n\",\"apiv3_key\":\"0123456789abcdefghijABCDEFGHIJ01\"}"));

    JsonNode response = invoke(FunctionHarness.httpPost("ORDER-13", BODY));

    assertEquals(500, response.get("statusCode").asInt());
    JsonNode body = body(response);
    assertEquals("INTERNAL_ERROR", body.get("code").asText());
    assertTrue(body.get("message").asText().contains("merchant_private_key"), body.get("message").asText());
    assertFalse(response.toString().contains("MIIEsecretsecret"));
    assertFalse(response.toString().contains("0123456789abcdefghij"));
    assertTrue(harness.wechat.requests().isEmpty());
  }

  @Test
  void aRouteOfThePathWithAnotherMethodIs405() throws IOException {
    // The route decides, never the request's method field: a DELETE route, or an ANY route asked with DELETE
    var deleteRoute = FunctionHarness.httpGet("ORDER-14");
    deleteRoute.put("routeKey", "DELETE /service-orders/{out_order_no}/pending-message");
    var anyRoute = FunctionHarness.httpGet("ORDER-14");
    anyRoute.put("routeKey", "ANY /service-orders/{out_order_no}/pending-message");
    ((com.fasterxml.jackson.databind.node.ObjectNode) anyRoute.get("requestContext").get("http")).put("method", "DELETE");
    var getRouteDeleteMethod = FunctionHarness.httpGet("ORDER-14");
    ((com.fasterxml.jackson.databind.node.ObjectNode) getRouteDeleteMethod.get("requestContext").get("http"))
        .put("method", "DELETE");

    assertEquals(405, invoke(deleteRoute).get("statusCode").asInt());
    assertEquals(405, invoke(anyRoute).get("statusCode").asInt());
    assertEquals(404, invoke(getRouteDeleteMethod).get("statusCode").asInt(), "the GET route: an order never seen");
  }

  private JsonNode invokeWithin(JsonNode event, Duration timeout) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    harness.api().handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out, new LambdaContext(timeout));
    return JSON.readTree(out.toByteArray());
  }

  private void awaitState(String order, String state) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!state.equals(harness.state(order))) {
      if (System.nanoTime() > giveUp) throw new AssertionError(order + " never reached " + state);
      Thread.sleep(20);
    }
  }
}
