package payscore.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.wechat.pay.java.core.RSAPublicKeyConfig;
import com.wechat.pay.java.core.auth.WechatPay2Credential;
import com.wechat.pay.java.core.cipher.RSASigner;
import com.wechat.pay.java.core.exception.ServiceException;
import com.wechat.pay.java.core.http.Constant;
import com.wechat.pay.java.core.http.DefaultHttpClientBuilder;
import com.wechat.pay.java.core.http.HttpHeaders;
import com.wechat.pay.java.core.http.HttpMethod;
import com.wechat.pay.java.core.http.HttpRequest;
import com.wechat.pay.java.core.http.JsonRequestBody;
import com.wechat.pay.java.core.http.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import payscore.simulator.TestKeys;
import payscore.simulator.WeChatPaySimulator;
import payscore.wechatpay.NonceSource;
import payscore.wechatpay.Pem;
import payscore.wechatpay.RequestSigner;
import payscore.wechatpay.ResponseVerifier;
import payscore.wechatpay.SendOutcome;
import payscore.wechatpay.WeChatPayClient;
import payscore.wechatpay.WeChatPayEndpoints;
import payscore.wechatpay.WeChatPayPublicKey;

/**
 * Signing cost and end-to-end throughput of our WeChat Pay client beside the JDK floor and the
 * official SDK (wechatpay-java), in one JVM. Variants are measured in interleaved rounds, so load
 * from other processes on the machine falls on all of them alike; each figure is the median round.
 * Run: {@code ./mvnw -q -pl local -am compile exec:exec@bench -Dbench.all=true}.
 */
public final class WeChatPayBenchmark {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String MCHID = "1900000001";
  private static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  private static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  private static final String APIV3_KEY = "0123456789abcdefghijABCDEFGHIJ01";
  private static final String PATH = WeChatPayClient.pendingMessagePath("1234323JKHDFE1243252");
  private static final String BODY_TEXT = payscore.harness.SampleRequest.BODY;
  private static final byte[] BODY = BODY_TEXT.getBytes(UTF_8);
  private static final Instant FIXED_NOW = Instant.ofEpochSecond(1554208460L);

  private static final int WARMUP_OPS = 2_000;
  private static final Duration WARMUP_CAP = Duration.ofSeconds(3);
  private static final int ROUNDS = 3;
  private static final Duration SIGN_ROUND = Duration.ofSeconds(2);
  private static final Duration HTTP_WARMUP = Duration.ofSeconds(3);
  private static final Duration HTTP_ROUND = Duration.ofMillis(1500);
  private static final int[] THREADS = {1, 8};


  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final AtomicLong ORDERS = new AtomicLong();
  private static volatile int sink;

  private WeChatPayBenchmark() {}

  /** A named operation; its result goes to a sink so that nothing can be optimised away. */
  private record Op(String name, Supplier<?> body) {}

  /** One timed figure per round; the median is the one reported. */
  private record Rounds(String name, double[] values) {
    double median() {
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }

    String spread() {
      return String.format("%.0f–%.0f", Arrays.stream(values).min().orElse(0), Arrays.stream(values).max().orElse(0));
    }
  }

  /** One load run: verified requests per second, and process CPU microseconds per verified request. */
  private record Load(double perSecond, double cpuMicros) {
    static Load median(Load[] rounds) {
      Load[] sorted = rounds.clone();
      Arrays.sort(sorted, Comparator.comparingDouble(Load::perSecond));
      return sorted[sorted.length / 2];
    }
  }

  /** One full sign, send and verify; returns null on success, else what went wrong. */
  @FunctionalInterface
  private interface Call {
    String send(String outOrderNo);
  }

  /** A client under load, with every failure it had (warm-up included), by description. */
  private record Side(String name, Call call, Map<String, LongAdder> failures) {
    Side(String name, Call call) {
      this(name, call, new ConcurrentHashMap<>());
    }

    long failed() {
      return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }
  }

  public static void main(String[] args) throws Exception {
    printJvm();
    PrivateKey merchantKey = Pem.privateKey("merchant key", resource("merchant-test-key.pem"));
    signing(merchantKey);
    throughput(merchantKey);
  }

  private static void printJvm() {
    List<String> arguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
    System.out.printf("JVM: %s %s, %d CPUs, max heap %d MiB%n", System.getProperty("java.vm.name"),
        Runtime.version(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    System.out.println("JIT: " + (arguments.contains("-XX:TieredStopAtLevel=1")
        ? "C1 only (-XX:TieredStopAtLevel=1, Lambda's java17/java21 default)"
        : "tiered C1 + C2 (JVM default)"));
    System.out.println("JVM input arguments: " + arguments);
  }

  // ---- 1. Signing ----------------------------------------------------------------------------

  private static void signing(PrivateKey key) {
    String message = "POST\n" + PATH + "\n" + FIXED_NOW.getEpochSecond() + "\n"
        + NonceSource.secure(() -> RANDOM).next() + "\n" + BODY_TEXT + "\n";
    byte[] messageBytes = message.getBytes(UTF_8);
    RequestSigner ours = new RequestSigner(MCHID, SERIAL, key, Clock.fixed(FIXED_NOW, ZoneOffset.UTC),
        NonceSource.secure(() -> RANDOM));
    RSASigner sdkSigner = new RSASigner(SERIAL, key);
    WechatPay2Credential sdkCredential = new WechatPay2Credential(MCHID, sdkSigner);
    URI uri = URI.create("https://api.mch.weixin.qq.com" + PATH);

    List<Rounds> results = timeInterleaved(List.of(
        new Op("ours: RequestSigner.authorization", () -> ours.authorization("POST", PATH, BODY)),
        new Op("floor: JDK Signature SHA256withRSA", () -> jdkSign(key, messageBytes)),
        new Op("SDK: RSASigner.sign", () -> sdkSigner.sign(message)),
        new Op("SDK: WechatPay2Credential.getAuthorization", () -> sdkCredential.getAuthorization(uri, "POST", BODY_TEXT))));

    System.out.printf("%n1. RSA-2048 request signing, µs per op (warm-up %d ops or %d s, then %d rounds of %d s;"
        + " median round)%n", WARMUP_OPS, WARMUP_CAP.toSeconds(), ROUNDS, SIGN_ROUND.toSeconds());
    System.out.printf("   %-45s %10s %14s%n", "variant", "µs/op", "rounds min–max");
    for (Rounds result : results) {
      System.out.printf("   %-45s %10.1f %14s%n", result.name(), result.median(), result.spread());
    }
    double oursMicros = results.get(0).median();
    double overFloor = oursMicros / results.get(1).median();
    printRatio("ours / floor", overFloor, "target ≤ 1.10: " + (overFloor <= 1.10 ? "met" : "MISSED"));
    printRatio("ours / SDK RSASigner", oursMicros / results.get(2).median(), "");
    printRatio("ours / SDK getAuthorization (like for like)", oursMicros / results.get(3).median(), "");
  }

  private static byte[] jdkSign(PrivateKey key, byte[] message) {
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(message);
      return rsa.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Warms every op up, then times them round-robin: round 1 of each, round 2 of each, … */
  private static List<Rounds> timeInterleaved(List<Op> ops) {
    ops.forEach(op -> warmUp(op.body()));
    double[][] rounds = new double[ops.size()][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
      for (int i = 0; i < ops.size(); i++) rounds[i][round] = microsPerOp(ops.get(i).body(), SIGN_ROUND);
    }
    return IntStream.range(0, ops.size())
        .mapToObj(i -> new Rounds(ops.get(i).name(), rounds[i])).toList();
  }

  private static void warmUp(Supplier<?> op) {
    long giveUp = System.nanoTime() + WARMUP_CAP.toNanos();
    for (int i = 0; i < WARMUP_OPS && System.nanoTime() < giveUp; i++) sink ^= op.get().hashCode();
  }

  private static double microsPerOp(Supplier<?> op, Duration duration) {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long ops = 0;
    long now;
    do {
      sink ^= op.get().hashCode();
      ops++;
      now = System.nanoTime();
    } while (now < end);
    return (now - start) / 1e3 / ops;
  }

  // ---- 2. Full call against the simulator ----------------------------------------------------

  private static void throughput(PrivateKey merchantKey) throws Exception {
    KeyPair wechatpayKey = TestKeys.rsa2048();
    PublicKey merchantPublicKey = Pem.publicKey("merchant public key", resource("merchant-test-key.pub.pem"));
    try (WeChatPaySimulator wechat = WeChatPaySimulator.builder()
        .merchant(MCHID, SERIAL, merchantPublicKey)
        .publicKeyMode(PUBLIC_KEY_ID, wechatpayKey)
        .start()) {
      List<Side> sides = List.of(
          new Side("ours", ourCall(wechat.baseUrl(), merchantKey, wechatpayKey.getPublic())),
          new Side("SDK", sdkCall(wechat.baseUrl(), merchantKey, wechatpayKey.getPublic())));
      int maxThreads = Arrays.stream(THREADS).max().orElseThrow();
      for (Side side : sides) load(wechat, side, maxThreads, HTTP_WARMUP);

      System.out.printf("%n2. send-pendingmessage, sign + send + verify, to the simulator on loopback, HTTP/1.1,"
          + " requests/s%n   (warm-up %d s per side; %d interleaved rounds of %.1f s; median round; only verified"
          + " successes counted)%n", HTTP_WARMUP.toSeconds(), ROUNDS, HTTP_ROUND.toMillis() / 1e3);
      System.out.println("   The simulator runs in this JVM on the same 2 cores and JIT mode: it verifies every request"
          + "\n   and RSA-signs every answer, so its CPU is part of both sides' figures alike. The SDK gets the"
          + "\n   simulator's header names in WeChat's case (JDK HttpServer sends Wechatpay-timestamp).");
      System.out.println("   CPU µs/req is the whole JVM's CPU time (client, simulator, JIT, GC) per verified request.");
      System.out.printf("   %-8s %11s %11s %9s %15s %15s%n", "threads", "ours req/s", "SDK req/s", "ours/SDK",
          "ours CPU µs/req", "SDK CPU µs/req");
      for (int threads : THREADS) {
        long failedBefore = failed(sides);
        Load[] ours = new Load[ROUNDS];
        Load[] sdk = new Load[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
          ours[round] = load(wechat, sides.get(0), threads, HTTP_ROUND);
          sdk[round] = load(wechat, sides.get(1), threads, HTTP_ROUND);
        }
        Load oursMedian = Load.median(ours);
        Load sdkMedian = Load.median(sdk);
        double ratio = oursMedian.perSecond() / sdkMedian.perSecond();
        String verdict = failed(sides) > failedBefore ? "INVALID: calls failed (below)"
            : ratio >= 1.0 ? "target ≥ 1.0: met" : "target ≥ 1.0: MISSED";
        System.out.printf("   %-8d %11.0f %11.0f %9.2f %15.0f %15.0f   %s%n", threads, oursMedian.perSecond(),
            sdkMedian.perSecond(), ratio, oursMedian.cpuMicros(), sdkMedian.cpuMicros(), verdict);
      }
      sides.forEach(WeChatPayBenchmark::printFailures);
    }
  }

  private static Call ourCall(URI base, PrivateKey merchantKey, PublicKey wechatpayPublicKey) {
    Clock clock = Clock.systemUTC();
    HttpClient http = WeChatPayClient.newHttpClient(Duration.ofSeconds(1));
    WeChatPayClient client = new WeChatPayClient(http, new WeChatPayEndpoints(base, null),
        new RequestSigner(MCHID, SERIAL, merchantKey, clock, NonceSource.secure(() -> RANDOM)), PUBLIC_KEY_ID,
        new ResponseVerifier(new WeChatPayPublicKey(PUBLIC_KEY_ID, wechatpayPublicKey), clock),
        Duration.ofSeconds(5), clock);
    return outOrderNo -> {
      SendOutcome outcome = client.sendPendingMessage(outOrderNo, BODY, Instant.now().plusSeconds(10));
      return outcome instanceof SendOutcome.Accepted ? null
          : outcome.getClass().getSimpleName() + " " + outcome.status() + " " + outcome.code() + ": " + outcome.message();
    };
  }

  /** The SDK as its generated services call a 204 API: Accept and Content-Type here, the rest added by execute. */
  private static Call sdkCall(URI base, PrivateKey merchantKey, PublicKey wechatpayPublicKey) {
    RSAPublicKeyConfig config = new RSAPublicKeyConfig.Builder()
        .merchantId(MCHID)
        .privateKey(merchantKey)
        .merchantSerialNumber(SERIAL)
        .publicKey(wechatpayPublicKey)
        .publicKeyId(PUBLIC_KEY_ID)
        .apiV3Key(APIV3_KEY)
        .build();
    com.wechat.pay.java.core.http.HttpClient http = new DefaultHttpClientBuilder()
        .config(config)
        .validator(SdkHeaderNames.withWeChatHeaderNames(config.createValidator()))
        .build();
    return outOrderNo -> {
      HttpHeaders headers = new HttpHeaders();
      headers.addHeader(Constant.ACCEPT, MediaType.APPLICATION_JSON.getValue());
      headers.addHeader(Constant.CONTENT_TYPE, MediaType.APPLICATION_JSON.getValue());
      HttpRequest request = new HttpRequest.Builder()
          .httpMethod(HttpMethod.POST)
          .url(base + WeChatPayClient.pendingMessagePath(outOrderNo))
          .headers(headers)
          .body(new JsonRequestBody.Builder().body(BODY_TEXT).build())
          .build();
      http.execute(request, null); // throws unless a 2xx came and its signature verified
      return null;
    };
  }

  /** Runs {@code threads} callers for {@code duration} on a reset simulator, counting verified successes. */
  private static Load load(WeChatPaySimulator wechat, Side side, int threads, Duration duration)
      throws InterruptedException {
    wechat.reset();
    LongAdder succeeded = new LongAdder();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long cpuStart = PROCESS.getProcessCpuTime();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      pool.execute(() -> {
        while (System.nanoTime() < end) {
          String failure = attempt(side.call(), "BENCH" + ORDERS.incrementAndGet());
          if (failure == null) {
            succeeded.increment();
          } else {
            side.failures().computeIfAbsent(failure, f -> new LongAdder()).increment();
          }
        }
      });
    }
    pool.shutdown();
    if (!pool.awaitTermination(1, TimeUnit.MINUTES)) throw new IllegalStateException(side.name() + " calls hang");
    long ok = succeeded.sum();
    return new Load(ok * 1e9 / (System.nanoTime() - start),
        (PROCESS.getProcessCpuTime() - cpuStart) / 1e3 / Math.max(ok, 1));
  }

  private static String attempt(Call call, String outOrderNo) {
    try {
      return call.send(outOrderNo);
    } catch (ServiceException e) {
      return "ServiceException " + e.getHttpStatusCode() + " " + e.getErrorCode() + ": " + e.getErrorMessage();
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      return e.getClass().getSimpleName() + ": " + message.substring(0, Math.min(message.length(), 160));
    }
  }

  private static long failed(List<Side> sides) {
    return sides.stream().mapToLong(Side::failed).sum();
  }

  private static void printFailures(Side side) {
    System.out.printf("   %s: %d failed calls (warm-up included)%n", side.name(), side.failed());
    side.failures().forEach((failure, count) -> System.out.printf("     %6d × %s%n", count.sum(), failure));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static void printRatio(String name, double ratio, String target) {
    System.out.printf("   %-45s %10.2f   %s%n", name, ratio, target);
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = WeChatPayBenchmark.class.getResourceAsStream("/keys/" + name)) {
      if (in == null) throw new IOException("no test resource /keys/" + name);
      return new String(in.readAllBytes(), UTF_8);
    }
  }
}
