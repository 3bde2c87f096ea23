package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;

/**
 * Signs APIv3 requests with the merchant's private key (SHA256withRSA) and builds the
 * {@code Authorization} value. Clock and nonces are inputs, so a fixed pair gives an exact,
 * repeatable header.
 */
public final class RequestSigner {
  static final String SCHEMA = "WECHATPAY2-SHA256-RSA2048";

  private final String mchid;
  private final String merchantSerialNo;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final NonceSource nonces;

  public RequestSigner(String mchid, String merchantSerialNo, PrivateKey privateKey, Clock clock, NonceSource nonces) {
    this.mchid = Objects.requireNonNull(mchid, "mchid");
    this.merchantSerialNo = Objects.requireNonNull(merchantSerialNo, "merchantSerialNo");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nonces = Objects.requireNonNull(nonces, "nonces");
  }

  public String mchid() {
    return mchid;
  }

  /** The {@code Authorization} header for this request, signed now with a fresh nonce. */
  public String authorization(String method, String rawPath, byte[] body) {
    long timestamp = clock.instant().getEpochSecond();
    String nonce = nonces.next();
    String signature = sign(message(method, rawPath, timestamp, nonce), body);
    return SCHEMA + " mchid=\"" + mchid + "\",nonce_str=\"" + nonce + "\",signature=\"" + signature
        + "\",timestamp=\"" + timestamp + "\",serial_no=\"" + merchantSerialNo + "\"";
  }

  /**
   * The first four lines of the signed message; the body bytes and a final newline follow.
   *
   * <pre>
   * HTTP method\n
   * raw path (and ?query) exactly as sent\n
   * Unix seconds\n
   * nonce\n
   * body\n
   * </pre>
   */
  static String message(String method, String rawPath, long timestamp, String nonce) {
    return method + "\n" + rawPath + "\n" + timestamp + "\n" + nonce + "\n";
  }

  private String sign(String head, byte[] body) {
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(privateKey);
      rsa.update(head.getBytes(UTF_8));
      rsa.update(body);
      rsa.update((byte) '\n');
      return Base64.getEncoder().encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      // The key was checked when it was read; reaching this means the JVM lacks SHA256withRSA.
      throw new IllegalStateException("SHA256withRSA signing failed: " + e.getClass().getSimpleName());
    }
  }
}
