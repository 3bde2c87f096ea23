package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.harness.SampleRequest;
import payscore.simulator.Behaviour;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The runbook for orders whose outcome is unknown (the contract's "Resolving an unknown outcome",
 * README "Operating it"), walked through the API function as Lambda runs it: an order is made
 * {@code UNKNOWN} the way it happens (WeChat answers 5xx, then refuses the retry: 409
 * {@code OUTCOME_UNKNOWN}), an operator checks with WeChat and settles it on the resolution route,
 * and the order then behaves as the contract says. Two execution environments of the function
 * (two JVMs), for a claim held by one while the other is asked, and for racing operators.
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class RunbookThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  static final String OPERATOR = "arn:aws:iam::123456789012:user/operator";
  private static final String ROUTE_KEY = "POST /service-orders/{out_order_no}/pending-message/resolution";

  private static FunctionHarness harness;
  private static LocalLambda api;
  private static LocalLambda other;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    api = LocalLambda.start("ApiFunction", harness.env);
    other = LocalLambda.start("ApiFunction", harness.env);
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api, other);
    } finally {
      if (api != null) api.close();
      if (other != null) other.close();
      if (harness != null) harness.close();
    }
  }

  @Test
  void unknownOrderSettledAsSentReplaysItsBodyAndRefusesAnother() {
    String order = "RUNBOOK-SENT-1";
    String body = body(1500);
    makeOutcomeUnknown(order, body, true);
    MetricLines metrics = MetricLines.mark(api);
    Instant before = Instant.now().minusSeconds(1);

    ApiAnswer settled = resolve(api, order, "{\"resolution\":\"SENT\",\"reason\":\"confirmed on the merchant platform\"}");

    assertEquals(200, settled.status(), settled.toString());
    JsonNode record = record(settled);
    assertEquals("SENT", record.path("state").asText(), settled.toString());
    assertEquals("SENT", record.path("resolution").asText());
    assertEquals("confirmed on the merchant platform", record.path("resolution_reason").asText());
    assertEquals(OPERATOR, record.path("resolved_by").asText());
    Instant resolvedAt = Instant.parse(record.path("resolved_at").asText());
    assertFalse(resolvedAt.isBefore(before) || resolvedAt.isAfter(Instant.now().plusSeconds(1)), "resolved_at now");
    assertEquals("SENT", harness.state(order));
    assertStored(order, OPERATOR);
    List<JsonNode> lines = metrics.lines(1);
    assertEquals(1, MetricLines.count(lines, "Resolved", "api"), "counted as Resolved: " + lines);

    // GET shows the resolution fields.
    ApiAnswer status = ApiAnswer.invoke(api, FunctionHarness.httpGet(order));
    assertEquals(200, status.status(), status.toString());
    assertEquals("SENT", status.body().path("state").asText());
    assertEquals("SENT", status.body().path("resolution").asText(), status.toString());
    assertEquals("confirmed on the merchant platform", status.body().path("resolution_reason").asText());
    assertEquals(OPERATOR, status.body().path("resolved_by").asText());
    assertTrue(status.body().path("resolved_at").isTextual(), status.toString());

    int sends = harness.wechat.requestsFor(order).size();
    ApiAnswer replay = post(api, order, body);
    assertEquals(200, replay.status(), replay.toString());
    assertTrue(replay.body().path("replayed").asBoolean(false), "the recorded body replays: " + replay);
    assertEquals("SENT", replay.body().path("state").asText());

    ApiAnswer different = post(api, order, body(2500));
    assertEquals(409, different.status(), different.toString());
    assertEquals("PAYLOAD_MISMATCH", different.code());
    assertEquals(sends, harness.wechat.requestsFor(order).size(), "nothing more was sent");
    assertEquals(1, harness.wechat.acceptedCount(order));
  }

  @Test
  void unknownOrderSettledAsNotSentBecomesRejectedAndTheNextRequestIsSent() {
    String order = "RUNBOOK-NOT-SENT-1";
    makeOutcomeUnknown(order, body(1500), false);
    assertEquals(0, harness.wechat.acceptedCount(order), "WeChat never took it");

    ApiAnswer settled = resolve(api, order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"WeChat support: not received\"}");

    assertEquals(200, settled.status(), settled.toString());
    JsonNode record = record(settled);
    assertEquals("REJECTED", record.path("state").asText(), settled.toString());
    assertEquals("NOT_SENT", record.path("resolution").asText());
    assertEquals("WeChat support: not received", record.path("resolution_reason").asText());
    assertEquals(OPERATOR, record.path("resolved_by").asText());
    assertTrue(record.path("resolved_at").isTextual(), settled.toString());
    assertEquals("REJECTED", harness.state(order));
    assertStored(order, OPERATOR);

    // Any valid body: here a corrected one.
    ApiAnswer sent = post(api, order, body(2500));
    assertEquals(200, sent.status(), sent.toString());
    assertEquals("SENT", sent.body().path("state").asText());
    assertFalse(sent.body().path("replayed").asBoolean(true));
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
    assertTrue(harness.wechat.requestsFor(order).get(harness.wechat.requestsFor(order).size() - 1).bodyText()
        .contains("2500"));
  }

  /** Partner mode: the resolution route takes {@code ?sub_mchid=} and settles that sub-merchant's order only. */
  @Test
  void partnerOrderIsSettledWithSubMchidAndTheDirectOrderOfTheSameNumberIsLeftAlone() {
    String order = "RUNBOOK-PARTNER-1";
    String sub = "1900000109";
    String partnerBody = body(1800).replace("{\"service_id\"", "{\"sub_mchid\":\"" + sub + "\",\"service_id\"");
    harness.wechat.scriptPartner(sub, order, Behaviour.serverError(500, true));
    assertEquals(502, post(api, order, partnerBody).status());
    assertEquals(409, post(api, order, partnerBody).status(), "the retry is refused as a duplicate");
    assertEquals("UNKNOWN", harness.state(sub, order));

    ObjectNode withoutSub = resolutionEvent(order, "{\"resolution\":\"SENT\",\"reason\":\"checked\"}");
    ApiAnswer direct = ApiAnswer.invoke(api, withoutSub);
    ObjectNode withSub = resolutionEvent(order, "{\"resolution\":\"SENT\",\"reason\":\"checked\"}");
    withSub.putObject("queryStringParameters").put("sub_mchid", sub);
    withSub.put("rawQueryString", "sub_mchid=" + sub);
    ApiAnswer partner = ApiAnswer.invoke(api, withSub);
    ObjectNode badSub = resolutionEvent(order, "{\"resolution\":\"SENT\",\"reason\":\"checked\"}");
    badSub.putObject("queryStringParameters").put("sub_mchid", "abc");
    ApiAnswer bad = ApiAnswer.invoke(api, badSub);

    assertEquals(404, direct.status(), "no direct order has this number: " + direct);
    assertEquals(200, partner.status(), partner.toString());
    assertEquals("SENT", harness.state(sub, order));
    assertEquals(OPERATOR, record(partner).path("resolved_by").asText());
    assertEquals(400, bad.status(), bad.toString());
    assertTrue(bad.toString().contains("sub_mchid"), bad.toString());
    assertEquals(200, post(api, order, partnerBody).status(), "the recorded body now replays");
  }

  @Test
  void badResolutionBodiesAre400AndChangeNothing() {
    String order = "RUNBOOK-BAD-1";
    makeOutcomeUnknown(order, body(1500), true);
    Map<String, AttributeValue> before = harness.record(order).orElseThrow();

    for (String bad : List.of(
        "{\"resolution\":\"SENT\"}",
        "{\"resolution\":\"SENT\",\"reason\":\"" + "x".repeat(201) + "\"}",
        "{\"resolution\":\"MAYBE\",\"reason\":\"checked\"}",
        "{\"resolution\":\"sent\",\"reason\":\"checked\"}",
        "{\"reason\":\"checked\"}",
        "not json")) {
      ApiAnswer answer = resolve(api, order, bad);
      assertEquals(400, answer.status(), bad + " -> " + answer);
      assertEquals("INVALID_REQUEST", answer.code(), bad + " -> " + answer);
    }

    assertEquals(before, harness.record(order).orElseThrow(), "the record is unchanged");
    ApiAnswer atTheLimit = resolve(api, order, "{\"resolution\":\"SENT\",\"reason\":\"" + "x".repeat(200) + "\"}");
    assertEquals(200, atTheLimit.status(), "200 characters are allowed: " + atTheLimit);
  }

  @Test
  void orderNeverSeenIs404() {
    ApiAnswer answer = resolve(api, "RUNBOOK-NEVER-SEEN", "{\"resolution\":\"SENT\",\"reason\":\"checked\"}");

    assertEquals(404, answer.status(), answer.toString());
    assertEquals("NOT_FOUND", answer.code());
    assertTrue(harness.record("RUNBOOK-NEVER-SEEN").isEmpty(), "no record is made");
  }

  @Test
  void sentOrderIsNotResolvable() {
    String order = "RUNBOOK-ALREADY-SENT";
    ApiAnswer sent = post(api, order, body(1500));
    assertEquals(200, sent.status(), sent.toString());

    ApiAnswer answer = resolve(api, order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"wrong order\"}");

    assertEquals(409, answer.status(), answer.toString());
    assertEquals("NOT_RESOLVABLE", answer.code());
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void orderWhoseClaimIsLiveInAnotherInstanceIsNotResolvable() throws Exception {
    String order = "RUNBOOK-LIVE-CLAIM";
    harness.wechat.script(order, Behaviour.acceptThenHang());
    // The other instance claims and sends; WeChat never answers, so the claim stays live for seconds.
    CompletableFuture<ApiAnswer> sending = CompletableFuture.supplyAsync(() -> post(other, order, body(1500)));
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (harness.wechat.requestsFor(order).isEmpty() && System.nanoTime() < giveUp) Thread.sleep(20);
    assertEquals("IN_PROGRESS", harness.state(order), "the other instance holds the claim");

    ApiAnswer answer = resolve(api, order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"impatient\"}");

    assertEquals(409, answer.status(), answer.toString());
    assertEquals("NOT_RESOLVABLE", answer.code());
    ApiAnswer timedOut = sending.get(20, TimeUnit.SECONDS);
    assertEquals(504, timedOut.status(), timedOut.toString());
    assertEquals("UNKNOWN", harness.state(order), "the unanswered send left it UNKNOWN, not settled by the operator");
  }

  @Test
  void withoutAnIamIdentityNothingIsSettled() {
    String order = "RUNBOOK-ANONYMOUS";
    makeOutcomeUnknown(order, body(1500), true);
    ObjectNode event = resolutionEvent(order, "{\"resolution\":\"SENT\",\"reason\":\"checked by phone\"}");
    ((ObjectNode) event.get("requestContext")).remove("authorizer");
    Map<String, AttributeValue> before = harness.record(order).orElseThrow();

    ApiAnswer refused = ApiAnswer.invoke(api, event);

    assertEquals(403, refused.status(), refused.toString());
    assertEquals("FORBIDDEN", refused.code());
    assertEquals(before, harness.record(order).orElseThrow(), "the record is unchanged");
  }

  @Test
  void twoOperatorsRacingSettleTheOrderOnce() throws Exception {
    String order = "RUNBOOK-RACE";
    makeOutcomeUnknown(order, body(1500), true);
    // Both environments warm, so that the two resolutions really overlap.
    ApiAnswer.invoke(api, FunctionHarness.httpGet(order));
    ApiAnswer.invoke(other, FunctionHarness.httpGet(order));
    CountDownLatch go = new CountDownLatch(1);
    CompletableFuture<ApiAnswer> asSent = CompletableFuture.supplyAsync(() -> {
      await(go);
      return resolve(api, order, "{\"resolution\":\"SENT\",\"reason\":\"operator A checked\"}");
    });
    CompletableFuture<ApiAnswer> asNotSent = CompletableFuture.supplyAsync(() -> {
      await(go);
      return resolve(other, order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"operator B checked\"}");
    });
    go.countDown();
    ApiAnswer a = asSent.get(30, TimeUnit.SECONDS);
    ApiAnswer b = asNotSent.get(30, TimeUnit.SECONDS);

    List<ApiAnswer> answers = List.of(a, b);
    List<ApiAnswer> won = answers.stream().filter(answer -> answer.status() == 200).toList();
    List<ApiAnswer> lost = answers.stream().filter(answer -> answer.status() == 409).toList();
    assertEquals(1, won.size(), "exactly one settles it: " + answers);
    assertEquals(1, lost.size(), "the other is refused: " + answers);
    assertEquals("NOT_RESOLVABLE", lost.get(0).code());
    String winner = record(won.get(0)).path("resolution").asText();
    assertEquals(winner.equals("SENT") ? "SENT" : "REJECTED", harness.state(order), "the table holds the winner's");
    assertEquals(won.get(0) == a ? "SENT" : "NOT_SENT", winner);
  }

  // ---- helpers ----

  /**
   * Makes {@code order} UNKNOWN with a person needed: WeChat answers 500 (having taken the message
   * when {@code processed}), and refuses the client's retry of the same request, so that retry
   * gets 409 OUTCOME_UNKNOWN.
   */
  private static void makeOutcomeUnknown(String order, String body, boolean processed) {
    if (processed) {
      harness.wechat.script(order, Behaviour.serverError(500, true)); // the retry is then a duplicate
    } else {
      harness.wechat.script(order, Behaviour.serverError(500, false),
          Behaviour.reject(400, "INVALID_ORDER_STATE", "订单状态不正确"));
    }
    ApiAnswer first = post(api, order, body);
    assertEquals(502, first.status(), first.toString());
    assertEquals("UNKNOWN", harness.state(order));
    ApiAnswer retry = post(api, order, body);
    assertEquals(409, retry.status(), retry.toString());
    assertEquals("OUTCOME_UNKNOWN", retry.code(), retry.toString());
    assertEquals("UNKNOWN", harness.state(order));
    assertEquals(2, harness.wechat.requestsFor(order).size());
  }

  /** The record a resolution answered with: the body itself, or under {@code record}. */
  private static JsonNode record(ApiAnswer answer) {
    return answer.body().has("record") ? answer.body().get("record") : answer.body();
  }

  /** The table's item keeps the resolution and who made it. */
  private static void assertStored(String order, String resolvedBy) {
    Map<String, AttributeValue> item = harness.record(order).orElseThrow();
    assertTrue(item.values().stream().anyMatch(value -> resolvedBy.equals(value.s())),
        "the item keeps resolved_by " + resolvedBy + ": " + item.keySet());
    assertNotNull(item.get("expires_at"), "the record keeps its TTL");
  }

  @Test
  void malformedSecretIs500OnEveryRouteNamingTheFieldNeverItsValue() {
    // A configuration fault, not a passing one: the contract's 500 INTERNAL_ERROR on the status
    // and resolution routes as on send, never 503 "retry", which would only repeat it.
    String secretId = harness.secretId + "-malformed";
    harness.secrets.createSecret(r -> r.name(secretId).secretString("{\"mchid\":\"1900000001\","
        + "\"merchant_serial_no\":\"ABC\",\"merchant_private_key\":\"-----BEGIN RSA PRIVATE KEY-----\\n"
        + "MIIEsecretsecret\\n-----END RSA PRIVATE KEY-----\\n\",\"apiv3_key\":\"0123456789abcdefghijABCDEFGHIJ01\"}"));
    Map<String, String> env = new java.util.HashMap<>(harness.env);
    env.put("WECHATPAY_SECRET_ID", secretId);
    String order = "RUNBOOK-MALFORMED-1";
    try (LocalLambda misconfigured = LocalLambda.start("ApiFunction", env)) {
      List<ApiAnswer> answers = List.of(post(misconfigured, order, body(1500)),
          ApiAnswer.invoke(misconfigured, FunctionHarness.httpGet(order)),
          resolve(misconfigured, order, "{\"resolution\":\"SENT\",\"reason\":\"confirmed on the merchant platform\"}"));

      for (ApiAnswer answer : answers) {
        assertEquals(500, answer.status(), answer.toString());
        assertEquals("INTERNAL_ERROR", answer.code(), answer.toString());
        assertTrue(answer.body().path("message").asText().contains("merchant_private_key"), answer.toString());
        assertFalse(answer.toString().contains("MIIEsecretsecret"), answer.toString());
        assertFalse(answer.toString().contains("0123456789abcdefghij"), answer.toString());
      }
      assertTrue(harness.wechat.requestsFor(order).isEmpty(), "nothing reached WeChat");
      assertTrue(harness.record(order).isEmpty(), "nothing was claimed");
      assertFalse(misconfigured.logs().contains("MIIEsecretsecret"), "the key never reaches the log");
    }
  }

  private static ApiAnswer post(LocalLambda function, String order, String body) {
    return ApiAnswer.invoke(function, FunctionHarness.httpPost(order, body));
  }

  private static ApiAnswer resolve(LocalLambda function, String order, String body) {
    return ApiAnswer.invoke(function, resolutionEvent(order, body));
  }

  /** An HTTP API (payload 2.0) POST to the resolution route, signed by an IAM user (IAM authorizer). */
  static ObjectNode resolutionEvent(String order, String body) {
    ObjectNode event = FunctionHarness.event("http-api-send.json");
    String path = "/service-orders/" + order + "/pending-message/resolution";
    event.put("routeKey", ROUTE_KEY);
    event.put("rawPath", path);
    ObjectNode context = (ObjectNode) event.get("requestContext");
    context.put("routeKey", ROUTE_KEY);
    ((ObjectNode) context.get("http")).put("method", "POST").put("path", path);
    ObjectNode iam = context.putObject("authorizer").putObject("iam");
    iam.put("accessKey", "AKIAIOSFODNN7EXAMPLE");
    iam.put("accountId", "123456789012");
    iam.put("callerId", "AIDACKCEVSQ6C2EXAMPLE");
    iam.putNull("cognitoIdentity");
    iam.putNull("principalOrgId");
    iam.put("userArn", OPERATOR);
    iam.put("userId", "AIDACKCEVSQ6C2EXAMPLE");
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.put("body", body);
    return event;
  }

  private static String body(int amount) {
    return SampleRequest.withAmount(amount);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
