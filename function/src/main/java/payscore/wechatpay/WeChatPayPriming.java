package payscore.wechatpay;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Warms the WeChat Pay path before a SnapStart snapshot: signs and verifies with a throwaway key
 * made here and dropped, and builds (never sends) the HTTP request. Nothing of the merchant is
 * touched and WeChat is never called.
 */
public final class WeChatPayPriming {
  private WeChatPayPriming() {}

  public static void prime(WeChatPayEndpoints endpoints, Clock clock) {
    KeyPair throwaway = RsaPriming.throwawayKey();
    byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String path = WeChatPayClient.pendingMessagePath("PRIMING-0001");
    new RequestSigner("1900000001", "PRIMING", throwaway.getPrivate(), clock, () -> "PRIMING")
        .authorization("POST", path, body);
    new ResponseVerifier(new WeChatPayPublicKey("PUB_KEY_ID_PRIMING", throwaway.getPublic()), clock)
        .verify(HttpHeaders.of(Map.of(), (name, value) -> true), body);
    HttpRequest.newBuilder(URI.create(endpoints.primary() + path))
        .timeout(Duration.ofSeconds(1))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }
}
