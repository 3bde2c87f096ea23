package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import payscore.observe.OutcomeLog;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Parks a message that no retry can help: sent unchanged to the DLQ with {@code error_code},
 * {@code error_message} and {@code source_message_id}. SQS has no "dead-letter now" call, so this is
 * a plain {@code SendMessage}; when it fails, the message must go back to the queue instead.
 */
public final class DeadLetterQueue {
  private static final int MAX_MESSAGE_CODE_POINTS = 1000;
  private static final int MAX_ATTRIBUTES = 10;
  private static final Duration MAX_ATTEMPT = Duration.ofSeconds(2);
  private static final java.util.Set<String> OWN = java.util.Set.of("error_code", "error_message", "source_message_id");
  private static final int OWN_ATTRIBUTES = OWN.size();

  private final Supplier<SqsClient> sqs;
  private final String url;
  private final OutcomeLog log;

  /**
   * @param sqs built on first use: the API function never parks, so never builds the client
   * @param url the DLQ's URL; null when not configured, and then nothing can be parked
   */
  public DeadLetterQueue(Supplier<SqsClient> sqs, String url, OutcomeLog log) {
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
    Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> attribute : original.properties()) {
      // SQS takes at most 10 attributes a message; ours take three.
      if (attributes.size() == MAX_ATTRIBUTES - OWN_ATTRIBUTES) break;
      if (OWN.contains(attribute.getKey())) continue;
      MessageAttributeValue value = fromEvent(attribute.getValue());
      if (value != null) attributes.put(attribute.getKey(), value);
    }
    attributes.put("error_code", text(code));
    attributes.put("error_message", text(attributeText(message, MAX_MESSAGE_CODE_POINTS)));
    attributes.put("source_message_id", text(messageId));
    try {
      sqs.get().sendMessage(request -> request
          .overrideConfiguration(o -> o.apiCallTimeout(within)
              .apiCallAttemptTimeout(within.compareTo(MAX_ATTEMPT) < 0 ? within : MAX_ATTEMPT))
          .queueUrl(url)
          .messageBody(body)
          .messageAttributes(attributes));
      return true;
    } catch (SdkException e) {
      log.problem("park_failed", "message " + messageId + " could not be parked in the DLQ ("
          + e.getClass().getSimpleName() + "); it stays on the queue");
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
  private static MessageAttributeValue fromEvent(JsonNode attribute) {
    String type = attribute.path("dataType").asText(null);
    if (type == null) return null;
    if (attribute.hasNonNull("stringValue")) {
      return MessageAttributeValue.builder().dataType(type).stringValue(attribute.get("stringValue").asText()).build();
    }
    if (attribute.hasNonNull("binaryValue")) {
      try {
        byte[] bytes = java.util.Base64.getDecoder().decode(attribute.get("binaryValue").asText());
        return MessageAttributeValue.builder().dataType(type).binaryValue(SdkBytes.fromByteArray(bytes)).build();
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  private static MessageAttributeValue text(String value) {
    return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
  }
}
