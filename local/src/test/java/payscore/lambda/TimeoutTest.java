package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;

/**
 * The function's timeout is enforced as Lambda enforces it. The function itself answers before its
 * deadline, so the JVM is made to hang the way a stalled process does: it is stopped (SIGSTOP)
 * while it waits for its next event.
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class TimeoutTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static FunctionHarness harness;
  private static LocalLambda api;

  @BeforeAll
  static void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    FunctionConfig function = SamTemplate.read().function("ApiFunction").withTimeout(Duration.ofSeconds(2));
    api = LocalLambda.start(function, SamBuild.artifact(function).taskRoot(), harness.env, line -> { });
  }

  @AfterAll
  static void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api);
    } finally {
      if (api != null) api.close();
      if (harness != null) harness.close();
    }
  }

  private int status(String order) throws Exception {
    return JSON.readTree(api.invoke(FunctionHarness.httpGet(order).toString())).path("statusCode").asInt();
  }

  @Test
  void anInvocationPastTheTimeoutIsAnsweredAsTimedOutAndTheNextStartsAFreshJvm() throws Exception {
    assertEquals(404, status("TIMEOUT-1"));
    long first = api.pid();
    int coldStarts = api.coldStarts();
    assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(first)).start().waitFor());

    FunctionError timedOut = assertThrows(FunctionError.class, () -> status("TIMEOUT-2"));

    assertEquals(FunctionError.Kind.TIMEOUT, timedOut.kind());
    assertEquals("Sandbox.Timedout", timedOut.errorType());
    assertTrue(timedOut.payload().contains("Task timed out after 2.00 seconds"), timedOut.payload());
    assertFalse(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false), "the timed-out JVM is gone");
    assertTrue(api.logs().contains("Task timed out after 2.00 seconds"));

    assertEquals(404, status("TIMEOUT-3"));
    assertEquals(coldStarts + 1, api.coldStarts());
    assertNotEquals(first, api.pid());
  }

  @Test
  void aJvmThatExitsIsReplacedByTheNextInvocation() throws Exception {
    assertEquals(404, status("EXIT-1"));
    long before = api.pid();
    int coldStarts = api.coldStarts();
    ProcessHandle.of(before).ifPresent(ProcessHandle::destroyForcibly);
    ProcessHandle.of(before).ifPresent(p -> p.onExit().join());

    assertEquals(404, status("EXIT-2"));
    assertEquals(coldStarts + 1, api.coldStarts());
    assertNotEquals(before, api.pid());
  }
}
