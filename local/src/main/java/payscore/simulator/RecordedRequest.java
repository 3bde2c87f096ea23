package payscore.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as the simulator received and judged it.
 *
 * @param rawPath the request target exactly as received: percent-encoded path plus {@code ?query} if any
 * @param outOrderNo the decoded order number for send-pendingmessage paths, otherwise null
 * @param headers request headers by lower-case name
 * @param status the status answered, or 0 when the simulator never answered ({@link Behaviour#acceptThenHang()})
 * @param code the WeChat error code answered, null on 2xx and when never answered
 * @param requestId the {@code Request-ID} header answered, null when never answered
 * @param partner whether the request came on the partner (服务商) path
 * @param subMchid the body's {@code sub_mchid} string on the partner path (as sent, even when invalid), otherwise null
 */
public record RecordedRequest(
    String method,
    String rawPath,
    String outOrderNo,
    Map<String, List<String>> headers,
    byte[] body,
    Instant receivedAt,
    int status,
    String code,
    Verdict verdict,
    String requestId,
    boolean partner,
    String subMchid) {

  /** A direct-path request. */
  public RecordedRequest(
      String method, String rawPath, String outOrderNo, Map<String, List<String>> headers, byte[] body,
      Instant receivedAt, int status, String code, Verdict verdict, String requestId) {
    this(method, rawPath, outOrderNo, headers, body, receivedAt, status, code, verdict, requestId, false, null);
  }

  public RecordedRequest {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The first value of the header, matched case-insensitively, or null. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** The order a send-pendingmessage request was for, or null for other paths and unusable sub_mchid values. */
  public ServiceOrder serviceOrder() {
    if (outOrderNo == null) {
      return null;
    }
    if (!partner) {
      return ServiceOrder.direct(outOrderNo);
    }
    return subMchid != null && ServiceOrder.isSubMchid(subMchid) ? ServiceOrder.partner(subMchid, outOrderNo) : null;
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
