package payscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/**
 * The queue function: wall time of an SQS batch of 10 distinct orders against a batch of one,
 * median of several rounds, with WeChat (a simulator in another process) answering after a fixed
 * delay. Arguments: the SQS event file (its first record is the template), the number of rounds.
 */
public final class BatchLoop {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static int orders;

  private BatchLoop() {}

  public static void main(String[] args) throws Exception {
    ObjectNode template = (ObjectNode) JSON.readTree(Files.readString(Path.of(args[0]))).get("Records").get(0);
    int rounds = Integer.parseInt(args[1]);
    payscore.trigger.EventHandler handler = payscore.PendingMessageFunction.create(System.getenv(), System.out).sqs();
    String run = Long.toString(System.nanoTime(), 36);
    for (int i = 0; i < 5; i++) time(handler, template, run, 10); // warm-up
    double one = median(handler, template, run, 1, rounds);
    double ten = median(handler, template, run, 10, rounds);
    ChildReport.print("one_ms=" + one, "ten_ms=" + ten);
    System.exit(0);
  }

  private static double median(payscore.trigger.EventHandler handler, ObjectNode template, String run, int size, int rounds) {
    double[] millis = new double[rounds];
    for (int i = 0; i < rounds; i++) millis[i] = time(handler, template, run, size);
    Arrays.sort(millis);
    return millis[rounds / 2];
  }

  private static double time(payscore.trigger.EventHandler handler, ObjectNode template, String run, int size) {
    ObjectNode event = JSON.createObjectNode();
    ArrayNode records = event.putArray("Records");
    for (int i = 0; i < size; i++) {
      ObjectNode record = template.deepCopy();
      ObjectNode body;
      try {
        body = (ObjectNode) JSON.readTree(template.get("body").asText());
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      body.put("out_order_no", "B" + run + "-" + (++orders));
      record.put("messageId", "m" + orders);
      record.put("body", body.toString());
      records.add(record);
    }
    long start = System.nanoTime();
    ObjectNode response = handler.handle(event, Instant.now().plusSeconds(30));
    double millis = (System.nanoTime() - start) / 1e6;
    if (!response.get("batchItemFailures").isEmpty()) throw new IllegalStateException("failed: " + response);
    return millis;
  }
}
