package payscore.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * WeChat's parameter rules for send-pendingmessage; the first broken one names its field. The
 * partner path takes the same body behind a leading {@code sub_mchid}.
 */
final class PendingMessageRules {

  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final Pattern OUT_ORDER_NO = Pattern.compile("[A-Za-z0-9_\\-|*]{1,32}");
  private static final Pattern EIGHT_DIGITS = Pattern.compile("[0-9]{8}");
  private static final DateTimeFormatter YYYYMMDD =
      DateTimeFormatter.ofPattern("uuuuMMdd").withResolverStyle(ResolverStyle.STRICT);
  private static final Set<String> BODY_FIELDS =
      Set.of("service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time");
  private static final Set<String> PARTNER_BODY_FIELDS =
      Set.of("sub_mchid", "service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time");
  private static final Set<String> PAYMENT_FIELDS = Set.of("name", "amount", "description", "count");
  private static final Set<String> DISCOUNT_FIELDS = Set.of("name", "description", "amount", "count");
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private static final String SUB_MCHID = "sub_mchid";

  private final List<String> violations = new ArrayList<>();
  private final boolean partner;

  private PendingMessageRules(boolean partner) {
    this.partner = partner;
  }

  /** The first rule the direct-path request breaks, as "field: reason", or empty. */
  static Optional<String> violation(String outOrderNo, byte[] body) {
    PendingMessageRules rules = new PendingMessageRules(false);
    rules.check(outOrderNo, body);
    return rules.violations.stream().findFirst();
  }

  /** As {@link #violation} for the partner path: {@code sub_mchid} first, then the direct body's fields. */
  static Optional<String> partnerViolation(String outOrderNo, byte[] body) {
    PendingMessageRules rules = new PendingMessageRules(true);
    rules.check(outOrderNo, body);
    return rules.violations.stream().findFirst();
  }

  /**
   * What is wrong with the partner body's leading {@code sub_mchid}, which names the order, or
   * empty when it is a JSON object whose first field is a string of 1 to 32 digits.
   */
  static Optional<String> subMchidViolation(byte[] body) {
    PendingMessageRules rules = new PendingMessageRules(true);
    Optional<JsonNode> root = rules.parseObject(body);
    root.ifPresent(rules::checkSubMchid);
    return rules.violations.stream().findFirst();
  }

  /** The body's {@code sub_mchid} if it is a JSON string, valid or not; otherwise null. */
  static String subMchidText(byte[] body) {
    Optional<JsonNode> root = parse(body);
    if (root.isEmpty() || !root.get().isObject()) {
      return null;
    }
    JsonNode subMchid = root.get().get(SUB_MCHID);
    return subMchid != null && subMchid.isTextual() ? subMchid.textValue() : null;
  }

  private void check(String outOrderNo, byte[] body) {
    if (!OUT_ORDER_NO.matcher(outOrderNo).matches()) {
      violations.add("out_order_no: 1 to 32 characters from A-Z a-z 0-9 _ - | *");
      return;
    }
    Optional<JsonNode> root = parseObject(body);
    if (root.isEmpty()) {
      return;
    }
    if (partner && !checkSubMchid(root.get())) {
      return;
    }
    checkBody(root.get());
  }

  /** The body as a JSON object, or empty with the violation recorded. */
  private Optional<JsonNode> parseObject(byte[] body) {
    if (body.length > MAX_BODY_BYTES) {
      violations.add("body: larger than 64 KiB");
      return Optional.empty();
    }
    Optional<JsonNode> root = parse(body);
    if (root.isEmpty()) {
      violations.add("body: not UTF-8 JSON");
      return Optional.empty();
    }
    if (!root.get().isObject()) {
      violations.add("body: not a JSON object");
      return Optional.empty();
    }
    return root;
  }

  private boolean checkSubMchid(JsonNode body) {
    JsonNode subMchid = field(body, SUB_MCHID, SUB_MCHID, true);
    if (subMchid == null) {
      return false;
    }
    if (!SUB_MCHID.equals(body.fieldNames().next())) {
      violations.add("sub_mchid: must be the first field");
      return false;
    }
    if (!subMchid.isTextual() || !ServiceOrder.isSubMchid(subMchid.textValue())) {
      violations.add("sub_mchid: a string of 1 to 32 digits");
      return false;
    }
    return true;
  }

  private void checkBody(JsonNode body) {
    rejectUnknownFields(body, "", partner ? PARTNER_BODY_FIELDS : BODY_FIELDS);
    JsonNode serviceId = field(body, "service_id", "service_id", true);
    if (serviceId != null) {
      checkText(serviceId, "service_id", 1, 32);
    }
    List<JsonNode> payments = items(body, "post_payments", true, 1, 100);
    for (int i = 0; i < payments.size(); i++) {
      checkPayment(payments.get(i), "post_payments[" + i + "]");
    }
    List<JsonNode> discounts = items(body, "post_discounts", false, 0, 30);
    Set<String> discountNames = new HashSet<>();
    for (int i = 0; i < discounts.size(); i++) {
      String path = "post_discounts[" + i + "]";
      checkDiscount(discounts.get(i), path);
      JsonNode name = discounts.get(i).get("name");
      if (name != null && name.isTextual() && !discountNames.add(name.textValue())) {
        violations.add(path + ".name: not unique within the order");
      }
    }
    JsonNode total = field(body, "total_amount", "total_amount", true);
    if (total != null && checkInteger(total, "total_amount", 0, Long.MAX_VALUE)) {
      checkTotal(total.longValue(), payments, discounts);
    }
    JsonNode prepaidTime = field(body, "prepaid_time", "prepaid_time", true);
    if (prepaidTime != null && checkText(prepaidTime, "prepaid_time", 8, 8)) {
      checkDate(prepaidTime.textValue(), "prepaid_time");
    }
  }

  private void checkPayment(JsonNode payment, String path) {
    if (!isObject(payment, path)) {
      return;
    }
    rejectUnknownFields(payment, path + ".", PAYMENT_FIELDS);
    JsonNode name = field(payment, "name", path + ".name", true);
    if (name != null) {
      checkText(name, path + ".name", 1, 20);
    }
    JsonNode amount = field(payment, "amount", path + ".amount", false);
    if (amount != null) {
      checkInteger(amount, path + ".amount", 0, Long.MAX_VALUE);
    }
    JsonNode description = field(payment, "description", path + ".description", false);
    if (description != null) {
      checkText(description, path + ".description", 0, 30);
    }
    JsonNode count = field(payment, "count", path + ".count", false);
    if (count != null) {
      checkInteger(count, path + ".count", 1, 100);
    }
  }

  private void checkDiscount(JsonNode discount, String path) {
    if (!isObject(discount, path)) {
      return;
    }
    rejectUnknownFields(discount, path + ".", DISCOUNT_FIELDS);
    JsonNode name = field(discount, "name", path + ".name", true);
    if (name != null) {
      checkText(name, path + ".name", 1, 20);
    }
    JsonNode description = field(discount, "description", path + ".description", false);
    if (description != null) {
      checkText(description, path + ".description", 0, 30);
    }
    JsonNode amount = field(discount, "amount", path + ".amount", false);
    if (amount != null) {
      checkInteger(amount, path + ".amount", 0, Long.MAX_VALUE);
    }
    JsonNode count = field(discount, "count", path + ".count", false);
    if (count != null) {
      checkInteger(count, path + ".count", 1, Long.MAX_VALUE);
    }
  }

  /** The total is only defined when every payment states its amount; count is not multiplied in. */
  private void checkTotal(long total, List<JsonNode> payments, List<JsonNode> discounts) {
    BigInteger expected = BigInteger.ZERO;
    for (JsonNode payment : payments) {
      JsonNode amount = payment.get("amount");
      if (amount == null || !amount.isIntegralNumber()) {
        return;
      }
      expected = expected.add(amount.bigIntegerValue());
    }
    for (JsonNode discount : discounts) {
      JsonNode amount = discount.get("amount");
      if (amount != null && amount.isIntegralNumber()) {
        expected = expected.subtract(amount.bigIntegerValue());
      }
    }
    if (!expected.equals(BigInteger.valueOf(total))) {
      violations.add("total_amount: must be " + expected + " (payments minus discounts)");
    }
  }

  private void checkDate(String text, String path) {
    if (!EIGHT_DIGITS.matcher(text).matches()) {
      violations.add(path + ": not YYYYMMDD");
      return;
    }
    try {
      LocalDate.parse(text, YYYYMMDD);
    } catch (DateTimeParseException e) {
      violations.add(path + ": not a calendar date");
    }
  }

  /** The array's elements, or none when it is absent or broken (the violation is recorded). */
  private List<JsonNode> items(JsonNode parent, String name, boolean required, int min, int max) {
    JsonNode array = field(parent, name, name, required);
    if (array == null) {
      return List.of();
    }
    if (!array.isArray()) {
      violations.add(name + ": not an array");
      return List.of();
    }
    if (array.size() < min || array.size() > max) {
      violations.add(name + ": " + min + " to " + max + " items");
    }
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items;
  }

  /** The child, or null when it is absent or null (recording a violation where that is not allowed). */
  private JsonNode field(JsonNode parent, String name, String path, boolean required) {
    JsonNode value = parent.get(name);
    if (value == null) {
      if (required) {
        violations.add(path + ": required");
      }
      return null;
    }
    if (value.isNull()) {
      violations.add(path + ": null is not allowed");
      return null;
    }
    return value;
  }

  private boolean isObject(JsonNode node, String path) {
    if (node.isObject()) {
      return true;
    }
    violations.add(path + (node.isNull() ? ": null is not allowed" : ": not an object"));
    return false;
  }

  private boolean checkText(JsonNode node, String path, int minLength, int maxLength) {
    if (!node.isTextual()) {
      violations.add(path + ": not a string");
      return false;
    }
    String text = node.textValue();
    // Surrogates are exactly the characters that need four bytes in UTF-8 (or are broken halves).
    if (text.chars().anyMatch(c -> Character.isSurrogate((char) c))) {
      violations.add(path + ": 4-byte UTF-8 characters are not allowed");
      return false;
    }
    if (text.length() < minLength || text.length() > maxLength) {
      violations.add(path + ": " + minLength + " to " + maxLength + " characters");
      return false;
    }
    return true;
  }

  private boolean checkInteger(JsonNode node, String path, long min, long max) {
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      violations.add(path + ": not an integer");
      return false;
    }
    if (node.longValue() < min || node.longValue() > max) {
      violations.add(path + ": out of range");
      return false;
    }
    return true;
  }

  private void rejectUnknownFields(JsonNode object, String prefix, Set<String> known) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        violations.add(prefix + name + ": unknown field");
      }
    }
  }

  private static Optional<JsonNode> parse(byte[] body) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
      return Optional.of(JSON.readTree(text));
    } catch (CharacterCodingException | JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
