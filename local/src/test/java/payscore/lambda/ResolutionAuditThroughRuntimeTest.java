package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.simulator.Behaviour;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Who settled an order, and only an operator (the contract's "Who may settle" and "Audit", v3),
 * through the API function as Lambda runs it: a resolution without an IAM caller identity is 403
 * on both payload versions and changes nothing; each resolution writes one audit line naming the
 * caller, the state it replaced and the order's payload hash; the record keeps its resolutions as a
 * history, which a later claim of the order leaves in place without leaving them looking current.
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class ResolutionAuditThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPERATOR = RunbookThroughRuntimeTest.OPERATOR;
  private static final String OTHER_OPERATOR = "arn:aws:sts::123456789012:assumed-role/payscore-operators/li.wei";
  private static final String RESOLUTION_RESOURCE = "/service-orders/{out_order_no}/pending-message/resolution";

  private static FunctionHarness harness;
  private static LocalLambda api;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    api = LocalLambda.start("ApiFunction", harness.env);
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api);
    } finally {
      if (api != null) api.close();
      if (harness != null) harness.close();
    }
  }

  // ------------------------------------------------------------ 403 without an IAM identity

  @Test
  void aResolutionWithoutAnIamIdentityIsForbiddenOnBothPayloadsAndChangesNothing() {
    String order = "AUDIT-NO-IDENTITY-1";
    makeOutcomeUnknown(order, body(1500), true);
    Map<String, AttributeValue> before = harness.record(order).orElseThrow();
    String settle = "{\"resolution\":\"SENT\",\"reason\":\"checked by phone\"}";

    ObjectNode noAuthorizer = RunbookThroughRuntimeTest.resolutionEvent(order, settle);
    ((ObjectNode) noAuthorizer.get("requestContext")).remove("authorizer");
    ObjectNode blankArn = RunbookThroughRuntimeTest.resolutionEvent(order, settle);
    ((ObjectNode) blankArn.path("requestContext").path("authorizer").path("iam")).put("userArn", " ");
    ObjectNode nullArn = RunbookThroughRuntimeTest.resolutionEvent(order, settle);
    ((ObjectNode) nullArn.path("requestContext").path("authorizer").path("iam")).putNull("userArn");
    ObjectNode badBodyToo = RunbookThroughRuntimeTest.resolutionEvent(order, "not json");
    ((ObjectNode) badBodyToo.get("requestContext")).remove("authorizer");
    ObjectNode restNoIdentity = restResolutionEvent(order, settle, null);
    ObjectNode restEmptyIdentity = restResolutionEvent(order, settle, "");

    for (ObjectNode event : List.of(noAuthorizer, blankArn, nullArn, badBodyToo, restNoIdentity, restEmptyIdentity)) {
      ApiAnswer answer = ApiAnswer.invoke(api, event);

      assertEquals(403, answer.status(), event.path("requestContext") + " -> " + answer);
      assertEquals("FORBIDDEN", answer.code(), answer.toString());
      assertEquals(order, answer.body().path("out_order_no").asText(), "the answer names the order: " + answer);
      assertEquals("direct", answer.body().path("mode").asText(), answer.toString());
    }

    assertEquals(before, harness.record(order).orElseThrow(), "the record is exactly as it was");
    assertEquals(List.of(), auditLines(order), "no resolution was logged");
    assertEquals(2, harness.wechat.requestsFor(order).size(), "nothing more reached WeChat");
  }

  @Test
  void aRestApiResolutionWithAnIamIdentityIsSettledAndNamesItsCaller() {
    String order = "AUDIT-REST-1";
    makeOutcomeUnknown(order, body(1500), true);

    ApiAnswer settled = ApiAnswer.invoke(api,
        restResolutionEvent(order, "{\"resolution\":\"SENT\",\"reason\":\"seen on the platform\"}", OTHER_OPERATOR));

    assertEquals(200, settled.status(), settled.toString());
    assertEquals(OTHER_OPERATOR, settled.body().path("resolved_by").asText(), settled.toString());
    assertEquals("SENT", harness.state(order));
  }

  // ------------------------------------------------------------ the audit line

  @Test
  void eachResolutionWritesOneAuditLineWithTheCallerTheReplacedStateAndThePayloadHash() {
    String order = "AUDIT-LINE-1";
    makeOutcomeUnknown(order, body(1500), true);
    String payloadHash = harness.record(order).orElseThrow().get("payload_hash").s();

    ApiAnswer settled = resolve(order, "{\"resolution\":\"SENT\",\"reason\":\"seen on the platform\"}");
    ApiAnswer again = resolve(order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"second opinion\"}");

    assertEquals(200, settled.status(), settled.toString());
    assertEquals(409, again.status(), "already settled: " + again);
    List<JsonNode> lines = auditLines(order);
    assertEquals(1, lines.size(), "one line for the one resolution: " + lines);
    JsonNode line = lines.get(0);
    assertEquals(OPERATOR, line.path("caller").asText(), line.toString());
    assertEquals("UNKNOWN", line.path("replaced_state").asText(), line.toString());
    assertEquals(payloadHash, line.path("payload_hash").asText(), line.toString());
    assertEquals("SENT", line.path("resolution").asText(), line.toString());
    assertEquals("SENT", line.path("state").asText(), line.toString());
    assertEquals("direct", line.path("mode").asText(), line.toString());
    assertTrue(line.path("resolved_at").isTextual(), line.toString());
    assertFalse(line.toString().contains("seen on the platform"), "the operator's free text stays in the record");
  }

  @Test
  void anAbandonedClaimSettledByAnOperatorIsLoggedAsReplacingInProgress() {
    String order = "AUDIT-LINE-ABANDONED";
    makeOutcomeUnknown(order, body(1500), true);
    // Make the record what a holder that died mid-send leaves: a claim past its lease.
    harness.dynamo.updateItem(r -> r.tableName(harness.table)
        .key(Map.of("pk", AttributeValue.fromS(FunctionHarness.MCHID + "#" + order)))
        .updateExpression("SET #state = :in_progress, lease_until = :past, lease_token = :token")
        .expressionAttributeNames(Map.of("#state", "state"))
        .expressionAttributeValues(Map.of(":in_progress", AttributeValue.fromS("IN_PROGRESS"),
            ":past", AttributeValue.fromN("1000"), ":token", AttributeValue.fromS("dead-holder"))));

    ApiAnswer settled = resolve(order, "{\"resolution\":\"SENT\",\"reason\":\"seen on the platform\"}");

    assertEquals(200, settled.status(), settled.toString());
    assertEquals("IN_PROGRESS", auditLines(order).get(0).path("replaced_state").asText());
  }

  // ------------------------------------------------------------ the history

  @Test
  void notSentThenANewSendThenGetShowsTheHistoryAndNoCurrentResolution() {
    String order = "AUDIT-HISTORY-1";
    makeOutcomeUnknown(order, body(1500), false);
    ApiAnswer settled = resolve(order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"WeChat support: not received\"}");
    assertEquals(200, settled.status(), settled.toString());
    assertEquals("NOT_SENT", settled.body().path("resolution").asText(), "current right after the resolution");

    ApiAnswer sent = ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body(2500)));
    ApiAnswer status = ApiAnswer.invoke(api, FunctionHarness.httpGet(order));

    assertEquals(200, sent.status(), sent.toString());
    assertEquals(200, status.status(), status.toString());
    JsonNode record = status.body();
    assertEquals("SENT", record.path("state").asText(), status.toString());
    for (String current : List.of("resolution", "resolution_reason", "resolved_at", "resolved_by")) {
      assertFalse(record.has(current), current + " does not look current after the new send: " + status);
    }
    JsonNode history = record.path("resolutions");
    assertEquals(1, history.size(), "the earlier resolution is kept as history: " + status);
    assertEquals("NOT_SENT", history.get(0).path("resolution").asText());
    assertEquals("WeChat support: not received", history.get(0).path("reason").asText());
    assertEquals(OPERATOR, history.get(0).path("resolved_by").asText());
    assertEquals(settled.body().path("resolved_at").asText(), history.get(0).path("resolved_at").asText());

    Map<String, AttributeValue> item = harness.record(order).orElseThrow();
    assertFalse(item.containsKey("resolution") || item.containsKey("resolved_by"), "the item too: " + item.keySet());
    assertTrue(item.get("resolutions").hasL() && item.get("resolutions").l().size() == 1, item.toString());
  }

  @Test
  void resolutionsOfOneOrderAreKeptOldestFirstAndTheLatestIsCurrentUntilTheNextClaim() {
    String order = "AUDIT-HISTORY-2";
    makeOutcomeUnknown(order, body(1500), false);
    assertEquals(200, resolve(order, "{\"resolution\":\"NOT_SENT\",\"reason\":\"first check\"}").status());
    // The next attempt reaches WeChat and ends unknown again; WeChat refuses its retry.
    harness.wechat.script(order, Behaviour.serverError(500, true));
    assertEquals(502, ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body(2500))).status());
    assertEquals(409, ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body(2500))).status());

    ObjectNode byOther = RunbookThroughRuntimeTest.resolutionEvent(order,
        "{\"resolution\":\"SENT\",\"reason\":\"second check\"}");
    ((ObjectNode) byOther.path("requestContext").path("authorizer").path("iam")).put("userArn", OTHER_OPERATOR);
    ApiAnswer second = ApiAnswer.invoke(api, byOther);
    ApiAnswer status = ApiAnswer.invoke(api, FunctionHarness.httpGet(order));

    assertEquals(200, second.status(), second.toString());
    JsonNode history = status.body().path("resolutions");
    assertEquals(2, history.size(), status.toString());
    assertEquals(List.of("NOT_SENT", "SENT"), List.of(history.get(0).path("resolution").asText(),
        history.get(1).path("resolution").asText()), "oldest first");
    assertEquals(List.of(OPERATOR, OTHER_OPERATOR), List.of(history.get(0).path("resolved_by").asText(),
        history.get(1).path("resolved_by").asText()));
    assertEquals("SENT", status.body().path("resolution").asText(), "the latest is current: nothing claimed since");
    assertEquals(OTHER_OPERATOR, status.body().path("resolved_by").asText());
    List<JsonNode> lines = auditLines(order);
    assertEquals(2, lines.size(), lines.toString());
    assertEquals("UNKNOWN", lines.get(1).path("replaced_state").asText());
    assertEquals(OTHER_OPERATOR, lines.get(1).path("caller").asText());
  }

  // ------------------------------------------------------------ the reason's characters

  @Test
  void aReasonWithControlOrBidirectionalCharactersIs400AndChangesNothing() {
    String order = "AUDIT-REASON-CHARS";
    makeOutcomeUnknown(order, body(1500), true);
    Map<String, AttributeValue> before = harness.record(order).orElseThrow();

    for (String reason : List.of("ticket 4711\\u202e1174", "checked\\u0007", "line\\nbreak", "tab\\there",
        "nel\\u0085", "del\\u007f", "zero\\u200bwidth", "isolate\\u2066x\\u2069", "bom\\ufeff", "ls\\u2028")) {
      ApiAnswer answer = resolve(order, "{\"resolution\":\"SENT\",\"reason\":\"" + reason + "\"}");

      assertEquals(400, answer.status(), reason + " -> " + answer);
      assertEquals("INVALID_REQUEST", answer.code());
      assertEquals("reason", answer.body().path("errors").path(0).path("field").asText(), answer.toString());
    }
    assertEquals(before, harness.record(order).orElseThrow(), "the record is unchanged");
  }

  // ---- helpers ----

  private static ApiAnswer resolve(String order, String body) {
    return ApiAnswer.invoke(api, RunbookThroughRuntimeTest.resolutionEvent(order, body));
  }

  /** A REST API (payload 1.0) POST to the resolution route; {@code userArn} null leaves the identity out. */
  private static ObjectNode restResolutionEvent(String order, String body, String userArn) {
    ObjectNode event = FunctionHarness.event("rest-api-send.json");
    String path = "/service-orders/" + order + "/pending-message/resolution";
    event.put("resource", RESOLUTION_RESOURCE);
    event.put("path", path);
    ObjectNode context = (ObjectNode) event.get("requestContext");
    context.put("resourcePath", RESOLUTION_RESOURCE);
    context.put("path", "/prod" + path);
    ObjectNode identity = context.putObject("identity");
    identity.put("sourceIp", "203.0.113.10");
    identity.put("userAgent", "aws-cli/2");
    if (userArn != null) {
      identity.put("accountId", "123456789012");
      identity.put("caller", "AIDACKCEVSQ6C2EXAMPLE");
      identity.put("user", "AIDACKCEVSQ6C2EXAMPLE");
      identity.put("userArn", userArn);
    } else {
      identity.putNull("userArn");
    }
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.put("body", body);
    return event;
  }

  /** The function's audit lines for resolutions of {@code order}, oldest first. */
  private static List<JsonNode> auditLines(String order) {
    List<JsonNode> lines = new ArrayList<>();
    for (String text : api.logs().split("\n")) {
      if (!text.startsWith("{")) continue;
      try {
        JsonNode line = JSON.readTree(text);
        if ("resolution".equals(line.path("event").asText()) && order.equals(line.path("out_order_no").asText())) {
          lines.add(line);
        }
      } catch (IOException e) {
        // not a line of the function's own
      }
    }
    return lines;
  }

  /**
   * Makes {@code order} UNKNOWN with a person needed: WeChat answers 500 (having taken the message
   * when {@code processed}) and refuses the retry, which gets 409 OUTCOME_UNKNOWN.
   */
  private static void makeOutcomeUnknown(String order, String body, boolean processed) {
    if (processed) {
      harness.wechat.script(order, Behaviour.serverError(500, true));
    } else {
      harness.wechat.script(order, Behaviour.serverError(500, false),
          Behaviour.reject(400, "INVALID_ORDER_STATE", "订单状态不正确"));
    }
    assertEquals(502, ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body)).status());
    ApiAnswer retry = ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body));
    assertEquals("OUTCOME_UNKNOWN", retry.code(), retry.toString());
    assertEquals("UNKNOWN", harness.state(order));
  }

  private static String body(int amount) {
    return "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":\"停车费\",\"amount\":"
        + amount + ",\"count\":1}],\"total_amount\":" + amount + ",\"prepaid_time\":\"20231218\"}";
  }
}
