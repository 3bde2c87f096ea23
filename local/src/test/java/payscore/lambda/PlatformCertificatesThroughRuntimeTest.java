package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
import payscore.simulator.RecordedRequest;

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
