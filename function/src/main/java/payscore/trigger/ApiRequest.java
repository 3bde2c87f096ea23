package payscore.trigger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of an API Gateway event this function uses, from either payload: HTTP API (2.0,
 * {@code requestContext.http.method}) or REST API (1.0, {@code httpMethod}).
 */
record ApiRequest(String method, String outOrderNo, String subMchid, byte[] body, boolean resolution,
    String callerArn) {
  private static final Pattern ROUTE =
      Pattern.compile("(?:/[^/]+)?/service-orders/([^/]+)/pending-message(/resolution)?/?");

  static ApiRequest from(JsonNode event) {
    boolean v2 = "2.0".equals(event.path("version").asText(null));
    String method = v2 ? event.path("requestContext").path("http").path("method").asText(null)
        : event.path("httpMethod").asText(null);
    // REST APIs pass the path parameter percent-encoded (%7C for |); it is decoded once here.
    String orderNo = event.path("pathParameters").path("out_order_no").asText(null);
    if (orderNo != null) orderNo = decode(orderNo);
    String path = v2 ? event.path("rawPath").asText("") : event.path("path").asText("");
    Matcher route = ROUTE.matcher(path);
    boolean onRoute = route.matches();
    // A proxy route without path parameters: take it from the path (a REST stage may lead it).
    if (orderNo == null && onRoute) orderNo = decode(route.group(1));
    String template = v2 ? event.path("routeKey").asText("") : event.path("resource").asText("");
    boolean resolution = (onRoute && route.group(2) != null) || template.endsWith("/resolution");
    JsonNode context = event.path("requestContext");
    String callerArn = v2 ? context.path("authorizer").path("iam").path("userArn").asText(null)
        : context.path("identity").path("userArn").asText(null);
    JsonNode bodyNode = event.get("body");
    byte[] body = null;
    if (bodyNode != null && bodyNode.isTextual()) {
      body = event.path("isBase64Encoded").asBoolean(false)
          ? decodeBase64(bodyNode.textValue()) : bodyNode.textValue().getBytes(UTF_8);
    }
    // Both payloads carry decoded query parameters here; a repeated one keeps its last value in 1.0.
    String subMchid = event.path("queryStringParameters").path("sub_mchid").asText(null);
    return new ApiRequest(method == null ? "" : method.toUpperCase(java.util.Locale.ROOT), orderNo, subMchid, body,
        resolution, callerArn == null || callerArn.isBlank() ? "unknown" : callerArn);
  }

  private static byte[] decodeBase64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return new byte[] {'\0'}; // not JSON: the reader reports the body as invalid
    }
  }

  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), UTF_8);
    } catch (IllegalArgumentException e) {
      return segment;
    }
  }
}
