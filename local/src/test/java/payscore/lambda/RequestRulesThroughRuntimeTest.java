package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.simulator.Behaviour;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The contract's v3 request rules through the functions as Lambda runs them: the route is what API
 * Gateway matched ({@code routeKey}, {@code resource} and {@code httpMethod}), never a reading of
 * the raw path; every answer on every route names the order fully ({@code mode}, and
 * {@code sub_mchid} in partner mode); a {@code ?sub_mchid=} that the body does not repeat, or a
 * repeated one, is refused; no string WeChat shows a consumer may carry control or invisible
 * formatting characters.
 */
class RequestRulesThroughRuntimeTest extends RuntimeFixture {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUB_A = "1900000109";
  private static final String SUB_B = "1900000110";
  private static final String SEND_RESOURCE = "/service-orders/{out_order_no}/pending-message";
  private static final String SETTLE = "{\"resolution\":\"SENT\",\"reason\":\"seen on the merchant platform\"}";

  // ------------------------------------------------------------ the route is API Gateway's

  @Test
  void anHttpApiRequestIsRoutedByItsRouteKeyNeverByItsRawPath() {
    String order = "RULES-ROUTE-V2";
    makeOutcomeUnknown(order);

    // The send route, whatever the raw path says: a resolution body is not a pending message.
    ObjectNode sendRouteResolutionPath = FunctionHarness.httpPost(order, SETTLE);
    sendRouteResolutionPath.put("rawPath", "/service-orders/" + order + "/pending-message/resolution");
    ApiAnswer asSend = ApiAnswer.invoke(api, sendRouteResolutionPath);
    // A route this function does not serve, with the send route's path.
    ObjectNode catchAll = FunctionHarness.httpPost("RULES-ROUTE-V2-NEW", body(1500));
    catchAll.put("routeKey", "$default");
    ((ObjectNode) catchAll.get("requestContext")).put("routeKey", "$default");
    catchAll.remove("pathParameters");
    ApiAnswer unrouted = ApiAnswer.invoke(api, catchAll);

    assertEquals(400, asSend.status(), "read as a send: " + asSend);
    assertEquals("INVALID_REQUEST", asSend.code());
    assertEquals("UNKNOWN", harness.state(order), "the order was not settled through the send route");
    assertEquals(404, unrouted.status(), unrouted.toString());
    assertTrue(harness.wechat.requestsFor("RULES-ROUTE-V2-NEW").isEmpty(), "nothing sent for an unknown route");
    assertNull(harness.state("RULES-ROUTE-V2-NEW"), "nothing claimed");
  }

  @Test
  void aRestApiRequestIsRoutedByItsResourceAndMethodNeverByItsPath() {
    String order = "RULES-ROUTE-V1";
    makeOutcomeUnknown(order);

    ObjectNode sendResourceResolutionPath = restEvent("POST", order, SETTLE);
    sendResourceResolutionPath.put("path", "/service-orders/" + order + "/pending-message/resolution");
    ApiAnswer asSend = ApiAnswer.invoke(api, sendResourceResolutionPath);
    ObjectNode proxy = restEvent("POST", "RULES-ROUTE-V1-NEW", body(1500));
    proxy.put("resource", "/{proxy+}");
    ((ObjectNode) proxy.get("requestContext")).put("resourcePath", "/{proxy+}");
    proxy.remove("pathParameters");
    ApiAnswer unrouted = ApiAnswer.invoke(api, proxy);

    assertEquals(400, asSend.status(), "read as a send: " + asSend);
    assertEquals("UNKNOWN", harness.state(order), "the order was not settled through the send resource");
    assertEquals(404, unrouted.status(), unrouted.toString());
    assertTrue(harness.wechat.requestsFor("RULES-ROUTE-V1-NEW").isEmpty(), "nothing sent for an unknown resource");
  }

  // ------------------------------------------------------------ every answer names the order

  @Test
  void everyAnswerOfADirectOrderSaysDirectModeWithoutASubMchid() {
    String order = "RULES-NAME-DIRECT";
    List<ApiAnswer> answers = new ArrayList<>();
    answers.add(get(order, null));                                             // 404
    answers.add(post(order, null, body(1500)));                                // 200 sent
    answers.add(post(order, null, body(1500)));                                // 200 replayed
    answers.add(post(order, null, body(2500)));                                // 409 mismatch
    answers.add(post(order, null, body(1500).replace("停车费", "")));          // 400
    answers.add(get(order, null));                                             // 200 record
    answers.add(resolve(order, null, SETTLE));                                 // 409 not resolvable
    answers.add(resolve(order, null, "{}"));                                   // 400
    answers.add(resolve("RULES-NAME-DIRECT-NEVER", null, SETTLE));             // 404

    assertEquals(List.of(404, 200, 200, 409, 400, 200, 409, 400, 404), statuses(answers));
    for (ApiAnswer answer : answers) {
      assertEquals("direct", answer.body().path("mode").asText(), answer.toString());
      assertFalse(answer.body().has("sub_mchid"), answer.toString());
      assertTrue(answer.body().path("out_order_no").asText().startsWith(order), answer.toString());
    }
  }

  @Test
  void everyAnswerOfAPartnerOrderSaysPartnerModeAndItsSubMchid() {
    String order = "RULES-NAME-PARTNER";
    List<ApiAnswer> answers = new ArrayList<>();
    answers.add(get(order, SUB_A));                                            // 404
    answers.add(post(order, null, partner(SUB_A, body(1500))));                // 200 sent
    answers.add(post(order, null, partner(SUB_A, body(1500))));                // 200 replayed
    answers.add(post(order, null, partner(SUB_A, body(2500))));                // 409 mismatch
    answers.add(post(order, null, partner(SUB_A, body(1500).replace("停车费", ""))));  // 400
    answers.add(get(order, SUB_A));                                            // 200 record
    answers.add(resolve(order, SUB_A, SETTLE));                                // 409 not resolvable
    answers.add(resolve(order, SUB_A, "{}"));                                  // 400
    answers.add(resolve("RULES-NAME-PARTNER-NEVER", SUB_A, SETTLE));           // 404
    harness.wechat.scriptPartner(SUB_A, order + "-5XX", Behaviour.serverError(500, false));
    answers.add(post(order + "-5XX", null, partner(SUB_A, body(1500))));      // 502

    assertEquals(List.of(404, 200, 200, 409, 400, 200, 409, 400, 404, 502), statuses(answers));
    for (ApiAnswer answer : answers) {
      assertEquals("partner", answer.body().path("mode").asText(), answer.toString());
      assertEquals(SUB_A, answer.body().path("sub_mchid").asText(), answer.toString());
      assertTrue(answer.body().path("out_order_no").asText().startsWith(order), answer.toString());
    }
  }

  // ------------------------------------------------------------ ?sub_mchid= on a POST

  @Test
  void aPostWhoseQuerySubMchidTheBodyDoesNotCarryIs400NamingBothAndNothingIsSent() {
    String order = "RULES-QUERY-BODY";

    ApiAnswer bodyHasNone = post(order, SUB_A, body(1500));
    ApiAnswer bodyHasAnother = post(order, SUB_B, partner(SUB_A, body(1500)));
    ApiAnswer restBodyHasNone = ApiAnswer.invoke(api, withQuery(restEvent("POST", order, body(1500)), SUB_A));

    for (ApiAnswer answer : List.of(bodyHasNone, bodyHasAnother, restBodyHasNone)) {
      assertEquals(400, answer.status(), answer.toString());
      assertEquals("INVALID_REQUEST", answer.code());
      assertEquals(List.of("sub_mchid"), fields(answer), answer.toString());
    }
    String none = bodyHasNone.body().path("errors").path(0).path("message").asText();
    assertTrue(none.contains(SUB_A) && none.contains("body"), "names the query's and the body's: " + none);
    String another = bodyHasAnother.body().path("errors").path(0).path("message").asText();
    assertTrue(another.contains(SUB_A) && another.contains(SUB_B), "names both: " + another);
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "WeChat was never called");
    assertNull(harness.state(order), "no direct order");
    assertNull(harness.state(SUB_A, order), "no partner order");
    assertNull(harness.state(SUB_B, order), "no partner order");

    ApiAnswer agreeing = post(order, SUB_A, partner(SUB_A, body(1500)));
    assertEquals(200, agreeing.status(), "a query that repeats the body's is fine: " + agreeing);
    assertEquals(1, harness.wechat.acceptedCount(SUB_A, order));
  }

  @Test
  void aRepeatedSubMchidQueryIs400OnBothPayloadVersionsAndOnEveryRoute() {
    String order = "RULES-REPEATED";
    assertEquals(200, post(order, null, partner(SUB_B, body(1500))).status());
    List<ApiAnswer> answers = new ArrayList<>();
    for (List<String> values : List.of(List.of(SUB_A, SUB_B), List.of(SUB_B, SUB_B))) {
      // HTTP API: the values joined by commas in queryStringParameters, each in rawQueryString
      for (ObjectNode event : List.of(FunctionHarness.httpGet(order),
          FunctionHarness.httpPost(order + "-NEW", partner(SUB_B, body(1500))),
          RunbookThroughRuntimeTest.resolutionEvent(order, SETTLE))) {
        event.put("rawQueryString", "sub_mchid=" + values.get(0) + "&sub_mchid=" + values.get(1));
        event.putObject("queryStringParameters").put("sub_mchid", String.join(",", values));
        answers.add(ApiAnswer.invoke(api, event));
      }
      // REST API: the last value in queryStringParameters, each in multiValueQueryStringParameters
      for (ObjectNode event : List.of(restEvent("GET", order, null),
          restEvent("POST", order + "-NEW", partner(SUB_B, body(1500))))) {
        event.putObject("queryStringParameters").put("sub_mchid", values.get(1));
        var multi = event.putObject("multiValueQueryStringParameters").putArray("sub_mchid");
        values.forEach(multi::add);
        answers.add(ApiAnswer.invoke(api, event));
      }
    }

    for (ApiAnswer answer : answers) {
      assertEquals(400, answer.status(), answer.toString());
      assertEquals(List.of("sub_mchid"), fields(answer), answer.toString());
      assertTrue(answer.body().path("errors").path(0).path("message").asText().contains("once"), answer.toString());
    }
    assertTrue(harness.wechat.requestsFor(order + "-NEW").isEmpty(), "nothing sent");
    assertEquals("SENT", harness.state(SUB_B, order));
  }

  // ------------------------------------------------------------ characters a consumer is shown

  @Test
  void controlAndInvisibleFormattingCharactersAreRefusedInEveryStringWithAnErrorPerField() {
    String order = "RULES-CHARS-1";
    String body = "{\"service_id\":\"20020000000005581288\\u200e\","
        + "\"post_payments\":[{\"name\":\"停车费\\u202e\",\"amount\":1600,\"description\":\"2 小时\\u0007\",\"count\":1}],"
        + "\"post_discounts\":[{\"name\":\"会员\\u2066优惠\\u2069\",\"description\":\"不叠加\\ufeff\",\"amount\":100}],"
        + "\"total_amount\":1500,\"prepaid_time\":\"20231218\"}";

    ApiAnswer answer = post(order, null, body);

    assertEquals(400, answer.status(), answer.toString());
    assertEquals(List.of("service_id", "post_payments[0].name", "post_payments[0].description",
        "post_discounts[0].name", "post_discounts[0].description"), fields(answer));
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "WeChat was never called");
    assertNull(harness.state(order));
  }

  @Test
  void eachForbiddenCharacterRangeIsRefusedAndOrdinaryTextPasses() {
    List<String> forbidden = List.of("\\u0000", "\\u0009", "\\n", "\\u001f", "\\u007f", "\\u0080", "\\u0085",
        "\\u009f", "\\u200b", "\\u200f", "\\u2028", "\\u202a", "\\u202e", "\\u2060", "\\u2064", "\\u2069", "\\ufeff");
    int i = 0;
    for (String character : forbidden) {
      String order = "RULES-CHARS-R" + i++;
      ApiAnswer answer = post(order, null, body(1500).replace("停车费", "停车" + character + "费"));

      assertEquals(400, answer.status(), character + " -> " + answer);
      assertEquals(List.of("post_payments[0].name"), fields(answer), character + " -> " + answer);
      assertTrue(harness.wechat.requestsFor(order).isEmpty(), character);
    }
    // Spaces, CJK punctuation, the ideographic space and U+00A0 are text a consumer can see.
    ApiAnswer ordinary = post("RULES-CHARS-OK", null,
        body(1500).replace("停车费", "停车费 (2小时)\\u3000\\u00a0·、，"));
    assertEquals(200, ordinary.status(), ordinary.toString());
  }

  @Test
  void aQueuedMessageWithABidirectionalOverrideIsParkedNamingTheField() throws Exception {
    String order = "RULES-CHARS-SQS";
    String message = "{\"out_order_no\":\"" + order + "\"," + body(1500).substring(1).replace("停车费", "停车费\\u202e");
    int parkedBefore = harness.deadLetters().size();

    JsonNode response = JSON.readTree(queue.invoke(FunctionHarness.sqsEvent(List.of(message)).toString()));

    assertEquals(0, response.path("batchItemFailures").size(), response.toString());
    List<Message> parked = harness.deadLetters();
    assertEquals(parkedBefore + 1, parked.size());
    Message ours = parked.stream().filter(m -> m.body().equals(message)).findFirst().orElseThrow();
    assertEquals("INVALID_REQUEST", ours.messageAttributes().get("error_code").stringValue());
    assertTrue(ours.messageAttributes().get("error_message").stringValue().contains("post_payments[0].name"));
    assertTrue(harness.wechat.requestsFor(order).isEmpty());
  }

  // ---- helpers ----

  private void makeOutcomeUnknown(String order) {
    harness.wechat.script(order, Behaviour.serverError(500, true));
    assertEquals(502, post(order, null, body(1500)).status());
    assertEquals("OUTCOME_UNKNOWN", post(order, null, body(1500)).code());
    assertEquals("UNKNOWN", harness.state(order));
  }

  private ApiAnswer post(String order, String querySubMchid, String body) {
    return ApiAnswer.invoke(api, withQuery(FunctionHarness.httpPost(order, body), querySubMchid));
  }

  private ApiAnswer get(String order, String subMchid) {
    return ApiAnswer.invoke(api, withQuery(FunctionHarness.httpGet(order), subMchid));
  }

  private ApiAnswer resolve(String order, String subMchid, String body) {
    return ApiAnswer.invoke(api, withQuery(RunbookThroughRuntimeTest.resolutionEvent(order, body), subMchid));
  }

  /** {@code ?sub_mchid=} as API Gateway passes it, in either payload; null leaves the query out. */
  private static ObjectNode withQuery(ObjectNode event, String subMchid) {
    if (subMchid == null) return event;
    event.putObject("queryStringParameters").put("sub_mchid", subMchid);
    if (event.has("resource")) {
      event.putObject("multiValueQueryStringParameters").putArray("sub_mchid").add(subMchid);
    } else {
      event.put("rawQueryString", "sub_mchid=" + URLEncoder.encode(subMchid, UTF_8));
    }
    return event;
  }

  /** A REST API (payload 1.0) event on the send resource; {@code body} null for a GET. */
  private static ObjectNode restEvent(String method, String order, String body) {
    ObjectNode event = FunctionHarness.event("rest-api-send.json");
    String path = "/service-orders/" + order + "/pending-message";
    event.put("resource", SEND_RESOURCE);
    event.put("httpMethod", method);
    event.put("path", path);
    ObjectNode context = (ObjectNode) event.get("requestContext");
    context.put("httpMethod", method);
    context.put("path", "/prod" + path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    if (body == null) event.putNull("body"); else event.put("body", body);
    return event;
  }

  private static String partner(String subMchid, String body) {
    return "{\"sub_mchid\":\"" + subMchid + "\"," + body.substring(1);
  }

  private static List<Integer> statuses(List<ApiAnswer> answers) {
    return answers.stream().map(ApiAnswer::status).toList();
  }

  private static List<String> fields(ApiAnswer answer) {
    List<String> fields = new ArrayList<>();
    answer.body().path("errors").forEach(error -> fields.add(error.path("field").asText()));
    return fields;
  }

  private static String body(int amount) {
    return "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":\"停车费\",\"amount\":"
        + amount + ",\"count\":1}],\"total_amount\":" + amount + ",\"prepaid_time\":\"20231218\"}";
  }
}
