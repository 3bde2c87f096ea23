package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import payscore.fuzz.FuzzCase.Expect;

/** Random bytes, text and JSON values as the body, and bodies with random byte edits or base64 gone wrong. */
final class RandomBody extends CaseBuilder {
  private static final int[][] INVALID_UTF8 = {
      {0xFF}, {0xFE}, {0xC0, 0xAF}, {0xE0, 0x80, 0xAF}, {0xED, 0xA0, 0x80}, {0xF8, 0x88, 0x80, 0x80, 0x80}, {0x80},
      {0xC3}, {0xE4, 0xB8}, {0xF4, 0x90, 0x80, 0x80}, {0xC1, 0xBF}, {0xED, 0xBF, 0xBF}, {0xF0, 0x9F, 0x98}};

  private static final String JSONISH = "{}[]\":,0123456789-.etrufalsn ";

  RandomBody(Random random, OrderLedger ledger, String kind) {
    super(random, ledger, kind);
  }

  @Override
  FuzzCase build() {
    String order = ledger.fresh(r);
    ObjectNode event = r.nextInt(4) == 0 ? v1("POST", order) : post(order);
    Expect expect;
    String note;
    switch (kind) {
      case "random/bytes" -> {
        byte[] bytes = new byte[r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(400)];
        r.nextBytes(bytes);
        setBase64(event, bytes);
        expect = Expect.invalidSome();
        note = bytes.length + " random bytes";
      }
      case "random/json-value" -> {
        String text = FuzzText.compact(randomJson(4));
        event.put("body", text);
        expect = Expect.invalidSome();
        note = FuzzText.truncate(text, 80);
      }
      case "random/json-known-keys" -> {
        ObjectNode tree = BodyModel.random(r).node(r, true);
        List<String> keys = new ArrayList<>();
        tree.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) if (r.nextInt(3) == 0) tree.set(key, randomJson(2));
        if (r.nextBoolean()) tree.set(pick(List.copyOf(TOP_LEVEL)), randomJson(3));
        event.put("body", FuzzText.compact(tree));
        expect = Expect.any();
        note = "known keys with random values";
      }
      case "random/utf8-text" -> {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(200); i > 0; i--) {
          int cp = switch (r.nextInt(5)) {
            case 0 -> r.nextInt(0x80);
            case 1 -> JSONISH.charAt(r.nextInt(JSONISH.length()));
            case 2 -> 0x80 + r.nextInt(0x800 - 0x80);
            case 3 -> 0x4E00 + r.nextInt(0x5000);
            default -> 0x10000 + r.nextInt(0x100000);
          };
          s.appendCodePoint(cp);
        }
        event.put("body", s.toString());
        expect = Expect.invalidSome();
        note = s.length() + " random characters";
      }
      case "random/invalid-utf8" -> {
        byte[] body = FuzzText.compact(BodyModel.random(r).node(r, false)).getBytes(UTF_8);
        int[] bad = INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
        int at = r.nextInt(body.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        for (int b : bad) out.write(b);
        out.write(body, at, body.length - at);
        setBase64(event, out.toByteArray());
        expect = Expect.invalid("body");
        note = "invalid UTF-8 " + hex(bad) + " at byte " + at;
      }
      case "random/byte-flips" -> {
        BodyModel m = BodyModel.random(r);
        byte[] bytes = FuzzText.compact(m.node(r, false)).getBytes(UTF_8);
        int flips = 1 + r.nextInt(4);
        StringBuilder what = new StringBuilder();
        for (int i = 0; i < flips && bytes.length > 0; i++) {
          int at = r.nextInt(bytes.length);
          switch (r.nextInt(3)) {
            case 0 -> {
              bytes[at] ^= (byte) (1 << r.nextInt(8));
              what.append(" flip@").append(at);
            }
            case 1 -> {
              byte[] shorter = new byte[bytes.length - 1];
              System.arraycopy(bytes, 0, shorter, 0, at);
              System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
              bytes = shorter;
              what.append(" delete@").append(at);
            }
            default -> {
              byte[] longer = new byte[bytes.length + 1];
              System.arraycopy(bytes, 0, longer, 0, at);
              longer[at] = (byte) r.nextInt(256);
              System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
              bytes = longer;
              what.append(" insert@").append(at);
            }
          }
        }
        setBase64(event, bytes);
        expect = Expect.any();
        note = "byte edits:" + what;
      }
      case "random/base64-invalid" -> {
        String text = pick(FuzzText.compact(BodyModel.random(r).node(r, false)), "!!!!", "a", "YWJj\nZGVm", "-_-_", "YQ===",
            " YWJj", "YWJj ", "eyJ9*", "====", "YW\u00e9J");
        event.put("body", text);
        event.put("isBase64Encoded", true);
        expect = Expect.invalid("body");
        note = "isBase64Encoded with " + FuzzText.truncate(FuzzText.quoted(text), 40);
      }
      case "random/base64-random" -> {
        byte[] bytes = new byte[1 + r.nextInt(300)];
        r.nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) if (r.nextBoolean()) bytes[i] = (byte) JSONISH.charAt(r.nextInt(JSONISH.length()));
        setBase64(event, bytes);
        expect = Expect.invalidSome();
        note = bytes.length + " random bytes, base64";
      }
      case "random/base64-flag-false" -> {
        event.put("body", Base64.getEncoder().encodeToString(FuzzText.compact(BodyModel.random(r).node(r, false))
            .getBytes(UTF_8)));
        event.put("isBase64Encoded", false);
        expect = Expect.invalid("body");
        note = "a base64 body without isBase64Encoded";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    // Random bodies may, by chance, be valid: such an order is then sent once, like any other.
    return new FuzzCase(kind, event, null, stream(), expect, order, null, note);
  }

  private static String hex(int[] bytes) {
    StringBuilder s = new StringBuilder();
    for (int b : bytes) s.append(String.format("%02X", b));
    return s.toString();
  }
}
