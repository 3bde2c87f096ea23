package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.http.HttpHeaders;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * Checks a WeChat Pay response signature: {@code Wechatpay-Timestamp} within the window of now,
 * and {@code Wechatpay-Signature} over {@code <timestamp>\n<nonce>\n<raw body>\n} with the key
 * {@code Wechatpay-Serial} names. Every failure, including WeChat's deliberate
 * {@code WECHATPAY/SIGNTEST/} probes, is an "unverified" result, never an exception.
 */
public final class ResponseVerifier {
  static final String SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/";
  /** All official SDKs accept this much clock difference, in either direction. */
  static final Duration WINDOW = Duration.ofSeconds(300);

  private final VerificationKeys keys;
  private final Clock clock;

  public ResponseVerifier(VerificationKeys keys, Clock clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Loads the keys before a send; see {@link VerificationKeys#load}. */
  public boolean load(java.time.Instant deadline) {
    return keys.load(deadline);
  }

  public Verification verify(HttpHeaders headers, byte[] body) {
    String timestamp = headers.firstValue("Wechatpay-Timestamp").orElse(null);
    String nonce = headers.firstValue("Wechatpay-Nonce").orElse(null);
    String signature = headers.firstValue("Wechatpay-Signature").orElse(null);
    String serial = headers.firstValue("Wechatpay-Serial").orElse(null);
    if (timestamp == null || nonce == null || signature == null || serial == null) {
      return Verification.failed("response is not signed (a Wechatpay-* header is missing)");
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      return Verification.failed("Wechatpay-Timestamp is not a number");
    }
    long skew = Math.abs(clock.instant().getEpochSecond() - seconds);
    if (skew > WINDOW.getSeconds()) {
      return Verification.failed("Wechatpay-Timestamp is " + skew + " s from now, outside the "
          + WINDOW.getSeconds() + " s window");
    }
    if (signature.startsWith(SIGNTEST_PREFIX)) {
      return Verification.failed("signature is a WECHATPAY/SIGNTEST/ probe");
    }
    byte[] signatureBytes;
    try {
      signatureBytes = Base64.getDecoder().decode(signature.strip());
    } catch (IllegalArgumentException e) {
      return Verification.failed("Wechatpay-Signature is not valid Base64");
    }
    PublicKey key = keys.forSerial(serial.strip());
    if (key == null) return Verification.failed("Wechatpay-Serial names an unknown key");
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update((timestamp + "\n" + nonce + "\n").getBytes(UTF_8));
      rsa.update(body);
      rsa.update((byte) '\n');
      return rsa.verify(signatureBytes) ? Verification.OK : Verification.failed("signature does not match");
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Verification.failed("signature does not match (" + e.getClass().getSimpleName() + ")");
    }
  }
}
