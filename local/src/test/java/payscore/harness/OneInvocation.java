package payscore.harness;

import java.time.Duration;
import payscore.PendingMessageFunction;

/**
 * One API Gateway invocation in a process of its own, configured from its environment as Lambda
 * would be: the event on standard input, the response on standard output. Tests kill this
 * process mid-send to see what a crashed instance leaves behind.
 */
public final class OneInvocation {
  private OneInvocation() {}

  public static void main(String[] args) throws Exception {
    Duration timeout = Duration.ofMillis(Long.parseLong(args[0]));
    PendingMessageFunction function = PendingMessageFunction.create(System.getenv(), System.out);
    new InProcessHandler(function.api(), java.time.Clock.systemUTC())
        .handleRequest(System.in, System.out, new LambdaContext(timeout));
    System.out.flush();
  }
}
