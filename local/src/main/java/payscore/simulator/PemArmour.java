package payscore.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** PEM armour: Base64 in 64-character lines between BEGIN and END markers. */
final class PemArmour {

  private static final Base64.Encoder LINES =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private PemArmour() {}

  static String encode(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + LINES.encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
