package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.http.HttpHeaders;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Leaves RSA compiled by C2 in a SnapStart snapshot: signs requests as {@link RequestSigner} does and
 * verifies signed answers as {@link ResponseVerifier} does, a few thousand times, with a throwaway
 * key made here and dropped. The JDK's RSA (BigInteger's Montgomery multiplication) is fast only
 * once C2 has compiled it, which takes thousands of calls. Nothing of the merchant is touched and
 * WeChat is never called.
 */
public final class RsaPriming {
  private RsaPriming() {}

  /**
   * @param rounds how many sign-and-verify rounds at most
   * @param budget wall time at most, so a JVM without C2 does not spend long on it
   * @return the rounds run
   */
  public static int prime(Clock clock, int rounds, Duration budget) {
    KeyPair throwaway = throwawayKey();
    RequestSigner signer = new RequestSigner("1900000001", "PRIMING", throwaway.getPrivate(), clock, () -> "PRIMING");
    ResponseVerifier verifier =
        new ResponseVerifier(new WeChatPayPublicKey("PUB_KEY_ID_PRIMING", throwaway.getPublic()), clock);
    byte[] body = "{\"service_id\":\"PRIMING\",\"total_amount\":0}".getBytes(UTF_8);
    String path = WeChatPayClient.pendingMessagePath("PRIMING-0001");
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    HttpHeaders answer = HttpHeaders.of(Map.of(
        "Wechatpay-Timestamp", List.of(timestamp),
        "Wechatpay-Nonce", List.of("PRIMING"),
        "Wechatpay-Serial", List.of("PUB_KEY_ID_PRIMING"),
        "Wechatpay-Signature", List.of(sign(throwaway, timestamp + "\nPRIMING\n", body))), (name, value) -> true);
    java.time.Instant end = clock.instant().plus(budget);
    int done = 0;
    while (done < rounds && clock.instant().isBefore(end)) {
      signer.authorization("POST", path, body);
      if (!verifier.verify(answer, body).verified()) throw new IllegalStateException("priming signature did not verify");
      done++;
    }
    return done;
  }

  /** An RSA-2048 key made for priming and dropped after it: never the merchant's. */
  static KeyPair throwawayKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
  }

  private static String sign(KeyPair key, String head, byte[] body) {
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key.getPrivate());
      rsa.update(head.getBytes(UTF_8));
      rsa.update(body);
      rsa.update((byte) '\n');
      return Base64.getEncoder().encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
  }
}
