package payscore;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import payscore.trigger.DeadLetterQueue;

/** The DLQ's {@code SendMessage}: records what was parked, or fails as SQS failing does. */
final class RecordingDeadLetterSender implements DeadLetterQueue.Sender {
  /** One message as it was sent to the queue. */
  record Parked(String queueUrl, String body, Map<String, DeadLetterQueue.Attribute> attributes, Duration within) {
    String attribute(String name) {
      DeadLetterQueue.Attribute attribute = attributes.get(name);
      return attribute == null ? null : attribute.stringValue();
    }
  }

  private final List<Parked> parked = new CopyOnWriteArrayList<>();
  private final AtomicInteger attempts = new AtomicInteger();
  private volatile boolean failing;

  /** From now on every send fails: the queue did not take the message. */
  void failEverySend() {
    failing = true;
  }

  List<Parked> parked() {
    return parked;
  }

  /** Sends tried, whether or not they failed. */
  int attempts() {
    return attempts.get();
  }

  void forget() {
    parked.clear();
    attempts.set(0);
  }

  @Override
  public void send(String queueUrl, String body, Map<String, DeadLetterQueue.Attribute> attributes, Duration within) {
    attempts.incrementAndGet();
    if (failing) throw new DeadLetterQueue.SendFailedException("ServiceUnavailable", null);
    parked.add(new Parked(queueUrl, body, Map.copyOf(attributes), within));
  }
}
