package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.simulator.RecordedRequest;
import payscore.simulator.ServiceOrder;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Every events/ file, the same files {@code sam local invoke -e} takes, through the functions as
 * Lambda runs them (sam build's artifact, the runtime interface client, the template's handler,
 * memory and timeout) against moto and the WeChat Pay simulator. One JVM per function for the
 * class: the first invocation is the cold start, the others are warm.
 */
class EventsThroughRuntimeTest extends RuntimeFixture {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The events/ files this class invokes; every other events/ file but env.json fails the check below. */
  private static final Set<String> INVOKED = Set.of("http-api-send.json", "http-api-get-status.json",
      "rest-api-send.json", "sqs-batch.json", "http-api-send-partner.json", "http-api-get-status-partner.json",
      "sqs-batch-mixed.json");

  private JsonNode invoke(LocalLambda function, String eventFile) throws Exception {
    assertTrue(INVOKED.contains(eventFile), eventFile + " is missing from INVOKED");
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
    List<Message> parked = parkedFrom(records);
    assertEquals(1, parked.size());
    assertEquals("INVALID_REQUEST", parked.get(0).messageAttributes().get("error_code").stringValue());
    assertEquals(records.get(2).path("body").asText(), parked.get(0).body());
  }

  @Test
  void httpApiSendPartnerGoesToThePartnerPathAndGetStatusPartnerReadsItsRecord() throws Exception {
    JsonNode event = FunctionHarness.event("http-api-send-partner.json");
    String order = event.path("pathParameters").path("out_order_no").asText();
    String subMchid = JSON.readTree(event.path("body").asText()).path("sub_mchid").asText();

    JsonNode sent = invoke(api, "http-api-send-partner.json");
    JsonNode status = invoke(api, "http-api-get-status-partner.json");

    assertEquals(200, sent.path("statusCode").asInt(), sent.toString());
    assertEquals("SENT", JSON.readTree(sent.path("body").asText()).path("state").asText());
    List<RecordedRequest> received = harness.wechat.requestsFor(ServiceOrder.partner(subMchid, order));
    assertEquals(1, received.size());
    assertEquals("/v3/payscore/partner/serviceorder/" + order + "/send-pendingmessage", received.get(0).rawPath());
    assertEquals(1, harness.wechat.acceptedCount(subMchid, order));
    assertEquals("SENT", harness.state(subMchid, order));
    assertEquals(200, status.path("statusCode").asInt(), status.toString());
    JsonNode record = JSON.readTree(status.path("body").asText());
    assertEquals("SENT", record.path("state").asText());
    assertEquals(received.get(0).requestId(), record.path("wechatpay_request_id").asText());
  }

  @Test
  void sqsBatchMixedSendsTheDirectOrderAndEachSubMerchantsOrderOnceAndParksTheBadSubMchid() throws Exception {
    JsonNode records = FunctionHarness.event("sqs-batch-mixed.json").path("Records");
    String order = JSON.readTree(records.get(0).path("body").asText()).path("out_order_no").asText();
    String subA = JSON.readTree(records.get(1).path("body").asText()).path("sub_mchid").asText();
    String subB = JSON.readTree(records.get(2).path("body").asText()).path("sub_mchid").asText();

    JsonNode response = invoke(queue, "sqs-batch-mixed.json");

    assertEquals(0, response.path("batchItemFailures").size(), response.toString());
    assertEquals(3, harness.wechat.requestsFor(order).size(), "direct, A's and B's: the repeat of A's shared it");
    assertFalse(harness.wechat.requestsFor(ServiceOrder.direct(order)).get(0).partner());
    assertTrue(harness.wechat.requestsFor(ServiceOrder.partner(subA, order)).get(0).partner());
    assertTrue(harness.wechat.requestsFor(ServiceOrder.partner(subB, order)).get(0).partner());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals(1, harness.wechat.acceptedCount(subA, order));
    assertEquals(1, harness.wechat.acceptedCount(subB, order));
    assertEquals("SENT", harness.state(order));
    assertEquals("SENT", harness.state(subA, order));
    assertEquals("SENT", harness.state(subB, order));
    List<Message> parked = parkedFrom(records);
    assertEquals(1, parked.size());
    assertEquals(records.get(4).path("body").asText(), parked.get(0).body());
    assertEquals("INVALID_REQUEST", parked.get(0).messageAttributes().get("error_code").stringValue());
  }

  @Test
  void everyEventsFileIsInvokedByThisClass() throws Exception {
    Set<String> files;
    try (var listing = Files.list(SamTemplate.locate().getParent().resolve("events"))) {
      files = listing.map(path -> path.getFileName().toString())
          .filter(name -> name.endsWith(".json") && !name.equals("env.json")).collect(Collectors.toSet());
    }

    assertEquals(INVOKED, files);
  }

  /** The DLQ's messages that came from these records (the harness's DLQ is shared by the class's tests). */
  private List<Message> parkedFrom(JsonNode records) {
    Set<String> bodies = new HashSet<>();
    records.forEach(record -> bodies.add(record.path("body").asText()));
    return harness.deadLetters().stream().filter(message -> bodies.contains(message.body())).toList();
  }
}
