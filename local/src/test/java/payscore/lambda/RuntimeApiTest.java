package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Runtime API's bookkeeping when its environment ends: whatever was waiting for the runtime
 * client, and whatever comes after, fails at once with the environment's error rather than
 * waiting out the init limit and the timeout.
 */
class RuntimeApiTest {
  private static FunctionError exited(RuntimeApi.Invocation invocation) {
    return new FunctionError(FunctionError.Kind.EXITED, invocation.requestId, "Runtime.ExitError",
        "Runtime exited with error: exit status 134", "{}");
  }

  @Test
  void anInvocationWaitingWhenTheEnvironmentEndsFailsBeforeItIsHandedOut() throws Exception {
    try (RuntimeApi api = new RuntimeApi("arn:aws:lambda:us-east-1:123456789012:function:f", Duration.ofSeconds(15))) {
      RuntimeApi.Invocation waiting = api.submit("{}".getBytes(UTF_8));
      api.failAll(RuntimeApiTest::exited);

      assertExited(waiting);
    }
  }

  @Test
  void anInvocationSubmittedAfterTheEnvironmentEndedFailsAtOnce() throws Exception {
    // The JVM died between invocations: it was alive when the invocation began, gone when it was submitted.
    try (RuntimeApi api = new RuntimeApi("arn:aws:lambda:us-east-1:123456789012:function:f", Duration.ofSeconds(15))) {
      api.failAll(RuntimeApiTest::exited);
      RuntimeApi.Invocation late = api.submit("{}".getBytes(UTF_8));

      assertExited(late);
    }
  }

  private static void assertExited(RuntimeApi.Invocation invocation) {
    ExecutionException handout = assertThrows(ExecutionException.class,
        () -> invocation.handedOut.get(1, TimeUnit.SECONDS), "never handed out: fails, not waits");
    assertEquals(FunctionError.Kind.EXITED, assertInstanceOf(FunctionError.class, handout.getCause()).kind());
    ExecutionException result = assertThrows(ExecutionException.class, () -> invocation.result.get(1, TimeUnit.SECONDS));
    assertEquals(FunctionError.Kind.EXITED, assertInstanceOf(FunctionError.class, result.getCause()).kind());
    assertEquals(invocation.requestId, ((FunctionError) result.getCause()).requestId());
  }
}
