package payscore.trigger;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.util.Base64;
import java.util.Locale;

/**
 * The parts of an API Gateway event this function uses, from either payload: HTTP API (2.0) or
 * REST API (1.0).
 *
 * <p>The route is the one API Gateway matched and IAM authorized: the {@code routeKey} of payload
 * 2.0, the {@code resource} and {@code httpMethod} of payload 1.0. The raw path is never read for
 * it: a path that merely looks like another route (behind a catch-all route or a stage prefix)
 * must not reach that route's code.
 *
 * @param callerArn the caller's IAM identity from the request context (the IAM authorizer's
 *     {@code userArn}); null when the request carries none
 * @param subMchid {@code ?sub_mchid=}, decoded; null when absent
 * @param subMchidRepeated whether the query gives {@code sub_mchid} more than once
 */
record ApiRequest(Route route, String outOrderNo, String subMchid, boolean subMchidRepeated, byte[] body,
    String callerArn) {
  static final String PENDING_MESSAGE = "/service-orders/{out_order_no}/pending-message";
  static final String RESOLUTION = PENDING_MESSAGE + "/resolution";
  private static final String SUB_MCHID = "sub_mchid";

  /** What the request asks for, by its route. */
  enum Route {
    SEND, STATUS, RESOLVE,
    /** A route of this function with a method it does not serve. */
    METHOD_NOT_ALLOWED,
    /** No route of this function (a catch-all route, another API's event). */
    UNKNOWN
  }

  static ApiRequest from(JsonNode event) {
    boolean v2 = "2.0".equals(event.path("version").asText(null));
    JsonNode context = event.path("requestContext");
    String method;
    String template;
    if (v2) {
      // "POST /service-orders/{out_order_no}/pending-message"; ANY routes name no method of their own.
      String routeKey = text(event.path("routeKey"));
      int space = routeKey == null ? -1 : routeKey.indexOf(' ');
      method = space < 0 ? null : routeKey.substring(0, space);
      template = space < 0 ? null : routeKey.substring(space + 1);
      if ("ANY".equals(method)) method = text(context.path("http").path("method"));
    } else {
      method = text(event.path("httpMethod"));
      template = text(event.path("resource"));
    }
    // REST APIs pass the path parameter percent-encoded (%7C for |); it is decoded once here.
    String orderNo = string(event.path("pathParameters").path("out_order_no"));
    if (orderNo != null) orderNo = decode(orderNo);
    String callerArn = text(v2 ? context.path("authorizer").path("iam").path("userArn")
        : context.path("identity").path("userArn"));
    JsonNode bodyNode = event.get("body");
    byte[] body = null;
    if (bodyNode != null && bodyNode.isTextual()) {
      body = event.path("isBase64Encoded").asBoolean(false)
          ? decodeBase64(bodyNode.textValue()) : bodyNode.textValue().getBytes(UTF_8);
    }
    // Both payloads carry decoded query parameters; a repeated one is joined with commas in 2.0 and
    // keeps only its last value in 1.0's queryStringParameters, so repetition is read where each
    // payload keeps every value: rawQueryString (2.0), multiValueQueryStringParameters (1.0).
    String subMchid = string(event.path("queryStringParameters").path(SUB_MCHID));
    boolean repeated = v2 ? occurrences(text(event.path("rawQueryString")), SUB_MCHID) > 1
        : event.path("multiValueQueryStringParameters").path(SUB_MCHID).size() > 1;
    return new ApiRequest(route(method == null ? "" : method.toUpperCase(Locale.ROOT), template), orderNo, subMchid,
        repeated, body, callerArn == null || !callerArn.startsWith("arn:") ? null : callerArn);
  }

  private static Route route(String method, String template) {
    if (PENDING_MESSAGE.equals(template)) {
      return switch (method) {
        case "POST" -> Route.SEND;
        case "GET" -> Route.STATUS;
        default -> Route.METHOD_NOT_ALLOWED;
      };
    }
    if (RESOLUTION.equals(template)) return method.equals("POST") ? Route.RESOLVE : Route.METHOD_NOT_ALLOWED;
    return Route.UNKNOWN;
  }

  /** How often {@code name} is given in a raw query string (names decoded, as API Gateway decodes them). */
  private static int occurrences(String rawQuery, String name) {
    if (rawQuery == null || rawQuery.isEmpty()) return 0;
    int count = 0;
    for (String pair : rawQuery.split("&")) {
      int equals = pair.indexOf('=');
      if (decode(equals < 0 ? pair : pair.substring(0, equals)).equals(name)) count++;
    }
    return count;
  }

  /** A string value as given (empty included); null for a missing, null or non-string node. */
  private static String string(JsonNode node) {
    return node != null && node.isTextual() ? node.textValue() : null;
  }

  /** A string value; null for a missing, null or non-string node, and for blank text. */
  private static String text(JsonNode node) {
    String text = string(node);
    return text == null || text.isBlank() ? null : text;
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
