package payscore.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import payscore.lambda.FunctionError;
import payscore.lambda.LocalLambda;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Delivers the local queue to the function in batches, as the SQS event source with
 * {@code ReportBatchItemFailures} does: messages not reported as failed are deleted; failed ones
 * stay in flight until the queue's visibility timeout, then come back; after
 * {@code maxReceiveCount} receives the queue's redrive policy moves them to the DLQ. A function
 * error or timeout fails the whole batch, as on Lambda.
 */
final class LocalQueueEventSource implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SqsClient sqs;
  private final String queueUrl;
  private final String queueArn;
  private final int batchSize;
  private final LocalLambda function;
  private final PrintStream out;
  private final Consumer<JsonNode> onBatch;
  private final Thread thread;
  private volatile boolean running = true;

  LocalQueueEventSource(SqsClient sqs, String queueUrl, String queueArn, int batchSize, LocalLambda function,
      PrintStream out, Consumer<JsonNode> onBatch) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.queueArn = queueArn;
    this.batchSize = batchSize;
    this.function = function;
    this.out = out;
    this.onBatch = onBatch;
    this.thread = new Thread(this::poll, "local-sqs-event-source");
    thread.setDaemon(true);
    thread.start();
  }

  private void poll() {
    while (running) {
      try {
        // Short polls only: the local moto applies one request at a time.
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(batchSize)
            .waitTimeSeconds(0).messageSystemAttributeNames(MessageSystemAttributeName.ALL)
            .messageAttributeNames("All")).messages();
        if (messages.isEmpty()) {
          Thread.sleep(200);
          continue;
        }
        deliver(messages);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | IOException e) {
        if (running) out.println("event source: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        sleepQuietly();
      }
    }
  }

  private void deliver(List<Message> messages) throws IOException {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (Message message : messages) {
      ObjectNode record = records.addObject();
      record.put("messageId", message.messageId());
      record.put("receiptHandle", message.receiptHandle());
      record.put("body", message.body());
      ObjectNode attributes = record.putObject("attributes");
      message.attributesAsStrings().forEach(attributes::put);
      ObjectNode messageAttributes = record.putObject("messageAttributes");
      message.messageAttributes().forEach((name, value) -> messageAttributes.putObject(name)
          .put("stringValue", value.stringValue()).put("dataType", value.dataType()));
      record.put("md5OfBody", message.md5OfBody());
      record.put("eventSource", "aws:sqs");
      record.put("eventSourceARN", queueArn);
      record.put("awsRegion", "us-east-1");
    }
    JsonNode response;
    try {
      response = JSON.readTree(function.invoke(JSON.writeValueAsString(event)));
    } catch (FunctionError e) {
      out.printf("sqs: the function failed the batch of %d (%s); all left for redelivery%n", messages.size(),
          e.errorType());
      return;
    }
    Set<String> failed = new HashSet<>();
    response.path("batchItemFailures").forEach(failure -> failed.add(failure.path("itemIdentifier").asText()));
    List<Message> done = messages.stream().filter(m -> !failed.contains(m.messageId())).toList();
    if (!done.isEmpty()) {
      sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done.stream()
          .map(m -> software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry.builder()
              .id(m.messageId()).receiptHandle(m.receiptHandle()).build())
          .toList()));
    }
    out.printf("sqs: delivered a batch of %d; %d done, %d left for redelivery%n", messages.size(), done.size(),
        failed.size());
    onBatch.accept(response);
  }

  private void sleepQuietly() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      running = false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
