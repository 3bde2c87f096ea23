package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.harness.SampleRequest;
import payscore.simulator.PlatformCertificate;
import payscore.simulator.RecordedRequest;
import payscore.simulator.TestKeys;

/**
 * Invariant 7, through the runtime: a merchant secret with {@code apiv3_key} and no WeChat Pay
 * public key (platform-certificate mode only), against a simulator that signs with a platform
 * certificate. The certificates are loaded before anything is claimed or sent; while they cannot
 * be, nothing is sent and the order stays free. Each test starts a fresh JVM (a cold start: the
 * certificate cache is empty, as after every cold start and restore).
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class PlatformCertificatesThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final String CERTIFICATES = "/v3/certificates";

  private static FunctionHarness harness;
  private static LocalLambda api;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint(), Map.of(), FunctionHarness.Verification.PLATFORM_CERTIFICATES);
    api = LocalLambda.start("ApiFunction", harness.env);
  }

  @AfterEach
  void certificatesWorkAgain() {
    harness.wechat.serveCertificates();
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api);
    } finally {
      if (api != null) api.close();
      if (harness != null) harness.close();
    }
  }

  @Test
  void whileCertificatesCannotBeLoadedNothingIsSentAndOnceTheyCanTheSameRequestIsSentAndVerified()
      throws Exception {
    String order = "PLATFORM-OUTAGE-1";
    String body = body(1500);
    api.close(); // a cold start: no certificate cached
    harness.wechat.failCertificateDownloads(500);

    ApiAnswer refused = post(order, body);

    assertTrue(harness.wechat.requestsFor(order).isEmpty(),
        "nothing reaches the pending-message path without certificates to verify the answer: "
            + harness.wechat.requestsFor(order).size() + " requests, answer " + refused);
    assertFalse(harness.wechat.certificateRequests().isEmpty(), "the function tried to load the certificates");
    assertEquals(502, refused.status(), "retryable: " + refused);
    assertEquals("UPSTREAM_ERROR", refused.code());
    assertTrue(refused.header("Retry-After") != null, "502 carries Retry-After");
    assertNotEquals("IN_PROGRESS", harness.state(order), "the order is left free");
    assertNotEquals("UNKNOWN", harness.state(order), "nothing may have reached WeChat");

    harness.wechat.serveCertificates();
    // The same request again; a short back-off after the failed download may still refuse it at
    // first, but never by sending.
    ApiAnswer sent = postUntilNot502(order, body, Duration.ofSeconds(10));

    assertEquals(200, sent.status(), sent.toString());
    assertEquals("SENT", sent.body().path("state").asText());
    assertFalse(sent.body().path("replayed").asBoolean(true), sent.toString());
    List<RecordedRequest> received = harness.wechat.requestsFor(order);
    assertEquals(1, received.size(), "sent once");
    assertEquals(204, received.get(0).status());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals(received.get(0).requestId(), sent.body().path("wechatpay_request_id").asText());
    assertEquals("SENT", harness.state(order), "the 204 was verified with the downloaded certificate");
    assertLoadedBeforeSending(order);
  }

  @Test
  void coldStartsFirstRequestLoadsTheCertificatesBeforeClaimingAndIsSentAndVerified() {
    String order = "PLATFORM-COLD-1";
    api.close(); // a cold start: no certificate cached
    int coldStarts = api.coldStarts();

    ApiAnswer sent = post(order, body(1500));

    assertEquals(coldStarts + 1, api.coldStarts(), "the request was a cold start's first");
    assertEquals(200, sent.status(), sent.toString());
    assertEquals("SENT", sent.body().path("state").asText());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
    assertLoadedBeforeSending(order);
  }

  @Test
  void aCertificateListedUnderAnotherSerialThanItsOwnIsNotTrustedSoNothingIsSent() throws Exception {
    // given a list whose one certificate is labelled with a serial that is not the certificate's own,
    // and answers signed with its key under that label
    PlatformCertificate genuine = TestKeys.platformCertificate("5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(365)));
    PlatformCertificate mislabelled = new PlatformCertificate("7132D72A03E93CDDF8C03BBD1F37EEDF2ABC1D83",
        genuine.certificate(), genuine.privateKey());
    try (FunctionHarness mislabelledList = new FunctionHarness(MOTO.endpoint(), List.of(mislabelled));
        LocalLambda function = LocalLambda.start("ApiFunction", mislabelledList.env)) {
      String order = "PLATFORM-MISLABELLED-1";

      // when a message is sent
      ApiAnswer answer = ApiAnswer.invoke(function, FunctionHarness.httpPost(order, body(1500)));

      // then the certificate is not used under that label: no certificate verifies, nothing is sent
      assertEquals(502, answer.status(), answer.toString());
      assertEquals("UPSTREAM_ERROR", answer.code());
      assertFalse(mislabelledList.wechat.certificateRequests().isEmpty(), "the list was downloaded");
      assertTrue(mislabelledList.wechat.requestsFor(order).isEmpty(), "nothing reached WeChat");
      assertNotEquals("UNKNOWN", mislabelledList.state(order));
      LambdaLogs.assertNoSecrets(mislabelledList, function);
    }
  }

  @Test
  void aCertificateLabelledWithAnothersSerialCannotTakeItsPlace() throws Exception {
    // given the certificate WeChat signs with, and after it another certificate listed under the first's
    // serial (written in lower case with leading zeros: the same number, as a label may spell it)
    String serial = "3775B6A45ACD99BE3FE6BB5AD3C6E49C1E23D41A";
    PlatformCertificate signing = TestKeys.platformCertificate(serial,
        Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(365)));
    PlatformCertificate impostor = TestKeys.platformCertificate("1C0FFEE0000000000000000000000000000000EE",
        Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
    String label = "00" + serial.toLowerCase(java.util.Locale.ROOT);
    List<PlatformCertificate> list = List.of(new PlatformCertificate(label, signing.certificate(), signing.privateKey()),
        new PlatformCertificate(label, impostor.certificate(), impostor.privateKey()));
    try (FunctionHarness twoUnderOneLabel = new FunctionHarness(MOTO.endpoint(), list);
        LocalLambda function = LocalLambda.start("ApiFunction", twoUnderOneLabel.env)) {
      String order = "PLATFORM-IMPOSTOR-1";

      // when a message is sent
      ApiAnswer answer = ApiAnswer.invoke(function, FunctionHarness.httpPost(order, body(1500)));

      // then the label keeps its own certificate: the answer verifies and the order is SENT
      assertEquals(200, answer.status(), answer.toString());
      assertEquals("SENT", twoUnderOneLabel.state(order), "the 204 was verified with the genuine certificate");
      assertEquals(1, twoUnderOneLabel.wechat.acceptedCount(order));
      LambdaLogs.assertNoSecrets(twoUnderOneLabel, function);
    }
  }

  /** A successful certificate download came before the order's first send. */
  private static void assertLoadedBeforeSending(String order) {
    List<RecordedRequest> all = harness.wechat.requests();
    int firstSend = -1;
    int lastGoodDownloadBefore = -1;
    for (int i = 0; i < all.size(); i++) {
      RecordedRequest request = all.get(i);
      if (order.equals(request.outOrderNo())) {
        firstSend = i;
        break;
      }
      if (request.rawPath().equals(CERTIFICATES) && request.status() == 200) lastGoodDownloadBefore = i;
    }
    assertTrue(firstSend >= 0, "the order was sent");
    assertTrue(lastGoodDownloadBefore >= 0 && lastGoodDownloadBefore < firstSend,
        "the certificates were downloaded before the order was sent; requests: " + all.stream()
            .map(r -> r.method() + " " + r.rawPath() + " -> " + r.status()).toList());
  }

  private static ApiAnswer post(String order, String body) {
    return ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body));
  }

  private static ApiAnswer postUntilNot502(String order, String body, Duration atMost) throws Exception {
    long giveUp = System.nanoTime() + atMost.toNanos();
    while (true) {
      ApiAnswer answer = post(order, body);
      if (answer.status() != 502 || System.nanoTime() > giveUp) return answer;
      assertTrue(harness.wechat.requestsFor(order).isEmpty(), "a 502 while certificates are missing sent nothing");
      TimeUnit.MILLISECONDS.sleep(1_000);
    }
  }

  private static String body(int amount) {
    return SampleRequest.withAmount(amount);
  }
}
