package payscore.lambda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The JDK that stands in for a Java runtime's: one of the runtime's own major version under
 * /usr/lib/jvm, else the lowest newer one (class files of an older release run on it), else the
 * JVM running this code.
 */
public record JavaInstallation(Path home, int major, String why) {

  public Path java() {
    return home.resolve("bin/java");
  }

  public static JavaInstallation forRuntime(int runtimeMajor) {
    List<JavaInstallation> installed = installed();
    Optional<JavaInstallation> same = installed.stream().filter(j -> j.major == runtimeMajor).findFirst();
    if (same.isPresent()) return same.get();
    Optional<JavaInstallation> newer = installed.stream().filter(j -> j.major > runtimeMajor)
        .min(Comparator.comparingInt(JavaInstallation::major));
    if (newer.isPresent()) {
      JavaInstallation jdk = newer.get();
      return new JavaInstallation(jdk.home, jdk.major, "no JDK " + runtimeMajor + " here; the lowest newer one");
    }
    Path current = Path.of(System.getProperty("java.home"));
    return new JavaInstallation(current, Runtime.version().feature(),
        "no JDK " + runtimeMajor + " or newer here; the JVM running this code");
  }

  private static List<JavaInstallation> installed() {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) return List.of();
    try (Stream<Path> homes = Files.list(jvms)) {
      return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")) && Files.exists(home.resolve("release")))
          .map(JavaInstallation::describe).flatMap(Optional::stream).distinct()
          .sorted(Comparator.comparing(j -> j.home.toString())).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static Optional<JavaInstallation> describe(Path home) {
    try {
      for (String line : Files.readAllLines(home.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          int major = Integer.parseInt(version.split("[.+-]")[0]);
          return Optional.of(new JavaInstallation(home.toRealPath(), major, "the runtime's major version"));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not a JDK we can describe
    }
    return Optional.empty();
  }
}
