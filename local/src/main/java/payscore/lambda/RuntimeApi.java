package payscore.lambda;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Runtime API of one execution environment, on 127.0.0.1: the runtime interface client
 * long-polls {@code GET /2018-06-01/runtime/invocation/next} for an event, then posts the
 * response or an error for that request id; {@code POST /2018-06-01/runtime/init/error} reports a
 * function that could not be initialised. With SnapStart ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start})
 * the client runs the {@code beforeCheckpoint} hooks after INIT and then blocks on
 * {@code GET /2018-06-01/runtime/restore/next}, where Lambda takes the snapshot; it returns once
 * {@link #restore()} is called, and the client runs the {@code afterRestore} hooks.
 */
final class RuntimeApi implements AutoCloseable {
  private static final String PREFIX = "/2018-06-01/runtime/";
  private static final Pattern RESULT = Pattern.compile(PREFIX + "invocation/([^/]+)/(response|error)");

  /** An event waiting for, or handed to, the runtime client; {@code handedOut} holds its deadline. */
  static final class Invocation {
    final String requestId = UUID.randomUUID().toString();
    final byte[] event;
    final CompletableFuture<Instant> handedOut = new CompletableFuture<>();
    final CompletableFuture<byte[]> result = new CompletableFuture<>();

    Invocation(byte[] event) {
      this.event = event;
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final String functionArn;
  private final Duration timeout;
  private final BlockingQueue<Invocation> waiting = new LinkedBlockingQueue<>();
  private final Map<String, Invocation> open = new ConcurrentHashMap<>();
  private volatile boolean closed;
  /** Set once the environment has ended: every invocation, even one submitted later, fails with it. */
  private volatile java.util.function.Function<Invocation, FunctionError> ended;
  /** Completed when the client asks for {@code restore/next}: its checkpoint hooks have run. */
  final CompletableFuture<Void> checkpointed = new CompletableFuture<>();
  private final CompletableFuture<Void> restored = new CompletableFuture<>();

  RuntimeApi(String functionArn, Duration timeout) throws IOException {
    this.functionArn = functionArn;
    this.timeout = timeout;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    this.executor = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "lambda-runtime-api");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext(PREFIX, this::serve);
    server.start();
  }

  /** {@code host:port}, as {@code AWS_LAMBDA_RUNTIME_API} gives it. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  Invocation submit(byte[] event) {
    Invocation invocation = new Invocation(event);
    open.put(invocation.requestId, invocation);
    waiting.add(invocation);
    // The environment may have ended after the caller found it alive: fail rather than wait.
    if (ended != null) fail(invocation, ended);
    return invocation;
  }

  /** Lets the client waiting in {@code restore/next} go on, as after a SnapStart restore. */
  void restore() {
    restored.complete(null);
  }

  /**
   * Ends every invocation not yet answered with this error (the environment is gone), and every
   * invocation submitted after; one not yet handed out fails there too, so nobody waits out the
   * init limit and the timeout for a client that will never ask.
   */
  void failAll(java.util.function.Function<Invocation, FunctionError> error) {
    ended = error;
    for (Invocation invocation : open.values()) fail(invocation, error);
  }

  private void fail(Invocation invocation, java.util.function.Function<Invocation, FunctionError> error) {
    FunctionError failure = error.apply(invocation);
    invocation.handedOut.completeExceptionally(failure);
    invocation.result.completeExceptionally(failure);
    open.remove(invocation.requestId);
    waiting.remove(invocation);
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (method.equals("GET") && path.equals(PREFIX + "invocation/next")) {
        next(exchange);
        return;
      }
      if (method.equals("GET") && path.equals(PREFIX + "restore/next")) {
        checkpointed.complete(null);
        while (!closed && !restored.isDone()) {
          try {
            restored.get(200, TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // polled again until restored or closed
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (restored.isDone()) reply(exchange, 200, "");
        return;
      }
      if (method.equals("POST") && path.equals(PREFIX + "restore/error")) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
        checkpointed.completeExceptionally(error(FunctionError.Kind.INIT, "restore", type, body));
        failAll(invocation -> error(FunctionError.Kind.INIT, invocation.requestId, type, body));
        reply(exchange, 202, "{\"status\":\"OK\"}");
        return;
      }
      Matcher result = RESULT.matcher(path);
      if (method.equals("POST") && result.matches()) {
        Invocation invocation = open.remove(result.group(1));
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (invocation == null) {
          reply(exchange, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
          return;
        }
        if (result.group(2).equals("response")) {
          invocation.result.complete(body);
        } else {
          invocation.result.completeExceptionally(error(FunctionError.Kind.UNHANDLED, invocation.requestId,
              exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"), body));
        }
        reply(exchange, 202, "{\"status\":\"OK\"}");
        return;
      }
      if (method.equals("POST") && path.equals(PREFIX + "init/error")) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
        failAll(invocation -> error(FunctionError.Kind.INIT, invocation.requestId, type, body));
        reply(exchange, 202, "{\"status\":\"OK\"}");
        return;
      }
      reply(exchange, 404, "{\"errorMessage\":\"not a Runtime API path\",\"errorType\":\"NotFound\"}");
    }
  }

  /** Blocks until an event is submitted, as Lambda freezes the environment between invocations. */
  private void next(HttpExchange exchange) throws IOException {
    Invocation invocation = null;
    try {
      while (!closed && invocation == null) invocation = waiting.poll(200, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (invocation == null) return;
    Instant deadline = Instant.now().plus(timeout);
    var headers = exchange.getResponseHeaders();
    headers.add("Content-Type", "application/json");
    headers.add("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
    headers.add("Lambda-Runtime-Deadline-Ms", Long.toString(deadline.toEpochMilli()));
    headers.add("Lambda-Runtime-Invoked-Function-Arn", functionArn);
    headers.add("Lambda-Runtime-Trace-Id", traceId());
    exchange.sendResponseHeaders(200, invocation.event.length);
    exchange.getResponseBody().write(invocation.event);
    invocation.handedOut.complete(deadline);
  }

  private static String traceId() {
    String hex = UUID.randomUUID().toString().replace("-", "");
    return "Root=1-" + Long.toHexString(Instant.now().getEpochSecond()) + "-" + hex.substring(0, 24)
        + ";Parent=" + hex.substring(16, 32) + ";Sampled=0";
  }

  static FunctionError error(FunctionError.Kind kind, String requestId, String type, byte[] body) {
    String text = new String(body, UTF_8);
    String message = text;
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
      if (json != null && json.has("errorMessage")) message = json.get("errorMessage").asText();
      if (json != null && json.has("errorType")) type = json.get("errorType").asText();
    } catch (IOException notJson) {
      // the message stays the raw body
    }
    return new FunctionError(kind, requestId, type == null ? "Unknown" : type, message, text);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }
}
