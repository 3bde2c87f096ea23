package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Random text, JSON rendering and path edits shared by the fuzzer's generators. */
final class FuzzText {
  private FuzzText() {}

  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  /** The out_order_no alphabet of the contract. */
  static final String ORDER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-|*";
  static final String CJK = "就餐费用停车服务满减元不与其他优惠叠加人均充电宝租借押金免订单支付分信用酒店住宿晚餐早餐"
      + "打车里程时长超出部分按小时计费会员折扣券夜间附加清洁安装维修上门运费";
  static final String ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static final String PUNCT = " -_.,:;!?()[]{}<>/@#$%^&*+=~`'|";
  /**
   * JSON-escaped characters, 2-byte and odd 3-byte characters, and the neighbours of the ranges the
   * contract forbids: all allowed by the contract.
   */
  static final String SPECIAL = "\"\\/\u00e9\u00fc\u00a0\u00ad\uff01\u3000\ufffd\u2010\u2027\u202f\u205f\u206a\ufefe";
  /**
   * The contract's forbidden characters (v3): C0, DEL, C1, and the invisible and bidirectional
   * formatting characters (U+200B–U+200F, U+2028–U+202E, U+2060–U+2069, U+FEFF).
   */
  static final String[] FORBIDDEN = {"\u0000", "\t", "\n", "\r", "\u0001", "\u001f", "\u007f", "\u0080", "\u0085",
      "\u009f", "\u200b", "\u200e", "\u200f", "\u2028", "\u2029", "\u202a", "\u202e", "\u2060", "\u2066",
      "\u2069", "\ufeff"};
  /** Characters that need four bytes in UTF-8: an emoji, CJK Extension B (a real Chinese character), a flag half, a clef. */
  static final String[] FOUR_BYTE = {"\uD83D\uDE00", "\uD840\uDC00", "\uD83C\uDDE8", "\uD834\uDD1E", "\uD83C\uDC04",
      "\uD83D\uDC4D\uD83C\uDFFB"};

  enum Flavour { PLAIN, MIXED, SPECIAL }

  /** {@code length} characters, none of them 4-byte (no surrogates). */
  static String text(Random r, int length, Flavour flavour) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int pick = r.nextInt(100);
      String pool;
      if (flavour == Flavour.SPECIAL) {
        pool = pick < 35 ? CJK : pick < 60 ? ASCII : pick < 75 ? PUNCT : SPECIAL;
      } else if (flavour == Flavour.MIXED) {
        pool = pick < 50 ? CJK : pick < 85 ? ASCII : pick < 97 ? PUNCT : SPECIAL;
      } else {
        pool = pick < 55 ? CJK : ASCII;
      }
      s.append(pool.charAt(r.nextInt(pool.length())));
    }
    return s.toString();
  }

  static String digits(Random r, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) s.append((char) ('0' + r.nextInt(10)));
    return s.toString();
  }

  static String orderChars(Random r, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      // '|' and '*' a little more often than uniform, since they need care in paths.
      s.append(r.nextInt(20) == 0 ? (r.nextBoolean() ? '|' : '*') : ORDER_CHARS.charAt(r.nextInt(ORDER_CHARS.length())));
    }
    return s.toString();
  }

  static int utf8Length(String text) {
    return text.getBytes(UTF_8).length;
  }

  static String compact(JsonNode node) {
    return write(JSON, node, false);
  }

  static String pretty(JsonNode node) {
    return write(JSON, node, true);
  }

  /** Every non-ASCII character as a {@code \\uXXXX} escape (surrogate pairs as two escapes). */
  static String escaped(JsonNode node) {
    return write(ESCAPING, node, false);
  }

  /** A JSON string literal for {@code text}, quotes included. */
  static String quoted(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String write(JsonMapper mapper, JsonNode node, boolean pretty) {
    try {
      return pretty ? mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node) : mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String truncate(String text, int max) {
    if (text == null) return "null";
    String flat = text.replace("\n", "\\n").replace("\r", "\\r");
    return flat.length() <= max ? flat : flat.substring(0, max) + "…(" + text.length() + " chars)";
  }

  // ---------------------------------------------------------------------------------------------
  // Paths such as post_payments[2].name
  // ---------------------------------------------------------------------------------------------

  private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)(?:\\[(\\d+)])?");

  static JsonNode get(ObjectNode root, String path) {
    JsonNode node = root;
    for (String part : path.split("\\.")) {
      Matcher m = step(part);
      node = node.get(m.group(1));
      if (node == null) return null;
      if (m.group(2) != null) node = node.get(Integer.parseInt(m.group(2)));
      if (node == null) return null;
    }
    return node;
  }

  static void set(ObjectNode root, String path, JsonNode value) {
    edit(root, path, value, false);
  }

  static void remove(ObjectNode root, String path) {
    edit(root, path, null, true);
  }

  private static void edit(ObjectNode root, String path, JsonNode value, boolean remove) {
    String[] parts = path.split("\\.");
    JsonNode node = root;
    for (int i = 0; i < parts.length; i++) {
      Matcher m = step(parts[i]);
      boolean last = i == parts.length - 1;
      if (m.group(2) == null) {
        if (last) {
          if (remove) ((ObjectNode) node).remove(m.group(1)); else ((ObjectNode) node).set(m.group(1), value);
          return;
        }
        node = node.get(m.group(1));
      } else {
        ArrayNode array = (ArrayNode) node.get(m.group(1));
        int index = Integer.parseInt(m.group(2));
        if (last) {
          if (remove) array.remove(index); else array.set(index, value);
          return;
        }
        node = array.get(index);
      }
    }
  }

  private static Matcher step(String part) {
    Matcher m = STEP.matcher(part);
    if (!m.matches()) throw new IllegalArgumentException("bad path step " + part);
    return m;
  }

  /**
   * Literal JSON that Jackson would not write (duplicate keys, {@code 1e2}, 2,000 digits, deep
   * nesting): a placeholder string goes into the tree, and its quoted form is swapped after rendering.
   */
  static final class Raw {
    private final java.util.List<String[]> swaps = new java.util.ArrayList<>();
    private int next;

    /** A placeholder value (or key) to put into the tree, replaced by {@code rawJson} in {@link #apply}. */
    String token(String rawJson) {
      String token = "@@raw-" + (next++) + "-" + Integer.toHexString(System.identityHashCode(this)) + "@@";
      swaps.add(new String[] {"\"" + token + "\"", rawJson});
      return token;
    }

    String apply(String rendered) {
      String text = rendered;
      for (String[] swap : swaps) text = text.replace(swap[0], swap[1]);
      return text;
    }
  }
}
