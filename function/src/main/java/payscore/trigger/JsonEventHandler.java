package payscore.trigger;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import payscore.json.JsonTrees;

/** A Lambda stream handler of JSON events: the event in, the response out, by the invocation's end. */
public abstract class JsonEventHandler implements RequestStreamHandler {
  final Functions functions;

  JsonEventHandler(Functions functions) {
    this.functions = functions;
  }

  @Override
  public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    JsonNode event = JsonTrees.read(input);
    Instant end = Instant.now().plusMillis(context.getRemainingTimeInMillis());
    JsonTrees.write(handle(event, end), output);
  }

  /**
   * The response to one event; never throws for anything the event holds.
   *
   * @param invocationEnd when Lambda stops the invocation; nothing this call starts outlives it
   */
  public abstract ObjectNode handle(JsonNode event, Instant invocationEnd);
}
