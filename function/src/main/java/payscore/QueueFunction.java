package payscore;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import payscore.trigger.SqsHandler;

/**
 * The queue function's Lambda handler ({@code payscore.QueueFunction::handleRequest}): SQS batches
 * with partial batch failures. Declares {@code handleRequest} itself, in a public class, because
 * the runtime interface client invokes the method reflectively from its own package.
 */
public final class QueueFunction implements RequestStreamHandler {
  private final LambdaEntry entry =
      new LambdaEntry(PendingMessageFunction::sqs, (event, reason) -> SqsHandler.unavailable(event));

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    entry.handle(input, output, context);
  }
}
