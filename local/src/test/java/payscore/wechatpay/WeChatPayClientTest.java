package payscore.wechatpay;

import payscore.harness.KnownKeys;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import payscore.simulator.Behaviour;
import payscore.simulator.PlatformCertificate;
import payscore.simulator.RecordedRequest;
import payscore.simulator.TestKeys;
import payscore.simulator.Verdict;
import payscore.simulator.WeChatPaySimulator;

/** Every outcome of the client, against the WeChat Pay simulator over real sockets. */
class WeChatPayClientTest {
  static final String MCHID = KnownKeys.MCHID;
  static final String SERIAL = KnownKeys.SERIAL;
  static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  static final String APIV3_KEY = "0123456789abcdefghijABCDEFGHIJ01";
  static final byte[] BODY = KnownKeys.BODY.getBytes(UTF_8);
  static final KeyPair WECHATPAY_KEY = TestKeys.rsa2048();
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final Clock clock = Clock.systemUTC();
  private final HttpClient http = WeChatPayClient.newHttpClient(Duration.ofSeconds(1));
  private final List<AutoCloseable> closeAfter = new java.util.ArrayList<>();
  private WeChatPaySimulator wechat;

  @BeforeEach
  void startSimulator() throws IOException {
    wechat = publicKeySimulator();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable closeable : closeAfter) closeable.close();
  }

  private WeChatPaySimulator publicKeySimulator() throws IOException {
    WeChatPaySimulator simulator = WeChatPaySimulator.builder()
        .merchant(MCHID, SERIAL, KnownKeys.merchantPublicKey())
        .publicKeyMode(PUBLIC_KEY_ID, WECHATPAY_KEY)
        .start();
    closeAfter.add(simulator);
    return simulator;
  }

  private RequestSigner signer() {
    return new RequestSigner(MCHID, SERIAL, KnownKeys.merchantKey(), clock,
        NonceSource.secure(SecureRandom::new));
  }

  private WeChatPayClient client(URI primary, URI backup) {
    return new WeChatPayClient(http, new WeChatPayEndpoints(primary, backup), signer(), PUBLIC_KEY_ID,
        new ResponseVerifier(new WeChatPayPublicKey(PUBLIC_KEY_ID, WECHATPAY_KEY.getPublic()), clock), TIMEOUT, clock);
  }

  private WeChatPayClient client() {
    return client(wechat.baseUrl(), null);
  }

  private static Instant inSeconds(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  private static void awaitRecorded(WeChatPaySimulator simulator, int count) {
    long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (simulator.requests().size() < count && System.nanoTime() < giveUp) {
      Thread.onSpinWait();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertEquals(count, simulator.requests().size());
  }

  private static URI refusedAddress() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  @Test
  void verifiedNoContentIsAcceptedAndTheExactSignedBytesReachWeChat() {
    SendOutcome outcome = client().sendPendingMessage("1234323JKHDFE1243252", BODY, inSeconds(5));

    SendOutcome.Accepted accepted = assertInstanceOf(SendOutcome.Accepted.class, outcome);
    assertEquals(204, accepted.status());
    assertNotNull(accepted.requestId());
    RecordedRequest received = wechat.requestsFor("1234323JKHDFE1243252").get(0);
    assertEquals(Verdict.ACCEPTED, received.verdict());
    assertEquals("POST", received.method());
    assertEquals("/v3/payscore/serviceorder/1234323JKHDFE1243252/send-pendingmessage", received.rawPath());
    assertArrayEquals(BODY, received.body());
    assertEquals("application/json", received.header("Accept"));
    assertEquals("application/json", received.header("Content-Type"));
    assertEquals(PUBLIC_KEY_ID, received.header("Wechatpay-Serial"));
    assertTrue(received.header("User-Agent").startsWith("payscore-pending-message/"));
    assertEquals(1, wechat.requests().size());
    assertEquals(1, wechat.acceptedCount("1234323JKHDFE1243252"));
  }

  @Test
  void pathParameterIsPercentEncodedAsUrlEncoderDoesAndSignedAsSent() {
    SendOutcome outcome = client().sendPendingMessage("A|B*c_d-9", BODY, inSeconds(5));

    assertInstanceOf(SendOutcome.Accepted.class, outcome);
    RecordedRequest received = wechat.requestsFor("A|B*c_d-9").get(0);
    assertEquals("/v3/payscore/serviceorder/A%7CB*c_d-9/send-pendingmessage", received.rawPath());
    assertEquals(Verdict.ACCEPTED, received.verdict());
  }

  @Test
  void definitiveRefusalIsRejectedWithWeChatsCodeMessageAndRequestId() {
    wechat.script("ORDER1", Behaviour.reject(404, "ORDER_NOT_EXIST", "订单不存在"));

    SendOutcome outcome = client().sendPendingMessage("ORDER1", BODY, inSeconds(5));

    SendOutcome.Rejected rejected = assertInstanceOf(SendOutcome.Rejected.class, outcome);
    assertEquals(404, rejected.status());
    assertEquals("ORDER_NOT_EXIST", rejected.code());
    assertEquals("订单不存在", rejected.message());
    assertNotNull(rejected.requestId());
    assertEquals(0, wechat.acceptedCount("ORDER1"));
  }

  @Test
  void secondMessageForTheSameOrderIsRejectedByWeChat() {
    assertInstanceOf(SendOutcome.Accepted.class, client().sendPendingMessage("ORDER2", BODY, inSeconds(5)));

    SendOutcome second = client().sendPendingMessage("ORDER2", BODY, inSeconds(5));

    SendOutcome.Rejected rejected = assertInstanceOf(SendOutcome.Rejected.class, second);
    assertEquals(400, rejected.status());
    assertEquals(Verdict.DUPLICATE, wechat.requestsFor("ORDER2").get(1).verdict());
    assertEquals(1, wechat.acceptedCount("ORDER2"));
  }

  @Test
  void unauthorizedAndRateLimitedAreNotProcessed() {
    wechat.script("ORDER3", Behaviour.unauthorized(), Behaviour.rateLimited());

    SendOutcome unauthorized = client().sendPendingMessage("ORDER3", BODY, inSeconds(5));
    SendOutcome limited = client().sendPendingMessage("ORDER3", BODY, inSeconds(5));

    assertEquals(401, assertInstanceOf(SendOutcome.NotProcessed.class, unauthorized).status());
    assertEquals("SIGN_ERROR", unauthorized.code());
    assertEquals(429, assertInstanceOf(SendOutcome.NotProcessed.class, limited).status());
    assertEquals("FREQUENCY_LIMITED", limited.code());
    assertNotNull(limited.requestId());
    assertEquals(0, wechat.acceptedCount("ORDER3"));
  }

  @Test
  void requestSignedWithAKeyWeChatDoesNotKnowGetsRealSignError() throws IOException {
    wechat.replaceMerchantKeys(MCHID, "OTHER_SERIAL", TestKeys.rsa2048().getPublic());

    SendOutcome outcome = client().sendPendingMessage("ORDER4", BODY, inSeconds(5));

    assertEquals("SIGN_ERROR", assertInstanceOf(SendOutcome.NotProcessed.class, outcome).code());
    assertEquals(Verdict.SIGN_ERROR, wechat.requestsFor("ORDER4").get(0).verdict());
  }

  @Test
  void serverErrorIsUncertain() {
    wechat.script("ORDER5", Behaviour.serverError(500, true));

    SendOutcome outcome = client().sendPendingMessage("ORDER5", BODY, inSeconds(5));

    SendOutcome.Uncertain uncertain = assertInstanceOf(SendOutcome.Uncertain.class, outcome);
    assertEquals(500, uncertain.status());
    assertEquals("SYSTEM_ERROR", uncertain.code());
    assertNotNull(uncertain.requestId());
  }

  @Test
  void signTestProbeIsUnverifiedNotAnException() {
    wechat.script("ORDER6", Behaviour.signTest());

    SendOutcome outcome = client().sendPendingMessage("ORDER6", BODY, inSeconds(5));

    SendOutcome.Uncertain uncertain = assertInstanceOf(SendOutcome.Uncertain.class, outcome);
    assertEquals(204, uncertain.status());
    assertEquals("UNVERIFIED_RESPONSE", uncertain.code());
    assertTrue(uncertain.message().contains("SIGNTEST"), uncertain.message());
    assertEquals(1, wechat.acceptedCount("ORDER6"));
  }

  @Test
  void everyUntrustworthyTwoHundredIsUncertain() {
    wechat.script("W", Behaviour.wrongKeySignature());
    wechat.script("U", Behaviour.unsigned());
    wechat.script("S", Behaviour.staleTimestamp());
    wechat.script("M", Behaviour.malformedSignature());

    for (String order : List.of("W", "U", "S", "M")) {
      SendOutcome outcome = client().sendPendingMessage(order, BODY, inSeconds(5));
      SendOutcome.Uncertain uncertain = assertInstanceOf(SendOutcome.Uncertain.class, outcome, order);
      assertEquals("UNVERIFIED_RESPONSE", uncertain.code(), order);
      assertEquals(1, wechat.acceptedCount(order), order);
    }
  }

  @Test
  void acceptedThenNoAnswerIsAnUncertainTimeoutBoundedByTheDeadline() {
    wechat.script("ORDER7", Behaviour.acceptThenHang());
    Instant start = Instant.now();

    SendOutcome outcome = client().sendPendingMessage("ORDER7", BODY, start.plusMillis(400));

    assertEquals("TIMEOUT", assertInstanceOf(SendOutcome.TimedOut.class, outcome).code());
    assertTrue(Duration.between(start, Instant.now()).compareTo(TIMEOUT) < 0, "waited past the deadline");
    assertEquals(1, wechat.acceptedCount("ORDER7"));
  }

  @Test
  void deadlineAlreadyPassedSendsNothing() {
    SendOutcome outcome = client().sendPendingMessage("ORDER8", BODY, Instant.now().minus(1, ChronoUnit.SECONDS));

    assertInstanceOf(SendOutcome.DeadlinePassed.class, outcome);
    assertTrue(wechat.requests().isEmpty());
  }

  @Test
  void refusedConnectionWithoutBackupIsNotProcessed() throws IOException {
    SendOutcome outcome = client(refusedAddress(), null).sendPendingMessage("ORDER9", BODY, inSeconds(5));

    assertEquals("CONNECT_FAILED", assertInstanceOf(SendOutcome.NotProcessed.class, outcome).code());
  }

  @Test
  void refusedConnectionOnThePrimaryFailsOverToTheBackupOnce() throws IOException {
    SendOutcome outcome = client(refusedAddress(), wechat.baseUrl()).sendPendingMessage("ORDER10", BODY, inSeconds(5));

    assertInstanceOf(SendOutcome.Accepted.class, outcome);
    assertEquals(1, wechat.requests().size());
  }

  @Test
  void readTimeoutOnThePrimaryIsNotFailedOver() throws IOException {
    WeChatPaySimulator backup = publicKeySimulator();
    wechat.script("ORDER11", Behaviour.delay(Duration.ofSeconds(3)));

    SendOutcome outcome = client(wechat.baseUrl(), backup.baseUrl()).sendPendingMessage("ORDER11", BODY, inSeconds(1));

    assertEquals("TIMEOUT", assertInstanceOf(SendOutcome.TimedOut.class, outcome).code());
    awaitRecorded(wechat, 1); // the primary records the request once its delayed answer is written
    assertEquals(1, wechat.acceptedCount("ORDER11"));
    assertTrue(backup.requests().isEmpty(), "a request that may have arrived must not be sent again");
  }

  @Test
  void nonJsonErrorBodyIsToleratedAndRequestIdKept() throws IOException {
    HttpServer html = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    html.createContext("/", exchange -> {
      byte[] page = "<html>502 Bad Gateway</html>".getBytes(UTF_8);
      exchange.getResponseHeaders().add("Request-ID", "gateway-1");
      exchange.sendResponseHeaders(502, page.length);
      exchange.getResponseBody().write(page);
      exchange.close();
    });
    html.start();
    closeAfter.add(() -> html.stop(0));

    SendOutcome outcome = client(URI.create("http://127.0.0.1:" + html.getAddress().getPort()), null)
        .sendPendingMessage("ORDER12", BODY, inSeconds(5));

    SendOutcome.Uncertain uncertain = assertInstanceOf(SendOutcome.Uncertain.class, outcome);
    assertEquals(502, uncertain.status());
    assertEquals("gateway-1", uncertain.requestId());
    assertEquals(null, uncertain.code());
  }

  @Test
  void platformCertificateModeDownloadsDecryptsAndVerifiesEndToEnd() throws IOException {
    Instant now = Instant.now();
    PlatformCertificate certificate = TestKeys.platformCertificate("3775B6A45ACD588826D15E583A95F5DD3B5E6DA5",
        now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
    WeChatPaySimulator platform = WeChatPaySimulator.builder()
        .merchant(MCHID, SERIAL, KnownKeys.merchantPublicKey())
        .platformCertificateMode(APIV3_KEY, List.of(certificate))
        .start();
    closeAfter.add(platform);
    WeChatPayEndpoints endpoints = new WeChatPayEndpoints(platform.baseUrl(), null);
    PlatformCertificates certificates = new PlatformCertificates(http, endpoints, signer(), null, APIV3_KEY,
        TIMEOUT, Duration.ofHours(1), clock);
    WeChatPayClient client = new WeChatPayClient(http, endpoints, signer(), null,
        new ResponseVerifier(certificates, clock), TIMEOUT, clock);

    // As the service does: load what verifying needs before each send.
    assertTrue(client.ready(inSeconds(5)), "the certificates load before anything is sent");
    SendOutcome first = client.sendPendingMessage("P1", BODY, inSeconds(5));
    assertTrue(client.ready(inSeconds(5)));
    SendOutcome second = client.sendPendingMessage("P2", BODY, inSeconds(5));

    assertInstanceOf(SendOutcome.Accepted.class, first);
    assertInstanceOf(SendOutcome.Accepted.class, second);
    assertEquals(1, certificates.size());
    long downloads = platform.requests().stream().filter(r -> r.rawPath().equals("/v3/certificates")).count();
    assertEquals(1, downloads, "certificates are cached between calls");
  }

  @Test
  void duringMigrationBothModesVerifyWhicheverKeyWeChatSignsWith() throws IOException {
    Instant now = Instant.now();
    PlatformCertificate certificate = TestKeys.platformCertificate("4A0F2C1D",
        now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
    WeChatPaySimulator both = WeChatPaySimulator.builder()
        .merchant(MCHID, SERIAL, KnownKeys.merchantPublicKey())
        .publicKeyMode(PUBLIC_KEY_ID, WECHATPAY_KEY)
        .platformCertificateMode(APIV3_KEY, List.of(certificate))
        .start();
    closeAfter.add(both);
    WeChatPayEndpoints endpoints = new WeChatPayEndpoints(both.baseUrl(), null);
    VerificationKeys keys = VerificationKeys.firstOf(List.of(
        new WeChatPayPublicKey(PUBLIC_KEY_ID, WECHATPAY_KEY.getPublic()),
        new PlatformCertificates(http, endpoints, signer(), null, APIV3_KEY, TIMEOUT, Duration.ofHours(1), clock)));
    ResponseVerifier verifier = new ResponseVerifier(keys, clock);
    assertTrue(verifier.load(inSeconds(5)));

    SendOutcome withPublicKeyHeader = new WeChatPayClient(http, endpoints, signer(), PUBLIC_KEY_ID, verifier, TIMEOUT,
        clock).sendPendingMessage("M1", BODY, inSeconds(5));
    SendOutcome withoutHeader = new WeChatPayClient(http, endpoints, signer(), null, verifier, TIMEOUT, clock)
        .sendPendingMessage("M2", BODY, inSeconds(5));

    assertInstanceOf(SendOutcome.Accepted.class, withPublicKeyHeader);
    assertInstanceOf(SendOutcome.Accepted.class, withoutHeader);
  }

  @Test
  void newMerchantWithoutPlatformCertificatesGetsUnverifiedNotACrash() throws IOException {
    PlatformCertificates certificates = new PlatformCertificates(http, new WeChatPayEndpoints(wechat.baseUrl(), null),
        signer(), null, APIV3_KEY, TIMEOUT, Duration.ofHours(1), clock);
    WeChatPayClient client = new WeChatPayClient(http, new WeChatPayEndpoints(wechat.baseUrl(), null), signer(), null,
        new ResponseVerifier(certificates, clock), TIMEOUT, clock);

    assertFalse(client.ready(inSeconds(5)), "no certificates: not ready, so the service sends nothing");
    SendOutcome outcome = client.sendPendingMessage("N1", BODY, inSeconds(5));

    assertEquals("UNVERIFIED_RESPONSE", assertInstanceOf(SendOutcome.Uncertain.class, outcome).code());
    assertEquals(0, certificates.size());
  }
}
