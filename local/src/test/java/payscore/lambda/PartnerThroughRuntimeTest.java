package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.simulator.Behaviour;
import payscore.simulator.RecordedRequest;
import payscore.simulator.ServiceOrder;
import payscore.simulator.Verdict;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Partner (服务商) mode through the functions as Lambda runs them (sam build's artifact, the runtime
 * interface client) against moto and the WeChat Pay simulator: a service provider's secret, bodies
 * with {@code sub_mchid}, the partner path, the partner record key, and the exactly-once
 * guarantees across function JVMs and a JVM killed mid-send.
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
@Order(4)
class PartnerThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUB_A = "1900000109";
  private static final String SUB_B = "1900000110";
  /** The body of events/http-api-send.json: a direct merchant's request. */
  private static final String BODY = FunctionHarness.event("http-api-send.json").get("body").asText();
  /** The same request with another discount (and total): a different canonical body. */
  private static final String OTHER_BODY =
      BODY.replace("\"amount\":100,", "\"amount\":200,").replace("39900", "39800");

  private static FunctionHarness harness;
  private static LocalLambda api;
  private static LocalLambda queue;
  /** Every function JVM this class started, for the log scan at the end. */
  private static final List<LocalLambda> started = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    api = track(LocalLambda.start("ApiFunction", harness.env));
    queue = track(LocalLambda.start("QueueFunction", harness.env));
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, started.toArray(LocalLambda[]::new));
    } finally {
      started.forEach(LocalLambda::close);
      if (harness != null) harness.close();
    }
  }

  @Test
  void partnerSendGoesToThePartnerPathWithSubMchidFirstSignedByTheServiceProviderAndIsRecordedUnderThePartnerKey()
      throws Exception {
    JsonNode sent = post(api, "P-SEND-1", partner(SUB_A, BODY));

    assertEquals(200, sent.path("statusCode").asInt(), sent.toString());
    JsonNode answer = body(sent);
    assertEquals("SENT", answer.path("state").asText());
    assertFalse(answer.path("replayed").asBoolean(true));
    List<RecordedRequest> received = harness.wechat.requestsFor(ServiceOrder.partner(SUB_A, "P-SEND-1"));
    assertEquals(1, received.size());
    RecordedRequest request = received.get(0);
    assertTrue(request.partner());
    assertEquals("/v3/payscore/partner/serviceorder/P-SEND-1/send-pendingmessage", request.rawPath());
    assertEquals(SUB_A, request.subMchid());
    assertTrue(request.bodyText().startsWith("{\"sub_mchid\":\"" + SUB_A + "\",\"service_id\":"), request.bodyText());
    assertTrue(request.header("Authorization").contains("mchid=\"" + FunctionHarness.MCHID + "\""),
        "signed by the service provider's merchant id");
    assertEquals(Verdict.ACCEPTED, request.verdict());
    assertEquals(request.requestId(), answer.path("wechatpay_request_id").asText());
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-SEND-1"));
    assertEquals(0, harness.wechat.acceptedCount("P-SEND-1"), "no direct order of that number was touched");
    assertEquals("SENT", harness.state(SUB_A, "P-SEND-1"));
    assertEquals(null, harness.state("P-SEND-1"), "nothing under the direct key");

    JsonNode line = outcomeLine(api, "P-SEND-1");
    assertEquals("partner", line.path("mode").asText(), line.toString());
    assertEquals(SUB_A, line.path("sub_mchid").asText(), line.toString());
    assertTrue(api.logs().contains("\"Mode\":\"partner\""), "the metric line carries the Mode dimension");
  }

  @Test
  void theSameOrderNumberForTwoSubMerchantsIsTwoOrdersEachSentOnce() throws Exception {
    JsonNode forA = post(api, "P-TWO-1", partner(SUB_A, BODY));
    JsonNode forB = post(api, "P-TWO-1", partner(SUB_B, BODY));

    assertEquals(200, forA.path("statusCode").asInt(), forA.toString());
    assertEquals(200, forB.path("statusCode").asInt(), forB.toString());
    assertFalse(body(forB).path("replayed").asBoolean(true), "B's order is not a replay of A's");
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-TWO-1"));
    assertEquals(1, harness.wechat.acceptedCount(SUB_B, "P-TWO-1"));
    assertEquals(2, harness.wechat.requestsFor("P-TWO-1").size());
    assertEquals("SENT", harness.state(SUB_A, "P-TWO-1"));
    assertEquals("SENT", harness.state(SUB_B, "P-TWO-1"));
    assertNotEquals(body(forA).path("wechatpay_request_id").asText(), body(forB).path("wechatpay_request_id").asText());
  }

  @Test
  void aRepeatedPartnerSendIsReplayedWithoutCallingWeChat() throws Exception {
    JsonNode first = post(api, "P-REPLAY-1", partner(SUB_A, BODY));
    // Key order and whitespace do not make another request.
    JsonNode again = post(api, "P-REPLAY-1", JSON.readTree(BODY).toPrettyString().replaceFirst("\\{",
        "{\n  \"sub_mchid\" : \"" + SUB_A + "\","));

    assertEquals(200, first.path("statusCode").asInt(), first.toString());
    assertEquals(200, again.path("statusCode").asInt(), again.toString());
    assertTrue(body(again).path("replayed").asBoolean(false));
    assertEquals(body(first).path("wechatpay_request_id").asText(), body(again).path("wechatpay_request_id").asText());
    assertEquals(1, harness.wechat.requestsFor(ServiceOrder.partner(SUB_A, "P-REPLAY-1")).size(),
        "WeChat saw one request");
  }

  @Test
  void anotherBodyForASentPartnerOrderIsAPayloadMismatch() throws Exception {
    post(api, "P-MISMATCH-1", partner(SUB_A, BODY));

    JsonNode other = post(api, "P-MISMATCH-1", partner(SUB_A, OTHER_BODY));

    assertEquals(409, other.path("statusCode").asInt(), other.toString());
    assertEquals("PAYLOAD_MISMATCH", body(other).path("code").asText());
    assertEquals(1, harness.wechat.requestsFor(ServiceOrder.partner(SUB_A, "P-MISMATCH-1")).size());
    assertEquals("SENT", harness.state(SUB_A, "P-MISMATCH-1"));
  }

  @Test
  void getWithSubMchidReadsThePartnerRecordAndWithoutItOnlyTheDirectOne() throws Exception {
    post(api, "P-GET-1", partner(SUB_A, BODY));
    post(api, "P-GET-2", partner(SUB_A, BODY));
    post(api, "P-GET-2", BODY); // the same number as a direct order: another record

    JsonNode partnerStatus = get("P-GET-1", SUB_A);
    JsonNode withoutSubMchid = get("P-GET-1", null);
    JsonNode otherSubMerchant = get("P-GET-1", SUB_B);
    JsonNode directStatus = get("P-GET-2", null);
    JsonNode partnerOfBoth = get("P-GET-2", SUB_A);

    assertEquals(200, partnerStatus.path("statusCode").asInt(), partnerStatus.toString());
    assertEquals("SENT", body(partnerStatus).path("state").asText());
    assertEquals(requestId(ServiceOrder.partner(SUB_A, "P-GET-1")),
        body(partnerStatus).path("wechatpay_request_id").asText());
    assertEquals(404, withoutSubMchid.path("statusCode").asInt(), "a number used only in partner mode");
    assertEquals("NOT_FOUND", body(withoutSubMchid).path("code").asText());
    assertEquals(404, otherSubMerchant.path("statusCode").asInt(), "another sub-merchant's order was never seen");
    assertEquals(200, directStatus.path("statusCode").asInt(), directStatus.toString());
    assertEquals(requestId(ServiceOrder.direct("P-GET-2")), body(directStatus).path("wechatpay_request_id").asText());
    assertEquals(requestId(ServiceOrder.partner(SUB_A, "P-GET-2")),
        body(partnerOfBoth).path("wechatpay_request_id").asText());
    assertNotEquals(body(directStatus).path("payload_hash").asText(), body(partnerOfBoth).path("payload_hash").asText());
  }

  @Test
  void sqsBatchMixingDirectAndPartnerMessagesSendsEachOrderOnceOnItsOwnPath() throws Exception {
    String direct = withOrderNo("P-SQS-1", BODY);
    String forA = withOrderNo("P-SQS-1", partner(SUB_A, BODY));
    String forB = withOrderNo("P-SQS-1", partner(SUB_B, BODY));
    String otherForA = withOrderNo("P-SQS-2", partner(SUB_A, OTHER_BODY));
    String repeatOfA = JSON.readTree(forA).toPrettyString(); // the same canonical body
    String invalid = withOrderNo("P-SQS-3", partner("19000001O9", BODY));
    ObjectNode event = FunctionHarness.sqsEvent(List.of(direct, forA, forB, otherForA, repeatOfA, invalid));
    int parkedBefore = harness.deadLetters().size();

    JsonNode response = JSON.readTree(queue.invoke(event.toString()));

    assertEquals(0, response.path("batchItemFailures").size(), "every message acknowledged: " + response);
    assertEquals(1, harness.wechat.acceptedCount("P-SQS-1"));
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-SQS-1"));
    assertEquals(1, harness.wechat.acceptedCount(SUB_B, "P-SQS-1"));
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-SQS-2"));
    assertEquals(3, harness.wechat.requestsFor("P-SQS-1").size(), "one request per order; the repeat shared A's");
    assertEquals("/v3/payscore/serviceorder/P-SQS-1/send-pendingmessage",
        harness.wechat.requestsFor(ServiceOrder.direct("P-SQS-1")).get(0).rawPath());
    for (ServiceOrder order : List.of(ServiceOrder.partner(SUB_A, "P-SQS-1"), ServiceOrder.partner(SUB_B, "P-SQS-1"),
        ServiceOrder.partner(SUB_A, "P-SQS-2"))) {
      assertEquals("/v3/payscore/partner/serviceorder/" + order.outOrderNo() + "/send-pendingmessage",
          harness.wechat.requestsFor(order).get(0).rawPath());
      assertEquals("SENT", harness.state(order.subMchid(), order.outOrderNo()), order.toString());
    }
    assertEquals("SENT", harness.state("P-SQS-1"));
    assertTrue(harness.wechat.requestsFor("P-SQS-3").isEmpty());
    List<Message> parked = harness.deadLetters();
    assertEquals(parkedBefore + 1, parked.size());
    Message invalidParked = parked.stream().filter(m -> m.body().equals(invalid)).findFirst().orElseThrow();
    assertEquals("INVALID_REQUEST", invalidParked.messageAttributes().get("error_code").stringValue());
    assertTrue(invalidParked.messageAttributes().get("error_message").stringValue().contains("sub_mchid"),
        invalidParked.messageAttributes().get("error_message").stringValue());

    Set<String> modes = Set.of(outcomeLine(queue, "P-SQS-2").path("mode").asText(),
        directOutcomeLine(queue, "P-SQS-1").path("mode").asText());
    assertEquals(Set.of("partner", "direct"), modes, "each line says its mode");
  }

  @Test
  void aBadSubMchidIsNamedInThe400AndNothingIsSent() throws Exception {
    List<String> bodies = List.of(partner("19000001O9", BODY), partner("1".repeat(33), BODY), partner("", BODY),
        "{\"sub_mchid\":1900000109," + BODY.substring(1));
    for (String bad : bodies) {
      JsonNode response = post(api, "P-BAD-1", bad);

      assertEquals(400, response.path("statusCode").asInt(), bad);
      assertEquals("INVALID_REQUEST", body(response).path("code").asText());
      assertEquals(List.of("sub_mchid"), fields(body(response)), bad);
    }
    JsonNode query = get("P-BAD-1", "abc");
    assertEquals(400, query.path("statusCode").asInt(), query.toString());
    assertEquals(List.of("sub_mchid"), fields(body(query)));

    assertTrue(harness.wechat.requestsFor("P-BAD-1").isEmpty(), "WeChat was never called");
    assertEquals(null, harness.state("P-BAD-1"));
  }

  @Test
  void fourFunctionJvmsRacingOnOneNewPartnerOrderReachWeChatOnce() throws Exception {
    harness.wechat.scriptPartner(SUB_A, "P-RACE-1", Behaviour.delay(Duration.ofSeconds(1)));
    List<LocalLambda> instances = new ArrayList<>(List.of(api));
    for (int i = 0; i < 3; i++) instances.add(track(LocalLambda.start("ApiFunction", harness.env)));
    for (LocalLambda instance : instances) {
      assertEquals(404, get(instance, "P-RACE-WARM", null).path("statusCode").asInt(), "warm: the JVM is up");
    }
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(instances.size());
    List<Future<JsonNode>> responses = new ArrayList<>();
    try {
      for (LocalLambda instance : instances) {
        responses.add(callers.submit(() -> {
          go.await();
          return post(instance, "P-RACE-1", partner(SUB_A, BODY));
        }));
      }

      go.countDown();
      int sent = 0;
      int inProgress = 0;
      for (Future<JsonNode> future : responses) {
        JsonNode response = future.get(60, TimeUnit.SECONDS);
        int status = response.path("statusCode").asInt();
        if (status == 200) sent++;
        else if (status == 409 && "IN_PROGRESS".equals(body(response).path("code").asText())) inProgress++;
        else throw new AssertionError("unexpected response " + response);
      }

      assertEquals(1, harness.wechat.requestsFor(ServiceOrder.partner(SUB_A, "P-RACE-1")).size(),
          "exactly one request reached WeChat");
      assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-RACE-1"));
      assertEquals(instances.size(), sent + inProgress);
      assertTrue(sent >= 1);
      assertEquals("SENT", harness.state(SUB_A, "P-RACE-1"));
    } finally {
      callers.shutdownNow();
      instances.stream().filter(instance -> instance != api).forEach(LocalLambda::close);
    }
  }

  @Test
  void aJvmKilledAfterWeChatAcceptedLeavesAPartnerRecordThatNeverLetsASecondMessageThrough() throws Exception {
    harness.wechat.scriptPartner(SUB_A, "P-CRASH-1", Behaviour.acceptThenHang());
    // A short timeout keeps the dead holder's lease (its invocation's end + 2 s) short.
    FunctionConfig config = SamTemplate.read().function("ApiFunction").withTimeout(Duration.ofSeconds(6));
    Map<String, String> env = new HashMap<>(harness.env);
    env.put("WECHATPAY_REQUEST_TIMEOUT_MS", "4000"); // still waiting for WeChat when it is killed
    LocalLambda holder = track(LocalLambda.start(config, SamBuild.artifact(config).taskRoot(), env, line -> { }));
    assertEquals(404, get(holder, "P-CRASH-WARM", null).path("statusCode").asInt());
    long pid = holder.pid();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<JsonNode> dying = caller.submit(() -> post(holder, "P-CRASH-1", partner(SUB_A, BODY)));
      await(() -> harness.wechat.acceptedCount(SUB_A, "P-CRASH-1") == 1, Duration.ofSeconds(30),
          "P-CRASH-1 never reached WeChat");
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // dies mid-send: no outcome is written
      ExecutionException died = assertThrows(ExecutionException.class,
          () -> dying.get(30, TimeUnit.SECONDS));
      assertEquals(FunctionError.Kind.EXITED, ((FunctionError) died.getCause()).kind());
    } finally {
      caller.shutdownNow();
      holder.close();
    }
    assertEquals("IN_PROGRESS", harness.state(SUB_A, "P-CRASH-1"));

    JsonNode whileLeaseHeld = post(api, "P-CRASH-1", partner(SUB_A, BODY));
    assertEquals("IN_PROGRESS", body(whileLeaseHeld).path("code").asText(), whileLeaseHeld.toString());
    long leaseUntil = Long.parseLong(harness.record(SUB_A, "P-CRASH-1").orElseThrow().get("lease_until").n());
    await(() -> System.currentTimeMillis() > leaseUntil + 200, Duration.ofSeconds(20), "the lease never passed");

    JsonNode otherBody = post(api, "P-CRASH-1", partner(SUB_A, OTHER_BODY));
    JsonNode sameBody = post(api, "P-CRASH-1", partner(SUB_A, BODY));

    assertEquals(409, otherBody.path("statusCode").asInt(), otherBody.toString());
    assertEquals("PAYLOAD_MISMATCH", body(otherBody).path("code").asText());
    assertEquals(409, sameBody.path("statusCode").asInt(), sameBody.toString());
    assertEquals("OUTCOME_UNKNOWN", body(sameBody).path("code").asText());
    assertEquals("UNKNOWN", harness.state(SUB_A, "P-CRASH-1"));
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, "P-CRASH-1"), "WeChat took exactly one message");
    List<Verdict> verdicts = harness.wechat.requestsFor(ServiceOrder.partner(SUB_A, "P-CRASH-1")).stream()
        .map(RecordedRequest::verdict).toList();
    assertEquals(List.of(Verdict.SCRIPTED, Verdict.DUPLICATE), verdicts,
        "the hung request, then the same-body retry that WeChat refused; the other body never left");
  }

  private static LocalLambda track(LocalLambda function) {
    started.add(function);
    return function;
  }

  /** The body with {@code sub_mchid} as its first field: the service provider's request for a sub-merchant. */
  private static String partner(String subMchid, String body) {
    return "{\"sub_mchid\":\"" + subMchid + "\"," + body.substring(1);
  }

  /** An SQS message body: the request body plus {@code out_order_no}. */
  private static String withOrderNo(String outOrderNo, String body) {
    return body.replaceFirst("\"service_id\"", "\"out_order_no\":\"" + outOrderNo + "\",\"service_id\"");
  }

  private static JsonNode post(LocalLambda function, String outOrderNo, String body) throws Exception {
    return JSON.readTree(function.invoke(FunctionHarness.httpPost(outOrderNo, body).toString()));
  }

  private static JsonNode get(String outOrderNo, String subMchid) throws Exception {
    return get(api, outOrderNo, subMchid);
  }

  /** An HTTP API GET, with {@code ?sub_mchid=} as API Gateway passes it when {@code subMchid} is given. */
  private static JsonNode get(LocalLambda function, String outOrderNo, String subMchid) throws Exception {
    ObjectNode event = FunctionHarness.httpGet(outOrderNo);
    if (subMchid != null) {
      event.put("rawQueryString", "sub_mchid=" + URLEncoder.encode(subMchid, UTF_8));
      event.putObject("queryStringParameters").put("sub_mchid", subMchid);
    }
    return JSON.readTree(function.invoke(event.toString()));
  }

  private static JsonNode body(JsonNode response) throws Exception {
    return JSON.readTree(response.path("body").asText());
  }

  private static List<String> fields(JsonNode error) {
    return StreamSupport.stream(error.path("errors").spliterator(), false)
        .map(e -> e.path("field").asText()).distinct().toList();
  }

  private static String requestId(ServiceOrder order) {
    return harness.wechat.requestsFor(order).get(0).requestId();
  }

  /** The function's outcome line for this partner order. */
  private static JsonNode outcomeLine(LocalLambda function, String outOrderNo) throws Exception {
    return outcomeLines(function, outOrderNo).stream().filter(line -> line.has("sub_mchid")).findFirst()
        .orElseThrow(() -> new AssertionError("no partner outcome line for " + outOrderNo));
  }

  private static JsonNode directOutcomeLine(LocalLambda function, String outOrderNo) throws Exception {
    return outcomeLines(function, outOrderNo).stream().filter(line -> !line.has("sub_mchid")).findFirst()
        .orElseThrow(() -> new AssertionError("no direct outcome line for " + outOrderNo));
  }

  private static List<JsonNode> outcomeLines(LocalLambda function, String outOrderNo) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String text : function.logs().split("\n")) {
      if (!text.startsWith("{")) continue;
      JsonNode line = JSON.readTree(text);
      if ("pending_message".equals(line.path("event").asText()) && outOrderNo.equals(line.path("out_order_no").asText())) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static void await(BooleanSupplier condition, Duration limit, String failure) throws InterruptedException {
    long giveUp = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > giveUp) throw new AssertionError(failure);
      Thread.sleep(25);
    }
  }
}
