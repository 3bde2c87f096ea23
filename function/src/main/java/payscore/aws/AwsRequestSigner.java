package payscore.aws;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Signature Version 4 of one JSON-protocol request: {@code POST /} with its content type, host, body
 * hash, date, session token and target signed (the headers the SDK's signer signs). The clock is an input, so a
 * fixed clock gives an exact, repeatable signature; the tests hold it to the SDK's own signer.
 * The day's signing key is kept, so a call costs two HMACs and two hashes.
 */
final class AwsRequestSigner {
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final HexFormat HEX = HexFormat.of();

  private final String service;
  private final String region;
  private final Clock clock;
  private volatile DayKey dayKey;

  /** The key derived for one day and one secret key. */
  private record DayKey(String date, String secretAccessKey, byte[] key) {}

  AwsRequestSigner(String service, String region, Clock clock) {
    this.service = Objects.requireNonNull(service, "service");
    this.region = Objects.requireNonNull(region, "region");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The headers to send besides {@code Content-Type}, {@code X-Amz-Target} and {@code Host}:
   * {@code x-amz-content-sha256}, {@code X-Amz-Date}, {@code X-Amz-Security-Token} with session
   * credentials, and {@code Authorization}.
   *
   * @param host the {@code Host} header as sent: the endpoint's host, and its port when not the default
   */
  Map<String, String> sign(String host, String contentType, String target, byte[] body,
      AwsCredentialsIdentity credentials) {
    String amzDate = amzDate(LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
    String date = amzDate.substring(0, 8);
    String token = credentials instanceof AwsSessionCredentialsIdentity session ? session.sessionToken() : null;
    String bodyHash = HEX.formatHex(sha256(body));
    StringBuilder canonical = new StringBuilder(256)
        .append("POST\n/\n\n")
        .append("content-type:").append(contentType).append('\n')
        .append("host:").append(host).append('\n')
        .append("x-amz-content-sha256:").append(bodyHash).append('\n')
        .append("x-amz-date:").append(amzDate).append('\n');
    if (token != null) canonical.append("x-amz-security-token:").append(token).append('\n');
    canonical.append("x-amz-target:").append(target).append('\n').append('\n');
    String signedHeaders = token != null
        ? "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target"
        : "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target";
    canonical.append(signedHeaders).append('\n').append(bodyHash);
    String scope = date + "/" + region + "/" + service + "/aws4_request";
    String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
        + HEX.formatHex(sha256(canonical.toString().getBytes(UTF_8)));
    String signature = HEX.formatHex(hmac(key(date, credentials.secretAccessKey()), toSign));

    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-amz-content-sha256", bodyHash);
    headers.put("X-Amz-Date", amzDate);
    if (token != null) headers.put("X-Amz-Security-Token", token);
    headers.put("Authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + "/" + scope
        + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
    return headers;
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
  private byte[] key(String date, String secretAccessKey) {
    DayKey held = dayKey;
    if (held != null && held.date.equals(date) && held.secretAccessKey.equals(secretAccessKey)) return held.key;
    byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(UTF_8), date);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    dayKey = new DayKey(date, secretAccessKey, key);
    return key;
  }

  /** {@code yyyyMMdd'T'HHmmss'Z'}, written out: no formatter on the request path. */
  private static String amzDate(LocalDateTime utc) {
    StringBuilder text = new StringBuilder(16);
    pad(text, utc.getYear(), 4).append(pad2(utc.getMonthValue())).append(pad2(utc.getDayOfMonth())).append('T')
        .append(pad2(utc.getHour())).append(pad2(utc.getMinute())).append(pad2(utc.getSecond())).append('Z');
    return text.toString();
  }

  private static StringBuilder pad(StringBuilder text, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) text.append('0');
    return text.append(digits);
  }

  private static String pad2(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available: " + e.getClass().getSimpleName());
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available: " + e.getClass().getSimpleName());
    }
  }
}
