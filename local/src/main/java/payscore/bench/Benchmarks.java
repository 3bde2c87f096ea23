package payscore.bench;

import java.net.URI;
import payscore.fuzz.HttpInputFuzzer;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoProcess;
import payscore.soak.FaultSoak;

/**
 * The README's benchmark command: the function through the local Lambda runtime beside the Node.js
 * peer; with {@code -Dbench.all=true} also the signing benchmark, the full fault soak and the full
 * input fuzz (the test suite runs both small).
 */
public final class Benchmarks {
  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    URI moto = MotoProcess.shared().endpoint();
    RuntimeBenchmark.run(moto);
    // -Dbench.all=true adds the in-JVM signing benchmark against the official SDK, the fault soak and the fuzz.
    if (!Boolean.getBoolean("bench.all")) System.exit(0);
    WeChatPayBenchmark.main(args);

    System.out.println();
    System.out.println("Fault soak: 1,000 orders through SQS batches with faults injected (restarts moto midway)");
    boolean soak = new FaultSoak().run(1_000, 20_240_611L, System.out).checksHold();

    System.out.println();
    System.out.println("Input fuzz: 10,000 generated and mutated requests through the HTTP handler");
    boolean fuzz;
    try (FunctionHarness harness = new FunctionHarness(moto)) {
      fuzz = new HttpInputFuzzer(harness).run(10_000, 20_231_218L, System.out).ok();
    }
    System.out.println();
    System.out.println("Soak checks " + (soak ? "hold" : "FAILED") + "; fuzz checks " + (fuzz ? "hold" : "FAILED"));
    System.exit(soak && fuzz ? 0 : 1);
  }
}
