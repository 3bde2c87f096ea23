package payscore.bench;

/** The README's benchmark command: every benchmark in one run, each printing its own figures. */
public final class Benchmarks {
  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    WeChatPayBenchmark.main(args);
    FunctionBenchmark.run(payscore.harness.MotoServer.shared().endpoint());
    System.exit(0);
  }
}
