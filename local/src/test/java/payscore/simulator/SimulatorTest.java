package payscore.simulator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.wechat.pay.java.core.auth.WechatPay2Credential;
import com.wechat.pay.java.core.auth.WechatPay2Validator;
import com.wechat.pay.java.core.cipher.AeadAesCipher;
import com.wechat.pay.java.core.cipher.RSASigner;
import com.wechat.pay.java.core.cipher.RSAVerifier;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.harness.SampleRequest;

/** The simulator, judged by the official WeChat Pay SDK. */
class SimulatorTest {

  private static final String MCHID = "1900000001";
  private static final String MERCHANT_SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  private static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  private static final String API_V3_KEY = "0123456789abcdefghijABCDEFGHIJkl";
  private static final String ORDER = "1234323JKHDFE1243252";
  private static final String BODY = SampleRequest.BODY;
  private static final String SUB_A = "1900000109";
  private static final String SUB_B = "1900000110";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static KeyPair merchantKey;
  private static KeyPair wechatpayKey;
  private static KeyPair strangerKey;
  private static PlatformCertificate olderCertificate;
  private static PlatformCertificate newerCertificate;

  // One client per test: a pooled connection must never outlive the simulator it was opened to.
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private WeChatPaySimulator simulator;

  @BeforeAll
  static void generateKeys() {
    merchantKey = TestKeys.rsa2048();
    wechatpayKey = TestKeys.rsa2048();
    strangerKey = TestKeys.rsa2048();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    olderCertificate = TestKeys.platformCertificate(
        "3775B6A45ACD588826D15E583A95F5DD2A2F5D1E", now.minus(Duration.ofDays(400)), now.plus(Duration.ofDays(30)));
    newerCertificate = TestKeys.platformCertificate(
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1825)));
  }

  @BeforeEach
  void startPublicKeyModeSimulator() throws IOException {
    simulator = publicKeyModeSimulator().start();
  }

  @AfterEach
  void closeSimulator() {
    simulator.close();
  }

  // --- signing and verification, judged by the SDK ---

  @Test
  void requestSignedBySdkIsAcceptedWithA204ThatTheSdkVerifies() throws Exception {
    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    assertEquals(PUBLIC_KEY_ID, response.headers().firstValue("Wechatpay-Serial").orElseThrow());
    assertTrue(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.ACCEPTED, recorded.verdict());
    assertEquals(204, recorded.status());
    assertNull(recorded.code());
    assertEquals(BODY, recorded.bodyText());
    assertEquals(response.headers().firstValue("Request-ID").orElseThrow(), recorded.requestId());
  }

  @Test
  void platformCertificateModeSignsTheResponseWithTheCertificateExpiringLast() throws Exception {
    try (WeChatPaySimulator certificateMode = WeChatPaySimulator.builder()
        .merchant(MCHID, MERCHANT_SERIAL, merchantKey.getPublic())
        .platformCertificateMode(API_V3_KEY, List.of(newerCertificate, olderCertificate))
        .start()) {

      HttpResponse<String> response = send(sdkSigned(pendingMessageUri(certificateMode, ORDER), BODY).build());

      assertEquals(204, response.statusCode());
      assertEquals(newerCertificate.serialNo(), response.headers().firstValue("Wechatpay-Serial").orElseThrow());
      assertTrue(verifiedBySdk(
          response, newerCertificate.certificate().getPublicKey(), newerCertificate.serialNo()));
    }
  }

  @Test
  void withBothModesTheResponseKeyFollowsTheRequestsWechatpaySerial() throws Exception {
    try (WeChatPaySimulator bothModes = publicKeyModeSimulator()
        .platformCertificateMode(API_V3_KEY, List.of(olderCertificate, newerCertificate))
        .start()) {

      HttpResponse<String> askingForPublicKey = send(sdkSigned(pendingMessageUri(bothModes, "A1"), BODY).build());
      HttpResponse<String> askingForNothing = send(sdkSigned(pendingMessageUri(bothModes, "A2"), BODY)
          .setHeader("Wechatpay-Serial", "UNKNOWN").build());

      assertTrue(verifiedBySdk(askingForPublicKey, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
      assertTrue(verifiedBySdk(
          askingForNothing, newerCertificate.certificate().getPublicKey(), newerCertificate.serialNo()));
    }
  }

  @Test
  void certificateListDecryptsWithTheSdkToTheConfiguredCertificates() throws Exception {
    try (WeChatPaySimulator certificateMode = WeChatPaySimulator.builder()
        .merchant(MCHID, MERCHANT_SERIAL, merchantKey.getPublic())
        .platformCertificateMode(API_V3_KEY, List.of(olderCertificate, newerCertificate))
        .start()) {

      HttpResponse<String> response = send(sdkSigned(certificateMode.baseUrl().resolve("/v3/certificates"), null)
          .build());

      assertEquals(200, response.statusCode());
      assertTrue(verifiedBySdk(
          response, newerCertificate.certificate().getPublicKey(), newerCertificate.serialNo()));
      JsonNode data = JSON.readTree(response.body()).get("data");
      assertEquals(2, data.size());
      AeadAesCipher cipher = new AeadAesCipher(API_V3_KEY.getBytes(UTF_8));
      for (int i = 0; i < 2; i++) {
        PlatformCertificate expected = List.of(olderCertificate, newerCertificate).get(i);
        JsonNode item = data.get(i);
        JsonNode encrypted = item.get("encrypt_certificate");
        // This SDK version takes bytes and leaves the Base64 decoding of the ciphertext to the caller.
        String pem = cipher.decrypt(
            encrypted.get("associated_data").asText().getBytes(UTF_8), encrypted.get("nonce").asText().getBytes(UTF_8),
            Base64.getDecoder().decode(encrypted.get("ciphertext").asText()));
        assertEquals(expected.certificate(), parseCertificate(pem));
        assertEquals(expected.serialNo(), item.get("serial_no").asText());
        assertEquals("AEAD_AES_256_GCM", encrypted.get("algorithm").asText());
        assertTrue(item.get("expire_time").asText().endsWith("+08:00"));
      }
      assertEquals(Verdict.ACCEPTED, certificateMode.requests().get(0).verdict());
    }
  }

  @Test
  void certificateListIsNotFoundInPublicKeyMode() throws Exception {
    HttpResponse<String> response = send(sdkSigned(simulator.baseUrl().resolve("/v3/certificates"), null).build());

    assertEquals(404, response.statusCode());
    assertEquals("RESOURCE_NOT_EXISTS", code(response));
  }

  // --- one message per order ---

  @Test
  void secondMessageForAnOrderGetsTheDuplicateRejection() throws Exception {
    sendMessage(simulator, ORDER);

    HttpResponse<String> second = sendMessage(simulator, ORDER);

    assertEquals(400, second.statusCode());
    assertEquals("INVALID_ORDER_STATE", code(second));
    assertFalse(second.headers().firstValue("Wechatpay-Signature").isPresent());
    assertEquals(1, simulator.acceptedCount(ORDER));
    assertEquals(Verdict.DUPLICATE, simulator.requestsFor(ORDER).get(1).verdict());
  }

  @Test
  void duplicateRejectionIsConfigurable() throws Exception {
    try (WeChatPaySimulator custom = publicKeyModeSimulator()
        .duplicateRejection(400, "INVALID_REQUEST", "重复下发")
        .start()) {
      sendMessage(custom, ORDER);

      HttpResponse<String> second = sendMessage(custom, ORDER);

      assertEquals("INVALID_REQUEST", code(second));
      assertEquals("INVALID_REQUEST", custom.requestsFor(ORDER).get(1).code());
    }
  }

  @Test
  void twentyConcurrentSendsOfOneOrderGiveExactlyOne204() {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      responses.add(http.sendAsync(
          sdkSigned(pendingMessageUri(simulator, ORDER), BODY).build(), HttpResponse.BodyHandlers.ofString()));
    }

    List<Integer> statuses = responses.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();

    assertEquals(1, statuses.stream().filter(status -> status == 204).count());
    assertEquals(19, statuses.stream().filter(status -> status == 400).count());
    assertEquals(1, simulator.acceptedCount(ORDER));
    assertEquals(20, simulator.requestsFor(ORDER).size());
  }

  // --- authentication ---

  @Test
  void requestSignedWithAnotherKeyIsRefusedAsSignError() throws Exception {
    HttpResponse<String> response = send(sdkSigned(
        pendingMessageUri(simulator, ORDER), BODY, MERCHANT_SERIAL, strangerKey.getPrivate()).build());

    assertRefused(response, 401, "SIGN_ERROR", Verdict.SIGN_ERROR);
    assertTrue(message(response).contains("signature"), message(response));
  }

  @Test
  void requestWithAnUnregisteredSerialIsRefusedAsSignError() throws Exception {
    HttpResponse<String> response = send(sdkSigned(
        pendingMessageUri(simulator, ORDER), BODY, "7D0E6A9A0C3D1B2A", merchantKey.getPrivate()).build());

    assertRefused(response, 401, "SIGN_ERROR", Verdict.SIGN_ERROR);
    assertTrue(message(response).contains("serial_no"), message(response));
  }

  @Test
  void requestWithATimestampMoreThan300SecondsOldIsRefusedAsSignError() throws Exception {
    URI uri = pendingMessageUri(simulator, ORDER);
    long stale = Instant.now().getEpochSecond() - 301;

    HttpResponse<String> response = send(sdkSigned(uri, BODY)
        .setHeader("Authorization", handAuthorization("POST", uri.getRawPath(), BODY, stale))
        .build());

    assertRefused(response, 401, "SIGN_ERROR", Verdict.SIGN_ERROR);
    assertTrue(message(response).contains("timestamp"), message(response));
  }

  @Test
  void requestSignedByHandOverTheRawPathIsAccepted() throws Exception {
    URI uri = pendingMessageUri(simulator, ORDER);

    HttpResponse<String> response = send(sdkSigned(uri, BODY)
        .setHeader("Authorization", handAuthorization("POST", uri.getRawPath(), BODY, Instant.now().getEpochSecond()))
        .build());

    assertEquals(204, response.statusCode());
  }

  @Test
  void requestTimestampIsJudgedBySimulatorClock() throws Exception {
    try (WeChatPaySimulator aheadBySixMinutes = publicKeyModeSimulator()
        .clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(6)))
        .start()) {

      HttpResponse<String> response = sendMessage(aheadBySixMinutes, ORDER);

      assertEquals(401, response.statusCode());
    }
  }

  @Test
  void requestWithoutUserAgentIsRefusedAsInvalidRequest() throws Exception {
    URI uri = pendingMessageUri(simulator, ORDER);
    String authorization = sdkAuthorization(uri, "POST", BODY, MERCHANT_SERIAL, merchantKey.getPrivate());
    byte[] body = BODY.getBytes(UTF_8);

    int status = rawStatus(uri, "POST " + uri.getRawPath() + " HTTP/1.1\r\n"
        + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
        + "Authorization: " + authorization + "\r\n"
        + "Accept: application/json\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "Connection: close\r\n\r\n", body);

    assertEquals(400, status);
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.INVALID_REQUEST, recorded.verdict());
    assertEquals("INVALID_REQUEST", recorded.code());
    assertNull(recorded.header("User-Agent"));
    assertEquals(0, simulator.acceptedCount(ORDER));
  }

  @Test
  void pipePercentEncodedIsSignedOverTheRawPathAndRecordedDecoded() throws Exception {
    String order = "A|B*1-_x";
    URI uri = pendingMessageUri(simulator, order);

    HttpResponse<String> response = send(sdkSigned(uri, BODY).build());

    assertEquals(204, response.statusCode());
    assertTrue(uri.getRawPath().contains("A%7CB*1-_x"));
    RecordedRequest recorded = simulator.requestsFor(order).get(0);
    assertEquals(order, recorded.outOrderNo());
    assertEquals(uri.getRawPath(), recorded.rawPath());
    assertEquals(1, simulator.acceptedCount(order));
  }

  @Test
  void requestSignedOverTheDecodedPathIsRefused() throws Exception {
    String order = "A|B";
    URI uri = pendingMessageUri(simulator, order);
    String decodedPath = "/v3/payscore/serviceorder/A|B/send-pendingmessage";

    HttpResponse<String> response = send(sdkSigned(uri, BODY)
        .setHeader("Authorization", handAuthorization("POST", decodedPath, BODY, Instant.now().getEpochSecond()))
        .build());

    assertEquals(401, response.statusCode());
    assertTrue(message(response).contains("signature"), message(response));
    assertEquals(0, simulator.acceptedCount(order));
  }

  @Test
  void replacedMerchantKeyIsTheOnlyOneAccepted() throws Exception {
    simulator.replaceMerchantKeys(MCHID, "NEW0SERIAL", strangerKey.getPublic());

    HttpResponse<String> oldKey = sendMessage(simulator, "R1");
    HttpResponse<String> newKey = send(sdkSigned(
        pendingMessageUri(simulator, "R2"), BODY, "NEW0SERIAL", strangerKey.getPrivate()).build());

    assertEquals(401, oldKey.statusCode());
    assertEquals(204, newKey.statusCode());
  }

  @Test
  void failedAuthenticationDoesNotConsumeTheScript() throws Exception {
    simulator.script(ORDER, Behaviour.rateLimited());
    send(sdkSigned(pendingMessageUri(simulator, ORDER), BODY, MERCHANT_SERIAL, strangerKey.getPrivate()).build());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(429, response.statusCode());
  }

  // --- body rules ---

  static Stream<Arguments> bodiesBreakingARule() {
    return Stream.of(
        Arguments.of(BODY.replace("39900", "40000"), "total_amount"),
        Arguments.of(BODY.replace("{\"service_id\"", "{\"foo\":1,\"service_id\""), "foo"),
        Arguments.of(BODY.replace("\"service_id\":\"" + SampleRequest.SERVICE_ID + "\",", ""), "service_id"),
        Arguments.of(BODY.replace("就餐费用", "就餐\uD83D\uDE00"), "post_payments[0].name"),
        Arguments.of(BODY.replace("就餐费用", "一二三四五六七八九十一二三四五六七八九十一"), "post_payments[0].name"),
        Arguments.of(BODY.replace("40000", "40000.0"), "post_payments[0].amount"),
        Arguments.of(BODY.replace("\"count\":4", "\"count\":101"), "post_payments[0].count"),
        Arguments.of(BODY.replace("\"description\":\"不与其他优惠叠加\"", "\"description\":null"),
            "post_discounts[0].description"),
        Arguments.of(BODY.replace("20231218", "20230230"), "prepaid_time"),
        Arguments.of(BODY.replace("\"post_payments\":[{\"name\":\"就餐费用\",\"amount\":40000,"
            + "\"description\":\"就餐人均100元\",\"count\":4}]", "\"post_payments\":[]"), "post_payments"),
        Arguments.of("[]", "body"),
        Arguments.of("{\"service_id\":\"a\",\"service_id\":\"b\"}", "body"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("bodiesBreakingARule")
  void bodyBreakingARuleGetsParamErrorNamingTheField(String body, String field) throws Exception {
    HttpResponse<String> response = send(sdkSigned(pendingMessageUri(simulator, ORDER), body).build());

    assertRefused(response, 400, "PARAM_ERROR", Verdict.PARAM_ERROR);
    assertTrue(message(response).startsWith(field + ":"), message(response));
  }

  @Test
  void orderNumberOutsideTheAllowedCharactersGetsParamError() throws Exception {
    HttpResponse<String> response = sendMessage(simulator, "ORDER.1");

    assertEquals(400, response.statusCode());
    assertEquals("PARAM_ERROR", code(response));
  }

  @Test
  void totalIsNotCheckedWhenAPaymentHasNoAmount() throws Exception {
    String body = BODY.replace("\"amount\":40000,", "").replace("39900", "12345");

    HttpResponse<String> response = send(sdkSigned(pendingMessageUri(simulator, ORDER), body).build());

    assertEquals(204, response.statusCode());
  }

  // --- scripted behaviours ---

  @Test
  void processedServerErrorCountsTheMessageAndIsUnsigned() throws Exception {
    simulator.script(ORDER, Behaviour.serverError(500, true));

    HttpResponse<String> response = sendMessage(simulator, ORDER);
    HttpResponse<String> retry = sendMessage(simulator, ORDER);

    assertEquals(500, response.statusCode());
    assertEquals("SYSTEM_ERROR", code(response));
    assertFalse(response.headers().firstValue("Wechatpay-Signature").isPresent());
    assertTrue(response.headers().firstValue("Request-ID").isPresent());
    assertEquals(Verdict.SCRIPTED, simulator.requestsFor(ORDER).get(0).verdict());
    assertEquals("SYSTEM_ERROR", simulator.requestsFor(ORDER).get(0).code());
    assertEquals(400, retry.statusCode());
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void unprocessedServerErrorLeavesTheOrderFree() throws Exception {
    simulator.script(ORDER, Behaviour.serverError(503, false));

    HttpResponse<String> response = sendMessage(simulator, ORDER);
    HttpResponse<String> retry = sendMessage(simulator, ORDER);

    assertEquals(503, response.statusCode());
    assertEquals(204, retry.statusCode());
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void rateLimitedAnswers429AndTakesNothing() throws Exception {
    simulator.script(ORDER, Behaviour.rateLimited());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertRefused(response, 429, "FREQUENCY_LIMITED", Verdict.SCRIPTED);
  }

  @Test
  void unauthorizedAnswers401AndTakesNothing() throws Exception {
    simulator.script(ORDER, Behaviour.unauthorized());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertRefused(response, 401, "SIGN_ERROR", Verdict.SCRIPTED);
  }

  @Test
  void rejectAnswersTheGivenErrorAndTakesNothing() throws Exception {
    simulator.script(ORDER, Behaviour.reject(404, "ORDER_NOT_EXIST", "订单不存在"));

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertRefused(response, 404, "ORDER_NOT_EXIST", Verdict.SCRIPTED);
    assertEquals("订单不存在", message(response));
  }

  @Test
  void delayWaitsThenAcceptsNormally() throws Exception {
    simulator.script(ORDER, Behaviour.delay(Duration.ofMillis(200)));
    long started = System.nanoTime();

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= 200);
    assertEquals(204, response.statusCode());
    assertTrue(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(Verdict.ACCEPTED, simulator.requestsFor(ORDER).get(0).verdict());
  }

  @Test
  void acceptThenHangTakesTheMessageAndNeverAnswers() throws Exception {
    simulator.script(ORDER, Behaviour.acceptThenHang());
    HttpRequest request = sdkSigned(pendingMessageUri(simulator, ORDER), BODY).timeout(Duration.ofMillis(300)).build();

    assertThrows(HttpTimeoutException.class, () -> send(request));

    assertEquals(1, simulator.acceptedCount(ORDER));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.SCRIPTED, recorded.verdict());
    assertEquals(0, recorded.status());
    assertEquals(204, sendMessage(simulator, "OTHER").statusCode());
    assertTimeoutPreemptively(Duration.ofSeconds(2), simulator::close);
  }

  @Test
  void signTestProbeIsProcessedButFailsSdkVerification() throws Exception {
    simulator.script(ORDER, Behaviour.signTest());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    assertTrue(response.headers().firstValue("Wechatpay-Signature").orElseThrow().startsWith("WECHATPAY/SIGNTEST/"));
    assertFalse(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void wrongKeySignatureIsProcessedButFailsSdkVerification() throws Exception {
    simulator.script(ORDER, Behaviour.wrongKeySignature());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    assertEquals(PUBLIC_KEY_ID, response.headers().firstValue("Wechatpay-Serial").orElseThrow());
    assertFalse(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void unsignedSuccessIsProcessedButFailsSdkVerification() throws Exception {
    simulator.script(ORDER, Behaviour.unsigned());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    assertTrue(response.headers().map().keySet().stream()
        .noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("wechatpay-")));
    assertTrue(response.headers().firstValue("Request-ID").isPresent());
    assertFalse(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void staleTimestampIsSignedCorrectlyButFailsSdkVerification() throws Exception {
    simulator.script(ORDER, Behaviour.staleTimestamp());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    long timestamp = Long.parseLong(response.headers().firstValue("Wechatpay-Timestamp").orElseThrow());
    assertTrue(Instant.now().getEpochSecond() - timestamp >= 590);
    assertTrue(jdkVerifies(response, wechatpayKey.getPublic()));
    assertFalse(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void malformedSignatureIsProcessedButFailsSdkVerification() throws Exception {
    simulator.script(ORDER, Behaviour.malformedSignature());

    HttpResponse<String> response = sendMessage(simulator, ORDER);

    assertEquals(204, response.statusCode());
    assertEquals("!!not-base64!!", response.headers().firstValue("Wechatpay-Signature").orElseThrow());
    assertFalse(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(ORDER));
  }

  @Test
  void scriptIsConsumedInOrderThenTheOrderIsHandledNormally() throws Exception {
    simulator.script(ORDER, Behaviour.rateLimited(), Behaviour.serverError(502, false));

    List<Integer> statuses = List.of(
        sendMessage(simulator, ORDER).statusCode(),
        sendMessage(simulator, ORDER).statusCode(),
        sendMessage(simulator, ORDER).statusCode());

    assertEquals(List.of(429, 502, 204), statuses);
  }

  // --- partner (服务商) path ---

  @Test
  void partnerRequestSignedBySdkWithTheProvidersKeyIsAcceptedForTheSubMerchant() throws Exception {
    HttpResponse<String> response = sendPartnerMessage(SUB_A, ORDER);

    assertEquals(204, response.statusCode());
    assertTrue(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(SUB_A, ORDER));
    assertEquals(0, simulator.acceptedCount(ORDER));
    RecordedRequest recorded = simulator.requestsFor(ServiceOrder.partner(SUB_A, ORDER)).get(0);
    assertTrue(recorded.partner());
    assertEquals(SUB_A, recorded.subMchid());
    assertEquals(ORDER, recorded.outOrderNo());
    assertEquals(Verdict.ACCEPTED, recorded.verdict());
    assertEquals("/v3/payscore/partner/serviceorder/" + ORDER + "/send-pendingmessage", recorded.rawPath());
    assertTrue(recorded.header("Authorization").contains("mchid=\"" + MCHID + "\""));
  }

  @Test
  void partnerRequestSignedOverTheDirectPathIsRefused() throws Exception {
    URI partner = partnerUri(simulator, ORDER);
    String directPath = "/v3/payscore/serviceorder/" + ORDER + "/send-pendingmessage";

    HttpResponse<String> response = send(sdkSigned(partner, partnerBody(SUB_A))
        .setHeader("Authorization",
            handAuthorization("POST", directPath, partnerBody(SUB_A), Instant.now().getEpochSecond()))
        .build());

    assertEquals(401, response.statusCode());
    assertEquals(0, simulator.acceptedCount(SUB_A, ORDER));
  }

  @Test
  void partnerRequestSignedWithAnotherKeyIsRefusedAsSignError() throws Exception {
    HttpResponse<String> response = send(sdkSigned(
        partnerUri(simulator, ORDER), partnerBody(SUB_A), MERCHANT_SERIAL, strangerKey.getPrivate()).build());

    assertEquals(401, response.statusCode());
    assertEquals("SIGN_ERROR", code(response));
    assertEquals(Verdict.SIGN_ERROR, simulator.requestsFor(ORDER).get(0).verdict());
    assertTrue(simulator.acceptances().isEmpty());
  }

  static Stream<Arguments> partnerBodiesWithABadSubMchid() {
    return Stream.of(
        Arguments.of("missing", BODY),
        Arguments.of("letters", "{\"sub_mchid\":\"19000001AB\"," + BODY.substring(1)),
        Arguments.of("33 digits", "{\"sub_mchid\":\"" + "1".repeat(33) + "\"," + BODY.substring(1)),
        Arguments.of("empty", "{\"sub_mchid\":\"\"," + BODY.substring(1)),
        Arguments.of("a number", "{\"sub_mchid\":1900000109," + BODY.substring(1)),
        Arguments.of("null", "{\"sub_mchid\":null," + BODY.substring(1)),
        Arguments.of("not first", BODY.substring(0, BODY.length() - 1) + ",\"sub_mchid\":\"" + SUB_A + "\"}"));
  }

  @ParameterizedTest(name = "sub_mchid {0}")
  @MethodSource("partnerBodiesWithABadSubMchid")
  void partnerBodyWithABadSubMchidGetsParamErrorNamingIt(String what, String body) throws Exception {
    HttpResponse<String> response = send(sdkSigned(partnerUri(simulator, ORDER), body).build());

    assertEquals(400, response.statusCode(), response.body());
    assertEquals("PARAM_ERROR", code(response));
    assertTrue(message(response).startsWith("sub_mchid:"), message(response));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.PARAM_ERROR, recorded.verdict());
    assertTrue(recorded.partner());
    assertTrue(simulator.acceptances().isEmpty());
  }

  @Test
  void partnerBodyIsJudgedByTheDirectRulesAfterItsSubMchid() throws Exception {
    HttpResponse<String> response = send(sdkSigned(
        partnerUri(simulator, ORDER), partnerBody(SUB_A).replace("39900", "40000")).build());

    assertEquals(400, response.statusCode());
    assertTrue(message(response).startsWith("total_amount:"), message(response));
    assertEquals(0, simulator.acceptedCount(SUB_A, ORDER));
  }

  @Test
  void directPathRefusesABodyWithSubMchid() throws Exception {
    HttpResponse<String> response = send(sdkSigned(pendingMessageUri(simulator, ORDER), partnerBody(SUB_A)).build());

    assertEquals(400, response.statusCode());
    assertEquals("sub_mchid: unknown field", message(response));
    assertFalse(simulator.requestsFor(ORDER).get(0).partner());
  }

  @Test
  void secondPartnerMessageForTheSameSubMerchantAndOrderGetsTheDuplicateRejection() throws Exception {
    sendPartnerMessage(SUB_A, ORDER);

    HttpResponse<String> second = sendPartnerMessage(SUB_A, ORDER);

    assertEquals(400, second.statusCode());
    assertEquals("INVALID_ORDER_STATE", code(second));
    assertEquals(1, simulator.acceptedCount(SUB_A, ORDER));
    assertEquals(Verdict.DUPLICATE, simulator.requestsFor(ServiceOrder.partner(SUB_A, ORDER)).get(1).verdict());
  }

  @Test
  void sameOrderNumberForTwoSubMerchantsAndADirectOrderIsThreeIndependentOrders() throws Exception {
    List<Integer> statuses = List.of(
        sendPartnerMessage(SUB_A, ORDER).statusCode(),
        sendPartnerMessage(SUB_B, ORDER).statusCode(),
        sendMessage(simulator, ORDER).statusCode());

    assertEquals(List.of(204, 204, 204), statuses);
    assertEquals(
        Map.of(ServiceOrder.partner(SUB_A, ORDER), 1, ServiceOrder.partner(SUB_B, ORDER), 1,
            ServiceOrder.direct(ORDER), 1),
        simulator.acceptances());
    assertEquals(3, simulator.requestsFor(ORDER).size());
    assertEquals(1, simulator.requestsFor(ServiceOrder.partner(SUB_B, ORDER)).size());
  }

  @Test
  void concurrentPartnerSendsGiveExactlyOne204PerSubMerchant() {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String sub = i % 2 == 0 ? SUB_A : SUB_B;
      responses.add(http.sendAsync(sdkSigned(partnerUri(simulator, ORDER), partnerBody(sub)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }

    long accepted = responses.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 204).count();

    assertEquals(2, accepted);
    assertEquals(1, simulator.acceptedCount(SUB_A, ORDER));
    assertEquals(1, simulator.acceptedCount(SUB_B, ORDER));
  }

  @Test
  void partnerOrderScriptComesBeforeTheOrderNumbersScript() throws Exception {
    simulator.script(ORDER, Behaviour.rateLimited());
    simulator.scriptPartner(SUB_A, ORDER, Behaviour.serverError(500, true));

    HttpResponse<String> subA = sendPartnerMessage(SUB_A, ORDER);
    HttpResponse<String> subB = sendPartnerMessage(SUB_B, ORDER);
    HttpResponse<String> subBAgain = sendPartnerMessage(SUB_B, ORDER);
    HttpResponse<String> subAAgain = sendPartnerMessage(SUB_A, ORDER);

    assertEquals(500, subA.statusCode());
    assertEquals(429, subB.statusCode());
    assertEquals(204, subBAgain.statusCode());
    assertEquals(400, subAAgain.statusCode());
    assertEquals(1, simulator.acceptedCount(SUB_A, ORDER));
    assertEquals(1, simulator.acceptedCount(SUB_B, ORDER));
  }

  @Test
  void orderNumbersScriptAlsoServesTheDirectOrder() throws Exception {
    simulator.script(ORDER, Behaviour.rateLimited());
    simulator.scriptPartner(SUB_A, ORDER, Behaviour.serverError(503, false));

    assertEquals(429, sendMessage(simulator, ORDER).statusCode());
    assertEquals(204, sendMessage(simulator, ORDER).statusCode());
    assertEquals(503, sendPartnerMessage(SUB_A, ORDER).statusCode());
  }

  // --- stalls ---

  @Test
  void headersStallPastTheClientTimeoutTakesTheMessageAtOnce() throws Exception {
    simulator.script(ORDER, Behaviour.stallHeaders(Duration.ofSeconds(30), Behaviour.normal()));
    HttpRequest request = sdkSigned(pendingMessageUri(simulator, ORDER), BODY).timeout(Duration.ofMillis(300)).build();

    assertThrows(HttpTimeoutException.class, () -> send(request));

    assertEquals(1, simulator.acceptedCount(ORDER));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.ACCEPTED, recorded.verdict());
    assertEquals(204, recorded.status());
    assertEquals(400, sendMessage(simulator, ORDER).statusCode());
    assertTimeoutPreemptively(Duration.ofSeconds(2), simulator::close);
  }

  @Test
  void headersStallShorterThanTheTimeoutAnswersAfterIt() throws Exception {
    simulator.script(ORDER, Behaviour.stallHeaders(Duration.ofMillis(300), Behaviour.normal()));
    long started = System.nanoTime();

    HttpResponse<String> response = send(sdkSigned(pendingMessageUri(simulator, ORDER), BODY)
        .timeout(Duration.ofSeconds(10)).build());

    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= 300);
    assertEquals(204, response.statusCode());
    assertTrue(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
  }

  @Test
  void headersStallForeverOfARefusalTakesNothing() throws Exception {
    simulator.script(ORDER, Behaviour.stallHeadersForever(Behaviour.rateLimited()));
    HttpRequest request = sdkSigned(pendingMessageUri(simulator, ORDER), BODY).timeout(Duration.ofMillis(300)).build();

    assertThrows(HttpTimeoutException.class, () -> send(request));

    assertEquals(0, simulator.acceptedCount(ORDER));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(Verdict.SCRIPTED, recorded.verdict());
    assertEquals(0, recorded.status());
    assertNull(recorded.requestId());
  }

  @Test
  void bodyStallSendsHeadersAndHalfTheBodyThenNothingBeyondTheRequestTimeout() throws Exception {
    simulator.script(ORDER, Behaviour.stallBodyForever(Behaviour.serverError(500, true)));
    HttpRequest request = sdkSigned(pendingMessageUri(simulator, ORDER), BODY).timeout(Duration.ofMillis(300)).build();

    HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    java.io.InputStream body = response.body();
    int length = Integer.parseInt(response.headers().firstValue("Content-Length").orElseThrow());
    byte[] firstHalf = CompletableFuture.supplyAsync(() -> readNBytes(body, length / 2))
        .get(5, java.util.concurrent.TimeUnit.SECONDS);
    CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> readNBytes(body, length - length / 2));

    assertEquals(500, response.statusCode());
    assertTrue(new String(firstHalf, UTF_8).startsWith("{\"code\":\"SYSTEM_ERROR\""), new String(firstHalf, UTF_8));
    // The request timeout covers only the headers: the rest of the body is still awaited long after it.
    assertThrows(java.util.concurrent.TimeoutException.class,
        () -> rest.get(1, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(1, simulator.acceptedCount(ORDER));
    assertEquals(500, simulator.requestsFor(ORDER).get(0).status());
    assertTimeoutPreemptively(Duration.ofSeconds(2), simulator::close);
    assertThrows(java.util.concurrent.ExecutionException.class,
        () -> rest.get(5, java.util.concurrent.TimeUnit.SECONDS));
  }

  @Test
  void bodyStallForAWhileThenDeliversASignedBodyWholeForThePartnerOrder() throws Exception {
    simulator.scriptPartner(SUB_A, ORDER,
        Behaviour.stallBody(Duration.ofMillis(300), Behaviour.acceptedWithBody()));
    long started = System.nanoTime();

    HttpResponse<String> response = sendPartnerMessage(SUB_A, ORDER);

    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= 300);
    assertEquals(200, response.statusCode());
    assertEquals(SUB_A, JSON.readTree(response.body()).get("sub_mchid").asText());
    assertTrue(verifiedBySdk(response, wechatpayKey.getPublic(), PUBLIC_KEY_ID));
    assertEquals(1, simulator.acceptedCount(SUB_A, ORDER));
  }

  @Test
  void acceptedAnswerWhoseBodyStallsForeverIsTakenAtOnce() throws Exception {
    simulator.script(ORDER, Behaviour.stallBodyForever(Behaviour.acceptedWithBody()));
    CompletableFuture<HttpResponse<String>> response = http.sendAsync(
        sdkSigned(pendingMessageUri(simulator, ORDER), BODY).build(), HttpResponse.BodyHandlers.ofString());

    awaitRequests(1);

    assertEquals(1, simulator.acceptedCount(ORDER));
    assertEquals(200, simulator.requestsFor(ORDER).get(0).status());
    assertFalse(response.isDone());
  }

  @Test
  void defaultBehaviourStallsEveryUnscriptedOrderUntilNormalIsRestored() throws Exception {
    simulator.defaultBehaviour(Behaviour.stallHeaders(Duration.ofSeconds(30), Behaviour.normal()));
    simulator.script("SCRIPTED", Behaviour.rateLimited());
    HttpRequest first = sdkSigned(pendingMessageUri(simulator, "D1"), BODY).timeout(Duration.ofMillis(300)).build();
    HttpRequest partner = sdkSigned(partnerUri(simulator, "D2"), partnerBody(SUB_A))
        .timeout(Duration.ofMillis(300)).build();

    assertThrows(HttpTimeoutException.class, () -> send(first));
    assertThrows(HttpTimeoutException.class, () -> send(partner));
    assertEquals(429, sendMessage(simulator, "SCRIPTED").statusCode());
    simulator.defaultBehaviour(Behaviour.normal());
    assertEquals(204, sendMessage(simulator, "D3").statusCode());

    assertEquals(1, simulator.acceptedCount("D1"));
    assertEquals(1, simulator.acceptedCount(SUB_A, "D2"));
  }

  @Test
  void closingDoesNotWaitForStalledExchanges() throws Exception {
    simulator.script("H1", Behaviour.stallHeaders(Duration.ofMinutes(5), Behaviour.normal()));
    simulator.script("H2", Behaviour.stallHeadersForever(Behaviour.normal()));
    simulator.script("B1", Behaviour.stallBody(Duration.ofMinutes(5), Behaviour.serverError(503, false)));
    simulator.script("B2", Behaviour.stallBodyForever(Behaviour.acceptedWithBody()));
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (String order : List.of("H1", "H2", "B1", "B2")) {
      responses.add(http.sendAsync(
          sdkSigned(pendingMessageUri(simulator, order), BODY).build(), HttpResponse.BodyHandlers.ofString()));
    }
    awaitRequests(4);

    assertTimeoutPreemptively(Duration.ofSeconds(2), simulator::close);

    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThrows(java.util.concurrent.ExecutionException.class,
          () -> response.get(5, java.util.concurrent.TimeUnit.SECONDS));
    }
  }

  @Test
  void bodyStallNeedsAnAnswerWithABody() {
    assertThrows(IllegalArgumentException.class,
        () -> Behaviour.stallBody(Duration.ofSeconds(1), Behaviour.normal()));
    assertThrows(IllegalArgumentException.class,
        () -> Behaviour.stallHeaders(Duration.ofSeconds(1), Behaviour.acceptThenHang()));
  }

  // --- bookkeeping ---

  @Test
  void unknownPathIsNotFoundAndRecorded() throws Exception {
    HttpResponse<String> response = send(sdkSigned(simulator.baseUrl().resolve("/v3/pay/transactions/id/1"), null)
        .build());

    assertEquals(404, response.statusCode());
    assertEquals("NOT_FOUND", code(response));
    RecordedRequest recorded = simulator.requests().get(0);
    assertEquals(Verdict.NOT_FOUND, recorded.verdict());
    assertNull(recorded.outOrderNo());
  }

  @Test
  void recordedRequestKeepsHeadersUnderLowerCaseNames() throws Exception {
    sendMessage(simulator, ORDER);

    RecordedRequest recorded = simulator.requests().get(0);

    assertTrue(recorded.headers().containsKey("authorization"));
    assertEquals(PUBLIC_KEY_ID, recorded.header("WECHATPAY-SERIAL"));
    assertEquals("POST", recorded.method());
    assertNotNull(recorded.receivedAt());
  }

  @Test
  void resetForgetsRequestsOrdersAndScriptsButKeepsKeys() throws Exception {
    sendMessage(simulator, ORDER);
    simulator.script(ORDER, Behaviour.rateLimited());

    simulator.reset();

    assertTrue(simulator.requests().isEmpty());
    assertEquals(0, simulator.acceptedCount(ORDER));
    assertEquals(204, sendMessage(simulator, ORDER).statusCode());
  }

  @Test
  void startingWithoutAResponseSigningModeFails() {
    WeChatPaySimulator.Builder builder = WeChatPaySimulator.builder()
        .merchant(MCHID, MERCHANT_SERIAL, merchantKey.getPublic());

    assertThrows(IllegalStateException.class, builder::start);
  }

  @Test
  void selfSignedCertificateIsAVersion3CertificateVerifiedByItsOwnKey() throws Exception {
    X509Certificate certificate = newerCertificate.certificate();

    certificate.verify(certificate.getPublicKey());

    assertEquals(3, certificate.getVersion());
    assertEquals(newerCertificate.serialNo(), certificate.getSerialNumber().toString(16).toUpperCase(Locale.ROOT));
    assertEquals(certificate, parseCertificate(TestKeys.certificatePem(certificate)));
    X509Certificate farFuture = TestKeys.selfSignedCertificate(strangerKey, "01",
        Instant.parse("2049-12-31T23:59:59Z"), Instant.parse("2099-01-01T00:00:00Z"), "far future");
    assertEquals(Instant.parse("2099-01-01T00:00:00Z"), farFuture.getNotAfter().toInstant());
  }

  // --- helpers ---

  private static WeChatPaySimulator.Builder publicKeyModeSimulator() {
    return WeChatPaySimulator.builder()
        .merchant(MCHID, MERCHANT_SERIAL, merchantKey.getPublic())
        .publicKeyMode(PUBLIC_KEY_ID, wechatpayKey);
  }

  private static URI pendingMessageUri(WeChatPaySimulator simulator, String outOrderNo) {
    return URI.create(simulator.baseUrl() + "/v3/payscore/serviceorder/"
        + URLEncoder.encode(outOrderNo, UTF_8) + "/send-pendingmessage");
  }

  private static URI partnerUri(WeChatPaySimulator simulator, String outOrderNo) {
    return URI.create(simulator.baseUrl() + "/v3/payscore/partner/serviceorder/"
        + URLEncoder.encode(outOrderNo, UTF_8) + "/send-pendingmessage");
  }

  /** The direct body behind a leading sub_mchid, as the partner path wants it. */
  private static String partnerBody(String subMchid) {
    return "{\"sub_mchid\":\"" + subMchid + "\"," + BODY.substring(1);
  }

  private HttpResponse<String> sendPartnerMessage(String subMchid, String outOrderNo)
      throws IOException, InterruptedException {
    return send(sdkSigned(partnerUri(simulator, outOrderNo), partnerBody(subMchid)).build());
  }

  private void awaitRequests(int count) throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (simulator.requests().size() < count && System.nanoTime() < giveUp) {
      Thread.sleep(10);
    }
    assertEquals(count, simulator.requests().size());
  }

  private static byte[] readNBytes(java.io.InputStream in, int count) {
    try {
      return in.readNBytes(count);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private HttpResponse<String> sendMessage(WeChatPaySimulator target, String outOrderNo)
      throws IOException, InterruptedException {
    return send(sdkSigned(pendingMessageUri(target, outOrderNo), BODY).build());
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A POST with {@code body}, or a GET when it is null, signed by the SDK with the merchant's key. */
  private static HttpRequest.Builder sdkSigned(URI uri, String body) {
    return sdkSigned(uri, body, MERCHANT_SERIAL, merchantKey.getPrivate());
  }

  private static HttpRequest.Builder sdkSigned(URI uri, String body, String serial, PrivateKey key) {
    String method = body == null ? "GET" : "POST";
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .header("Authorization", sdkAuthorization(uri, method, body == null ? "" : body, serial, key))
        .header("Accept", "application/json")
        .header("User-Agent", "payscore-simulator-test/1.0")
        .header("Wechatpay-Serial", PUBLIC_KEY_ID);
    return body == null
        ? request.GET()
        : request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body, UTF_8));
  }

  private static String sdkAuthorization(URI uri, String method, String body, String serial, PrivateKey key) {
    return new WechatPay2Credential(MCHID, new RSASigner(serial, key)).getAuthorization(uri, method, body);
  }

  /** For what the SDK cannot be made to sign: an old timestamp, a path other than the one sent. */
  private static String handAuthorization(String method, String signedPath, String body, long timestamp)
      throws GeneralSecurityException {
    String nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(merchantKey.getPrivate());
    signer.update((method + "\n" + signedPath + "\n" + timestamp + "\n" + nonce + "\n" + body + "\n").getBytes(UTF_8));
    return "WECHATPAY2-SHA256-RSA2048 mchid=\"" + MCHID + "\",nonce_str=\"" + nonce + "\",timestamp=\"" + timestamp
        + "\",serial_no=\"" + MERCHANT_SERIAL + "\",signature=\""
        + Base64.getEncoder().encodeToString(signer.sign()) + "\"";
  }

  /** The SDK's judgement; it throws IllegalArgumentException on stale, missing or non-Base64 input. */
  private static boolean verifiedBySdk(HttpResponse<String> response, PublicKey key, String serial) {
    com.wechat.pay.java.core.http.HttpHeaders headers = new com.wechat.pay.java.core.http.HttpHeaders();
    // The SDK looks headers up case-sensitively, and HttpServer sends them as "Wechatpay-timestamp".
    for (String name : List.of(
        "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature", "Request-ID")) {
      response.headers().firstValue(name).ifPresent(value -> headers.addHeader(name, value));
    }
    try {
      return new WechatPay2Validator(new RSAVerifier(key, serial)).validate(headers, response.body());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean jdkVerifies(HttpResponse<String> response, PublicKey key) throws GeneralSecurityException {
    Map<String, List<String>> headers = response.headers().map();
    String message = headers.get("wechatpay-timestamp").get(0) + "\n" + headers.get("wechatpay-nonce").get(0) + "\n"
        + response.body() + "\n";
    Signature verifier = Signature.getInstance("SHA256withRSA");
    verifier.initVerify(key);
    verifier.update(message.getBytes(UTF_8));
    return verifier.verify(Base64.getDecoder().decode(headers.get("wechatpay-signature").get(0)));
  }

  private void assertRefused(HttpResponse<String> response, int status, String code, Verdict verdict)
      throws IOException {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(code, code(response));
    RecordedRequest recorded = simulator.requestsFor(ORDER).get(0);
    assertEquals(verdict, recorded.verdict());
    assertEquals(status, recorded.status());
    assertEquals(code, recorded.code());
    assertEquals(0, simulator.acceptedCount(ORDER));
  }

  private static String code(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).get("code").asText();
  }

  private static String message(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).get("message").asText();
  }

  private static X509Certificate parseCertificate(String pem) throws GeneralSecurityException {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(UTF_8)));
  }

  /** For what java.net.http cannot send: a request without User-Agent. */
  private static int rawStatus(URI server, String head, byte[] body) throws IOException {
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(UTF_8));
      out.write(body);
      out.flush();
      String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8)).readLine();
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }
}
