package payscore.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import payscore.simulator.RecordedRequest;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Runs the events/ files through the sandbox and prints every step: the response, what WeChat
 * received and concluded, and the DynamoDB record. Exits non-zero when a step is not as expected.
 */
final class Demo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalSandbox sandbox;
  private final PrintStream out;
  private final Path events = TemplateModel.locate().getParent().resolve("events");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> failures = new ArrayList<>();

  Demo(LocalSandbox sandbox, PrintStream out) {
    this.sandbox = sandbox;
    this.out = out;
  }

  int run() throws Exception {
    JsonNode send = event("http-api-send.json");
    String order = send.path("pathParameters").path("out_order_no").asText();
    String body = send.path("body").asText();

    step("1. POST events/http-api-send.json's body to " + sandbox.apiUrl() + " (HTTP API route)");
    JsonNode first = post(order, body);
    expect(first.path("status").asInt() == 200, "first POST answers 200");
    expect(!first.path("body").path("replayed").asBoolean(true), "first POST is not a replay");
    wechat(order);
    record(order);

    step("2. The same POST again: replayed from the record, WeChat not called");
    JsonNode second = post(order, body);
    expect(second.path("status").asInt() == 200, "second POST answers 200");
    expect(second.path("body").path("replayed").asBoolean(false), "second POST says replayed: true");
    expect(sandbox.wechat.requestsFor(order).size() == 1, "WeChat received one request for " + order);
    out.println("  WeChat requests for " + order + ": " + sandbox.wechat.requestsFor(order).size());

    step("3. events/rest-api-send.json invoked on ApiFunction through the runtime (REST API payload 1.0)");
    JsonNode rest = event("rest-api-send.json");
    JsonNode restResponse = invoke(rest);
    String restOrder = rest.path("pathParameters").path("out_order_no").asText();
    expect(restResponse.path("statusCode").asInt() == 200, "REST payload answers 200");
    out.println("  response " + restResponse.path("statusCode").asInt() + " " + restResponse.path("body").asText());
    wechat(restOrder);

    step("4. GET the record (events/http-api-get-status.json's route)");
    HttpResponse<String> status = http.send(HttpRequest.newBuilder(uri(order)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    out.println("  response " + status.statusCode() + " " + status.body());
    expect(status.statusCode() == 200 && JSON.readTree(status.body()).path("state").asText().equals("SENT"),
        "GET answers 200 with state SENT");

    step("5. events/sqs-batch.json's messages put on the local queue, delivered in a batch");
    JsonNode records = event("sqs-batch.json").path("Records");
    List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      entries.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(records.get(i).path("body").asText())
          .build());
    }
    sandbox.sqs.sendMessageBatch(r -> r.queueUrl(sandbox.queueUrl).entries(entries));
    awaitQueueDrained();
    for (JsonNode response : sandbox.batchResponses) out.println("  batch response " + response);
    expect(sandbox.batchResponses.stream().allMatch(r -> r.path("batchItemFailures").isEmpty()),
        "no message left for redelivery");
    String queuedOrder = JSON.readTree(records.get(0).path("body").asText()).path("out_order_no").asText();
    expect(sandbox.wechat.requestsFor(queuedOrder).size() == 1,
        "the valid message and its duplicate reached WeChat once");
    wechat(queuedOrder);
    record(queuedOrder);
    List<Message> parked = sandbox.sqs.receiveMessage(r -> r.queueUrl(sandbox.deadLetterQueueUrl)
        .maxNumberOfMessages(10).messageAttributeNames("All").waitTimeSeconds(0)).messages();
    for (Message message : parked) {
      out.println("  parked in the DLQ: error_code=" + message.messageAttributes().get("error_code").stringValue()
          + " error_message=" + message.messageAttributes().get("error_message").stringValue());
    }
    expect(parked.size() == 1 && parked.get(0).messageAttributes().get("error_code").stringValue()
        .equals("INVALID_REQUEST"), "the invalid message is parked with error_code INVALID_REQUEST");

    step("6. Partner (服务商) mode: POST events/http-api-send-partner.json's body (with sub_mchid), then GET"
        + " with and without ?sub_mchid=");
    JsonNode partnerSend = event("http-api-send-partner.json");
    String partnerOrder = partnerSend.path("pathParameters").path("out_order_no").asText();
    String subMchid = JSON.readTree(partnerSend.path("body").asText()).path("sub_mchid").asText();
    JsonNode partnerFirst = post(partnerOrder, partnerSend.path("body").asText());
    expect(partnerFirst.path("status").asInt() == 200, "partner POST answers 200");
    wechat(partnerOrder);
    expect(sandbox.wechat.requestsFor(partnerOrder).stream().allMatch(RecordedRequest::partner),
        "WeChat received it on the partner path");
    record(subMchid + "#" + partnerOrder);
    HttpResponse<String> partnerStatus = http.send(HttpRequest.newBuilder(
        URI.create(uri(partnerOrder) + "?sub_mchid=" + subMchid)).GET().build(), HttpResponse.BodyHandlers.ofString());
    out.println("  response " + partnerStatus.statusCode() + " " + partnerStatus.body());
    expect(partnerStatus.statusCode() == 200
        && JSON.readTree(partnerStatus.body()).path("state").asText().equals("SENT"),
        "GET ?sub_mchid=" + subMchid + " answers 200 with state SENT");
    HttpResponse<String> directStatus = http.send(HttpRequest.newBuilder(uri(partnerOrder)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    out.println("  response " + directStatus.statusCode() + " " + directStatus.body());
    expect(directStatus.statusCode() == 404, "GET without sub_mchid answers 404: no direct order of that number");

    out.println();
    if (failures.isEmpty()) {
      out.println("Demo finished: every step as expected.");
      return 0;
    }
    out.println("Demo finished with " + failures.size() + " unexpected step(s): " + failures);
    return 1;
  }

  private JsonNode event(String name) throws IOException {
    return JSON.readTree(Files.readString(events.resolve(name)));
  }

  private URI uri(String order) {
    return URI.create(sandbox.apiUrl() + "/service-orders/" + order + "/pending-message");
  }

  private JsonNode post(String order, String body) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(order))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    out.println("  response " + response.statusCode() + " " + response.body());
    return JSON.createObjectNode().put("status", response.statusCode()).set("body", JSON.readTree(response.body()));
  }

  private JsonNode invoke(JsonNode event) throws Exception {
    return JSON.readTree(sandbox.apiFunction.invoke(JSON.writeValueAsString(event)));
  }

  private void wechat(String order) {
    for (RecordedRequest request : sandbox.wechat.requestsFor(order)) {
      out.println("  WeChat received " + request.method() + " " + request.rawPath() + ": " + request.verdict()
          + " (signature and headers checked), answered " + request.status() + ", Request-ID "
          + request.requestId());
      out.println("    body " + request.bodyText());
    }
  }

  /** Prints the record whose key is {@code <mchid>#<key>}: the order number, or {@code <sub_mchid>#<order>}. */
  private void record(String order) {
    Map<String, AttributeValue> item = sandbox.dynamo.getItem(r -> r.tableName(sandbox.table).consistentRead(true)
        .key(Map.of(sandbox.template.tableKey(), AttributeValue.fromS(LocalSandbox.MCHID + "#" + order)))).item();
    StringBuilder text = new StringBuilder();
    item.forEach((name, value) -> text.append(' ').append(name).append('=')
        .append(value.s() != null ? value.s() : value.n() != null ? value.n() : String.valueOf(value.bool())));
    out.println("  DynamoDB record:" + text);
  }

  private void awaitQueueDrained() throws InterruptedException {
    long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < giveUp) {
      Map<QueueAttributeName, String> attributes = sandbox.sqs.getQueueAttributes(r -> r.queueUrl(sandbox.queueUrl)
          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
      if ("0".equals(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
          && "0".equals(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
          && !sandbox.batchResponses.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    failures.add("the queue was not drained within 30 s");
  }

  private void step(String title) {
    out.println();
    out.println(title);
  }

  private void expect(boolean holds, String what) {
    out.println((holds ? "  ok: " : "  UNEXPECTED: ") + what);
    if (!holds) failures.add(what);
  }
}
