package payscore.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The APIv3 signed message: each line followed by a newline, then the raw body and a final newline. */
final class SignatureMessage {

  private SignatureMessage() {}

  static byte[] of(byte[] body, String... lines) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    for (String line : lines) {
      message.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      message.write('\n');
    }
    message.writeBytes(body);
    message.write('\n');
    return message.toByteArray();
  }
}
