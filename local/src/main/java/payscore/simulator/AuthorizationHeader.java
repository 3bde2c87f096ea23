package payscore.simulator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed {@code Authorization: WECHATPAY2-SHA256-RSA2048 key="value",...} header.
 *
 * @param timestamp as sent, because the signed message holds it verbatim
 */
record AuthorizationHeader(String mchid, String nonceStr, String signature, String timestamp, String serialNo) {

  private static final String SCHEME = "WECHATPAY2-SHA256-RSA2048 ";
  private static final List<String> FIELDS = List.of("mchid", "nonce_str", "signature", "timestamp", "serial_no");
  private static final Pattern PAIR = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");
  private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,18}");

  /** @throws IllegalArgumentException naming what is wrong with the header */
  static AuthorizationHeader parse(String header) {
    if (!header.startsWith(SCHEME)) {
      throw new IllegalArgumentException("Authorization scheme must be " + SCHEME.trim());
    }
    Map<String, String> fields = new HashMap<>();
    for (String pair : header.substring(SCHEME.length()).split(",", -1)) {
      Matcher matcher = PAIR.matcher(pair.trim());
      if (!matcher.matches()) {
        throw new IllegalArgumentException("Authorization has a malformed pair: " + pair);
      }
      String name = matcher.group(1);
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException("Authorization has an unknown field: " + name);
      }
      if (fields.putIfAbsent(name, matcher.group(2)) != null) {
        throw new IllegalArgumentException("Authorization repeats " + name);
      }
    }
    for (String name : FIELDS) {
      if (fields.getOrDefault(name, "").isEmpty()) {
        throw new IllegalArgumentException("Authorization lacks " + name);
      }
    }
    String timestamp = fields.get("timestamp");
    if (!UNIX_SECONDS.matcher(timestamp).matches()) {
      throw new IllegalArgumentException("Authorization timestamp is not Unix seconds: " + timestamp);
    }
    return new AuthorizationHeader(
        fields.get("mchid"), fields.get("nonce_str"), fields.get("signature"), timestamp, fields.get("serial_no"));
  }

  long epochSecond() {
    return Long.parseLong(timestamp);
  }
}
