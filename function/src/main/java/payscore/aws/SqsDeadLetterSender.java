package payscore.aws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import payscore.json.JsonTrees;
import payscore.trigger.DeadLetterQueue;

/** SQS {@code SendMessage} (JSON protocol), for parking a message in the dead-letter queue. */
public final class SqsDeadLetterSender implements DeadLetterQueue.Sender {
  private final AwsJsonClient sqs;

  public SqsDeadLetterSender(AwsJsonClient sqs) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
  }

  @Override
  public void send(String queueUrl, String body, Map<String, DeadLetterQueue.Attribute> attributes, Duration within) {
    ObjectNode request = JsonTrees.object();
    request.put("QueueUrl", queueUrl);
    request.put("MessageBody", body);
    ObjectNode values = request.putObject("MessageAttributes");
    attributes.forEach((name, attribute) -> {
      ObjectNode value = values.putObject(name);
      value.put("DataType", attribute.dataType());
      if (attribute.binaryValue() != null) {
        value.put("BinaryValue", Base64.getEncoder().encodeToString(attribute.binaryValue()));
      } else {
        value.put("StringValue", attribute.stringValue());
      }
    });
    try {
      sqs.call("SendMessage", request, within);
    } catch (AwsCallException e) {
      throw new DeadLetterQueue.SendFailedException(e.reason(), e);
    }
  }
}
