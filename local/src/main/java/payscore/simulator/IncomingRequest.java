package payscore.simulator;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A request as it arrived.
 *
 * @param rawPath the percent-encoded path, never decoded
 * @param target what the client signed: the raw path plus {@code ?rawQuery} if any
 */
record IncomingRequest(
    String method, String rawPath, String target, Map<String, List<String>> headers, byte[] body, Instant receivedAt) {

  static IncomingRequest read(HttpExchange exchange, Instant receivedAt) throws IOException {
    URI uri = exchange.getRequestURI();
    String target = uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    return new IncomingRequest(
        exchange.getRequestMethod(), uri.getRawPath(), target, lowerCaseNames(exchange.getRequestHeaders()), body,
        receivedAt);
  }

  /** The first value of the header, or null. */
  String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * @param subMchid the partner body's sub_mchid as sent, or null
   * @param requestId null when the simulator never answers
   */
  RecordedRequest record(String outOrderNo, boolean partner, String subMchid, Decision decision, String requestId) {
    Reply reply = decision.answered() ? decision.reply() : null;
    return new RecordedRequest(
        method, target, outOrderNo, headers, body, receivedAt,
        reply == null ? 0 : reply.status(),
        reply == null ? null : reply.code(),
        decision.verdict(),
        requestId,
        partner,
        subMchid);
  }

  private static Map<String, List<String>> lowerCaseNames(Headers headers) {
    Map<String, List<String>> lowerCase = new TreeMap<>();
    headers.forEach((name, values) -> lowerCase.merge(
        name.toLowerCase(Locale.ROOT), List.copyOf(values),
        (first, second) -> Stream.concat(first.stream(), second.stream()).toList()));
    return Map.copyOf(lowerCase);
  }
}
