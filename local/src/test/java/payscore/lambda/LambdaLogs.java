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

  /**
   * What a failure message should show of a function's logs: the start of a JVM fatal error
   * report when there is one (its first lines name the crash), else the last lines.
   */
  public static String excerpt(String logs) {
    int fatal = logs.indexOf("# A fatal error has been detected");
    if (fatal >= 0) return "its JVM crashed:\n" + logs.substring(fatal, Math.min(logs.length(), fatal + 6_000));
    return "its last log lines:\n" + logs.substring(Math.max(0, logs.length() - 6_000));
  }
}
