package payscore.harness;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real moto server (the AWS API emulator, through {@code atomic_moto.py}) in its own process on
 * a free loopback port. The tools share {@link #shared()}, started on first use and stopped when
 * the JVM exits; the test suite shares the same one through its JUnit extension
 * ({@code payscore.harness.MotoServer}), which stops it when the run ends.
 */
public final class MotoProcess implements AutoCloseable {
  private static final MotoProcess SHARED = new MotoProcess(true);
  /** moto with DynamoDB's per-request atomicity; see the script's own comment. */
  private static final Path LAUNCHER = locateLauncher();
  /** Whether requests are applied one at a time (atomic_moto.py), as DynamoDB applies each write atomically. */
  private final boolean atomic;
  private volatile Running running;

  private record Running(Process process, URI endpoint) {
    void close() {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private MotoProcess(boolean atomic) {
    this.atomic = atomic;
  }

  public static MotoProcess shared() {
    return SHARED;
  }

  /**
   * A server of the caller's own, started on first use and stopped by {@link #close()}: for a
   * run that restarts moto, which would wipe the state of everything else sharing it.
   */
  public static MotoProcess dedicated() {
    return new MotoProcess(true);
  }

  /**
   * moto's own threaded server, which applies requests side by side but does not make a
   * conditional write atomic: only for work whose writes never race on one key, such as the
   * benchmark's batches of distinct orders, where the one-at-a-time lock would serialize what
   * DynamoDB serves concurrently.
   */
  public static MotoProcess concurrent() {
    return new MotoProcess(false);
  }

  @Override
  public void close() {
    stop();
  }

  /** Starts the server now if nothing did, to be stopped when the JVM exits. */
  public synchronized URI endpoint() {
    if (running == null) {
      start();
      Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }
    return running.endpoint;
  }

  /** Starts the server unless it runs; whoever calls this stops it ({@link #stop()}). */
  public synchronized void start() {
    if (running != null) return;
    try {
      running = launch(freePort(), atomic);
    } catch (IOException e) {
      throw new IllegalStateException("could not start moto (python3 atomic_moto.py): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting moto", e);
    }
  }

  public synchronized void stop() {
    if (running != null) running.close();
    running = null;
  }

  /** Stops and starts moto on the same port: all AWS state is lost, as in a real outage. */
  public synchronized void restart() throws IOException, InterruptedException {
    Running old = running;
    old.close();
    running = launch(old.endpoint.getPort(), atomic);
  }

  private static Running launch(int port, boolean atomic) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(atomic
        ? java.util.List.of("python3", LAUNCHER.toString(), Integer.toString(port))
        : java.util.List.of("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", Integer.toString(port)))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    HttpClient http = HttpClient.newHttpClient();
    long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < giveUp) {
      if (!process.isAlive()) throw new IOException("moto exited with code " + process.exitValue());
      try {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) return new Running(process, endpoint);
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new IOException("moto did not become ready on port " + port);
  }

  private static Path locateLauncher() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("local/src/main/python/atomic_moto.py");
      if (Files.exists(script)) return script;
      script = dir.resolve("src/main/python/atomic_moto.py");
      if (Files.exists(script)) return script;
    }
    throw new IllegalStateException("atomic_moto.py not found above " + Path.of("").toAbsolutePath());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
