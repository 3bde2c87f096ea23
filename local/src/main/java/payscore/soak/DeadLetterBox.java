package payscore.soak;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import payscore.harness.FunctionHarness;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** The DLQ's letters, read and deleted as they come, by the SQS message id they park. */
final class DeadLetterBox {
  private final FunctionHarness harness;
  private final List<String> failures;
  private final Map<String, Message> letters = new HashMap<>();
  /** DLQ letters written twice for one delivery: a park retried after its answer was lost. */
  private int duplicateLetters;

  DeadLetterBox(FunctionHarness harness, List<String> failures) {
    this.harness = harness;
    this.failures = failures;
  }

  /** The letter that parked this delivery, taken out of the box; null when none came. */
  Message take(String deliveryId) {
    return letters.remove(deliveryId);
  }

  /** Letters no delivery took: each a failure, then forgotten. */
  void reportLeftOver() {
    if (!letters.isEmpty()) {
      failures.add("DLQ letters for no delivery of this round: " + letters.keySet());
      letters.clear();
    }
  }

  int duplicateLetters() {
    return duplicateLetters;
  }

  /** Reads and deletes everything in the DLQ into the box, by the source message id. */
  void drain() {
    while (true) {
      List<Message> batch = harness.queues.receiveMessage(r -> r.queueUrl(harness.deadLetterQueueUrl)
          .maxNumberOfMessages(10).visibilityTimeout(60).messageAttributeNames("All").waitTimeSeconds(0)).messages();
      if (batch.isEmpty()) return;
      List<DeleteMessageBatchRequestEntry> delete = new ArrayList<>();
      for (Message letter : batch) {
        String source = attribute(letter, "source_message_id");
        if (source == null) {
          failures.add("DLQ letter without source_message_id: " + letter.messageAttributes());
        } else if (letters.put(source, letter) != null) {
          // A park retried after its answer was lost writes the letter twice: the same message.
          duplicateLetters++;
        }
        delete.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(delete.size()))
            .receiptHandle(letter.receiptHandle()).build());
      }
      harness.queues.deleteMessageBatch(r -> r.queueUrl(harness.deadLetterQueueUrl).entries(delete));
    }
  }

  void check(SoakMessage message, Message letter) {
    if (!letter.body().equals(message.body)) failures.add(message + ": parked with a changed body: " + letter.body());
    String code = attribute(letter, "error_code");
    String reason = attribute(letter, "error_message");
    if (code == null || code.isBlank() || reason == null || reason.isBlank()) {
      failures.add(message + ": parked without error_code and error_message: " + letter.messageAttributes());
    }
  }

  static String attribute(Message letter, String name) {
    MessageAttributeValue value = letter.messageAttributes().get(name);
    return value == null ? null : value.stringValue();
  }
}
