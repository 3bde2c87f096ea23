package payscore.simulator;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random strings for nonces and request ids. */
final class RandomText {

  private static final String ALPHANUMERIC =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private RandomText() {}

  static String alphanumeric(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
    }
    return text.toString();
  }

  static String hex(int byteCount) {
    return HexFormat.of().withUpperCase().formatHex(bytes(byteCount));
  }

  static String base64(int byteCount) {
    return Base64.getEncoder().encodeToString(bytes(byteCount));
  }

  private static byte[] bytes(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
