package payscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.FunctionGraph.BODY;
import static payscore.FunctionGraph.BODY_REORDERED;
import static payscore.FunctionGraph.INVALID_BODY;
import static payscore.FunctionGraph.MCHID;
import static payscore.FunctionGraph.OPERATOR_ARN;
import static payscore.FunctionGraph.ORDER;
import static payscore.FunctionGraph.OTHER_BODY;
import static payscore.FunctionGraph.ROTATED_SERIAL;
import static payscore.FunctionGraph.SERIAL;
import static payscore.LoopbackWeChatPay.accepted;
import static payscore.LoopbackWeChatPay.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import payscore.Events.Payload;
import payscore.FaultyIdempotencyStore.Fault;
import payscore.FaultyIdempotencyStore.Verb;
import payscore.FunctionGraph.Counted;
import payscore.FunctionGraph.HttpAnswer;
import payscore.SendRow.Left;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.observe.OutcomeLog.Metric;
import payscore.trigger.ApiGatewayHandler;
import payscore.wechatpay.WeChatPayClient;

/**
 * The API function's whole graph, driven through {@code function.api().handle(event, end)} with
 * real-shaped HTTP API (2.0) and REST API (1.0) events: for each row of the outcome table, what
 * the caller gets, what reaches WeChat Pay, what the store keeps, and the one metric written.
 */
@ExtendWith(NativeCryptoForTheClass.class)
class ApiTriggerGraphTest {
  static final String DIRECT_PATH = WeChatPayClient.pendingMessagePath(ORDER);

  FunctionGraph graph;

  @BeforeEach
  void build() throws IOException {
    graph = FunctionGraph.start();
  }

  @AfterEach
  void close() {
    graph.close();
  }

  static Stream<Arguments> everyPayloadAndRow() {
    return Arrays.stream(Payload.values())
        .flatMap(payload -> Arrays.stream(SendRow.values()).map(row -> Arguments.of(payload, row)));
  }

  // ---- Sending: every row of the outcome table, on both payload versions.

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("everyPayloadAndRow")
  void givenHowASendEnds_whenPostedThroughApiGateway_thenCallerWeChatStoreAndMetricShowItsRow(Payload payload,
      SendRow row) {
    // given
    row.given.accept(graph);
    SendRow.Expect expect = row.expect;

    // when
    HttpAnswer answer = HttpAnswer.of(graph.api(payload.post(ORDER, row.body), row.invocation));

    // then: the caller's answer
    assertEquals(expect.status(), answer.status(), answer::toString);
    assertEquals("application/json", answer.contentType());
    assertEquals(expect.code(), answer.code(), answer::toString);
    assertEquals(expect.retryAfter(), answer.retryAfter(), answer::toString);
    if (expect.code() != null) {
      assertFalse(answer.message() == null || answer.message().isBlank(), "an error names its cause");
      FunctionGraph.assertNoKeyMaterial(answer.body().toString());
    } else {
      assertEquals(ORDER, answer.body().path("out_order_no").asText());
      assertEquals("SENT", answer.body().path("state").asText());
      assertEquals(expect.result().equals("REPLAYED"), answer.body().path("replayed").asBoolean());
      assertEquals("SENT_UNRECORDED".equals(expect.errorCode()), answer.body().has("recorded"));
    }

    // then: what reached WeChat Pay: the canonical body on the direct path, signed by the merchant
    List<LoopbackWeChatPay.Request> requests = graph.wechat.requests();
    assertEquals(expect.wechatCalls(), requests.size(), requests::toString);
    for (LoopbackWeChatPay.Request request : requests) {
      assertEquals("POST", request.method());
      assertEquals(DIRECT_PATH, request.rawPath());
      assertEquals(BODY, request.bodyText());
      assertTrue(request.signedBy(FunctionGraph.MERCHANT_PUBLIC_KEY), "signed with the merchant key");
      assertEquals(MCHID, request.authorizationPairs().get("mchid"));
    }

    // then: the record, and nothing parked (the API function never builds the DLQ)
    assertEquals(expect.left(), Left.of(graph.record().orElse(null)));
    assertEquals(0, graph.deadLetterSendersBuilt());

    // then: one metric, and its log line
    Counted counted = graph.countedOnce("api", expect.metric());
    assertEquals(expect.warn() ? "WARN" : "INFO", counted.line().path("level").asText());
    assertEquals(expect.result(), counted.line().path("result").asText());
    assertEquals(expect.errorCode(), counted.line().path("error_code").asText(null));
    assertEquals(ORDER, counted.line().path("out_order_no").asText());
  }

  // ---- Sending: what the bodies of the rows carry.

  @ParameterizedTest
  @EnumSource(Payload.class)
  void givenANewOrder_whenWeChatAnswersASigned204_thenTheAnswerAndTheRecordNameWeChatsRequestId(Payload payload) {
    graph.wechat.answer(accepted());

    HttpAnswer answer = HttpAnswer.of(graph.api(payload.post(ORDER, BODY)));

    String requestId = graph.wechat.requestIds().get(0);
    assertEquals(ORDER, answer.body().path("out_order_no").asText());
    assertEquals("SENT", answer.body().path("state").asText());
    assertEquals(FunctionGraph.START.toString(), answer.body().path("sent_at").asText());
    assertEquals(requestId, answer.body().path("wechatpay_request_id").asText());
    assertFalse(answer.body().path("replayed").asBoolean(true));
    assertFalse(answer.body().has("recorded"));
    IdempotencyRecord record = graph.record().orElseThrow();
    assertEquals(requestId, record.wechatpayRequestId());
    assertEquals(FunctionGraph.START, record.sentAt());
    assertEquals(1, record.attempts());
    assertNull(record.leaseUntil(), "the claim ended");
    assertEquals(FunctionGraph.hashOf(BODY), record.payloadHash());
    assertEquals(requestId, graph.countedOnce("api", Metric.Sent).line().path("wechatpay_request_id").asText());
  }

  @Test
  void givenAnOrderSent_whenTheSameBodyComesAgainInAnotherOrder_thenTheFirstAnswerIsReplayed() {
    graph.wechat.answer(accepted());
    JsonNode first = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY))).body();
    graph.clock.advance(Duration.ofMinutes(5));
    graph.forget();

    HttpAnswer again = HttpAnswer.of(graph.api(Payload.REST_API_1_0.post(ORDER, BODY_REORDERED)));

    assertEquals(200, again.status());
    assertTrue(again.body().path("replayed").asBoolean());
    assertEquals(first.path("sent_at"), again.body().path("sent_at"));
    assertEquals(first.path("wechatpay_request_id"), again.body().path("wechatpay_request_id"));
    assertEquals(List.of(), graph.wechat.requests());
    assertEquals(List.of(Verb.CLAIM), graph.store.verbs(), "the refused claim answers from the record it returns");
  }

  @Test
  void givenTheSentRecordCannotBeWritten_whenWeChatTookTheMessage_thenTheAnswerSaysSentButNotRecorded() {
    graph.wechat.answer(accepted());
    graph.store.failEvery(Verb.FINISH, Fault.timedOut(false));

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(200, answer.status());
    assertEquals("SENT", answer.body().path("state").asText());
    assertFalse(answer.body().path("recorded").asBoolean(true));
    assertTrue(answer.body().path("sent_at").isNull());
    assertEquals(graph.wechat.requestIds().get(0), answer.body().path("wechatpay_request_id").asText());
    assertEquals(State.IN_PROGRESS, graph.record().orElseThrow().state(), "the claim stays until its lease ends");
    // Retried until the deadline, the last attempt bounded by what was left of it.
    assertTrue(graph.store.calls().stream().filter(c -> c.verb() == Verb.FINISH).allMatch(c -> c.budget() != null));
  }

  @Test
  void givenTheSentRecordWriteLostItsAnswer_whenRetried_thenTheRetryMeetsItsOwnWriteAndTheAnswerIsSent() {
    graph.wechat.answer(accepted());
    graph.store.failNext(Verb.FINISH, Fault.answerLost());

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(200, answer.status());
    assertFalse(answer.body().has("recorded"));
    assertEquals(List.of(Verb.CLAIM, Verb.FINISH, Verb.FINISH), graph.store.verbs());
    assertEquals(State.SENT, graph.record().orElseThrow().state());
    graph.countedOnce("api", Metric.Sent);
  }

  @Test
  void givenAnOrderSent_whenAnotherBodyComes_thenPayloadMismatchNamesTheRecordedState() {
    graph.earlierRequest(BODY, accepted());

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, OTHER_BODY)));

    assertEquals(409, answer.status());
    assertEquals("PAYLOAD_MISMATCH", answer.code());
    assertEquals("SENT", answer.body().path("state").asText());
    assertEquals(FunctionGraph.hashOf(BODY), graph.record().orElseThrow().payloadHash(), "the record is unchanged");
  }

  @Test
  void givenAnotherInstanceHoldsTheOrder_whenTheSameRequestComes_thenInProgressUntilItsLeaseEnds() {
    graph.heldElsewhere(Duration.ofSeconds(12));
    HttpAnswer busy = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));
    graph.clock.advance(Duration.ofSeconds(13));
    graph.wechat.answer(accepted());
    graph.forget();

    HttpAnswer afterLease = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(409, busy.status());
    assertEquals("12", busy.retryAfter());
    assertEquals(200, afterLease.status(), "a dead holder's order is taken over");
    assertEquals(2, graph.record().orElseThrow().attempts());
    assertEquals(1, graph.wechat.requests().size());
  }

  @Test
  void givenWeChatRefusesTheRetryOfAnAttemptThatMayHaveArrived_thenOutcomeUnknownShowsTheRecord() {
    graph.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    graph.wechat.answer(error(400, "INVALID_REQUEST", "重复请求"));

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));
    graph.forget();
    HttpAnswer again = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(409, answer.status());
    assertEquals("OUTCOME_UNKNOWN", answer.code());
    JsonNode record = answer.body().path("record");
    assertEquals(ORDER, record.path("out_order_no").asText());
    assertEquals("UNKNOWN", record.path("state").asText());
    assertTrue(record.path("needs_review").asBoolean());
    assertEquals(2, record.path("attempts").asInt());
    assertEquals(400, record.path("last_error").path("status").asInt());
    assertEquals("INVALID_REQUEST", record.path("last_error").path("code").asText());
    assertEquals(FunctionGraph.hashOf(BODY), record.path("payload_hash").asText());
    assertEquals("OUTCOME_UNKNOWN", again.code(), "an order under review is not sent again");
    assertEquals(List.of(), graph.wechat.requests());
  }

  @Test
  void givenWeChatRefusesForGood_thenTheAnswerCarriesWeChatsStatusCodeMessageAndRequestId() {
    graph.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.REST_API_1_0.post(ORDER, BODY)));

    assertEquals(422, answer.status());
    JsonNode wechatpay = answer.body().path("wechatpay");
    assertEquals(400, wechatpay.path("status").asInt());
    assertEquals("PARAM_ERROR", wechatpay.path("code").asText());
    assertEquals("参数错误", wechatpay.path("message").asText());
    assertEquals(graph.wechat.requestIds().get(0), wechatpay.path("request_id").asText());
    IdempotencyRecord record = graph.record().orElseThrow();
    assertEquals("PARAM_ERROR", record.lastError().code());
    assertEquals(graph.wechat.requestIds().get(0), record.wechatpayRequestId());
  }

  @Test
  void givenARejectedOrder_whenACorrectedBodyComes_thenItIsSent() {
    graph.earlierRequest(BODY, error(400, "PARAM_ERROR", "参数错误"));
    graph.wechat.answer(accepted());

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, OTHER_BODY)));

    assertEquals(200, answer.status());
    assertEquals(OTHER_BODY, graph.wechat.requests().get(0).bodyText());
    assertEquals(2, graph.record().orElseThrow().attempts());
  }

  @Test
  void givenAConnectionRefused_thenTheUpstreamErrorSaysNoStatusAndConnectFailed() {
    graph.wechat.refuseConnections();

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(502, answer.status());
    assertTrue(answer.body().path("wechatpay").path("status").isNull());
    assertEquals("CONNECT_FAILED", answer.body().path("wechatpay").path("code").asText());
    assertEquals(List.of(Verb.CLAIM, Verb.RELEASE), graph.store.verbs(), "nothing was sent: the claim is given back");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void givenWeChatStallsItsHeadersOrItsBody_thenTheAnswerComesAtTheSendDeadlineAndTheOrderMayHaveArrived(
      boolean headersSent) {
    graph.wechat.answer(headersSent ? LoopbackWeChatPay.stallBody() : LoopbackWeChatPay.stall());
    long started = System.nanoTime();

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY),
        payscore.send.InvocationBudget.STANDARD.finishReserve().plusMillis(100)));

    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(504, answer.status());
    assertEquals("TIMEOUT", answer.body().path("wechatpay").path("code").asText());
    // The invocation ends 1.6 s after it started (the clock stands still; the waits are real).
    assertTrue(tookMillis >= 90 && tookMillis < 1_500, "cut off at the send deadline, not later: " + tookMillis);
    IdempotencyRecord record = graph.record().orElseThrow();
    assertEquals(State.UNKNOWN, record.state());
    assertEquals("TIMEOUT", record.lastError().code());
    graph.countedOnce("api", Metric.Uncertain);
  }

  @Test
  void givenASignError_whenTheSecretWasRotated_thenTheRequestIsSignedAgainWithTheNewKeyAndSent() {
    graph.secrets.serve(FunctionGraph.secret("v1", SERIAL), FunctionGraph.secret("v2", ROTATED_SERIAL));
    graph.wechat.answer(error(401, "SIGN_ERROR", "签名错误"), accepted());

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(200, answer.status());
    assertEquals(List.of(SERIAL, ROTATED_SERIAL),
        graph.wechat.requests().stream().map(r -> r.authorizationPairs().get("serial_no")).toList());
    assertEquals(2, graph.secrets.reads(), "re-read once, at the 401");
    assertEquals(1, graph.record().orElseThrow().attempts(), "one claim, however many signatures it took");
    graph.countedOnce("api", Metric.Sent);
  }

  @Test
  void givenASignErrorWithAnUnchangedSecret_thenTheInternalErrorTellsWhatToCheck() {
    graph.wechat.answer(error(401, "SIGN_ERROR", "签名错误"));

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(500, answer.status());
    assertTrue(answer.message().contains("merchant_serial_no"), answer::message);
    assertEquals(2, graph.secrets.reads());
    assertEquals(1, graph.wechat.requests().size(), "the same key is not tried twice");
  }

  @Test
  void givenSecretsManagerUnavailable_thenNothingIsClaimedOrSent() {
    graph.secrets.unavailable();

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(503, answer.status());
    assertTrue(answer.message().contains("Secrets Manager"), answer::message);
    assertEquals(List.of(), graph.store.calls());
    assertEquals(List.of(), graph.wechat.requests());
  }

  @Test
  void givenAClaimThatLandedButLostItsAnswer_thenItIsAbandonedAndTheOrderIsFreeForTheRetry() {
    graph.store.failNext(Verb.CLAIM, Fault.answerLost());
    HttpAnswer unavailable = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));
    List<Verb> verbs = List.copyOf(graph.store.verbs());
    graph.wechat.answer(accepted());
    graph.forget();

    HttpAnswer retried = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(503, unavailable.status());
    assertTrue(unavailable.message().contains("nothing was sent"), unavailable::message);
    assertEquals(List.of(Verb.CLAIM, Verb.ABANDON), verbs);
    assertEquals(200, retried.status());
    assertEquals(1, graph.record().orElseThrow().attempts(), "the abandoned claim left no trace");
  }

  @Test
  void givenAClaimThatLandedAndCouldNotBeAbandoned_whenItsLeasePasses_thenARefusalOfTheRetryIsOutcomeUnknown() {
    graph.store.failNext(Verb.CLAIM, Fault.answerLost());
    graph.store.failEvery(Verb.ABANDON, Fault.timedOut(false));
    assertEquals(503, HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY))).status());
    graph.forget();
    HttpAnswer whileHeld = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));
    graph.clock.advance(FunctionGraph.INVOCATION.plusSeconds(3));
    graph.wechat.answer(error(400, "INVALID_REQUEST", "重复请求"));

    HttpAnswer afterLease = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals("IN_PROGRESS", whileHeld.code());
    // The claim is the mark that a request left: whoever finds it after its lease cannot rule that out.
    assertEquals("OUTCOME_UNKNOWN", afterLease.code());
  }

  @Test
  void givenAMalformedSecret_thenTheInternalErrorNamesTheFieldAndNoKeyMaterial() {
    graph.secrets.serve(FunctionGraph.malformedSecret("v1"));

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(500, answer.status());
    assertTrue(answer.message().contains("merchant_private_key"), answer::message);
    FunctionGraph.assertNoKeyMaterial(answer.body().toString());
    FunctionGraph.assertNoKeyMaterial(graph.lines().toString());
    assertEquals(List.of(), graph.store.calls());
    String logged = graph.countedOnce("api", Metric.Failed).line().path("error_message").asText();
    assertEquals(answer.message(), logged);
  }

  @Test
  void givenARejectionThatCouldNotBeRecorded_whenTheLeasePasses_thenTheNextRefusalIsOutcomeUnknown() {
    graph.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));
    graph.store.failEvery(Verb.FINISH, Fault.timedOut(false));
    HttpAnswer unrecorded = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));
    graph.store.heal();
    graph.clock.advance(FunctionGraph.INVOCATION.plusSeconds(3));
    graph.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));
    graph.forget();

    HttpAnswer next = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY)));

    assertEquals(500, unrecorded.status());
    assertTrue(unrecorded.message().contains("could not record the outcome"), unrecorded::message);
    // The unrecorded claim cannot tell the next request that nothing was sent: it is read warily.
    assertEquals("OUTCOME_UNKNOWN", next.code());
    assertEquals(1, graph.wechat.requests().size());
    graph.countedOnce("api", Metric.Uncertain);
  }

  @Test
  void givenABodyThatBreaksARule_thenEachErrorNamesItsFieldAndNothingIsClaimed() {
    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.REST_API_1_0.post(ORDER, INVALID_BODY)));

    assertEquals(400, answer.status());
    JsonNode errors = answer.body().path("errors");
    assertEquals(1, errors.size(), errors::toString);
    assertEquals("prepaid_time", errors.path(0).path("field").asText());
    assertFalse(errors.path(0).path("message").asText().isBlank());
    assertEquals(List.of(), graph.store.calls());
    assertEquals(0, graph.secrets.reads(), "the rules come before anything else");
  }

  @Test
  void givenARestApiOrderNumberPercentEncoded_thenItIsDecodedOnceForTheRecordAndEncodedForWeChat() {
    graph.wechat.answer(accepted());
    var event = Payload.REST_API_1_0.post("A%7CB", BODY);

    HttpAnswer answer = HttpAnswer.of(graph.api(event));

    assertEquals(200, answer.status());
    assertEquals("A|B", answer.body().path("out_order_no").asText());
    assertEquals("/v3/payscore/serviceorder/A%7CB/send-pendingmessage", graph.wechat.requests().get(0).rawPath());
    assertTrue(graph.store.record(MCHID + "#A|B").isPresent());
  }

  // ---- Settling an order whose outcome is unknown: every row of the resolution table, on both payloads.

  static final String SETTLE_SENT = "{\"resolution\":\"SENT\",\"reason\":\"商户平台已显示待处理消息 (ticket 4711)\"}";
  static final String SETTLE_NOT_SENT = "{\"resolution\":\"NOT_SENT\",\"reason\":\"WeChat support: never received\"}";

  /** How an operator's resolution ends, and what the caller, the store and the metric show. */
  enum ResolveRow {
    RESOLVED_AS_SENT(g -> g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误")), SETTLE_SENT,
        200, null, null, Metric.Resolved, false, Left.SENT),
    RESOLVED_AS_NOT_SENT(g -> g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误")), SETTLE_NOT_SENT,
        200, null, null, Metric.Resolved, false, Left.REJECTED),
    RESOLVED_UNDER_REVIEW(g -> {
      g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
      g.earlierRequest(BODY, error(400, "INVALID_REQUEST", "重复请求"));
    }, SETTLE_SENT, 200, null, null, Metric.Resolved, false, Left.SENT),
    RESOLVED_A_DEAD_HOLDERS_CLAIM(g -> {
      g.heldElsewhere(Duration.ofSeconds(12));
      g.clock.advance(Duration.ofSeconds(13));
    }, SETTLE_SENT, 200, null, null, Metric.Resolved, false, Left.SENT),
    /** The settling write landed, its answer was lost; the retry meets it and settles nothing twice. */
    RESOLVED_AFTER_ITS_WRITE_LOST_AN_ANSWER(g -> {
      g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
      g.store.failNext(Verb.RESOLVE, Fault.answerLost());
    }, SETTLE_SENT, 200, null, null, Metric.Resolved, false, Left.SENT),
    NOT_FOUND(g -> { }, SETTLE_SENT, 404, "NOT_FOUND", null, Metric.Invalid, false, Left.ABSENT),
    NOT_RESOLVABLE_WHEN_SENT(g -> g.earlierRequest(BODY, accepted()), SETTLE_NOT_SENT,
        409, "NOT_RESOLVABLE", null, Metric.Conflict, false, Left.SENT),
    NOT_RESOLVABLE_WHEN_REJECTED(g -> g.earlierRequest(BODY, error(400, "PARAM_ERROR", "参数错误")), SETTLE_SENT,
        409, "NOT_RESOLVABLE", null, Metric.Conflict, false, Left.REJECTED),
    NOT_RESOLVABLE_WHILE_A_LEASE_IS_LIVE(g -> g.heldElsewhere(Duration.ofSeconds(12)), SETTLE_SENT,
        409, "NOT_RESOLVABLE", null, Metric.Conflict, false, Left.IN_PROGRESS),
    DEPENDENCY_UNAVAILABLE_STORE(g -> {
      g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
      g.store.failEvery(Verb.RESOLVE, Fault.timedOut(false));
    }, SETTLE_SENT, 503, "DEPENDENCY_UNAVAILABLE", "1", Metric.Failed, true, Left.UNKNOWN),
    DEPENDENCY_UNAVAILABLE_SECRETS_MANAGER(g -> g.secrets.unavailable(), SETTLE_SENT,
        503, "DEPENDENCY_UNAVAILABLE", "1", Metric.Failed, true, Left.ABSENT),
    INTERNAL_ERROR_MALFORMED_SECRET(g -> g.secrets.serve(FunctionGraph.malformedSecret("v1")), SETTLE_SENT,
        500, "INTERNAL_ERROR", null, Metric.Failed, true, Left.ABSENT),
    INVALID_REQUEST(g -> g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误")),
        "{\"resolution\":\"MAYBE\",\"reason\":\"unsure\"}", 400, "INVALID_REQUEST", null, Metric.Invalid, false,
        Left.UNKNOWN);

    final java.util.function.Consumer<FunctionGraph> given;
    final String body;
    final int status;
    final String code;
    final String retryAfter;
    final Metric metric;
    final boolean warn;
    final Left left;

    ResolveRow(java.util.function.Consumer<FunctionGraph> given, String body, int status, String code,
        String retryAfter, Metric metric, boolean warn, Left left) {
      this.given = given;
      this.body = body;
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
      this.metric = metric;
      this.warn = warn;
      this.left = left;
    }
  }

  static Stream<Arguments> everyPayloadAndResolution() {
    return Arrays.stream(Payload.values())
        .flatMap(payload -> Arrays.stream(ResolveRow.values()).map(row -> Arguments.of(payload, row)));
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("everyPayloadAndResolution")
  void givenHowAResolutionEnds_whenAnOperatorPostsIt_thenCallerStoreAndMetricShowItsRow(Payload payload,
      ResolveRow row) {
    // given
    row.given.accept(graph);

    // when
    HttpAnswer answer = HttpAnswer.of(graph.api(payload.resolution(ORDER, row.body, OPERATOR_ARN)));

    // then: the caller's answer
    assertEquals(row.status, answer.status(), answer::toString);
    assertEquals(row.code, answer.code(), answer::toString);
    assertEquals(row.retryAfter, answer.retryAfter(), answer::toString);
    if (row.status == 200) {
      JsonNode settled = answer.body();
      boolean sent = row.body.equals(SETTLE_SENT);
      assertEquals(ORDER, settled.path("out_order_no").asText());
      assertEquals(sent ? "SENT" : "REJECTED", settled.path("state").asText());
      assertEquals(sent ? "SENT" : "NOT_SENT", settled.path("resolution").asText());
      assertEquals(Events.parse(row.body).path("reason").asText(), settled.path("resolution_reason").asText());
      assertEquals(OPERATOR_ARN, settled.path("resolved_by").asText(), "the caller's IAM identity");
      assertEquals(graph.clock.instant().toString(), settled.path("resolved_at").asText());
      IdempotencyRecord record = graph.record().orElseThrow();
      assertEquals(OPERATOR_ARN, record.resolution().resolvedBy());
    } else if (row.code.equals("NOT_RESOLVABLE")) {
      assertEquals(row.left.name(), answer.body().path("record").path("state").asText());
    }

    // then: the record, and WeChat is not asked
    assertEquals(row.left, Left.of(graph.record().orElse(null)));
    assertEquals(List.of(), graph.wechat.requests());

    // then: one metric
    Counted counted = graph.countedOnce("api", row.metric);
    assertEquals(row.warn ? "WARN" : "INFO", counted.line().path("level").asText());
    assertEquals(row.status == 200 ? "RESOLVED" : row.code, counted.line().path("result").asText());
  }

  @Test
  void givenAnOrderSettledAsSent_thenTheRecordedBodyReplaysAnotherIsAMismatchAndTheRecordShowsTheResolution() {
    graph.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    assertEquals(200, HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.resolution(ORDER, SETTLE_SENT, OPERATOR_ARN)))
        .status());
    graph.forget();

    HttpAnswer replay = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, BODY_REORDERED)));
    HttpAnswer other = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, OTHER_BODY)));
    HttpAnswer status = HttpAnswer.of(graph.api(Payload.REST_API_1_0.get(ORDER)));

    assertEquals(200, replay.status());
    assertTrue(replay.body().path("replayed").asBoolean());
    assertEquals("PAYLOAD_MISMATCH", other.code());
    assertEquals(List.of(), graph.wechat.requests());
    assertEquals("SENT", status.body().path("resolution").asText());
    assertEquals(OPERATOR_ARN, status.body().path("resolved_by").asText());
    assertFalse(status.body().path("resolution_reason").asText().isBlank());
  }

  @Test
  void givenAnOrderSettledAsNotSent_whenTheNextRequestComes_thenItIsClaimedAndSentWhateverItsBody() {
    graph.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    graph.api(Payload.HTTP_API_2_0.resolution(ORDER, SETTLE_NOT_SENT, OPERATOR_ARN));
    graph.wechat.answer(accepted());
    graph.forget();

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.post(ORDER, OTHER_BODY)));

    assertEquals(200, answer.status());
    assertFalse(answer.body().path("replayed").asBoolean(true));
    assertEquals(1, graph.wechat.requests().size());
    IdempotencyRecord record = graph.record().orElseThrow();
    assertEquals(State.SENT, record.state());
    assertEquals(2, record.attempts());
    graph.countedOnce("api", Metric.Sent);
  }

  // ---- Reading the record.

  @ParameterizedTest
  @EnumSource(Payload.class)
  void givenAnOrderSent_whenItsRecordIsRead_thenTheAnswerIsTheRecordAndNoMetricIsCounted(Payload payload) {
    graph.earlierRequest(BODY, accepted());

    HttpAnswer answer = HttpAnswer.of(graph.api(payload.get(ORDER)));

    assertEquals(200, answer.status());
    JsonNode body = answer.body();
    assertEquals(ORDER, body.path("out_order_no").asText());
    assertEquals("SENT", body.path("state").asText());
    assertEquals(1, body.path("attempts").asInt());
    assertFalse(body.path("needs_review").asBoolean(true));
    assertTrue(body.path("last_error").isNull());
    assertEquals(FunctionGraph.START.toString(), body.path("sent_at").asText());
    assertEquals(FunctionGraph.START.toString(), body.path("created_at").asText());
    assertFalse(body.path("wechatpay_request_id").asText().isBlank());
    assertEquals(List.of(Verb.FIND), graph.store.verbs());
    assertEquals(List.of(), graph.counted(), "a read is not a request to send");
  }

  @ParameterizedTest
  @EnumSource(Payload.class)
  void givenAnOrderNeverSeen_whenItsRecordIsRead_thenNotFound(Payload payload) {
    HttpAnswer answer = HttpAnswer.of(graph.api(payload.get(ORDER)));

    assertEquals(404, answer.status());
    assertEquals("NOT_FOUND", answer.code());
  }

  @Test
  void givenTheStoreUnavailable_whenARecordIsRead_thenDependencyUnavailableWithRetryAfter() {
    graph.store.failNext(Verb.FIND, Fault.refused());

    HttpAnswer answer = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.get(ORDER)));

    assertEquals(503, answer.status());
    assertEquals("DEPENDENCY_UNAVAILABLE", answer.code());
    assertEquals("1", answer.retryAfter());
  }

  @Test
  void givenTheSecretUnavailableOrMalformed_whenARecordIsRead_then503Or500() {
    graph.secrets.unavailable();
    HttpAnswer unavailable = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.get(ORDER)));
    graph.secrets.serve(FunctionGraph.malformedSecret("v1"));

    HttpAnswer malformed = HttpAnswer.of(graph.api(Payload.HTTP_API_2_0.get(ORDER)));

    assertEquals(503, unavailable.status());
    assertEquals("DEPENDENCY_UNAVAILABLE", unavailable.code());
    assertEquals(500, malformed.status());
    assertEquals("INTERNAL_ERROR", malformed.code());
    assertEquals(List.of(), graph.store.calls());
  }

  // ---- A function that could not be built.

  @Test
  void givenAMissingVariable_thenTheAnswerIsAnInternalErrorNamingIt() {
    String reason;
    try {
      Configuration.from(Map.of("WECHATPAY_SECRET_ID", "payscore/merchant", "AWS_REGION", "ap-southeast-1"));
      throw new AssertionError("a configuration without IDEMPOTENCY_TABLE was accepted");
    } catch (Configuration.ConfigurationException e) {
      reason = e.getMessage();
    }

    HttpAnswer answer = HttpAnswer.of(ApiGatewayHandler.misconfigured(reason));

    assertEquals(500, answer.status());
    assertEquals("INTERNAL_ERROR", answer.code());
    assertTrue(answer.message().contains("IDEMPOTENCY_TABLE"), answer::message);
    assertNull(answer.retryAfter());
  }
}
