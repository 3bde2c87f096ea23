package payscore.send;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.StepClock;
import payscore.idempotency.Claim;
import payscore.idempotency.Finish;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.idempotency.InMemoryIdempotencyStore;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecret;
import payscore.merchant.MerchantSource;
import payscore.observe.OutcomeLog.Metric;
import payscore.request.PendingMessage;
import payscore.request.PendingMessageReader;
import payscore.send.Outcome.Disposition;
import payscore.wechatpay.NonceSource;
import payscore.wechatpay.Pem;
import payscore.wechatpay.RequestSigner;
import payscore.wechatpay.ResponseVerifier;
import payscore.wechatpay.SendOutcome;
import payscore.wechatpay.WeChatPayClient;
import payscore.wechatpay.WeChatPayEndpoints;
import payscore.wechatpay.WeChatPayPublicKey;

/**
 * {@link PendingMessageService} over every answer WeChat Pay can give, with the in-memory store
 * (which runs the DynamoDB store's contract tests) and a real HTTP server on 127.0.0.1 playing
 * WeChat Pay, signing its 2xx answers as WeChat does. The clock stands still until a test steps
 * it, so a lease passes in one call.
 */
class PendingMessageServiceTest {
  static final String MCHID = "1900000001";
  static final String ORDER = "1234323JKHDFE1243252";
  static final String PUB_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  static final String ROTATED_SERIAL = "7A2D83F3B9A42C83B3F24BE9EFF03582FC4A8226";
  /** The time a request has before Lambda stops it; the lease runs to its end plus the skew. */
  static final Duration INVOCATION = Duration.ofSeconds(10);
  static final Duration FINISH_RESERVE = Duration.ofSeconds(1);
  static final InvocationBudget BUDGET = InvocationBudget.STANDARD.withFinishReserve(FINISH_RESERVE);
  static final Duration LEASE_SKEW = BUDGET.leaseSkew();
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  static final Duration LIFETIME = Duration.ofDays(30);

  static final HttpClient HTTP = WeChatPayClient.newHttpClient(Duration.ofSeconds(2));
  static PrivateKey merchantKey;
  static KeyPair wechatpayKey;

  final StepClock clock = new StepClock(Instant.parse("2025-03-01T08:00:00Z"));
  final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
  final AtomicInteger tokens = new AtomicInteger();
  FakeWeChatPay wechat;

  @BeforeAll
  static void keys() throws GeneralSecurityException, IOException {
    try (InputStream pem = PendingMessageServiceTest.class.getResourceAsStream("/keys/merchant-test-key.pem")) {
      merchantKey = Pem.privateKey("merchant_private_key", new String(pem.readAllBytes(), UTF_8));
    }
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    wechatpayKey = rsa.generateKeyPair();
  }

  @BeforeEach
  void startWeChatPay() throws IOException {
    wechat = new FakeWeChatPay(clock);
  }

  @AfterEach
  void stopWeChatPay() {
    wechat.close();
  }

  // ---- Every answer of WeChat Pay, with and without an earlier attempt that may have reached it.

  /** What WeChat Pay does with the request (or why it never sees it). */
  enum Answer {
    ACCEPTED, REJECTED_400, SIGN_ERROR_401, FREQUENCY_LIMITED_429, UNREACHABLE, DEADLINE_PASSED, STALLED,
    SYSTEM_ERROR_500, UNVERIFIED_204
  }

  /** What happened to the order before this request. */
  enum Earlier {
    /** Nothing: a new order. */
    NONE,
    /** Another instance claimed the order and died; its lease has passed (invariant 5). */
    HOLDER_DIED,
    /** An earlier attempt got no answer in time; the record is UNKNOWN (invariant 3). */
    TIMED_OUT
  }

  /** The record a request leaves behind. */
  enum Left { SENT, REJECTED, UNKNOWN, NEEDS_REVIEW, ABSENT }

  record Row(Answer answer, Earlier earlier, Class<? extends SendOutcome> wechatSaid,
      Class<? extends SendResult> result, Left left, int httpStatus, String code, Disposition disposition,
      Metric metric) {
    @Override
    public String toString() {
      return answer + " after " + earlier + " -> " + result.getSimpleName() + ", " + left + ", " + httpStatus
          + (code == null ? "" : " " + code) + ", " + disposition + ", " + metric;
    }
  }

  static Stream<Row> everyAnswer() {
    List<Row> rows = new ArrayList<>();
    for (Earlier earlier : Earlier.values()) {
      boolean maybeSent = earlier != Earlier.NONE;
      // Nothing reached WeChat this time: the order is free again, unless an earlier attempt may have.
      Left notSent = maybeSent ? Left.UNKNOWN : Left.ABSENT;
      rows.add(new Row(Answer.ACCEPTED, earlier, SendOutcome.Accepted.class,
          SendResult.Sent.class, Left.SENT, 200, null, Disposition.ACK, Metric.Sent));
      rows.add(maybeSent
          ? new Row(Answer.REJECTED_400, earlier, SendOutcome.Rejected.class,
              SendResult.OutcomeUnknown.class, Left.NEEDS_REVIEW, 409, "OUTCOME_UNKNOWN", Disposition.PARK,
              Metric.Uncertain)
          : new Row(Answer.REJECTED_400, earlier, SendOutcome.Rejected.class,
              SendResult.Rejected.class, Left.REJECTED, 422, "WECHATPAY_REJECTED", Disposition.PARK, Metric.Rejected));
      rows.add(new Row(Answer.SIGN_ERROR_401, earlier, SendOutcome.NotProcessed.class,
          SendResult.InternalError.class, notSent, 500, "INTERNAL_ERROR", Disposition.RETRY, Metric.Failed));
      rows.add(new Row(Answer.FREQUENCY_LIMITED_429, earlier, SendOutcome.NotProcessed.class,
          SendResult.UpstreamError.class, notSent, 502, "UPSTREAM_ERROR", Disposition.RETRY, Metric.Failed));
      rows.add(new Row(Answer.UNREACHABLE, earlier, SendOutcome.NotProcessed.class,
          SendResult.UpstreamError.class, notSent, 502, "UPSTREAM_ERROR", Disposition.RETRY, Metric.Failed));
      rows.add(new Row(Answer.DEADLINE_PASSED, earlier, SendOutcome.DeadlinePassed.class,
          SendResult.UpstreamTimeout.class, notSent, 504, "UPSTREAM_TIMEOUT", Disposition.RETRY, Metric.Failed));
      rows.add(new Row(Answer.STALLED, earlier, SendOutcome.TimedOut.class,
          SendResult.UpstreamTimeout.class, Left.UNKNOWN, 504, "UPSTREAM_TIMEOUT", Disposition.RETRY,
          Metric.Uncertain));
      rows.add(new Row(Answer.SYSTEM_ERROR_500, earlier, SendOutcome.Uncertain.class,
          SendResult.UpstreamError.class, Left.UNKNOWN, 502, "UPSTREAM_ERROR", Disposition.RETRY, Metric.Uncertain));
      rows.add(new Row(Answer.UNVERIFIED_204, earlier, SendOutcome.Uncertain.class,
          SendResult.UpstreamError.class, Left.UNKNOWN, 502, "UPSTREAM_ERROR", Disposition.RETRY, Metric.Uncertain));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyAnswer")
  void eachAnswerOfWeChatPayEndsInItsResultRecordAndOutcomeRow(Row row) throws Exception {
    // given
    PendingMessage message = message(BODY);
    URI wechatUrl = row.answer() == Answer.UNREACHABLE ? closedPort() : wechat.baseUrl();
    Merchants merchants = new Merchants(merchant("v1", SERIAL, wechatUrl), null);
    PendingMessageService service = service(merchants);
    happenedEarlier(row.earlier(), message);
    Duration invocation = switch (row.answer()) {
      // Less time left than the reserve for recording the outcome: nothing may be sent.
      case DEADLINE_PASSED -> FINISH_RESERVE.minusMillis(500);
      // WeChat holds the answer; the send deadline cuts the wait at 300 ms.
      case STALLED -> FINISH_RESERVE.plusMillis(300);
      default -> INVOCATION;
    };
    wechat.script(answerFor(row.answer()));

    // when
    SendResult result = service.send(message, clock.instant().plus(invocation));
    Outcome outcome = Outcome.of(result);

    // then: the result and the row the handlers read
    assertInstanceOf(row.result(), result);
    assertEquals(row.httpStatus(), outcome.httpStatus());
    assertEquals(row.code(), outcome.code());
    assertEquals(row.disposition(), outcome.disposition());
    assertEquals(row.metric(), outcome.metric());
    if (outcome.wechatpay() != null) assertInstanceOf(row.wechatSaid(), outcome.wechatpay());

    // then: what reached WeChat
    boolean reachesWeChat = row.answer() != Answer.UNREACHABLE && row.answer() != Answer.DEADLINE_PASSED;
    assertEquals(reachesWeChat ? 1 : 0, wechat.requests().size());
    if (reachesWeChat) {
      assertEquals(WeChatPayClient.pendingMessagePath(ORDER), wechat.requests().get(0).path());
      assertArrayEquals(message.canonicalBody(), wechat.requests().get(0).body());
    }
    assertEquals(row.answer() == Answer.SIGN_ERROR_401 ? List.of(merchants.current()) : List.of(),
        merchants.refreshedAfter, "a 401 re-reads the merchant secret once; nothing else does");

    // then: the record left behind
    Optional<IdempotencyRecord> record = store.find(key());
    if (row.left() == Left.ABSENT) {
      assertEquals(Optional.empty(), record);
      return;
    }
    IdempotencyRecord left = record.orElseThrow();
    assertEquals(row.left(), leftOf(left));
    assertEquals(message.payloadHash(), left.payloadHash());
    assertNull(left.leaseUntil(), "the claim ended");
    assertEquals(row.earlier() == Earlier.NONE ? 1 : 2, left.attempts());
    if (row.left() == Left.SENT) {
      assertEquals(wechat.answeredRequestIds().get(0), left.wechatpayRequestId());
      assertEquals(clock.instant(), left.sentAt());
      assertNull(left.lastError());
    } else {
      assertEquals(expectedErrorCode(row.answer()), left.lastError().code());
    }
  }

  // ---- Requests the record answers without calling WeChat Pay.

  @Test
  void aSecondRequestWhileTheFirstIsAtWeChatIsToldInProgressUntilTheLeaseEnds() throws Exception {
    // given: WeChat takes its time over the first request, and meanwhile the same request comes again
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    PendingMessage message = message(BODY);
    Instant firstEnds = clock.instant().plus(INVOCATION);
    Instant secondArrives = clock.instant().plusSeconds(4);
    AtomicReference<SendResult> second = new AtomicReference<>();
    wechat.script(FakeWeChatPay.accepted().meanwhile(() -> {
      clock.advance(Duration.ofSeconds(4));
      second.set(service.send(message, clock.instant().plus(INVOCATION)));
    }));

    // when
    SendResult first = service.send(message, firstEnds);

    // then
    long leaseLeft = Duration.between(secondArrives, firstEnds.plus(LEASE_SKEW)).toSeconds();
    SendResult.InProgress busy = assertInstanceOf(SendResult.InProgress.class, second.get());
    assertEquals(leaseLeft, busy.retryAfterSeconds());
    Outcome outcome = Outcome.of(busy);
    assertEquals(409, outcome.httpStatus());
    assertEquals("IN_PROGRESS", outcome.code());
    assertEquals(leaseLeft, outcome.retryAfterSeconds());
    assertEquals(Disposition.RETRY, outcome.disposition());
    assertEquals(Metric.Conflict, outcome.metric());
    assertInstanceOf(SendResult.Sent.class, first);
    assertEquals(1, wechat.requests().size());
    assertEquals(State.SENT, store.find(key()).orElseThrow().state());
  }

  @Test
  void aDeadHoldersLeaseIsWaitedOutBySteppingTheClock() throws Exception {
    // given: an instance claimed the order and died before it could send or record anything
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    PendingMessage message = message(BODY);
    Instant deadInvocationEnds = clock.instant().plus(INVOCATION);
    store.claim(key(), message.payloadHash(), "dead-instance", clock.instant(),
        deadInvocationEnds.plus(LEASE_SKEW), clock.instant().plus(LIFETIME).getEpochSecond());
    wechat.script(FakeWeChatPay.accepted());

    // when
    SendResult whileHeld = service.send(message, clock.instant().plus(INVOCATION));
    clock.advance(INVOCATION.plus(LEASE_SKEW).plusMillis(1));
    SendResult afterLease = service.send(message, clock.instant().plus(INVOCATION));

    // then
    assertEquals(INVOCATION.plus(LEASE_SKEW).toSeconds(),
        assertInstanceOf(SendResult.InProgress.class, whileHeld).retryAfterSeconds());
    assertFalse(assertInstanceOf(SendResult.Sent.class, afterLease).replayed());
    assertEquals(1, wechat.requests().size());
    IdempotencyRecord record = store.find(key()).orElseThrow();
    assertEquals(State.SENT, record.state());
    assertEquals(2, record.attempts());
  }

  @Test
  void theSameBodyAfterASendIsReplayedWithoutCallingWeChat() throws Exception {
    // given
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.accepted());
    SendResult.Sent sent = assertInstanceOf(SendResult.Sent.class, service.send(message(BODY), invocationEnd()));
    clock.advance(Duration.ofMinutes(5));

    // when: the client retries, key order and spacing aside the same body
    SendResult again = service.send(message(BODY_REORDERED), invocationEnd());

    // then
    SendResult.Sent replay = assertInstanceOf(SendResult.Sent.class, again);
    assertTrue(replay.replayed());
    assertFalse(sent.replayed());
    assertEquals(sent.record(), replay.record());
    assertEquals(wechat.answeredRequestIds().get(0), replay.record().wechatpayRequestId());
    Outcome outcome = Outcome.of(replay);
    assertEquals(200, outcome.httpStatus());
    assertEquals(Outcome.Kind.REPLAYED, outcome.kind());
    assertEquals(Disposition.ACK, outcome.disposition());
    assertEquals(Metric.Replayed, outcome.metric());
    assertEquals(1, wechat.requests().size());
  }

  @Test
  void aDifferentBodyForAnOrderAlreadySentIsAPayloadMismatch() throws Exception {
    // given
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.accepted());
    service.send(message(BODY), invocationEnd());
    IdempotencyRecord sent = store.find(key()).orElseThrow();

    // when
    SendResult result = service.send(message(OTHER_BODY), invocationEnd());

    // then
    assertPayloadMismatch(result, sent);
    assertEquals(1, wechat.requests().size());
  }

  @Test
  void aDifferentBodyAfterAnAnswerThatMayHaveBeenTakenIsAPayloadMismatch() throws Exception {
    // given: WeChat answered 500, so it may have the first body (invariant 3)
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.error(500, "SYSTEM_ERROR", "系统错误"));
    service.send(message(BODY), invocationEnd());
    IdempotencyRecord unknown = store.find(key()).orElseThrow();

    // when
    SendResult result = service.send(message(OTHER_BODY), invocationEnd());

    // then
    assertEquals(State.UNKNOWN, unknown.state());
    assertPayloadMismatch(result, unknown);
    assertEquals(1, wechat.requests().size());
  }

  @Test
  void anOrderUnderReviewAnswersOutcomeUnknownWithoutCallingWeChat() throws Exception {
    // given: the first attempt may have been taken (500), and WeChat refused the retry (400)
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.error(500, "SYSTEM_ERROR", "系统错误"),
        FakeWeChatPay.error(400, "INVALID_REQUEST", "重复请求"));
    service.send(message(BODY), invocationEnd());
    assertInstanceOf(SendResult.OutcomeUnknown.class, service.send(message(BODY), invocationEnd()));
    IdempotencyRecord review = store.find(key()).orElseThrow();

    // when
    SendResult result = service.send(message(BODY), invocationEnd());

    // then
    assertTrue(review.needsReview());
    assertEquals(review, assertInstanceOf(SendResult.OutcomeUnknown.class, result).record());
    Outcome outcome = Outcome.of(result);
    assertEquals(409, outcome.httpStatus());
    assertEquals("OUTCOME_UNKNOWN", outcome.code());
    assertEquals(Disposition.PARK, outcome.disposition());
    assertEquals(Metric.Uncertain, outcome.metric());
    assertEquals(2, wechat.requests().size());
    assertEquals(review, store.find(key()).orElseThrow());
  }

  @Test
  void aRejectedOrderIsSentAgainWithACorrectedBody() throws Exception {
    // given
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.error(400, "PARAM_ERROR", "参数错误"), FakeWeChatPay.accepted());
    assertInstanceOf(SendResult.Rejected.class, service.send(message(BODY), invocationEnd()));

    // when
    SendResult corrected = service.send(message(OTHER_BODY), invocationEnd());

    // then
    assertFalse(assertInstanceOf(SendResult.Sent.class, corrected).replayed());
    IdempotencyRecord record = store.find(key()).orElseThrow();
    assertEquals(State.SENT, record.state());
    assertEquals(message(OTHER_BODY).payloadHash(), record.payloadHash());
    assertEquals(2, record.attempts());
    assertArrayEquals(message(OTHER_BODY).canonicalBody(), wechat.requests().get(1).body());
  }

  @Test
  void aSignErrorRereadsTheMerchantOnceAndSendsAgainWithTheRotatedKey() throws Exception {
    // given: the secret was rotated; the cached version's serial is no longer accepted
    Merchant cached = merchant("v1", SERIAL, wechat.baseUrl());
    Merchant rotated = merchant("v2", ROTATED_SERIAL, wechat.baseUrl());
    Merchants merchants = new Merchants(cached, rotated);
    PendingMessageService service = service(merchants);
    wechat.script(FakeWeChatPay.error(401, "SIGN_ERROR", "签名错误"), FakeWeChatPay.accepted());

    // when
    SendResult result = service.send(message(BODY), invocationEnd());

    // then
    assertFalse(assertInstanceOf(SendResult.Sent.class, result).replayed());
    assertEquals(List.of(cached), merchants.refreshedAfter);
    assertEquals(List.of(SERIAL, ROTATED_SERIAL),
        wechat.requests().stream().map(FakeWeChatPay.Request::serialNo).toList());
    IdempotencyRecord record = store.find(key()).orElseThrow();
    assertEquals(State.SENT, record.state());
    assertEquals(1, record.attempts(), "one claim, however many signatures it took");
    assertEquals(wechat.answeredRequestIds().get(1), record.wechatpayRequestId());
  }

  @Test
  void aPartnerOrderIsClaimedUnderItsSubMerchantAndSentOnThePartnerPath() throws Exception {
    // given: the direct merchant already sent an order of the same number
    PendingMessageService service = service(new Merchants(merchant("v1", SERIAL, wechat.baseUrl()), null));
    wechat.script(FakeWeChatPay.accepted(), FakeWeChatPay.accepted());
    service.send(message(BODY), invocationEnd());
    PendingMessage partner = message(PARTNER_BODY);

    // when
    SendResult result = service.send(partner, invocationEnd());

    // then: a record of its own, and WeChat's partner API with sub_mchid in the body
    assertFalse(assertInstanceOf(SendResult.Sent.class, result).replayed());
    String partnerKey = PendingMessageService.key(MCHID, SUB_MCHID, ORDER);
    assertEquals(MCHID + "#" + SUB_MCHID + "#" + ORDER, partnerKey);
    assertEquals(State.SENT, store.find(partnerKey).orElseThrow().state());
    assertEquals(message(BODY).payloadHash(), store.find(key()).orElseThrow().payloadHash());
    FakeWeChatPay.Request sent = wechat.requests().get(1);
    assertEquals(WeChatPayClient.pendingMessagePath(SUB_MCHID, ORDER), sent.path());
    assertTrue(new String(sent.body(), UTF_8).startsWith("{\"sub_mchid\":\"" + SUB_MCHID + "\","), "sub_mchid first");
  }

  // ---- Fixtures.

  static final String BODY = """
      {"service_id": "2002000000000558128851361561536",
       "post_payments": [{"name": "就餐费用", "amount": 40000, "description": "就餐人均100元", "count": 4}],
       "post_discounts": [{"name": "满20减1元", "description": "不与其他优惠叠加", "amount": 100, "count": 1}],
       "total_amount": 39900, "prepaid_time": "20231218"}
      """;
  static final String BODY_REORDERED = """
      {"prepaid_time": "20231218", "total_amount": 39900,
       "post_discounts": [{"count": 1, "amount": 100, "description": "不与其他优惠叠加", "name": "满20减1元"}],
       "post_payments": [{"count": 4, "description": "就餐人均100元", "amount": 40000, "name": "就餐费用"}],
       "service_id": "2002000000000558128851361561536"}
      """;
  static final String OTHER_BODY = BODY.replace("20231218", "20231219");
  static final String SUB_MCHID = "1900000109";
  static final String PARTNER_BODY = """
      {"service_id": "2002000000000558128851361561536",
       "post_payments": [{"name": "就餐费用", "amount": 40000, "description": "就餐人均100元", "count": 4}],
       "post_discounts": [{"name": "满20减1元", "description": "不与其他优惠叠加", "amount": 100, "count": 1}],
       "total_amount": 39900, "sub_mchid": "1900000109", "prepaid_time": "20231218"}
      """;

  static PendingMessage message(String json) throws Exception {
    return new PendingMessageReader().readHttp(ORDER, json.getBytes(UTF_8));
  }

  static String key() {
    return PendingMessageService.key(MCHID, null, ORDER);
  }

  Instant invocationEnd() {
    return clock.instant().plus(INVOCATION);
  }

  PendingMessageService service(MerchantSource merchants) {
    return new PendingMessageService(store, merchants, clock, LIFETIME, BUDGET,
        () -> "token-" + tokens.incrementAndGet());
  }

  Merchant merchant(String version, String serial, URI wechatUrl) {
    MerchantSecret secret = new MerchantSecret(MCHID, serial, merchantKey, PUB_KEY_ID, wechatpayKey.getPublic(), null);
    RequestSigner signer = new RequestSigner(MCHID, serial, merchantKey, clock, NonceSource.secure(SecureRandom::new));
    ResponseVerifier verifier = new ResponseVerifier(new WeChatPayPublicKey(PUB_KEY_ID, wechatpayKey.getPublic()), clock);
    return new Merchant(version, secret, new WeChatPayClient(HTTP, new WeChatPayEndpoints(wechatUrl, null), signer,
        PUB_KEY_ID, verifier, REQUEST_TIMEOUT, clock));
  }

  /** Puts the order in the state an earlier attempt left, through the store as another instance would. */
  void happenedEarlier(Earlier earlier, PendingMessage message) {
    String hash = message.payloadHash();
    Instant now = clock.instant();
    Instant leaseUntil = now.plus(INVOCATION).plus(LEASE_SKEW);
    long expiresAt = now.plus(LIFETIME).getEpochSecond();
    switch (earlier) {
      case NONE -> { }
      case HOLDER_DIED -> {
        // A holder that died after its claim, which is the mark that its request left for WeChat.
        assertInstanceOf(Claim.Granted.class, store.claim(key(), hash, "dead-instance", now, leaseUntil, expiresAt));
        clock.advance(Duration.between(now, leaseUntil).plusSeconds(1));
      }
      case TIMED_OUT -> {
        assertInstanceOf(Claim.Granted.class, store.claim(key(), hash, "earlier", now, leaseUntil, expiresAt));
        assertTrue(store.finish(key(), hash, "earlier",
            Finish.unknown(null, new LastError(0, "TIMEOUT", "no answer within 3000 ms")), now).isPresent());
        clock.advance(Duration.ofSeconds(30));
      }
    }
  }

  static FakeWeChatPay.Scripted answerFor(Answer answer) {
    return switch (answer) {
      case ACCEPTED, UNREACHABLE, DEADLINE_PASSED -> FakeWeChatPay.accepted();
      case REJECTED_400 -> FakeWeChatPay.error(400, "PARAM_ERROR", "参数错误");
      case SIGN_ERROR_401 -> FakeWeChatPay.error(401, "SIGN_ERROR", "签名错误");
      case FREQUENCY_LIMITED_429 -> FakeWeChatPay.error(429, "FREQUENCY_LIMITED", "频率超限");
      case STALLED -> FakeWeChatPay.stalled();
      case SYSTEM_ERROR_500 -> FakeWeChatPay.error(500, "SYSTEM_ERROR", "系统错误");
      case UNVERIFIED_204 -> FakeWeChatPay.signedByAnotherKey();
    };
  }

  /** The code the record keeps for a request that did not end SENT: WeChat's, or the local failure's. */
  static String expectedErrorCode(Answer answer) {
    return switch (answer) {
      case ACCEPTED -> null;
      case REJECTED_400 -> "PARAM_ERROR";
      case SIGN_ERROR_401 -> "SIGN_ERROR";
      case FREQUENCY_LIMITED_429 -> "FREQUENCY_LIMITED";
      case UNREACHABLE -> "CONNECT_FAILED";
      case DEADLINE_PASSED -> "DEADLINE_EXCEEDED";
      case STALLED -> "TIMEOUT";
      case SYSTEM_ERROR_500 -> "SYSTEM_ERROR";
      case UNVERIFIED_204 -> "UNVERIFIED_RESPONSE";
    };
  }

  static Left leftOf(IdempotencyRecord record) {
    return switch (record.state()) {
      case SENT -> Left.SENT;
      case REJECTED -> Left.REJECTED;
      case UNKNOWN -> record.needsReview() ? Left.NEEDS_REVIEW : Left.UNKNOWN;
      case IN_PROGRESS -> throw new AssertionError("the claim was left IN_PROGRESS: " + record);
    };
  }

  static void assertPayloadMismatch(SendResult result, IdempotencyRecord current) {
    assertEquals(current, assertInstanceOf(SendResult.PayloadMismatch.class, result).record());
    Outcome outcome = Outcome.of(result);
    assertEquals(409, outcome.httpStatus());
    assertEquals("PAYLOAD_MISMATCH", outcome.code());
    assertEquals(Disposition.PARK, outcome.disposition());
    assertEquals(Metric.Conflict, outcome.metric());
  }

  /** A loopback port nothing listens on: connecting is refused at once. */
  static URI closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  /** Hands out the cached merchant; after a 401 the rotated one, if there is one. */
  static final class Merchants implements MerchantSource {
    final List<Merchant> refreshedAfter = new CopyOnWriteArrayList<>();
    private final Merchant rotated;
    private volatile Merchant current;

    Merchants(Merchant current, Merchant rotated) {
      this.current = current;
      this.rotated = rotated;
    }

    @Override
    public Merchant current() {
      return current;
    }

    @Override
    public Merchant refreshAfterSignError(Merchant refused) {
      refreshedAfter.add(refused);
      if (rotated != null) current = rotated;
      return current;
    }
  }

  /**
   * WeChat Pay on 127.0.0.1: each request gets the next scripted answer, 2xx answers signed over
   * {@code <timestamp>\n<nonce>\n<body>\n} with WeChat Pay's test key, as the verifier expects.
   */
  static final class FakeWeChatPay implements AutoCloseable {
    private static final Pattern SERIAL_NO = Pattern.compile("serial_no=\"([^\"]*)\"");

    record Request(String path, String authorization, byte[] body) {
      String serialNo() {
        Matcher serial = SERIAL_NO.matcher(authorization);
        return serial.find() ? serial.group(1) : null;
      }
    }

    enum Signing { WECHATPAY_KEY, ANOTHER_KEY }

    /** One answer: a status and WeChat's error body, or a stall; {@code meanwhile} runs before it is given. */
    record Scripted(int status, String code, String message, Signing signing, boolean stall, Runnable meanwhile) {
      Scripted meanwhile(Runnable action) {
        return new Scripted(status, code, message, signing, stall, action);
      }
    }

    static Scripted accepted() {
      return new Scripted(204, null, null, Signing.WECHATPAY_KEY, false, null);
    }

    static Scripted signedByAnotherKey() {
      return new Scripted(204, null, null, Signing.ANOTHER_KEY, false, null);
    }

    static Scripted error(int status, String code, String message) {
      return new Scripted(status, code, message, null, false, null);
    }

    static Scripted stalled() {
      return new Scripted(0, null, null, null, true, null);
    }

    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Queue<Scripted> script = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> answeredRequestIds = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    FakeWeChatPay(Clock clock) throws IOException {
      this.clock = clock;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::answer);
      server.setExecutor(threads);
      server.start();
    }

    URI baseUrl() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void script(Scripted... answers) {
      script.addAll(List.of(answers));
    }

    List<Request> requests() {
      return requests;
    }

    /** The {@code Request-ID} of each answer given, in order. */
    List<String> answeredRequestIds() {
      return answeredRequestIds;
    }

    private void answer(HttpExchange exchange) throws IOException {
      try (exchange) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.add(new Request(exchange.getRequestURI().getRawPath(),
            exchange.getRequestHeaders().getFirst("Authorization"), body));
        Scripted answer = script.poll();
        // A request the test did not expect: the test's count of requests fails it.
        if (answer == null) answer = error(500, "UNSCRIPTED", "no answer scripted");
        if (answer.meanwhile() != null) answer.meanwhile().run();
        if (answer.stall()) {
          closing.await(10, TimeUnit.SECONDS);
          return;
        }
        String requestId = "0819" + MCHID + "-" + requests.size();
        exchange.getResponseHeaders().add("Request-ID", requestId);
        answeredRequestIds.add(requestId);
        if (answer.status() / 100 == 2) {
          sign(exchange, answer.signing() == Signing.WECHATPAY_KEY ? wechatpayKey.getPrivate() : merchantKey);
          exchange.sendResponseHeaders(answer.status(), -1);
        } else {
          byte[] error = ("{\"code\":\"" + answer.code() + "\",\"message\":\"" + answer.message() + "\"}")
              .getBytes(UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(answer.status(), error.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(error);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Signs an empty body as WeChat Pay signs its answers. */
    private void sign(HttpExchange exchange, PrivateKey key) {
      String timestamp = Long.toString(clock.instant().getEpochSecond());
      String nonce = "N" + requests.size() + "D5C4B3A29180F7E6";
      try {
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update((timestamp + "\n" + nonce + "\n\n").getBytes(UTF_8));
        exchange.getResponseHeaders().add("Wechatpay-Timestamp", timestamp);
        exchange.getResponseHeaders().add("Wechatpay-Nonce", nonce);
        exchange.getResponseHeaders().add("Wechatpay-Signature", Base64.getEncoder().encodeToString(rsa.sign()));
        exchange.getResponseHeaders().add("Wechatpay-Serial", PUB_KEY_ID);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      closing.countDown();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
