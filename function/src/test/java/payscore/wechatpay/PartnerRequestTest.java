package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.wechatpay.RequestSignerTest.MCHID;
import static payscore.wechatpay.RequestSignerTest.SERIAL;
import static payscore.wechatpay.RequestSignerTest.merchantKey;
import static payscore.wechatpay.RequestSignerTest.merchantPublicKey;
import static payscore.wechatpay.RequestSignerTest.parseAuthorization;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.wechat.pay.java.core.auth.WechatPay2Credential;
import com.wechat.pay.java.core.cipher.RSASigner;
import com.wechat.pay.java.core.cipher.RSAVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import payscore.request.PendingMessage;
import payscore.request.PendingMessageReader;

/**
 * Partner (服务商) requests: the path, the signature and the bytes on the wire. The official
 * {@code wechatpay-java} SDK is the independent check: its credential signs the same request as
 * ours, its verifier accepts what we send, and its signer signs the answer we verify.
 */
class PartnerRequestTest {
  static final String SUB_MCHID = "1900000109";
  static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  /** The contract's example for sub-merchant 1900000109, as the function writes it. */
  static final String PARTNER_BODY = "{\"sub_mchid\":\"1900000109\","
      + "\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":\"就餐费用\","
      + "\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],\"post_discounts\":[{\"name\":\"满20减1元\","
      + "\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],\"total_amount\":39900,\"prepaid_time\":\"20231218\"}";

  /** The WeChat Pay platform side's key pair: it signs the answers of the test server. */
  private static final KeyPair WECHATPAY_KEY = rsaKeyPair();

  private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
  private HttpServer wechat;

  /** One request as the server saw it: the raw path from the request line, the exact body bytes. */
  record Recorded(String method, String rawPath, Map<String, String> headers, byte[] body) {}

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void startWeChat() throws IOException {
    wechat = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    wechat.createContext("/", this::answerSignedNoContent);
    wechat.start();
  }

  @AfterEach
  void stopWeChat() {
    wechat.stop(0);
  }

  /** Records the request and answers as WeChat does on success: 204, signed, with a Request-ID. */
  private void answerSignedNoContent(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      requests.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          Map.of("Authorization", header(exchange, "Authorization"),
              "Content-Type", header(exchange, "Content-Type"),
              "Accept", header(exchange, "Accept"),
              "User-Agent", header(exchange, "User-Agent"),
              "Wechatpay-Serial", header(exchange, "Wechatpay-Serial")),
          in.readAllBytes()));
      String timestamp = String.valueOf(Instant.now().getEpochSecond());
      String nonce = "8A3F1B5D7E9C2A4F6B8D0E1C3A5F7B9D";
      String signature = new RSASigner(PUBLIC_KEY_ID, WECHATPAY_KEY.getPrivate())
          .sign(timestamp + "\n" + nonce + "\n\n").getSign();
      exchange.getResponseHeaders().add("Wechatpay-Timestamp", timestamp);
      exchange.getResponseHeaders().add("Wechatpay-Nonce", nonce);
      exchange.getResponseHeaders().add("Wechatpay-Serial", PUBLIC_KEY_ID);
      exchange.getResponseHeaders().add("Wechatpay-Signature", signature);
      exchange.getResponseHeaders().add("Request-ID", "08F78BB5AF0610D302184E0B00");
      exchange.sendResponseHeaders(204, -1);
    }
  }

  private static String header(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    return value == null ? "(absent)" : value;
  }

  private WeChatPayClient client() {
    Clock clock = Clock.systemUTC();
    URI base = URI.create("http://127.0.0.1:" + wechat.getAddress().getPort());
    HttpClient http = WeChatPayClient.newHttpClient(Duration.ofSeconds(2));
    RequestSigner signer = new RequestSigner(MCHID, SERIAL, merchantKey(), clock,
        NonceSource.secure(java.security.SecureRandom::new));
    SignedTransport transport = new SignedTransport(http, new WeChatPayEndpoints(base, null), signer, PUBLIC_KEY_ID,
        Duration.ofSeconds(5), clock);
    return new WeChatPayClient(transport,
        new ResponseVerifier(new WeChatPayPublicKey(PUBLIC_KEY_ID, WECHATPAY_KEY.getPublic()), clock));
  }

  private static PendingMessage read(String orderNo, String json) throws Exception {
    return new PendingMessageReader().readHttp(orderNo, json.getBytes(UTF_8));
  }

  private Recorded onlyRequest() throws InterruptedException {
    Recorded request = requests.poll(5, TimeUnit.SECONDS);
    assertNotNull(request, "the server received no request");
    assertTrue(requests.isEmpty(), "the server received more than one request");
    return request;
  }

  // ---------------------------------------------------------------------------------------------
  // The path
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] sub_mchid {0}, order {1}")
  @CsvSource(nullValues = "null", value = {
      "null,       1234323JKHDFE1243252, /v3/payscore/serviceorder/1234323JKHDFE1243252/send-pendingmessage",
      "1900000109, 1234323JKHDFE1243252, /v3/payscore/partner/serviceorder/1234323JKHDFE1243252/send-pendingmessage",
      "null,       A|B,                  /v3/payscore/serviceorder/A%7CB/send-pendingmessage",
      "1900000109, A|B,                  /v3/payscore/partner/serviceorder/A%7CB/send-pendingmessage",
      "1900000109, A|B*c_d-9,            /v3/payscore/partner/serviceorder/A%7CB*c_d-9/send-pendingmessage"})
  void subMchidChoosesThePartnerPathAndTheOrderNoIsEncodedAsUrlEncoderDoes(String subMchid, String orderNo,
      String expected) {
    assertEquals(expected, WeChatPayClient.pendingMessagePath(subMchid, orderNo));
  }

  @Test
  void pathWithoutSubMchidIsTheDirectMerchantPath() {
    // given an order number with a character that is percent-encoded
    // when the path is asked for without a sub-merchant
    // then it is the direct path, the same as for a null sub-merchant
    assertEquals("/v3/payscore/serviceorder/A%7CB/send-pendingmessage", WeChatPayClient.pendingMessagePath("A|B"));
    assertEquals(WeChatPayClient.pendingMessagePath(null, "A|B"), WeChatPayClient.pendingMessagePath("A|B"));
  }

  // ---------------------------------------------------------------------------------------------
  // The signature, against the official SDK
  // ---------------------------------------------------------------------------------------------

  @Test
  void officialSdkCredentialSignsThePartnerRequestExactlyAsWeDo() throws Exception {
    // given a partner request for an order number that is percent-encoded in the path
    PendingMessage message = read("A|B", PARTNER_BODY);
    String path = WeChatPayClient.pendingMessagePath(message.subMchid(), message.outOrderNo());
    byte[] body = message.canonicalBody();

    // when the SDK builds its Authorization from the URL and the body, and we sign with the same
    // timestamp and nonce (the SDK draws its own, so ours are taken from its header)
    String sdk = new WechatPay2Credential(MCHID, new RSASigner(SERIAL, merchantKey()))
        .getAuthorization(URI.create("https://api.mch.weixin.qq.com" + path), "POST", new String(body, UTF_8));
    Map<String, String> sdkPairs = parseAuthorization(sdk);
    Clock atSdkTime = Clock.fixed(Instant.ofEpochSecond(Long.parseLong(sdkPairs.get("timestamp"))), ZoneOffset.UTC);
    String ours = new RequestSigner(MCHID, SERIAL, merchantKey(), atSdkTime, () -> sdkPairs.get("nonce_str"))
        .authorization("POST", path, body);

    // then every pair is equal, the signature included, and the mchid is the service provider's
    assertEquals(sdkPairs, parseAuthorization(ours));
    assertEquals(MCHID, sdkPairs.get("mchid"));
    assertArrayEquals(PARTNER_BODY.getBytes(UTF_8), body);
  }

  // ---------------------------------------------------------------------------------------------
  // On the wire
  // ---------------------------------------------------------------------------------------------

  @Test
  void partnerSendPostsTheCanonicalBodyToThePartnerPathSignedAsTheServiceProvider() throws Exception {
    // given a partner body with sub_mchid written last, for an order number with a '|'
    PendingMessage message = read("A|B", """
        {"service_id":"2002000000000558128851361561536",\
        "post_payments":[{"name":"就餐费用","amount":40000,"description":"就餐人均100元","count":4}],\
        "post_discounts":[{"name":"满20减1元","description":"不与其他优惠叠加","amount":100,"count":1}],\
        "total_amount":39900,"prepaid_time":"20231218","sub_mchid":"1900000109"}""");

    // when it is sent
    SendOutcome outcome = client().sendPendingMessage(message.subMchid(), message.outOrderNo(),
        message.canonicalBody(), Instant.now().plusSeconds(5));

    // then WeChat's signed 204 is accepted
    SendOutcome.Accepted accepted = assertInstanceOf(SendOutcome.Accepted.class, outcome);
    assertEquals("08F78BB5AF0610D302184E0B00", accepted.requestId());

    // and the request went to the partner path with sub_mchid first in the body
    Recorded request = onlyRequest();
    assertEquals("POST", request.method());
    assertEquals("/v3/payscore/partner/serviceorder/A%7CB/send-pendingmessage", request.rawPath());
    assertEquals(PARTNER_BODY, new String(request.body(), UTF_8));
    assertEquals("application/json", request.headers().get("Content-Type"));
    assertEquals("application/json", request.headers().get("Accept"));
    assertEquals(PUBLIC_KEY_ID, request.headers().get("Wechatpay-Serial"));
    assertFalse(request.headers().get("User-Agent").isBlank());

    // and the official SDK's verifier accepts the signature over the path and bytes received,
    // made with the service provider's mchid and key
    Map<String, String> pairs = parseAuthorization(request.headers().get("Authorization"));
    String signed = "POST\n" + request.rawPath() + "\n" + pairs.get("timestamp") + "\n" + pairs.get("nonce_str") + "\n"
        + new String(request.body(), UTF_8) + "\n";
    assertTrue(new RSAVerifier(merchantPublicKey(), SERIAL).verify(SERIAL, signed, pairs.get("signature")));
    assertEquals(MCHID, pairs.get("mchid"));
    assertEquals(SERIAL, pairs.get("serial_no"));
  }

  @Test
  void directSendStillPostsItsBodyUnchangedToTheDirectPath() throws Exception {
    // given a body without sub_mchid
    PendingMessage message = read("A|B", PARTNER_BODY.replace("\"sub_mchid\":\"1900000109\",", ""));

    // when it is sent through the direct-merchant form
    SendOutcome outcome = client().sendPendingMessage(message.outOrderNo(), message.canonicalBody(),
        Instant.now().plusSeconds(5));

    // then it goes to the direct path, with the body that was signed, and no sub_mchid
    assertInstanceOf(SendOutcome.Accepted.class, outcome);
    Recorded request = onlyRequest();
    assertEquals("/v3/payscore/serviceorder/A%7CB/send-pendingmessage", request.rawPath());
    assertArrayEquals(message.canonicalBody(), request.body());
    assertFalse(new String(request.body(), UTF_8).contains("sub_mchid"));
    Map<String, String> pairs = parseAuthorization(request.headers().get("Authorization"));
    String signed = "POST\n" + request.rawPath() + "\n" + pairs.get("timestamp") + "\n" + pairs.get("nonce_str") + "\n"
        + new String(request.body(), UTF_8) + "\n";
    assertTrue(new RSAVerifier(merchantPublicKey(), SERIAL).verify(SERIAL, signed, pairs.get("signature")));
  }
}
