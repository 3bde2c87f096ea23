package payscore.simulator;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The few ASN.1 DER encodings an X.509 certificate needs. */
final class Der {

  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter GENERALIZED_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private Der() {}

  static byte[] sequence(byte[]... items) {
    return tagged(0x30, concat(items));
  }

  static byte[] set(byte[]... items) {
    return tagged(0x31, concat(items));
  }

  static byte[] explicit(int tagNumber, byte[] content) {
    return tagged(0xA0 | tagNumber, content);
  }

  static byte[] integer(BigInteger value) {
    return tagged(0x02, value.toByteArray());
  }

  static byte[] nullValue() {
    return new byte[] {0x05, 0x00};
  }

  static byte[] utf8String(String text) {
    return tagged(0x0C, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bitString(byte[] bits) {
    return tagged(0x03, concat(new byte[] {0}, bits));
  }

  /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
  static byte[] time(Instant instant) {
    Instant seconds = instant.truncatedTo(ChronoUnit.SECONDS);
    int year = seconds.atZone(ZoneOffset.UTC).getYear();
    return year >= 1950 && year <= 2049
        ? tagged(0x17, UTC_TIME.format(seconds).getBytes(StandardCharsets.US_ASCII))
        : tagged(0x18, GENERALIZED_TIME.format(seconds).getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    writeBase128(content, 40 * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      writeBase128(content, Long.parseLong(arcs[i]));
    }
    return tagged(0x06, content.toByteArray());
  }

  static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    writeLength(out, content.length);
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static void writeLength(ByteArrayOutputStream out, int length) {
    if (length < 0x80) {
      out.write(length);
      return;
    }
    int byteCount = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
    out.write(0x80 | byteCount);
    for (int i = byteCount - 1; i >= 0; i--) {
      out.write(length >>> (8 * i));
    }
  }

  private static void writeBase128(ByteArrayOutputStream out, long value) {
    int groups = 1;
    for (long rest = value >>> 7; rest != 0; rest >>>= 7) {
      groups++;
    }
    for (int i = groups - 1; i >= 0; i--) {
      int group = (int) (value >>> (7 * i)) & 0x7F;
      out.write(i == 0 ? group : group | 0x80);
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
