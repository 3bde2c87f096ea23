package payscore.wechatpay;

import java.security.SecureRandom;

/** Fresh request nonces; an input so that tests can fix them. */
@FunctionalInterface
public interface NonceSource {
  String next();

  /** 32 characters of [0-9A-Za-z] from a CSPRNG, as the official SDKs make them. */
  static NonceSource secure(SecureRandom random) {
    char[] alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    return () -> {
      char[] nonce = new char[32];
      for (int i = 0; i < nonce.length; i++) nonce[i] = alphabet[random.nextInt(alphabet.length)];
      return new String(nonce);
    };
  }
}
