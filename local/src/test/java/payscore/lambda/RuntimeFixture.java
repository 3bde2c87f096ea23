package payscore.lambda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;

/**
 * One harness (moto resources, the WeChat Pay simulator) with both functions running under the
 * local Lambda runtime, for the test class that extends it; closing it scans every function JVM's
 * output for secret material first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag(SamBuild.RUNS_THE_ARTIFACT)
abstract class RuntimeFixture {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();

  // Each test class has its own: classes run side by side.
  FunctionHarness harness;
  LocalLambda api;
  LocalLambda queue;

  @BeforeAll
  void startFunctions() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    api = LocalLambda.start("ApiFunction", harness.env);
    queue = LocalLambda.start("QueueFunction", harness.env);
  }

  @AfterAll
  void stopFunctions() {
    try {
      if (harness != null) LambdaLogs.assertNoSecrets(harness, api, queue);
    } finally {
      if (api != null) api.close();
      if (queue != null) queue.close();
      if (harness != null) harness.close();
    }
  }
}
