package payscore;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.function.BiFunction;
import java.util.function.Function;
import payscore.json.JsonTrees;
import payscore.observe.OutcomeLog;
import payscore.trigger.EventHandler;

/**
 * What a Lambda handler class does with each invocation: JSON in, the trigger's answer out, by the
 * invocation's end. The function is built when Lambda constructs the handler (INIT), so that with
 * SnapStart the snapshot holds it primed; a function that cannot be built (a missing variable) is
 * tried again on each invocation, which answers with the reason instead of failing INIT.
 */
final class LambdaEntry {
  private final Function<PendingMessageFunction, EventHandler> handler;
  private final BiFunction<JsonNode, String, ObjectNode> unavailable;

  /**
   * @param handler the trigger's handler in the function's graph
   * @param unavailable the answer to an event when the function cannot be built, given the reason
   */
  LambdaEntry(Function<PendingMessageFunction, EventHandler> handler,
      BiFunction<JsonNode, String, ObjectNode> unavailable) {
    this.handler = handler;
    this.unavailable = unavailable;
    try {
      PendingMessageFunction.shared();
    } catch (RuntimeException e) {
      // reported by each invocation
    }
  }

  void handle(InputStream input, OutputStream output, Context context) throws IOException {
    JsonNode event = JsonTrees.read(input);
    PendingMessageFunction function;
    try {
      function = PendingMessageFunction.shared();
    } catch (RuntimeException e) {
      new OutcomeLog(System.out, Clock.systemUTC()).problem("configuration", String.valueOf(e.getMessage()));
      JsonTrees.write(unavailable.apply(event == null ? JsonTrees.object() : event, String.valueOf(e.getMessage())),
          output);
      return;
    }
    Instant end = function.clock().instant().plusMillis(context.getRemainingTimeInMillis());
    JsonTrees.write(handler.apply(function).handle(event, end), output);
  }
}
