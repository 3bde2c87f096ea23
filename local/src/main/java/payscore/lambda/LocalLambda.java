package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One function run as the managed Java runtime runs it: the {@code sam build} artifact in a JVM of
 * its own, started with the runtime's flags and environment and the real runtime interface client,
 * which loads the handler named in template.yaml from {@code LAMBDA_TASK_ROOT} and {@code lib/},
 * against a {@link RuntimeApi} of ours. One invocation at a time, as one execution environment.
 * An invocation past the timeout destroys the environment; the next one starts a new JVM (a cold
 * start), as does the next after a JVM that exited. {@link #command} runs another runtime's process
 * (a Node.js runtime loop, say) against the same Runtime API and environment, and
 * {@link #checkpoint}/{@link #restore} play SnapStart's INIT, snapshot and restore.
 */
public final class LocalLambda implements AutoCloseable {
  static final String RUNTIME_CLIENT_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
  /** How long Lambda lets INIT run before it counts against the invocation. */
  private static final Duration INIT_LIMIT = Duration.ofSeconds(10);
  /** Variables the Lambda service sets itself; a function cannot override them. */
  private static final Set<String> RESERVED = Set.of("_HANDLER", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
      "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
      "LAMBDA_RUNTIME_DIR", "TZ");

  private final FunctionConfig function;
  private final Path taskRoot;
  private final Map<String, String> variables;
  private final JavaInstallation java;
  private final List<Path> runtimeJars;
  /** The process to start instead of the Java runtime client, or null for the Java runtime. */
  private final List<String> command;
  private final StringBuffer logs = new StringBuffer();
  private final Consumer<String> logListener;
  private Environment environment;
  private int coldStarts;

  /** A running JVM and the Runtime API it polls. */
  private record Environment(Process process, RuntimeApi api, Thread logReader) {}

  private LocalLambda(FunctionConfig function, Path taskRoot, Map<String, String> variables,
      Consumer<String> logListener, List<String> command) {
    this.function = function;
    this.taskRoot = taskRoot;
    this.variables = Map.copyOf(variables);
    this.logListener = logListener;
    this.command = command == null ? null : List.copyOf(command);
    this.java = command == null ? JavaInstallation.forRuntime(function.javaMajor()) : null;
    this.runtimeJars = command == null ? runtimeJars() : List.of();
    List<String> missing = function.variables().keySet().stream()
        .filter(name -> !variables.containsKey(name) && !name.equals("JAVA_TOOL_OPTIONS")).sorted().toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(function.name() + ": template.yaml declares " + missing + ", given no value");
    }
  }

  /** The named function of template.yaml, built as {@code sam build} builds it, with these variables. */
  public static LocalLambda start(String functionName, Map<String, String> variables) {
    FunctionConfig function = SamTemplate.read().function(functionName);
    return start(function, SamBuild.artifact(function).taskRoot(), variables, line -> { });
  }

  /**
   * @param variables values for the template's environment variables (and AWS_REGION, credentials,
   *     AWS_ENDPOINT_URL for moto); the runtime's own variables are set here
   * @param logListener gets each line the function's JVM writes, as it comes
   */
  public static LocalLambda start(FunctionConfig function, Path taskRoot, Map<String, String> variables,
      Consumer<String> logListener) {
    return new LocalLambda(function, taskRoot, variables, logListener, null);
  }

  /**
   * Another runtime's process in the same place: {@code command} runs in {@code taskRoot} with the
   * environment Lambda gives a function ({@code AWS_LAMBDA_RUNTIME_API}, {@code _HANDLER} = the
   * function's handler, …), e.g. {@code node invoke.js} for a Node.js runtime loop.
   */
  public static LocalLambda command(FunctionConfig function, Path taskRoot, List<String> command,
      Map<String, String> variables, Consumer<String> logListener) {
    return new LocalLambda(function, taskRoot, variables, logListener, command);
  }

  public FunctionConfig function() {
    return function;
  }

  public JavaInstallation java() {
    return java;
  }

  /**
   * SnapStart's INIT: starts a new environment as {@code snap-start}, so that the runtime client
   * builds the handler, runs the {@code beforeCheckpoint} hooks and waits where Lambda would take
   * the snapshot. Returns when it waits there.
   *
   * @throws FunctionError when INIT or a hook failed
   */
  public synchronized void checkpoint(Duration limit) throws FunctionError {
    if (environment != null) destroy(environment);
    try {
      environment = launch("snap-start");
      coldStarts++;
      environment.api.checkpointed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + function.name(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof FunctionError error) throw error;
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(function.name() + ": no checkpoint within " + limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Lets an environment waiting at its checkpoint go on: the client runs the {@code afterRestore} hooks. */
  public synchronized void restore() {
    if (environment == null) throw new IllegalStateException("no environment at a checkpoint");
    environment.api.restore();
  }

  /** The runtime interface client's version, from its jar's name. */
  public String runtimeClientVersion() {
    return runtimeJars.stream().map(jar -> jar.getFileName().toString())
        .filter(name -> name.startsWith("aws-lambda-java-runtime-interface-client-"))
        .map(name -> name.replace("aws-lambda-java-runtime-interface-client-", "").replace(".jar", ""))
        .findFirst().orElse("?");
  }

  /** The JVM's command line, less the classpath: what a banner shows. */
  public List<String> jvmFlags() {
    List<String> flags = new ArrayList<>(function.jvmFlags());
    flags.addAll(plumbingFlags());
    flags.add("-D" + NATIVE_CLIENT_PROPERTY + "=" + nativeClientLibrary(runtimeJars));
    return flags;
  }

  /**
   * Sends one event and waits for its answer.
   *
   * @return the response the handler wrote (JSON)
   * @throws FunctionError when the handler failed, the invocation timed out or the JVM exited
   */
  public synchronized String invoke(String event) throws FunctionError {
    Environment current = environment();
    RuntimeApi.Invocation invocation = current.api.submit(event.getBytes(UTF_8));
    try {
      Instant deadline;
      try {
        deadline = invocation.handedOut.get(INIT_LIMIT.plus(function.timeout()).toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw timedOut(current, invocation);
      }
      long remaining = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
      try {
        return new String(invocation.result.get(remaining, TimeUnit.MILLISECONDS), UTF_8);
      } catch (TimeoutException e) {
        throw timedOut(current, invocation);
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof FunctionError error) {
        if (error.kind() != FunctionError.Kind.UNHANDLED) destroy(current);
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      destroy(current);
      throw new IllegalStateException("interrupted while invoking " + function.name(), e);
    }
  }

  private FunctionError timedOut(Environment current, RuntimeApi.Invocation invocation) {
    destroy(current);
    String message = String.format("Task timed out after %.2f seconds", function.timeout().toMillis() / 1000.0);
    logLine(Instant.now() + " " + invocation.requestId + " " + message);
    return new FunctionError(FunctionError.Kind.TIMEOUT, invocation.requestId, "Sandbox.Timedout", message,
        "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"" + invocation.requestId + " " + message + "\"}");
  }

  /** How many JVMs were started: 1 after the first invocation, one more after each timeout or exit. */
  public synchronized int coldStarts() {
    return coldStarts;
  }

  /** The process id of the current JVM, or -1 when none is running. */
  public synchronized long pid() {
    return environment != null && environment.process.isAlive() ? environment.process.pid() : -1;
  }

  /** Everything every JVM of this function wrote to stdout and stderr so far. */
  public String logs() {
    return logs.toString();
  }

  private Environment environment() {
    if (environment != null && environment.process.isAlive()) return environment;
    if (environment != null) destroy(environment);
    try {
      environment = launch("on-demand");
      coldStarts++;
      return environment;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + function.name() + " with " + java.java(), e);
    }
  }

  private Environment launch(String initializationType) throws IOException {
    RuntimeApi api = new RuntimeApi("arn:aws:lambda:" + region() + ":123456789012:function:" + function.name(),
        function.timeout());
    List<String> command = new ArrayList<>();
    if (this.command != null) {
      command.addAll(this.command);
    } else {
      command.add(java.java().toString());
      command.addAll(jvmFlags());
      command.add("-classpath");
      command.add(runtimeJars.stream().map(Path::toString).collect(Collectors.joining(":")));
      command.add(RUNTIME_CLIENT_MAIN);
      command.add(function.handler());
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(taskRoot.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(environment(api));
    builder.environment().put("AWS_LAMBDA_INITIALIZATION_TYPE", initializationType);
    Process process = builder.start();
    Thread reader = new Thread(() -> readLogs(process), function.name() + "-logs");
    reader.setDaemon(true);
    reader.start();
    process.onExit().thenRun(() -> api.failAll(invocation -> new FunctionError(FunctionError.Kind.EXITED,
        invocation.requestId, "Runtime.ExitError", "Runtime exited with error: exit status " + process.exitValue(),
        "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: " + invocation.requestId
            + " Error: Runtime exited with error: exit status " + process.exitValue() + "\"}")));
    return new Environment(process, api, reader);
  }

  /** The environment Lambda gives a function: its own variables, then the runtime's. */
  private Map<String, String> environment(RuntimeApi api) {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    env.put("LANG", "en_US.UTF-8");
    env.put("AWS_ACCESS_KEY_ID", "test");
    env.put("AWS_SECRET_ACCESS_KEY", "test");
    env.put("AWS_SESSION_TOKEN", "test");
    variables.forEach((name, value) -> {
      if (!RESERVED.contains(name)) env.put(name, value);
    });
    String javaToolOptions = function.javaToolOptions();
    if (!javaToolOptions.isBlank() && command == null) env.put("JAVA_TOOL_OPTIONS", javaToolOptions);
    env.put("AWS_REGION", region());
    env.put("AWS_DEFAULT_REGION", region());
    env.put("TZ", ":UTC");
    env.put("_HANDLER", function.handler());
    env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime());
    env.put("AWS_LAMBDA_RUNTIME_API", api.address());
    env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
    env.put("LAMBDA_RUNTIME_DIR", runtimeJars.isEmpty() ? taskRoot.toString()
        : runtimeJars.get(0).getParent().toString());
    env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
    env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
    env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
    env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local/[$LATEST]" + Long.toHexString(System.nanoTime()));
    if (function.logFormat().equals("JSON")) {
      env.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
      if (!function.applicationLogLevel().isEmpty()) env.put("AWS_LAMBDA_LOG_LEVEL", function.applicationLogLevel());
    }
    return env;
  }

  private String region() {
    return variables.getOrDefault("AWS_REGION", "us-east-1");
  }

  /**
   * The runtime client's property naming its native library. Without it the client copies the
   * library from its jar to the fixed path /tmp/.libaws-lambda-jni.so and loads it from there. On
   * Lambda every environment has a /tmp of its own; here function JVMs share one, and a JVM that
   * starts while another rewrites that file dies in the loader (SIGBUS in ld-linux, exit 134).
   */
  static final String NATIVE_CLIENT_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

  /**
   * The client's native library for this machine, copied once out of its jar next to the jar and
   * never rewritten: a new copy is written aside and renamed into place, so a JVM loading it never
   * sees a file in the middle of a write.
   */
  static synchronized Path nativeClientLibrary(List<Path> runtimeJars) {
    Path jar = runtimeJars.stream()
        .filter(p -> p.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client-"))
        .findFirst().orElseThrow(() -> new IllegalStateException("no runtime interface client among " + runtimeJars));
    String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch_64" : "x86_64";
    String name = "libaws-lambda-jni.linux-" + arch + ".so";
    String version = jar.getFileName().toString().replace(".jar", "");
    Path library = jar.resolveSibling("jni").resolve(version + "-" + name);
    if (Files.exists(library)) return library;
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry entry = zip.getEntry("jni/" + name);
      if (entry == null) throw new IllegalStateException(jar + " has no jni/" + name);
      Files.createDirectories(library.getParent());
      Path aside = Files.createTempFile(library.getParent(), name, ".part");
      try (var in = zip.getInputStream(entry)) {
        Files.copy(in, aside, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(aside, library, StandardCopyOption.ATOMIC_MOVE);
      return library;
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy the runtime client's native library out of " + jar, e);
    }
  }

  /** What the managed runtime adds for its own client: CRaC hooks routed to it, its stream access. */
  private static List<String> plumbingFlags() {
    return List.of("--add-opens=java.base/java.io=ALL-UNNAMED",
        "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac", "-XX:+ErrorFileToStderr");
  }

  private void readLogs(Process process) {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) logLine(line);
    } catch (IOException closed) {
      // the process was destroyed
    }
  }

  private void logLine(String line) {
    logs.append(line).append('\n');
    logListener.accept(line);
  }

  private void destroy(Environment current) {
    current.process.destroyForcibly();
    try {
      current.process.waitFor(10, TimeUnit.SECONDS);
      current.logReader.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    current.api.close();
    if (environment == current) environment = null;
  }

  /** The runtime client's jars, copied by the build into local/target/lambda-runtime. */
  static List<Path> runtimeJars() {
    Path dir = SamTemplate.locate().getParent().resolve("local/target/lambda-runtime");
    try (Stream<Path> jars = Files.list(dir)) {
      List<Path> found = jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
      if (found.stream().noneMatch(p -> p.getFileName().toString().startsWith("aws-lambda-java-runtime-interface"))) {
        throw new IllegalStateException("no runtime interface client in " + dir);
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException("the runtime interface client's jars are missing from " + dir
          + " (run ./mvnw -pl local -am compile)", e);
    }
  }

  @Override
  public synchronized void close() {
    if (environment != null) destroy(environment);
  }
}
