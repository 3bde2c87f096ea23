package payscore.lambda;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code AWS::Serverless::Function} as the Lambda service would run it.
 *
 * @param variables the template's environment variable names, with their unresolved values
 * @param snapStart whether published versions are restored from a snapshot
 */
public record FunctionConfig(
    String name,
    String handler,
    String runtime,
    Path codeUri,
    int memoryMb,
    Duration timeout,
    boolean snapStart,
    Map<String, String> variables,
    String logFormat,
    String applicationLogLevel) {

  /** The Java feature release of the runtime: 21 for {@code java21}. */
  public int javaMajor() {
    if (!runtime.matches("java\\d+(\\.al2)?")) throw new IllegalStateException("not a Java runtime: " + runtime);
    return Integer.parseInt(runtime.replaceAll("\\D", ""));
  }

  /**
   * The flags the managed runtime starts the JVM with, before {@code JAVA_TOOL_OPTIONS}: C1 only for
   * a fast start (java25 keeps C2 with SnapStart, where priming pays for it before the snapshot),
   * serial GC, the heap at 85% of the function's memory. {@code -XX:MaxRAM} stands for the execution
   * environment's memory, which is all the JVM sees on Lambda: its heap ergonomics (the initial heap
   * is 1/64 of it) are then Lambda's, not those of the machine the emulator runs on.
   */
  public List<String> jvmFlags() {
    List<String> flags = new ArrayList<>();
    if (!(javaMajor() >= 25 && snapStart)) flags.addAll(List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1"));
    flags.addAll(List.of("-XX:+UseSerialGC", "-Xshare:auto", "-XX:MaxHeapSize=" + (memoryMb * 85 / 100) + "m",
        "-Djava.net.preferIPv4Stack=true", "-XX:MaxRAM=" + memoryMb + "m"));
    return flags;
  }

  /** The function's own {@code JAVA_TOOL_OPTIONS}, which the JVM applies after the runtime's flags. */
  public String javaToolOptions() {
    return variables.getOrDefault("JAVA_TOOL_OPTIONS", "");
  }

  /** The same function with another timeout, for tests of what happens past it. */
  public FunctionConfig withTimeout(Duration timeout) {
    return new FunctionConfig(name, handler, runtime, codeUri, memoryMb, timeout, snapStart, variables, logFormat,
        applicationLogLevel);
  }
}
