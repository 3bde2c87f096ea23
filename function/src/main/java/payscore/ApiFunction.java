package payscore;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import payscore.trigger.ApiGatewayHandler;

/**
 * The API function's Lambda handler ({@code payscore.ApiFunction::handleRequest}). It declares
 * {@code handleRequest} itself, in a public class, because the runtime interface client invokes the
 * method reflectively from its own package.
 */
public final class ApiFunction implements RequestStreamHandler {
  private final LambdaEntry entry =
      new LambdaEntry(PendingMessageFunction::api, ApiGatewayHandler::misconfigured);

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    entry.handle(input, output, context);
  }
}
