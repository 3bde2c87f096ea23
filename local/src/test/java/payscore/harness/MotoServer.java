package payscore.harness;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real moto server (the AWS API emulator, through {@code atomic_moto.py}) in its own process on a free loopback port, started
 * once for the whole test run and stopped when the run ends. Register it with
 * {@code @RegisterExtension static final MotoServer MOTO = MotoServer.shared();}. Test classes run
 * side by side on it, each with its own table, secret and queues.
 */
public final class MotoServer implements BeforeAllCallback, AutoCloseable {
  private static final MotoServer SHARED = new MotoServer(true);
  /** moto with DynamoDB's per-request atomicity; see the script's own comment. */
  private static final java.nio.file.Path LAUNCHER = locateLauncher();
  /** Whether requests are applied one at a time (atomic_moto.py), as DynamoDB applies each write atomically. */
  private final boolean atomic;
  private volatile Running running;

  private MotoServer(boolean atomic) {
    this.atomic = atomic;
  }

  private record Running(Process process, URI endpoint) {
    void close() {
      process.destroy();
      try {
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  public static MotoServer shared() {
    return SHARED;
  }

  /**
   * A server of the caller's own, started on first use and stopped by {@link #close()}: for a
   * test that restarts moto, which would wipe the state of the classes running beside it.
   */
  public static MotoServer dedicated() {
    return new MotoServer(true);
  }

  /**
   * moto's own threaded server, which applies requests side by side but does not make a
   * conditional write atomic: only for work whose writes never race on one key, such as the
   * benchmark's batches of distinct orders, where the one-at-a-time lock would serialize what
   * DynamoDB serves concurrently.
   */
  public static MotoServer concurrent() {
    return new MotoServer(false);
  }

  @Override
  public void close() {
    stop();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // Kept in the root store, so JUnit closes it (stops moto) once every test has run.
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(MotoServer.class, key -> {
          start();
          return (ExtensionContext.Store.CloseableResource) this::stop;
        }, ExtensionContext.Store.CloseableResource.class);
  }

  /** Starts the server now if no extension did; for benchmarks and the sandbox. */
  public synchronized URI endpoint() {
    if (running == null) {
      start();
      Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }
    return running.endpoint;
  }

  private synchronized void stop() {
    if (running != null) running.close();
    running = null;
  }

  /** Stops and starts moto on the same port: all AWS state is lost, as in a real outage. */
  public synchronized void restart() throws IOException, InterruptedException {
    Running old = running;
    old.close();
    running = launch(old.endpoint.getPort(), atomic);
  }

  private synchronized Running start() {
    if (running != null) return running;
    try {
      running = launch(freePort(), atomic);
      return running;
    } catch (IOException e) {
      throw new IllegalStateException("could not start moto (python3 atomic_moto.py): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting moto", e);
    }
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

  private static java.nio.file.Path locateLauncher() {
    for (java.nio.file.Path dir = java.nio.file.Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      java.nio.file.Path script = dir.resolve("local/src/test/python/atomic_moto.py");
      if (java.nio.file.Files.exists(script)) return script;
      script = dir.resolve("src/test/python/atomic_moto.py");
      if (java.nio.file.Files.exists(script)) return script;
    }
    throw new IllegalStateException("atomic_moto.py not found above " + java.nio.file.Path.of("").toAbsolutePath());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
