package payscore.harness;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import payscore.json.JsonTrees;
import payscore.trigger.EventHandler;

/**
 * A trigger's handler called in-process, for unit-level tests: JSON in and out as Lambda streams it,
 * the invocation's end from the test's clock. What Lambda itself runs is proved through the local
 * Lambda runtime instead.
 */
public final class InProcessHandler implements RequestStreamHandler {
  private final EventHandler handler;
  private final Clock clock;

  public InProcessHandler(EventHandler handler, Clock clock) {
    this.handler = handler;
    this.clock = clock;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    JsonTrees.write(handle(JsonTrees.read(input), clock.instant().plusMillis(context.getRemainingTimeInMillis())),
        output);
  }

  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    return handler.handle(event, invocationEnd);
  }
}
