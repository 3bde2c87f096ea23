package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What {@code sam build} does for a Maven function (aws-lambda-builders' JavaMavenWorkflow): the
 * {@code CodeUri} folder alone is copied into a scratch folder, built there with
 * {@code mvn clean install} (tests included), its runtime dependencies copied out, and the
 * artifact laid out as the compiled classes plus {@code lib/*.jar}. Nothing outside {@code CodeUri}
 * exists during the build, and {@code python3}, {@code cfn-lint} and {@code moto_server} are stubs
 * that fail and are reported: a build image has Java and Maven only.
 */
public final class SamBuild {
  /**
   * The tag of a test class that runs the artifact: a test plan that holds one starts the build
   * as the plan starts (see {@link EarlyBuild}), while other classes run.
   */
  public static final String RUNS_THE_ARTIFACT = "lambda-runtime";
  /** The executables a function's own tests must not need. */
  static final List<String> ABSENT_TOOLS = List.of("python3", "python", "cfn-lint", "moto_server");
  private static final String SOURCE_HASH = ".source-sha256";
  /** Which test run built the artifact, and how long the build took: "run millis". */
  private static final String BUILT_BY = ".built-by";
  /**
   * The test run this JVM belongs to. Surefire's forks of one Maven invocation share it (the
   * build's start time, passed as a system property), so they share one build; a JVM started
   * any other way is a run of its own.
   */
  private static final String RUN = System.getProperty("payscore.test.run", UUID.randomUUID().toString());
  private static final Map<Path, Artifact> BUILT = new ConcurrentHashMap<>();

  /**
   * The artifact folder and how long the standalone build took ({@link Duration#ZERO} when an
   * earlier run's artifact of the same sources was reused).
   */
  public record Artifact(Path taskRoot, Duration buildTime, boolean reused) {}

  private SamBuild() {}

  /** The artifact of this function's {@code CodeUri}, built once per JVM (again if its sources change). */
  public static Artifact artifact(FunctionConfig function) {
    return build(function.codeUri(), false);
  }

  /**
   * The same, reusing the artifact of an earlier run when the sources are unchanged: for the
   * sandbox, which should start in seconds. Tests use {@link #artifact}.
   */
  public static Artifact reusableArtifact(FunctionConfig function) {
    return build(function.codeUri(), true);
  }

  private static synchronized Artifact build(Path codeUri, boolean reuseEarlierRun) {
    String hash = sourceHash(codeUri);
    Path out = outputRoot().resolve(codeUri.getFileName().toString());
    Artifact built = BUILT.get(codeUri);
    if (built != null && (reuseEarlierRun || !built.reused) && hash.equals(readHash(out))) return built;
    try {
      Files.createDirectories(outputRoot());
      // Test JVMs of one run (surefire's forks) share one build: the first builds, the others wait here for it.
      try (FileChannel channel = FileChannel.open(outputRoot().resolve(".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
        Path failure = outputRoot().resolve(codeUri.getFileName() + ".failed");
        if (Files.exists(failure)) {
          // A build that failed in this run fails every later caller the same way, without building again.
          List<String> failed = Files.readAllLines(failure, UTF_8);
          if (failed.size() > 2 && failed.get(0).equals(RUN) && failed.get(1).equals(hash)) {
            throw new IllegalStateException(String.join("\n", failed.subList(2, failed.size())));
          }
        }
        String[] by = readBuiltBy(out);
        if (hash.equals(readHash(out)) && (reuseEarlierRun || RUN.equals(by[0]))) {
          Artifact existing = RUN.equals(by[0])
              ? new Artifact(out, Duration.ofMillis(Long.parseLong(by[1])), false)
              : new Artifact(out, Duration.ZERO, true);
          BUILT.put(codeUri, existing);
          return existing;
        }
        Artifact fresh;
        try {
          fresh = buildInScratch(codeUri, out, hash);
        } catch (IllegalStateException e) {
          Files.writeString(failure, RUN + "\n" + hash + "\n" + e.getMessage());
          throw e;
        }
        Files.writeString(out.resolve(BUILT_BY), RUN + " " + fresh.buildTime.toMillis());
        BUILT.put(codeUri, fresh);
        System.out.printf("sam build: standalone build of %s (mvn clean install, tests included; "
            + "copy-dependencies) took %.1f s; artifact %s; its own tests: %s%n", codeUri.getFileName(),
            fresh.buildTime.toMillis() / 1000.0, out, testSummary(reports(codeUri)));
        return fresh;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during sam build", e);
    }
  }

  private static Artifact buildInScratch(Path codeUri, Path out, String hash)
      throws IOException, InterruptedException {
    Path scratch = Files.createTempDirectory("sam-build-");
    try {
      Path source = scratch.resolve(codeUri.getFileName().toString());
      copyTree(codeUri, source, true);
      Path stubs = stubs(scratch.resolve("stub-bin"), scratch.resolve("stub-calls.log"));
      long started = System.nanoTime();
      try {
        maven(source, stubs, "clean", "install");
      } finally {
        keepReports(source.resolve("target/surefire-reports"), reports(codeUri));
      }
      maven(source, stubs, "dependency:copy-dependencies", "-DincludeScope=runtime");
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      Path calls = scratch.resolve("stub-calls.log");
      if (Files.exists(calls)) {
        throw new IllegalStateException("the standalone build of " + codeUri.getFileName()
            + " ran tools a sam build image does not have: " + Files.readString(calls).strip());
      }

      deleteTree(out);
      copyTree(source.resolve("target/classes"), out, false);
      Files.createDirectories(out.resolve("lib"));
      Path dependencies = source.resolve("target/dependency");
      if (Files.isDirectory(dependencies)) {
        try (Stream<Path> jars = Files.list(dependencies)) {
          for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
            Files.copy(jar, out.resolve("lib").resolve(jar.getFileName()));
          }
        }
      }
      Files.writeString(out.resolve(SOURCE_HASH), hash);
      return new Artifact(out, took, false);
    } finally {
      deleteTree(scratch);
    }
  }

  private static void maven(Path project, Path stubs, String... goals) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "-q"));
    command.addAll(List.of(goals));
    Path log = Files.createTempFile("sam-build-mvn", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("PATH", stubs + ":" + System.getenv("PATH"));
      builder.environment().put("MAVEN_OPTS", mavenOpts());
      int exit = builder.start().waitFor();
      if (exit != 0) {
        List<String> lines = Files.readAllLines(log, UTF_8);
        throw new IllegalStateException("sam build failed: " + String.join(" ", command) + " exited " + exit + "\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /**
   * sam build runs the {@code mvn} on the PATH. Here it is the Maven running this build when
   * there is one (the wrapper's, passed as {@code payscore.maven.home} to test JVMs and the
   * benchmark; {@code maven.home} in Maven's own JVM, where the sandbox runs), so the machine
   * needs no other Maven; else {@code mvn}.
   */
  private static String mavenExecutable() {
    String home = System.getProperty("payscore.maven.home", System.getProperty("maven.home", ""));
    Path mvn = home.isBlank() ? null : Path.of(home, "bin", "mvn");
    return mvn != null && Files.isExecutable(mvn) ? mvn.toString() : "mvn";
  }

  /**
   * Maven's JVM flags for the copy, which has no {@code .mvn/}: the repository's
   * {@code .mvn/jvm.config} (C1 only, as for every Maven run here) after the caller's
   * {@code MAVEN_OPTS}. Flags change how fast Maven runs, not what it builds.
   */
  private static String mavenOpts() throws IOException {
    Path config = SamTemplate.locate().getParent().resolve(".mvn/jvm.config");
    String flags = Files.exists(config) ? String.join(" ", Files.readAllLines(config, UTF_8)).strip() : "";
    return (System.getenv().getOrDefault("MAVEN_OPTS", "") + " " + flags).strip();
  }

  /** Where the standalone build's test reports are kept: its scratch folder is deleted. */
  static Path reports(Path codeUri) {
    return outputRoot().resolve(codeUri.getFileName() + "-test-reports");
  }

  private static void keepReports(Path from, Path to) throws IOException {
    deleteTree(to);
    if (Files.isDirectory(from)) copyTree(from, to, false);
  }

  /** "N run, F failed, S skipped", summed over the surefire reports in {@code reports}. */
  static String testSummary(Path reports) {
    int[] counts = new int[4];
    String[] names = {"tests", "failures", "errors", "skipped"};
    try (Stream<Path> files = Files.exists(reports) ? Files.list(reports) : Stream.empty()) {
      for (Path report : files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
        String text = Files.readString(report, UTF_8);
        String suite = text.substring(text.indexOf("<testsuite"), text.indexOf('>', text.indexOf("<testsuite")));
        for (int i = 0; i < names.length; i++) {
          Matcher value = Pattern.compile("\\s" + names[i] + "=\"(\\d+)\"").matcher(suite);
          if (value.find()) counts[i] += Integer.parseInt(value.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return counts[0] + " run, " + (counts[1] + counts[2]) + " failed, " + counts[3] + " skipped";
  }

  /** Executables named like the tools a build image lacks, which fail and leave a trace. */
  private static Path stubs(Path bin, Path calls) throws IOException {
    Files.createDirectories(bin);
    for (String tool : ABSENT_TOOLS) {
      Path stub = bin.resolve(tool);
      Files.writeString(stub, "#!/bin/sh\n"
          + "echo \"" + tool + " is not available in a sam build image\" >&2\n"
          + "echo \"" + tool + " $*\" >> '" + calls + "'\n"
          + "exit 127\n");
      Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return bin;
  }

  static Path outputRoot() {
    return SamTemplate.locate().getParent().resolve("local/target/sam-build");
  }

  /** What sam build reads: the folder's files, less build output. */
  private static String sourceHash(Path codeUri) {
    try (Stream<Path> files = Files.walk(codeUri)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files.filter(Files::isRegularFile).filter(p -> !codeUri.relativize(p).startsWith("target"))
          .sorted().toList()) {
        digest.update(codeUri.relativize(file).toString().getBytes(UTF_8));
        digest.update(Files.readAllBytes(file));
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The run that built the artifact and its build time in milliseconds, or two empty strings. */
  private static String[] readBuiltBy(Path out) {
    try {
      Path file = out.resolve(BUILT_BY);
      String[] parts = Files.exists(file) ? Files.readString(file).strip().split(" ") : new String[0];
      return parts.length == 2 ? parts : new String[] {"", "0"};
    } catch (IOException e) {
      return new String[] {"", "0"};
    }
  }

  private static String readHash(Path out) {
    try {
      Path file = out.resolve(SOURCE_HASH);
      return Files.exists(file) ? Files.readString(file) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Copies a folder; a build's output ({@code target/}) is left behind, as {@code mvn clean} would remove it. */
  private static void copyTree(Path from, Path to, boolean skipBuildOutput) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path relative = from.relativize(file);
        if (skipBuildOutput && relative.startsWith("target")) continue;
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(file);
    }
  }
}
