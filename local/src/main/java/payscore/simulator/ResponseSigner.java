package payscore.simulator;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/** Signs 2xx answers the way WeChat does, with the key the client asked for where it may choose. */
final class ResponseSigner {

  private static final Duration STALENESS = Duration.ofMinutes(10);
  private static final String SIGN_TEST_PREFIX = "WECHATPAY/SIGNTEST/";

  record SigningKey(String serialNo, PrivateKey privateKey) {}

  private final Clock clock;
  private final SigningKey publicKeyModeKey;
  private final SigningKey newestCertificateKey;

  /** Either key may be null, not both. */
  ResponseSigner(Clock clock, SigningKey publicKeyModeKey, SigningKey newestCertificateKey) {
    if (publicKeyModeKey == null && newestCertificateKey == null) {
      throw new IllegalStateException("configure publicKeyMode or platformCertificateMode");
    }
    this.clock = clock;
    this.publicKeyModeKey = publicKeyModeKey;
    this.newestCertificateKey = newestCertificateKey;
  }

  /** @param requestedSerial the request's {@code Wechatpay-Serial} header, may be null */
  Map<String, String> sign(byte[] body, String requestedSerial) {
    return headers(keyFor(requestedSerial), clock.instant(), body);
  }

  /** GET /v3/certificates is always signed with a platform certificate, whatever the client asked for. */
  Map<String, String> signWithNewestCertificate(byte[] body) {
    return headers(newestCertificateKey, clock.instant(), body);
  }

  Map<String, String> signFlawed(Behaviour.Flaw flaw, byte[] body, String requestedSerial) {
    SigningKey key = keyFor(requestedSerial);
    Instant now = clock.instant();
    return switch (flaw) {
      case UNSIGNED -> Map.of();
      case STALE_TIMESTAMP -> headers(key, now.minus(STALENESS), body);
      case WRONG_KEY -> headers(new SigningKey(key.serialNo(), TestKeys.rsa2048().getPrivate()), now, body);
      case SIGN_TEST -> withSignature(headers(key, now, body), SIGN_TEST_PREFIX + RandomText.base64(192));
      case MALFORMED_SIGNATURE -> withSignature(headers(key, now, body), "!!not-base64!!");
    };
  }

  private SigningKey keyFor(String requestedSerial) {
    if (publicKeyModeKey != null
        && (newestCertificateKey == null || publicKeyModeKey.serialNo().equals(requestedSerial))) {
      return publicKeyModeKey;
    }
    return newestCertificateKey;
  }

  private static Map<String, String> headers(SigningKey key, Instant at, byte[] body) {
    String timestamp = Long.toString(at.getEpochSecond());
    String nonce = RandomText.alphanumeric(32);
    return Map.of(
        "Wechatpay-Timestamp", timestamp,
        "Wechatpay-Nonce", nonce,
        "Wechatpay-Serial", key.serialNo(),
        "Wechatpay-Signature", sign(key.privateKey(), SignatureMessage.of(body, timestamp, nonce)));
  }

  private static Map<String, String> withSignature(Map<String, String> headers, String signature) {
    return Map.of(
        "Wechatpay-Timestamp", headers.get("Wechatpay-Timestamp"),
        "Wechatpay-Nonce", headers.get("Wechatpay-Nonce"),
        "Wechatpay-Serial", headers.get("Wechatpay-Serial"),
        "Wechatpay-Signature", signature);
  }

  private static String sign(PrivateKey key, byte[] message) {
    try {
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(key);
      signer.update(message);
      return Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the response", e);
    }
  }
}
