package payscore;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import payscore.wechatpay.Pem;

/**
 * WeChat Pay on 127.0.0.1, a real {@link HttpServer}: each request is recorded (method, raw path,
 * {@code Authorization}, exact body) and gets the next scripted answer for its path, or for any
 * path. 2xx answers are signed over {@code <timestamp>\n<nonce>\n<body>\n} with WeChat Pay's test
 * key, as the function's verifier expects; error answers carry WeChat's {@code {"code","message"}}.
 */
final class LoopbackWeChatPay implements AutoCloseable {
  static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  /** The platform side's key: it signs the answers; the merchant secret holds its public half. */
  static final PrivateKey WECHATPAY_KEY = Pem.privateKey("wechatpay test key", resource("/keys/wechatpay-test-key.pem"));
  static final String WECHATPAY_PUBLIC_KEY_PEM = resource("/keys/wechatpay-test-key.pub.pem");
  private static final Pattern PAIR = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Map<PrivateKey, Map<String, String>> SIGNATURES = new ConcurrentHashMap<>();

  /** One request as the server read it. */
  record Request(String method, String rawPath, String authorization, String wechatpaySerial, byte[] body) {
    String bodyText() {
      return new String(body, UTF_8);
    }

    /** The pairs of {@code WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…}. */
    Map<String, String> authorizationPairs() {
      Map<String, String> pairs = new LinkedHashMap<>();
      Matcher pair = PAIR.matcher(authorization == null ? "" : authorization);
      while (pair.find()) pairs.put(pair.group(1), pair.group(2));
      return pairs;
    }

    /** Whether the merchant signature covers exactly this method, raw path and body. */
    boolean signedBy(PublicKey merchantKey) {
      Map<String, String> pairs = authorizationPairs();
      if (authorization == null || !authorization.startsWith("WECHATPAY2-SHA256-RSA2048 ")) return false;
      try {
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(merchantKey);
        rsa.update((method + "\n" + rawPath + "\n" + pairs.get("timestamp") + "\n" + pairs.get("nonce_str") + "\n")
            .getBytes(UTF_8));
        rsa.update(body);
        rsa.update((byte) '\n');
        return rsa.verify(Base64.getDecoder().decode(pairs.get("signature")));
      } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
        return false;
      }
    }
  }

  /**
   * One scripted answer: a status and WeChat's error body, or a stall (nothing more until the
   * server closes: no answer at all, or, with a status, the headers but not the body). A 2xx is signed with {@code signer}. {@code before} runs when the request has been
   * read, before anything is answered.
   */
  record Answer(int status, String code, String message, PrivateKey signer, boolean stall, Runnable before) {
    Answer before(Runnable action) {
      return new Answer(status, code, message, signer, stall, action);
    }
  }

  static Answer accepted() {
    return new Answer(204, null, null, WECHATPAY_KEY, false, null);
  }

  /** A 204 signed, but with a key that is not WeChat Pay's: the function must not trust it. */
  static Answer signedBy(PrivateKey another) {
    return new Answer(204, null, null, another, false, null);
  }

  static Answer error(int status, String code, String message) {
    return new Answer(status, code, message, null, false, null);
  }

  /** No answer at all until the server closes. */
  static Answer stall() {
    return new Answer(0, null, null, null, true, null);
  }

  /** A signed 200 whose headers come at once and whose promised body never does. */
  static Answer stallBody() {
    return new Answer(200, null, null, WECHATPAY_KEY, true, null);
  }

  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Queue<Answer> anyPath = new ConcurrentLinkedQueue<>();
  private final Map<String, Queue<Answer>> byPath = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<String> requestIds = new CopyOnWriteArrayList<>();
  private final Map<String, CountDownLatch> arrivals = new ConcurrentHashMap<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean stopped;

  /** @param clock the function's clock: answers are signed with its time, as WeChat's is close to it */
  LoopbackWeChatPay(Clock clock) throws IOException {
    this.clock = clock;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.setExecutor(threads);
    server.start();
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers for any path, in order of arrival. */
  void answer(Answer... answers) {
    anyPath.addAll(List.of(answers));
  }

  /** Answers for one raw path, before any-path answers; for batches whose orders arrive in any order. */
  void answer(String rawPath, Answer... answers) {
    byPath.computeIfAbsent(rawPath, path -> new ConcurrentLinkedQueue<>()).addAll(List.of(answers));
  }

  List<Request> requests() {
    return requests;
  }

  /** The {@code Request-ID} of each answer given, in order. */
  List<String> requestIds() {
    return requestIds;
  }

  /** Waits until a request for {@code rawPath} has been read; false if none came in time. */
  boolean awaitRequest(String rawPath, long millis) throws InterruptedException {
    return arrival(rawPath).await(millis, TimeUnit.MILLISECONDS);
  }

  /** Stops listening: from now on a connection to {@link #baseUrl()} is refused. */
  void refuseConnections() {
    stopped = true;
    server.stop(0);
  }

  void forget() {
    requests.clear();
    requestIds.clear();
  }

  private CountDownLatch arrival(String rawPath) {
    return arrivals.computeIfAbsent(rawPath, path -> new CountDownLatch(1));
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String rawPath = exchange.getRequestURI().getRawPath();
      requests.add(new Request(exchange.getRequestMethod(), rawPath,
          exchange.getRequestHeaders().getFirst("Authorization"),
          exchange.getRequestHeaders().getFirst("Wechatpay-Serial"), body));
      arrival(rawPath).countDown();
      Queue<Answer> own = byPath.get(rawPath);
      Answer answer = own == null || own.isEmpty() ? anyPath.poll() : own.poll();
      // A request the test did not script: its count of requests fails it.
      if (answer == null) answer = error(500, "UNSCRIPTED", "no answer scripted");
      if (answer.before() != null) answer.before().run();
      if (answer.stall() && answer.status() == 0) {
        closing.await(30, TimeUnit.SECONDS);
        return;
      }
      String requestId = "08F78BB5AF0610D302184E0B" + String.format("%02d", answered.incrementAndGet());
      exchange.getResponseHeaders().add("Request-ID", requestId);
      requestIds.add(requestId);
      if (answer.stall()) {
        sign(exchange, answer.signer());
        exchange.sendResponseHeaders(answer.status(), 100);
        exchange.getResponseBody().flush();
        closing.await(30, TimeUnit.SECONDS);
      } else if (answer.status() / 100 == 2) {
        sign(exchange, answer.signer());
        exchange.sendResponseHeaders(answer.status(), -1);
      } else {
        byte[] error = ("{\"code\":\"" + answer.code() + "\",\"message\":\"" + answer.message() + "\"}")
            .getBytes(UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), error.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(error);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Signs an empty body as WeChat Pay signs its answers. */
  private void sign(HttpExchange exchange, PrivateKey key) {
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    String nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    exchange.getResponseHeaders().add("Wechatpay-Timestamp", timestamp);
    exchange.getResponseHeaders().add("Wechatpay-Nonce", nonce);
    exchange.getResponseHeaders().add("Wechatpay-Signature", signature(key, timestamp + "\n" + nonce + "\n\n"));
    exchange.getResponseHeaders().add("Wechatpay-Serial", PUBLIC_KEY_ID);
  }

  /**
   * The clock stands still, so most answers sign the same message: each signature is made once per
   * test JVM (an RSA signature costs milliseconds where the JIT stops at C1).
   */
  private static String signature(PrivateKey key, String message) {
    return SIGNATURES.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).computeIfAbsent(message, m -> {
      try {
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(message.getBytes(UTF_8));
        return Base64.getEncoder().encodeToString(rsa.sign());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Override
  public void close() {
    closing.countDown();
    if (!stopped) server.stop(0);
    threads.shutdownNow();
  }

  private static String resource(String name) {
    try (java.io.InputStream in = LoopbackWeChatPay.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing test resource " + name);
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
