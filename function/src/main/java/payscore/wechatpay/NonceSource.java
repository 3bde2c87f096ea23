package payscore.wechatpay;

import java.security.SecureRandom;
import java.util.function.Supplier;

/** Fresh request nonces; an input so that tests can fix them. */
@FunctionalInterface
public interface NonceSource {
  String next();

  /**
   * 32 characters of [0-9A-Za-z] from a CSPRNG, as the official SDKs make them. The generator is
   * asked for on every nonce, so one replaced after a SnapStart restore is used at once.
   */
  static NonceSource secure(Supplier<SecureRandom> randoms) {
    char[] alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    return () -> {
      // One draw of random bytes per nonce: each call into the CSPRNG is a synchronized SHA-1 round.
      // Bytes of 248 and above are skipped so that every character is equally likely (248 = 4 x 62).
      SecureRandom random = randoms.get();
      char[] nonce = new char[32];
      byte[] bytes = new byte[48];
      int filled = 0;
      while (filled < nonce.length) {
        random.nextBytes(bytes);
        for (int i = 0; i < bytes.length && filled < nonce.length; i++) {
          int value = bytes[i] & 0xFF;
          if (value < 248) nonce[filled++] = alphabet[value % 62];
        }
      }
      return new String(nonce);
    };
  }
}
