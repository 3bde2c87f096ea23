package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import payscore.observe.OutcomeLog;

/**
 * Parks a message that no retry can help: sent unchanged to the DLQ with {@code error_code},
 * {@code error_message} and {@code source_message_id}. SQS has no "dead-letter now" call, so this is
 * a plain {@code SendMessage}; when it fails, the message must go back to the queue instead.
 */
public final class DeadLetterQueue {
  /** Sends one message to a queue; the AWS-backed one is SQS's {@code SendMessage}. */
  public interface Sender {
    /**
     * @param attributes message attributes by name, in order
     * @param within how long the send may take, retries included
     * @throws SendFailedException the message is not known to be in the queue
     */
    void send(String queueUrl, String body, Map<String, Attribute> attributes, Duration within);
  }

  /** A message attribute: {@code String}, {@code Number} or {@code Binary} (and custom subtypes). */
  public record Attribute(String dataType, String stringValue, byte[] binaryValue) {
    static Attribute text(String value) {
      return new Attribute("String", value, null);
    }
  }

  /** The queue did not take the message; {@code reason} names the cause in a word or two. */
  public static final class SendFailedException extends RuntimeException {
    private final String reason;

    public SendFailedException(String reason, Throwable cause) {
      super("could not send the message to the queue (" + reason + ")", cause, false, false);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private static final int MAX_MESSAGE_CODE_POINTS = 1000;
  private static final int MAX_ATTRIBUTES = 10;
  private static final java.util.Set<String> OWN = java.util.Set.of("error_code", "error_message", "source_message_id");
  private static final int OWN_ATTRIBUTES = OWN.size();

  private final Supplier<Sender> sqs;
  private final String url;
  private final OutcomeLog log;

  /**
   * @param sqs built on first use: the API function never parks, so never builds it
   * @param url the DLQ's URL; null when not configured, and then nothing can be parked
   */
  public DeadLetterQueue(Supplier<Sender> sqs, String url, OutcomeLog log) {
    this.sqs = sqs;
    this.url = url;
    this.log = log;
  }

  boolean configured() {
    return url != null;
  }

  /**
   * Whether the message is now in the DLQ.
   *
   * @param within how long the write may take, retries included
   * @param original the message's own attributes as the SQS event gives them; kept, since a redrive
   *     must deliver the message as it was
   */
  boolean park(String messageId, String body, JsonNode original, String code, String message, Duration within) {
    Map<String, Attribute> attributes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> attribute : original.properties()) {
      // SQS takes at most 10 attributes a message; ours take three.
      if (attributes.size() == MAX_ATTRIBUTES - OWN_ATTRIBUTES) break;
      if (OWN.contains(attribute.getKey())) continue;
      Attribute value = fromEvent(attribute.getValue());
      if (value != null) attributes.put(attribute.getKey(), value);
    }
    attributes.put("error_code", Attribute.text(code));
    attributes.put("error_message", Attribute.text(attributeText(message, MAX_MESSAGE_CODE_POINTS)));
    attributes.put("source_message_id", Attribute.text(messageId));
    try {
      sqs.get().send(url, body, attributes, within);
      return true;
    } catch (SendFailedException e) {
      log.problem("park_failed", "message " + messageId + " could not be parked in the DLQ ("
          + e.reason() + "); it stays on the queue");
      return false;
    }
  }

  /**
   * SQS refuses attribute values with characters outside its set (control characters, lone
   * surrogates), and a refused park would leave the message circling: such characters, which an
   * error message may quote from an unknown field name, become '?'. Cut at a character boundary.
   */
  static String attributeText(String text, int maxCodePoints) {
    StringBuilder clean = new StringBuilder(Math.min(text.length(), maxCodePoints));
    int count = 0;
    for (int i = 0; i < text.length() && count < maxCodePoints; count++) {
      int c = text.codePointAt(i);
      boolean allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
          || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      clean.appendCodePoint(allowed ? c : '?');
      i += Character.charCount(c);
    }
    return clean.toString();
  }

  /** An attribute as the SQS event gives it ({@code stringValue} or Base64 {@code binaryValue}, {@code dataType}). */
  private static Attribute fromEvent(JsonNode attribute) {
    String type = attribute.path("dataType").asText(null);
    if (type == null) return null;
    if (attribute.hasNonNull("stringValue")) {
      return new Attribute(type, attribute.get("stringValue").asText(), null);
    }
    if (attribute.hasNonNull("binaryValue")) {
      try {
        byte[] bytes = java.util.Base64.getDecoder().decode(attribute.get("binaryValue").asText());
        return new Attribute(type, null, bytes);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }
}
