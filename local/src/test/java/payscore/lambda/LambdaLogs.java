package payscore.lambda;

import payscore.harness.FunctionHarness;

/** Checks on what function JVMs wrote, as {@link FunctionHarness#close()} checks in-process logs. */
public final class LambdaLogs {
  private LambdaLogs() {}

  /** Fails when any of these functions' JVMs logged a fragment of the harness's secret material. */
  public static void assertNoSecrets(FunctionHarness harness, LocalLambda... functions) {
    var secrets = harness.secretMaterial();
    for (LocalLambda function : functions) {
      if (function == null) continue;
      String logged = function.logs();
      for (String secret : secrets) {
        if (logged.contains(secret)) {
          throw new AssertionError(function.function().name() + " logged secret material (" + secret.length()
              + " characters of it)");
        }
      }
    }
  }
}
