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
      SecureRandom random = randoms.get();
      char[] nonce = new char[32];
      for (int i = 0; i < nonce.length; i++) nonce[i] = alphabet[random.nextInt(alphabet.length)];
      return new String(nonce);
    };
  }
}
