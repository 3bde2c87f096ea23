package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.wechat.pay.java.core.auth.WechatPay2Credential;
import com.wechat.pay.java.core.cipher.RSASigner;
import com.wechat.pay.java.core.cipher.RSAVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RequestSignerTest {
  static final String MCHID = "1900000001";
  static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  static final String PATH = "/v3/payscore/serviceorder/1234323JKHDFE1243252/send-pendingmessage";
  static final long TIMESTAMP = 1554208460L;
  static final String NONCE = "593BEC0C930BF1AFEB40B4A08C8FB242";
  static final String BODY = "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":\"就餐费用\","
      + "\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],\"post_discounts\":[{\"name\":\"满20减1元\","
      + "\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],\"total_amount\":39900,\"prepaid_time\":\"20231218\"}";
  /**
   * Made by {@code openssl dgst -sha256 -sign merchant-test-key.pem} over the five lines of the
   * message, independently of Java: the known answer for the fixed key, clock and nonce.
   */
  static final String OPENSSL_SIGNATURE = "OFtHBh59mjuq1kiLAnUbWYMkjZXTNVlZ9Gs0vRb8TX1rPdTb+hKKkN4pKHGUKKOOS3LTlpWQhcjths6u7oEnD7L6"
      + "pFzr0+TdTMTok4iAfqKrUTTMdrP1N9uzGKGkCZTH+GyRMNWVAvH+jbCLuQ0NSJrtWRYRqqKZheQUN6KtJGNLet61YWT2xLOcAPoXyPm/q76PkNghYVu"
      + "Xkm1iq4EDITLDTrtJY7M6K4k3xOgyGX7/okyYZ/WopxH7FNtJFJ1BiXMphZxN7JtL4C75Kg99IzLQlmFlwGqx++HHvB4K76GFmxVy7PrMkxiN27gx0X"
      + "wlJQW+JFZPm7JCuGVX14iMGg==";

  static String resource(String name) {
    try (InputStream in = RequestSignerTest.class.getResourceAsStream("/keys/" + name)) {
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static PrivateKey merchantKey() {
    return Pem.privateKey("merchant_private_key", resource("merchant-test-key.pem"));
  }

  static PublicKey merchantPublicKey() {
    return Pem.publicKey("merchant public key", resource("merchant-test-key.pub.pem"));
  }

  private static RequestSigner fixedSigner() {
    Clock clock = Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC);
    return new RequestSigner(MCHID, SERIAL, merchantKey(), clock, () -> NONCE);
  }

  static Map<String, String> parseAuthorization(String header) {
    assertTrue(header.startsWith("WECHATPAY2-SHA256-RSA2048 "), header);
    Map<String, String> pairs = new LinkedHashMap<>();
    Matcher pair = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(header.substring(26));
    while (pair.find()) pairs.put(pair.group(1), pair.group(2));
    return pairs;
  }

  @Test
  void canonicalMessageIsTheFiveLinesOfTheSpec() {
    assertEquals("POST\n" + PATH + "\n1554208460\n" + NONCE + "\n",
        RequestSigner.message("POST", PATH, TIMESTAMP, NONCE));
  }

  @Test
  void fixedClockAndNonceGiveTheExactAuthorizationThatOpensslSigns() {
    String authorization = fixedSigner().authorization("POST", PATH, BODY.getBytes(UTF_8));

    assertEquals("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"" + NONCE + "\",signature=\""
        + OPENSSL_SIGNATURE + "\",timestamp=\"1554208460\",serial_no=\"" + SERIAL + "\"", authorization);
  }

  @Test
  void signatureEqualsTheOfficialSdkSignatureByteForByte() {
    String message = RequestSigner.message("POST", PATH, TIMESTAMP, NONCE) + BODY + "\n";

    String sdkSignature = new RSASigner(SERIAL, merchantKey()).sign(message).getSign();
    String ours = parseAuthorization(fixedSigner().authorization("POST", PATH, BODY.getBytes(UTF_8))).get("signature");

    assertEquals(sdkSignature, ours);
  }

  @Test
  void officialSdkVerifierAcceptsOurAuthorization() {
    RequestSigner signer = new RequestSigner(MCHID, SERIAL, merchantKey(), Clock.systemUTC(),
        NonceSource.secure(java.security.SecureRandom::new));
    Map<String, String> pairs = parseAuthorization(signer.authorization("POST", PATH, BODY.getBytes(UTF_8)));
    String message = "POST\n" + PATH + "\n" + pairs.get("timestamp") + "\n" + pairs.get("nonce_str") + "\n" + BODY + "\n";

    boolean verified = new RSAVerifier(merchantPublicKey(), SERIAL).verify(SERIAL, message, pairs.get("signature"));

    assertTrue(verified);
    assertEquals(MCHID, pairs.get("mchid"));
    assertEquals(SERIAL, pairs.get("serial_no"));
    assertTrue(pairs.get("nonce_str").matches("[0-9A-Za-z]{32}"), pairs.get("nonce_str"));
  }

  @Test
  void sdkAuthorizationForTheSameRequestHasTheSameShape() {
    String sdk = new WechatPay2Credential(MCHID, new RSASigner(SERIAL, merchantKey()))
        .getAuthorization(URI.create("https://api.mch.weixin.qq.com" + PATH), "POST", BODY);
    String ours = fixedSigner().authorization("POST", PATH, BODY.getBytes(UTF_8));

    assertEquals(parseAuthorization(sdk).keySet(), parseAuthorization(ours).keySet());
  }

  @Test
  void noncesAreFreshPerRequest() {
    RequestSigner signer = new RequestSigner(MCHID, SERIAL, merchantKey(), Clock.systemUTC(),
        NonceSource.secure(java.security.SecureRandom::new));
    String first = parseAuthorization(signer.authorization("POST", PATH, new byte[0])).get("nonce_str");
    String second = parseAuthorization(signer.authorization("POST", PATH, new byte[0])).get("nonce_str");
    assertTrue(!first.equals(second));
  }
}
