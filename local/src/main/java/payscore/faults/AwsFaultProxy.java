package payscore.faults;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP/1.1 reverse proxy on 127.0.0.1 in front of moto that injects AWS faults into the AWS
 * SDK's JSON protocols (DynamoDB, Secrets Manager, SQS): it reads each request whole, finds the
 * first {@link FaultRule} that matches its {@code X-Amz-Target} and body, and either passes it
 * through or applies the rule's {@link Fault}. Everything else is forwarded untouched, with
 * keep-alive on the client side. Thread-safe; one thread per client connection.
 *
 * <pre>{@code
 * try (AwsFaultProxy proxy = AwsFaultProxy.start(MOTO.endpoint())) {
 *   ActiveRule lost = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.dropAnswer())
 *       .whereBodyContains("\"1900000001#ORDER-1\""));
 *   // point AWS_ENDPOINT_URL (or endpointOverride) at proxy.endpoint()
 * }
 * }</pre>
 */
public final class AwsFaultProxy implements AutoCloseable {

  private static final int BACKLOG = 128;
  private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(60);
  /** Headers that describe one connection, not the message; the proxy sets its own. */
  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect",
      "content-length", "host");

  private final URI upstream;
  private final int port;
  /** Null while connections are refused. */
  private volatile ServerSocket listener;
  private final HttpClient http;
  private final ExecutorService connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final List<ActiveRule> rules = new CopyOnWriteArrayList<>();
  private final ConcurrentMap<String, LongAdder> requestsSeen = new ConcurrentHashMap<>();
  private final ConcurrentMap<FaultKind, LongAdder> faultsInjected = new ConcurrentHashMap<>();
  private final LongAdder forwarded = new LongAdder();
  /** System.nanoTime() until which every request is reset; an outage has ended when it lies in the past. */
  private volatile long outageEndsAt = System.nanoTime();
  private volatile boolean closed;

  private AwsFaultProxy(URI upstream, ServerSocket listener) {
    this.upstream = upstream;
    this.port = listener.getLocalPort();
    this.listener = listener;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    this.connections = Executors.newCachedThreadPool(daemonThreads("aws-fault-proxy-"));
  }

  /** Listens on a free loopback port and forwards to {@code upstream} (e.g. {@code http://127.0.0.1:5000}). */
  public static AwsFaultProxy start(URI upstream) throws IOException {
    String base = upstream.toString().endsWith("/")
        ? upstream.toString().substring(0, upstream.toString().length() - 1) : upstream.toString();
    ServerSocket listener = new ServerSocket(0, BACKLOG, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
    AwsFaultProxy proxy = new AwsFaultProxy(URI.create(base), listener);
    proxy.startAccepting(listener);
    return proxy;
  }

  private void startAccepting(ServerSocket socket) {
    Thread acceptor = new Thread(() -> acceptLoop(socket), "aws-fault-proxy-accept-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code http://127.0.0.1:<port>}: the endpoint to give the SDK instead of moto's. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Adds a rule after the existing ones; the first rule that matches a request and has faults left applies. */
  public ActiveRule inject(FaultRule rule) {
    ActiveRule active = new ActiveRule(rule);
    rules.add(active);
    return active;
  }

  public void remove(ActiveRule rule) {
    rules.remove(rule);
  }

  public void clearRules() {
    rules.clear();
  }

  /**
   * From now until {@code window} has passed, every request is reset once read (connections are
   * still accepted, so the SDK sees resets, not refusals), as in a network partition or an outage.
   */
  public void outage(Duration window) {
    outageEndsAt = System.nanoTime() + window.toNanos();
  }

  /**
   * From now until {@code window} has passed, nothing listens on the port: open connections are
   * reset and new ones refused, as when the endpoint is unreachable. Refused connections never
   * reach the proxy, so they are not counted. The same port listens again afterwards.
   */
  public synchronized void refuseConnections(Duration window) throws IOException {
    ServerSocket current = listener;
    if (closed || current == null) {
      return;
    }
    listener = null;
    current.close();
    for (Socket socket : open) {
      resetQuietly(socket);
    }
    Thread reopener = new Thread(() -> {
      try {
        Thread.sleep(window.toMillis());
        listenAgain();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot listen on port " + port + " again", e);
      }
    }, "aws-fault-proxy-reopen-" + port);
    reopener.setDaemon(true);
    reopener.start();
  }

  /** Ends an outage or a refusal window now. */
  public void endOutage() throws IOException {
    outageEndsAt = System.nanoTime();
    listenAgain();
  }

  private synchronized void listenAgain() throws IOException {
    if (closed || listener != null) {
      return;
    }
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new java.net.InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), BACKLOG);
    listener = socket;
    startAccepting(socket);
  }

  /** Requests received per operation ({@code X-Amz-Target}), faulted or not. */
  public Map<String, Long> requestsSeen() {
    Map<String, Long> counts = new TreeMap<>();
    requestsSeen.forEach((operation, count) -> counts.put(operation, count.sum()));
    return counts;
  }

  /** Requests received for an operation, by its full target or only its name ({@code UpdateItem}). */
  public long requestsSeen(String operation) {
    return requestsSeen.entrySet().stream()
        .filter(entry -> entry.getKey().equals(operation) || new AwsOperation(entry.getKey()).name().equals(operation))
        .mapToLong(entry -> entry.getValue().sum())
        .sum();
  }

  /** Faults injected so far, by kind; kinds never injected are absent. */
  public Map<FaultKind, Long> faultsInjected() {
    Map<FaultKind, Long> counts = new EnumMap<>(FaultKind.class);
    faultsInjected.forEach((kind, count) -> counts.put(kind, count.sum()));
    return counts;
  }

  public long faultsInjected(FaultKind kind) {
    LongAdder count = faultsInjected.get(kind);
    return count == null ? 0 : count.sum();
  }

  /** Requests that reached moto (including those whose answer was then lost or delayed). */
  public long forwarded() {
    return forwarded.sum();
  }

  /** One line for reports: requests per operation and faults by kind. */
  public String report() {
    return "requests " + requestsSeen() + ", forwarded " + forwarded() + ", faults " + faultsInjected();
  }

  public void resetCounters() {
    requestsSeen.clear();
    faultsInjected.clear();
    forwarded.reset();
  }

  /** Stops listening and drops every open connection, waiting or not. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ServerSocket current = listener;
      if (current != null) {
        current.close();
      }
    } catch (IOException ignored) {
      // already closed
    }
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    connections.shutdownNow();
  }

  private void acceptLoop(ServerSocket listening) {
    while (!closed && !listening.isClosed()) {
      try {
        Socket socket = listening.accept();
        socket.setTcpNoDelay(true);
        open.add(socket);
        connections.execute(() -> serve(socket));
      } catch (IOException e) {
        if (closed || listening.isClosed()) {
          return;
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      while (!closed) {
        ProxiedRequest request = ProxiedRequest.read(in, out);
        if (request == null) {
          return;
        }
        if (!handle(request, socket, out)) {
          return;
        }
      }
    } catch (IOException e) {
      // The client went away, or the proxy is closing: nothing to answer.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(socket);
      closeQuietly(socket);
    }
  }

  /** Answers one request, or not; false when the connection must not carry another. */
  private boolean handle(ProxiedRequest request, Socket socket, OutputStream out)
      throws IOException, InterruptedException {
    AwsOperation operation = AwsOperation.of(request.header("X-Amz-Target"));
    requestsSeen.computeIfAbsent(operation.target(), key -> new LongAdder()).increment();
    if (System.nanoTime() - outageEndsAt < 0) {
      count(FaultKind.OUTAGE);
      reset(socket);
      return false;
    }
    Fault fault = faultFor(operation, request.bodyText());
    if (fault == null) {
      write(out, forward(request), request.keepAlive());
      return request.keepAlive();
    }
    count(fault.kind());
    if (fault instanceof Fault.Reset) {
      reset(socket);
      return false;
    }
    if (fault instanceof Fault.DropAnswer) {
      forward(request);
      socket.close();
      return false;
    }
    if (fault instanceof Fault.ResetAfterApply) {
      forward(request);
      reset(socket);
      return false;
    }
    if (fault instanceof Fault.DelayAnswer delay) {
      Answer answer = forward(request);
      TimeUnit.NANOSECONDS.sleep(delay.delay().toNanos());
      write(out, answer, request.keepAlive());
      return request.keepAlive();
    }
    String contentType = request.header("Content-Type") == null
        ? "application/x-amz-json-1.0" : request.header("Content-Type");
    AwsErrorAnswer error = AwsErrorAnswer.forFault(fault, operation, contentType);
    write(out, new Answer(error.status(), error.headers(), error.body()), request.keepAlive());
    return request.keepAlive();
  }

  private Fault faultFor(AwsOperation operation, String body) {
    for (ActiveRule rule : rules) {
      if (rule.claim(operation, body)) {
        return rule.rule().fault();
      }
    }
    return null;
  }

  private void count(FaultKind kind) {
    faultsInjected.computeIfAbsent(kind, key -> new LongAdder()).increment();
  }

  /** moto's answer, whole. */
  private record Answer(int status, Map<String, String> headers, byte[] body) {}

  private Answer forward(ProxiedRequest request) throws IOException, InterruptedException {
    byte[] body = request.body();
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(upstream + request.target()))
        .timeout(UPSTREAM_TIMEOUT)
        .method(request.method(), body.length == 0
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (ProxiedRequest.Header header : request.headers()) {
      if (!HOP_BY_HOP.contains(header.name().toLowerCase(Locale.ROOT))) {
        try {
          builder.header(header.name(), header.value());
        } catch (IllegalArgumentException restricted) {
          // A header java.net.http sets itself; moto does not need ours.
        }
      }
    }
    HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    forwarded.increment();
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().map().forEach((name, values) -> {
      if (!name.startsWith(":") && !HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !values.isEmpty()) {
        headers.put(name, String.join(",", values));
      }
    });
    return new Answer(response.statusCode(), headers, response.body());
  }

  private static void write(OutputStream out, Answer answer, boolean keepAlive) throws IOException {
    StringBuilder head = new StringBuilder()
        .append("HTTP/1.1 ").append(answer.status()).append(' ').append(reason(answer.status())).append("\r\n");
    answer.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    boolean bodiless = answer.status() == 204 || answer.status() == 304 || answer.status() < 200;
    if (!bodiless) {
      head.append("Content-Length: ").append(answer.body().length).append("\r\n");
    }
    head.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!bodiless) {
      out.write(answer.body());
    }
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  /** Closes with SO_LINGER 0, so the peer gets a TCP RST instead of an orderly FIN. */
  private static void reset(Socket socket) throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  private static void resetQuietly(Socket socket) {
    try {
      reset(socket);
    } catch (IOException ignored) {
      // already gone
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
