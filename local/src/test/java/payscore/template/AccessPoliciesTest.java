package payscore.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.template.IamPolicyEvaluation.Decision.ALLOWED;
import static payscore.template.IamPolicyEvaluation.Decision.EXPLICITLY_DENIED;
import static payscore.template.IamPolicyEvaluation.Decision.IMPLICITLY_DENIED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import payscore.template.IamPolicyEvaluation.Decision;

/**
 * Who may settle an order (the contract's "Who may settle", v3): the template's two managed
 * policies, deployed as CloudFormation would substitute them, evaluated as IAM does for the route
 * ARNs API Gateway authorizes ({@code arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>}).
 * A sender sends and reads but never settles, even beside a broader grant; an operator settles and reads.
 */
class AccessPoliciesTest {
  private static final ObjectNode TEMPLATE = CloudFormationYaml.read(root().resolve("template.yaml"));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_ID = "a1b2c3d4e5";
  private static final Map<String, String> DEPLOYED = Map.of(
      "AWS::Partition", "aws", "AWS::Region", "ap-southeast-1", "AWS::AccountId", "123456789012",
      "HttpApi", API_ID);
  private static final String INVOKE = "execute-api:Invoke";

  /** AWS's AmazonAPIGatewayInvokeFullAccess: what "broad invoke rights" means. */
  private static final JsonNode INVOKE_FULL_ACCESS = json("""
      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["execute-api:Invoke",
        "execute-api:ManageConnections"], "Resource": "arn:aws:execute-api:*:*:*"}]}""");
  /** A grant a sender might be given by hand: every POST under /service-orders/. */
  private static final JsonNode EVERY_POST = json("""
      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:*",
        "Resource": "arn:aws:execute-api:ap-southeast-1:123456789012:a1b2c3d4e5/*/POST/service-orders/*"}]}""");

  private static String route(String stage, String method, String path) {
    return "arn:aws:execute-api:ap-southeast-1:123456789012:" + API_ID + "/" + stage + "/" + method + path;
  }

  private static final String SEND = route("$default", "POST", "/service-orders/ORDER-0001/pending-message");
  private static final String READ = route("$default", "GET", "/service-orders/ORDER-0001/pending-message");
  private static final String SETTLE =
      route("$default", "POST", "/service-orders/ORDER-0001/pending-message/resolution");

  @Test
  void iamWildcardsMatchAcrossSlashes() {
    assertTrue(IamPolicyEvaluation.matches("a/*/c", "a/b/x/c", false), "* spans /");
    assertTrue(IamPolicyEvaluation.matches("a/POST/service-orders/*", "a/POST/service-orders/1/pending-message/resolution",
        false), "a grant on .../POST/service-orders/* covers the resolution route");
    assertTrue(IamPolicyEvaluation.matches("a?c", "a/c", false), "? matches / too");
    assertFalse(IamPolicyEvaluation.matches("a?c", "abbc", false), "? is one character");
    assertFalse(IamPolicyEvaluation.matches("a/*/pending-message", "a/1/pending-message/resolution", false));
    assertTrue(IamPolicyEvaluation.matches("execute-api:invoke", INVOKE, true), "actions ignore case");
    assertFalse(IamPolicyEvaluation.matches("A/*", "a/b", false), "resources do not");
  }

  @Test
  void theTemplateHasASenderAndAnOperatorPolicyAndOutputsTheirArns() {
    assertEquals(2, managedPolicies().size(), "two managed policies: " + managedPolicies());
    String sender = senderPolicy();
    String operator = operatorPolicy();
    List<JsonNode> outputs = new ArrayList<>();
    TEMPLATE.path("Outputs").forEach(output -> outputs.add(output.path("Value")));

    // Ref of an AWS::IAM::ManagedPolicy is its ARN.
    assertTrue(outputs.contains(JSON.createObjectNode().put("Ref", sender)), "an output with the ARN of " + sender);
    assertTrue(outputs.contains(JSON.createObjectNode().put("Ref", operator)), "an output with the ARN of " + operator);
    for (String policy : List.of(sender, operator)) {
      assertTrue(CloudFormationYaml.mentions(TEMPLATE.path("Resources").path(policy)).contains("HttpApi"),
          policy + " names this template's HTTP API, not every API of the account");
    }
  }

  @Test
  void aSenderSendsAndReadsButNeverSettles() {
    List<JsonNode> sender = List.of(document(senderPolicy()));

    assertEquals(ALLOWED, decide(sender, SEND), "send");
    assertEquals(ALLOWED, decide(sender, READ), "read");
    assertEquals(EXPLICITLY_DENIED, decide(sender, SETTLE), "settle");
    assertEquals(EXPLICITLY_DENIED, decide(sender,
        route("prod", "POST", "/service-orders/A*B|C_9-Z/pending-message/resolution")), "settle, any stage, any order");
  }

  @Test
  void theSendersExplicitDenyWinsOverBroadInvokeRights() {
    for (JsonNode broad : List.of(INVOKE_FULL_ACCESS, EVERY_POST)) {
      assertEquals(ALLOWED, decide(List.of(broad), SETTLE), "without the sender policy the broad grant settles");

      List<JsonNode> senderWithBroadGrant = List.of(broad, document(senderPolicy()));

      assertEquals(EXPLICITLY_DENIED, decide(senderWithBroadGrant, SETTLE), "settle beside " + broad);
      assertEquals(ALLOWED, decide(senderWithBroadGrant, SEND), "send beside " + broad);
    }
  }

  @Test
  void anOperatorSettlesAndReadsButDoesNotSend() {
    List<JsonNode> operator = List.of(document(operatorPolicy()));

    assertEquals(ALLOWED, decide(operator, SETTLE), "settle");
    assertEquals(ALLOWED, decide(operator, READ), "read");
    assertEquals(IMPLICITLY_DENIED, decide(operator, SEND), "send");
  }

  @Test
  void neitherPolicyReachesAnotherApiOfTheAccount() {
    String otherApi = SETTLE.replace(API_ID, "zz9yy8xx7w");
    for (String policy : List.of(senderPolicy(), operatorPolicy())) {
      assertEquals(IMPLICITLY_DENIED, decide(List.of(document(policy)), otherApi.replace("/resolution", "")), policy);
      assertEquals(IMPLICITLY_DENIED, decide(List.of(document(policy)),
          otherApi.replace("/POST/", "/GET/").replace("/resolution", "")), policy);
    }
  }

  // ---- helpers ----

  private static Decision decide(List<JsonNode> documents, String route) {
    return IamPolicyEvaluation.evaluate(documents, INVOKE, route);
  }

  /** The one managed policy that lets a principal send: the sender's. */
  private static String senderPolicy() {
    List<String> senders = managedPolicies().stream()
        .filter(id -> decide(List.of(document(id)), SEND) == ALLOWED).toList();
    assertEquals(1, senders.size(), "one managed policy allows sending: " + senders);
    return senders.get(0);
  }

  /** The one managed policy that lets a principal settle: the operator's. */
  private static String operatorPolicy() {
    List<String> operators = managedPolicies().stream()
        .filter(id -> decide(List.of(document(id)), SETTLE) == ALLOWED).toList();
    assertEquals(1, operators.size(), "one managed policy allows settling: " + operators);
    return operators.get(0);
  }

  private static List<String> managedPolicies() {
    List<String> ids = new ArrayList<>();
    TEMPLATE.path("Resources").fields().forEachRemaining(resource -> {
      if ("AWS::IAM::ManagedPolicy".equals(resource.getValue().path("Type").asText())) ids.add(resource.getKey());
    });
    return ids;
  }

  private static JsonNode document(String policy) {
    return IamPolicyEvaluation.deployed(
        TEMPLATE.path("Resources").path(policy).path("Properties").path("PolicyDocument"), DEPLOYED);
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("template.yaml"))) return dir;
    }
    throw new IllegalStateException("no template.yaml above " + Path.of("").toAbsolutePath());
  }
}
