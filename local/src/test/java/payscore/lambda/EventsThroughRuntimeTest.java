package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.simulator.RecordedRequest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Every events/ file, the same files {@code sam local invoke -e} takes, through the functions as
 * Lambda runs them (sam build's artifact, the runtime interface client, the template's handler,
 * memory and timeout) against moto and the WeChat Pay simulator. One JVM per function for the
 * class: the first invocation is the cold start, the others are warm.
 */
class EventsThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static FunctionHarness harness;
  private static LocalLambda api;
  private static LocalLambda queue;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    api = LocalLambda.start("ApiFunction", harness.env);
    queue = LocalLambda.start("QueueFunction", harness.env);
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api, queue);
    } finally {
      if (api != null) api.close();
      if (queue != null) queue.close();
      if (harness != null) harness.close();
    }
  }

  private static JsonNode invoke(LocalLambda function, String eventFile) throws Exception {
    return JSON.readTree(function.invoke(FunctionHarness.event(eventFile).toString()));
  }

  @Test
  void httpApiSendIsSentOnceThenReplayedAndGetStatusReadsTheRecord() throws Exception {
    String order = FunctionHarness.event("http-api-send.json").path("pathParameters").path("out_order_no").asText();

    JsonNode sent = invoke(api, "http-api-send.json");
    JsonNode again = invoke(api, "http-api-send.json");
    JsonNode status = invoke(api, "http-api-get-status.json");

    assertEquals(200, sent.path("statusCode").asInt(), sent.toString());
    JsonNode sentBody = JSON.readTree(sent.path("body").asText());
    assertEquals("SENT", sentBody.path("state").asText());
    assertFalse(sentBody.path("replayed").asBoolean(true));
    assertEquals(200, again.path("statusCode").asInt(), again.toString());
    assertTrue(JSON.readTree(again.path("body").asText()).path("replayed").asBoolean(false));
    List<RecordedRequest> received = harness.wechat.requestsFor(order);
    assertEquals(1, received.size(), "WeChat received the order once");
    assertEquals(204, received.get(0).status());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals(received.get(0).requestId(), sentBody.path("wechatpay_request_id").asText());
    assertEquals("SENT", harness.state(order));
    assertEquals(200, status.path("statusCode").asInt(), status.toString());
    assertEquals("SENT", JSON.readTree(status.path("body").asText()).path("state").asText());
  }

  @Test
  void restApiSendIsSentAndRecorded() throws Exception {
    String order = FunctionHarness.event("rest-api-send.json").path("pathParameters").path("out_order_no").asText();

    JsonNode sent = invoke(api, "rest-api-send.json");

    assertEquals(200, sent.path("statusCode").asInt(), sent.toString());
    assertEquals(order, JSON.readTree(sent.path("body").asText()).path("out_order_no").asText());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals(204, harness.wechat.requestsFor(order).get(0).status());
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void sqsBatchSendsTheOrderOnceSharesItWithItsDuplicateAndParksTheInvalidMessage() throws Exception {
    JsonNode records = FunctionHarness.event("sqs-batch.json").path("Records");
    String order = JSON.readTree(records.get(0).path("body").asText()).path("out_order_no").asText();
    String invalidOrder = JSON.readTree(records.get(2).path("body").asText()).path("out_order_no").asText();

    JsonNode response = invoke(queue, "sqs-batch.json");

    assertEquals(0, response.path("batchItemFailures").size(), response.toString());
    assertEquals(1, harness.wechat.requestsFor(order).size());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
    assertTrue(harness.wechat.requestsFor(invalidOrder).isEmpty());
    assertEquals(null, harness.state(invalidOrder));
    List<Message> parked = harness.deadLetters();
    assertEquals(1, parked.size());
    assertEquals("INVALID_REQUEST", parked.get(0).messageAttributes().get("error_code").stringValue());
    assertEquals(records.get(2).path("body").asText(), parked.get(0).body());
  }
}
