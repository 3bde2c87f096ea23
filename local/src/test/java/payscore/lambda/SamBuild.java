package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
  /** The executables a function's own tests must not need. */
  static final List<String> ABSENT_TOOLS = List.of("python3", "python", "cfn-lint", "moto_server");
  private static final String SOURCE_HASH = ".source-sha256";
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
    if (reuseEarlierRun && hash.equals(readHash(out))) {
      Artifact reused = new Artifact(out, Duration.ZERO, true);
      BUILT.put(codeUri, reused);
      return reused;
    }
    try {
      Artifact fresh = buildInScratch(codeUri, out, hash);
      BUILT.put(codeUri, fresh);
      System.out.printf("sam build: standalone build of %s (mvn clean install, tests included; "
          + "copy-dependencies) took %.1f s; artifact %s%n", codeUri.getFileName(),
          fresh.buildTime.toMillis() / 1000.0, out);
      return fresh;
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
      maven(source, stubs, "clean", "install");
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
    List<String> command = new ArrayList<>(List.of("mvn", "-B", "-q"));
    command.addAll(List.of(goals));
    Path log = Files.createTempFile("sam-build-mvn", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("PATH", stubs + ":" + System.getenv("PATH"));
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
