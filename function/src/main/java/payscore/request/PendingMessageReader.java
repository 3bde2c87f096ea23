package payscore.request;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import payscore.json.JsonTrees;

/**
 * Parses a pending-message body and checks every rule of the contract's request table before
 * anything is claimed or sent. All violations are reported together, each with its field path:
 * unknown fields first, then the rules in the order of the contract's table.
 */
public final class PendingMessageReader {
  /** The contract's limit on the body, in bytes of UTF-8. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String SAMPLE = "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":"
      + "[{\"name\":\"就餐费用\",\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],\"post_discounts\":"
      + "[{\"name\":\"满20减1元\",\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],"
      + "\"total_amount\":39900,\"prepaid_time\":\"20231218\"}";

  private static final Pattern ORDER_NO = Pattern.compile("[A-Za-z0-9_\\-|*]{1,32}");
  private static final Pattern SUB_MCHID = Pattern.compile("[0-9]{1,32}");
  private static final Pattern EIGHT_DIGITS = Pattern.compile("[0-9]{8}");
  private static final Set<String> TOP_LEVEL_FIELDS =
      Set.of("out_order_no", "sub_mchid", "service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time");
  private static final Set<String> PAYMENT_FIELDS = Set.of("name", "amount", "description", "count");
  private static final Set<String> DISCOUNT_FIELDS = Set.of("name", "description", "amount", "count");

  /** An HTTP request: the order number is the path parameter; the body may repeat it, identically. */
  public PendingMessage readHttp(String pathOrderNo, byte[] body) throws InvalidRequestException {
    return readHttp(pathOrderNo, null, body);
  }

  /**
   * An HTTP request whose query may name the sub-merchant ({@code querySubMchid}, null when absent):
   * the body decides the mode, and a query that names another sub-merchant than the body, or one
   * when the body names none, is refused, naming both, rather than sending a mode nobody meant.
   */
  public PendingMessage readHttp(String pathOrderNo, String querySubMchid, byte[] body)
      throws InvalidRequestException {
    if (pathOrderNo == null) throw new InvalidRequestException(List.of(new FieldError("out_order_no", "is required")));
    return read(body, pathOrderNo, querySubMchid);
  }

  /** An SQS message: the order number is the body's {@code out_order_no} field. */
  public PendingMessage readQueued(byte[] body) throws InvalidRequestException {
    return read(body, null, null);
  }

  /**
   * Reads, canonicalizes and hashes a sample body, so that a SnapStart snapshot holds this path's
   * classes loaded and initialized.
   */
  public void prime() {
    try {
      readHttp("PRIMING-0001", SAMPLE.getBytes(java.nio.charset.StandardCharsets.UTF_8)).payloadHash();
    } catch (InvalidRequestException e) {
      throw new IllegalStateException("the priming sample breaks a rule: " + e.getMessage(), e);
    }
  }

  /**
   * An operator's resolution of an order: {@code {"resolution": "SENT" | "NOT_SENT", "reason": "…"}}
   * with a reason of 1 to 200 characters; the order number is the path's.
   */
  public ResolutionRequest readResolution(String pathOrderNo, byte[] body) throws InvalidRequestException {
    Errors errors = new Errors();
    errors.orderNo(pathOrderNo);
    JsonNode root = parse(body, errors);
    if (root == null) throw new InvalidRequestException(errors.list);
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("resolution") && !name.equals("reason")) errors.add(name, "is not a known field");
    }
    String resolution = errors.text(root.get("resolution"), "resolution", 1, 8, true);
    if (resolution != null && !resolution.equals("SENT") && !resolution.equals("NOT_SENT")) {
      errors.add("resolution", "must be SENT or NOT_SENT");
    }
    String reason = errors.text(root.get("reason"), "reason", 1, 200, true);
    if (!errors.list.isEmpty()) throw new InvalidRequestException(errors.list);
    return new ResolutionRequest(pathOrderNo, resolution.equals("SENT"), reason);
  }

  /** Checks an order number on its own, e.g. the path of a status query. */
  public static List<FieldError> checkOrderNo(String orderNo) {
    Errors errors = new Errors();
    errors.orderNo(orderNo);
    return errors.list;
  }

  /**
   * Checks a {@code sub_mchid} on its own, e.g. from the query string of a status query or a
   * resolution. Null means absent (a direct-merchant order) and is valid; an empty value is not.
   */
  public static List<FieldError> checkSubMchid(String subMchid) {
    Errors errors = new Errors();
    if (subMchid != null) errors.subMchid(subMchid);
    return errors.list;
  }

  /** Whether {@code subMchid} has the shape of a sub-merchant id (1 to 32 digits). */
  public static boolean wellFormedSubMchid(String subMchid) {
    return subMchid != null && SUB_MCHID.matcher(subMchid).matches();
  }

  private PendingMessage read(byte[] body, String pathOrderNo, String querySubMchid) throws InvalidRequestException {
    Errors errors = new Errors();
    if (pathOrderNo != null) errors.orderNo(pathOrderNo);
    if (querySubMchid != null) errors.subMchid(querySubMchid);
    JsonNode root = parse(body, errors);
    if (root == null) throw new InvalidRequestException(errors.list, null, false);

    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!TOP_LEVEL_FIELDS.contains(name)) errors.add(name, "is not a known field");
    }

    String orderNo = pathOrderNo;
    JsonNode bodyOrderNo = root.get("out_order_no");
    if (pathOrderNo == null) {
      orderNo = errors.text(bodyOrderNo, "out_order_no", 1, 32, true);
      if (orderNo != null) errors.orderNo(orderNo);
    } else if (bodyOrderNo != null) {
      String repeated = errors.text(bodyOrderNo, "out_order_no", 1, 32, true);
      if (repeated != null && !repeated.equals(pathOrderNo)) {
        errors.add("out_order_no", "in the body differs from the order number in the path");
      }
    }

    JsonNode bodySubMchid = root.get("sub_mchid");
    String subMchid = subMchid(bodySubMchid, errors);
    if (wellFormedSubMchid(querySubMchid)) {
      if (bodySubMchid == null) {
        errors.add("sub_mchid", "is " + querySubMchid + " in the query and absent from the body: put it in the body"
            + " for a partner order, or leave the query out for a direct one");
      } else if (subMchid != null && !subMchid.equals(querySubMchid)) {
        errors.add("sub_mchid", "is " + subMchid + " in the body and " + querySubMchid + " in the query: they must"
            + " name the same sub-merchant");
      }
    }
    String serviceId = errors.text(root.get("service_id"), "service_id", 1, 32, true);
    List<PostPayment> payments = payments(root.get("post_payments"), errors);
    List<PostDiscount> discounts = discounts(root.get("post_discounts"), errors);
    Long totalAmount = errors.integer(root.get("total_amount"), "total_amount", 0, Long.MAX_VALUE, true);
    String prepaidTime = prepaidTime(root.get("prepaid_time"), errors);

    if (totalAmount != null && payments != null && discounts != null) {
      checkTotal(totalAmount, payments, discounts, errors);
    }
    if (!errors.list.isEmpty()) {
      throw new InvalidRequestException(errors.list, subMchid, bodySubMchid != null && !bodySubMchid.isNull());
    }
    return new PendingMessage(orderNo, subMchid, serviceId, payments, discounts, totalAmount, prepaidTime);
  }

  private JsonNode parse(byte[] body, Errors errors) {
    if (body == null || body.length == 0) {
      errors.add("body", "is required");
      return null;
    }
    if (body.length > MAX_BODY_BYTES) {
      errors.add("body", "must be at most " + MAX_BODY_BYTES + " bytes");
      return null;
    }
    String text;
    try {
      // Strict UTF-8 first: the JSON parser alone would accept overlong forms and UTF-16.
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      errors.add("body", "is not valid UTF-8");
      return null;
    }
    JsonNode root;
    try {
      root = JsonTrees.read(text);
    } catch (JacksonException e) {
      // The original message names the problem (a duplicate key, a stray character) without
      // quoting the body; the location tells the caller where to look.
      String where = e.getLocation() == null ? "" :
          " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
      errors.add("body", "is not valid JSON: " + truncate(e.getOriginalMessage()) + where);
      return null;
    } catch (IOException e) {
      errors.add("body", "could not be read");
      return null;
    }
    if (root == null || !root.isObject()) {
      errors.add("body", "must be a JSON object");
      return null;
    }
    return root;
  }

  /** Partner mode's sub-merchant: optional, but when present a JSON string of 1 to 32 digits. */
  private static String subMchid(JsonNode node, Errors errors) {
    if (node == null) return null;
    if (node.isNull()) {
      errors.add("sub_mchid", "must not be null; leave it out for a direct-merchant request");
      return null;
    }
    if (!node.isTextual()) {
      // A number would lose leading zeros and precision on the way to WeChat.
      errors.add("sub_mchid", "must be a string of 1 to 32 digits");
      return null;
    }
    return errors.subMchid(node.textValue()) ? node.textValue() : null;
  }

  private static List<PostPayment> payments(JsonNode node, Errors errors) {
    if (!errors.array(node, "post_payments", 1, 100, true)) return null;
    List<PostPayment> payments = new ArrayList<>(node.size());
    boolean valid = true;
    for (int i = 0; i < node.size(); i++) {
      String path = "post_payments[" + i + "]";
      JsonNode item = node.get(i);
      int before = errors.list.size();
      if (!errors.object(item, path, PAYMENT_FIELDS)) {
        valid = false;
        continue;
      }
      String name = errors.text(item.get("name"), path + ".name", 1, 20, true);
      Long amount = errors.integer(item.get("amount"), path + ".amount", 0, Long.MAX_VALUE, false);
      String description = errors.text(item.get("description"), path + ".description", 0, 30, false);
      Long count = errors.integer(item.get("count"), path + ".count", 1, 100, false);
      valid &= errors.list.size() == before;
      payments.add(new PostPayment(name, amount, description, count == null ? null : count.intValue()));
    }
    return valid ? payments : null;
  }

  private static List<PostDiscount> discounts(JsonNode node, Errors errors) {
    if (node == null) return List.of();
    if (!errors.array(node, "post_discounts", 0, 30, false)) return null;
    List<PostDiscount> discounts = new ArrayList<>(node.size());
    Map<String, Integer> firstByName = new HashMap<>();
    boolean valid = true;
    for (int i = 0; i < node.size(); i++) {
      String path = "post_discounts[" + i + "]";
      JsonNode item = node.get(i);
      int before = errors.list.size();
      if (!errors.object(item, path, DISCOUNT_FIELDS)) {
        valid = false;
        continue;
      }
      String name = errors.text(item.get("name"), path + ".name", 1, 20, true);
      String description = errors.text(item.get("description"), path + ".description", 0, 30, false);
      Long amount = errors.integer(item.get("amount"), path + ".amount", 0, Long.MAX_VALUE, false);
      Long count = errors.integer(item.get("count"), path + ".count", 1, Long.MAX_VALUE, false);
      if (name != null) {
        Integer first = firstByName.putIfAbsent(name, i);
        if (first != null) errors.add(path + ".name", "repeats post_discounts[" + first + "].name; names must be unique");
      }
      valid &= errors.list.size() == before;
      discounts.add(new PostDiscount(name, description, amount, count));
    }
    return valid ? discounts : null;
  }

  private static String prepaidTime(JsonNode node, Errors errors) {
    String text = errors.text(node, "prepaid_time", 8, 8, true);
    if (text == null) return null;
    if (!EIGHT_DIGITS.matcher(text).matches()) {
      errors.add("prepaid_time", "must be a date as YYYYMMDD");
      return null;
    }
    try {
      // LocalDate.of rejects 20230230 as STRICT parsing would, without the formatter machinery.
      LocalDate.of(Integer.parseInt(text.substring(0, 4)), Integer.parseInt(text.substring(4, 6)),
          Integer.parseInt(text.substring(6, 8)));
    } catch (DateTimeException e) {
      errors.add("prepaid_time", "is not a real calendar date");
      return null;
    }
    return text;
  }

  /** WeChat's rule: total = Σ payments − Σ discounts, checked only where every payment has an amount. */
  private static void checkTotal(long total, List<PostPayment> payments, List<PostDiscount> discounts, Errors errors) {
    // Exact arithmetic: the sums of valid amounts can pass the range of a long on their way.
    BigInteger expected = BigInteger.ZERO;
    for (PostPayment payment : payments) {
      if (payment.amount() == null) return;
      expected = expected.add(BigInteger.valueOf(payment.amount()));
    }
    for (PostDiscount discount : discounts) {
      if (discount.amount() != null) expected = expected.subtract(BigInteger.valueOf(discount.amount()));
    }
    if (!expected.equals(BigInteger.valueOf(total))) {
      errors.add("total_amount", "must equal the sum of post_payments[].amount minus the sum of post_discounts[].amount ("
          + expected + ")");
    }
  }

  private static String truncate(String text) {
    if (text == null) return "unreadable";
    return text.length() <= 120 ? text : text.substring(0, 120) + "…";
  }

  /** Collects violations in the order they are found. */
  private static final class Errors {
    final List<FieldError> list = new ArrayList<>();

    void add(String field, String message) {
      list.add(new FieldError(field, message));
    }

    void orderNo(String orderNo) {
      if (orderNo == null || orderNo.isEmpty()) {
        add("out_order_no", "is required");
      } else if (!ORDER_NO.matcher(orderNo).matches()) {
        add("out_order_no", "must be 1 to 32 characters from A-Z a-z 0-9 _ - | *");
      }
    }

    boolean subMchid(String subMchid) {
      if (SUB_MCHID.matcher(subMchid).matches()) return true;
      add("sub_mchid", "must be 1 to 32 digits 0-9");
      return false;
    }

    /** A string of min..max characters; returns null (after recording why) when absent or broken. */
    String text(JsonNode node, String path, int min, int max, boolean required) {
      if (!present(node, path, required)) return null;
      if (!node.isTextual()) {
        add(path, "must be a string");
        return null;
      }
      String text = node.textValue();
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        // WeChat rejects 4-byte UTF-8 characters, which are exactly the ones Java stores as surrogates.
        if (Character.isSurrogate(c)) {
          add(path, "must not contain 4-byte UTF-8 characters such as emoji");
          return null;
        }
        if (ConsumerText.forbidden(c)) {
          add(path, "must not contain control or invisible formatting characters ("
              + ConsumerText.name(c) + " at character " + (i + 1) + ")");
          return null;
        }
      }
      if (text.length() < min || text.length() > max) {
        add(path, min == max ? "must be " + min + " characters"
            : min == 0 ? "must be at most " + max + " characters"
            : "must be " + min + " to " + max + " characters");
        return null;
      }
      return text;
    }

    /** A JSON integer in min..max. */
    Long integer(JsonNode node, String path, long min, long max, boolean required) {
      if (!present(node, path, required)) return null;
      if (!node.isIntegralNumber()) {
        add(path, "must be an integer");
        return null;
      }
      if (!node.canConvertToLong()) {
        add(path, "is out of range");
        return null;
      }
      long value = node.longValue();
      if (value < min || value > max) {
        add(path, max == Long.MAX_VALUE
            ? "must be at least " + min : "must be from " + min + " to " + max);
        return null;
      }
      return value;
    }

    boolean array(JsonNode node, String path, int min, int max, boolean required) {
      if (!present(node, path, required)) return false;
      if (!node.isArray()) {
        add(path, "must be an array");
        return false;
      }
      if (node.size() < min || node.size() > max) {
        add(path, min == 0 ? "must have at most " + max + " items" : "must have " + min + " to " + max + " items");
        return false;
      }
      return true;
    }

    boolean object(JsonNode node, String path, Set<String> allowed) {
      if (node.isNull()) {
        add(path, "must not be null");
        return false;
      }
      if (!node.isObject()) {
        add(path, "must be an object");
        return false;
      }
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!allowed.contains(name)) add(path + "." + name, "is not a known field");
      }
      return true;
    }

    private boolean present(JsonNode node, String path, boolean required) {
      if (node == null) {
        if (required) add(path, "is required");
        return false;
      }
      if (node.isNull()) {
        add(path, "must not be null");
        return false;
      }
      return true;
    }
  }
}
