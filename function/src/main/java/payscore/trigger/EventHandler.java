package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** One trigger's translation of a Lambda event into calls, and of their outcomes into the event's answer. */
public interface EventHandler {
  /**
   * The answer to one event; never throws for anything the event holds.
   *
   * @param invocationEnd when Lambda stops the invocation; nothing this call starts outlives it
   */
  ObjectNode handle(JsonNode event, Instant invocationEnd);
}
