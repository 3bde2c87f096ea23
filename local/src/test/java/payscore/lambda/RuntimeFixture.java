package payscore.lambda;

import java.io.IOException;
import java.net.URI;
import payscore.harness.FunctionHarness;

/**
 * One harness (moto resources, the WeChat Pay simulator) with both functions running under the
 * local Lambda runtime; closing it scans every function JVM's output for secret material first.
 */
final class RuntimeFixture implements AutoCloseable {
  final FunctionHarness harness;
  final LocalLambda api;
  final LocalLambda queue;

  private RuntimeFixture(FunctionHarness harness, LocalLambda api, LocalLambda queue) {
    this.harness = harness;
    this.api = api;
    this.queue = queue;
  }

  static RuntimeFixture start(URI moto) throws IOException {
    FunctionHarness harness = new FunctionHarness(moto);
    LocalLambda api = LocalLambda.start("ApiFunction", harness.env);
    LocalLambda queue = LocalLambda.start("QueueFunction", harness.env);
    return new RuntimeFixture(harness, api, queue);
  }

  @Override
  public void close() {
    try {
      LambdaLogs.assertNoSecrets(harness, api, queue);
    } finally {
      api.close();
      queue.close();
      harness.close();
    }
  }
}
