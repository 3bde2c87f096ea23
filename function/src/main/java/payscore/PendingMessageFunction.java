package payscore;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.crac.Resource;
import payscore.aws.AwsAdapters;
import payscore.aws.DynamoDbIdempotencyStore;
import payscore.idempotency.IdempotencyStore;
import payscore.merchant.CachingMerchantSource;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecret;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessageReader;
import payscore.send.InvocationBudget;
import payscore.send.PendingMessageService;
import payscore.trigger.ApiGatewayHandler;
import payscore.trigger.DeadLetterQueue;
import payscore.trigger.SqsHandler;
import payscore.wechatpay.NonceSource;
import payscore.wechatpay.PlatformCertificates;
import payscore.wechatpay.RequestSigner;
import payscore.wechatpay.ResponseVerifier;
import payscore.wechatpay.RsaPriming;
import payscore.wechatpay.SignedTransport;
import payscore.wechatpay.VerificationKeys;
import payscore.wechatpay.WeChatPayClient;
import payscore.wechatpay.WeChatPayPriming;
import payscore.wechatpay.WeChatPayPublicKey;

/**
 * The composition root: the one place that reads the environment, the system clock and the
 * system's randomness. It builds the object graph once per execution environment from its
 * adapters (the idempotency store, the merchant secret, the dead-letter queue: AWS-backed by
 * default, see {@link AwsAdapters}) and hands each handler only the collaborators it uses. Tests
 * build the same graph with their own clock, randomness and adapters.
 */
public final class PendingMessageFunction {
  /** Enough sign-and-verify rounds for C2 to compile RSA before a snapshot; bounded in time without C2. */
  static final int RSA_PRIMING_ROUNDS = 3_000;
  static final Duration RSA_PRIMING_BUDGET = Duration.ofSeconds(10);

  /**
   * What the graph reads and writes outside the JVM.
   *
   * @param store the idempotency records
   * @param secret the merchant secret's current version
   * @param deadLetters built on first use: only the queue function parks messages
   * @param primeStore a read that loads the store's request path and connects (SnapStart); may do nothing
   */
  public record Adapters(IdempotencyStore store, CachingMerchantSource.SecretReader secret,
      Supplier<DeadLetterQueue.Sender> deadLetters, Runnable primeStore) {}

  private static volatile PendingMessageFunction shared;

  private final Clock clock;
  private final ApiGatewayHandler api;
  private final SqsHandler sqs;
  private final ExecutorService workers;
  /** Held here as well as registered: the CRaC context keeps only weak references. */
  private final SnapStartPriming priming;

  private PendingMessageFunction(Configuration configuration, Adapters adapters, FreshRandom random, PrintStream out,
      Clock clock) {
    this.clock = clock;
    HttpClient http = WeChatPayClient.newHttpClient(configuration.connectTimeout());
    NonceSource nonces = NonceSource.secure(random::get);
    CachingMerchantSource merchants = new CachingMerchantSource(adapters.secret(), configuration.secretLifetime(),
        clock, (versionId, secret) -> merchant(configuration, versionId, secret, http, nonces, clock));
    PendingMessageReader reader = new PendingMessageReader();
    PendingMessageService service = new PendingMessageService(adapters.store(), merchants, clock,
        configuration.recordLifetime(), InvocationBudget.STANDARD, random::token);
    OutcomeLog log = new OutcomeLog(out, clock);
    AtomicInteger threads = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "order-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });

    this.api = new ApiGatewayHandler(reader, service, log, clock);
    this.sqs = new SqsHandler(reader, service,
        new DeadLetterQueue(lazily(adapters.deadLetters()), configuration.deadLetterQueueUrl(), log), workers, log,
        clock, InvocationBudget.STANDARD);
    this.priming = new SnapStartPriming(
        List.of(
            new SnapStartPriming.Part("reader", reader::prime),
            new SnapStartPriming.Part("wechatpay", () -> WeChatPayPriming.prime(configuration.endpoints(), clock)),
            // Leaves the JDK's RSA C2-compiled in the snapshot (java25 keeps C2 with SnapStart).
            new SnapStartPriming.Part("rsa", () -> RsaPriming.prime(clock, RSA_PRIMING_ROUNDS, RSA_PRIMING_BUDGET)),
            new SnapStartPriming.Part("api", api::prime),
            new SnapStartPriming.Part("log", log::prime),
            new SnapStartPriming.Part("dynamodb", adapters.primeStore()),
            // Nothing of the merchant may be in the snapshot: it is read again after each restore.
            new SnapStartPriming.Part("forget merchant", merchants::forget)),
        List.of(
            new SnapStartPriming.Part("randomness", random::renew),
            new SnapStartPriming.Part("forget merchant", merchants::forget),
            // Two round trips side by side: the first request after a restore waits for neither.
            new SnapStartPriming.Part("merchant and dynamodb", () -> together(merchants::current,
                adapters.primeStore()))),
        log);
  }

  /** Builds the function from an environment map, with the system clock and randomness. */
  public static PendingMessageFunction create(Map<String, String> env, PrintStream out) {
    return create(env, out, Clock.systemUTC(), SecureRandom::new);
  }

  /**
   * Builds the function from an environment map, on AWS; tests and the local tools pass their own
   * clock and randomness.
   *
   * @param randomness makes a new CSPRNG: once now, and once after each SnapStart restore
   */
  public static PendingMessageFunction create(Map<String, String> env, PrintStream out, Clock clock,
      Supplier<SecureRandom> randomness) {
    Configuration configuration = Configuration.from(env);
    FreshRandom random = new FreshRandom(randomness);
    AwsAdapters aws = new AwsAdapters(env, configuration.region(), clock, () -> random.get().nextDouble());
    DynamoDbIdempotencyStore store = aws.store(configuration.table());
    return new PendingMessageFunction(configuration,
        new Adapters(store, aws.secret(configuration.secretId()), aws::deadLetters, store::prime), random, out, clock);
  }

  /** Builds the function on the given adapters: the environment gives only the configuration. */
  public static PendingMessageFunction create(Configuration configuration, Adapters adapters, PrintStream out,
      Clock clock, Supplier<SecureRandom> randomness) {
    return new PendingMessageFunction(configuration, adapters, new FreshRandom(randomness), out, clock);
  }

  /** The one instance of this execution environment, built on first use from the real environment. */
  static PendingMessageFunction shared() {
    PendingMessageFunction function = shared;
    if (function == null) {
      synchronized (PendingMessageFunction.class) {
        function = shared;
        if (function == null) {
          // Idle connections are dropped before WeChat's side would close them, so a POST is not
          // written onto a dead pooled connection after the environment was frozen. The JDK reads
          // this once, when its HTTP client is first loaded: set before the graph is built.
          if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "30");
          }
          String nativeCrypto = NativeCrypto.install(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"));
          shared = function = create(System.getenv(), System.out);
          if (nativeCrypto != null) new OutcomeLog(System.out, Clock.systemUTC()).problem("crypto_provider", nativeCrypto);
          org.crac.Core.getGlobalContext().register(function.priming);
        }
      }
    }
    return function;
  }

  public ApiGatewayHandler api() {
    return api;
  }

  public SqsHandler sqs() {
    return sqs;
  }

  /** The SnapStart hooks, for tests that play a checkpoint and a restore. */
  public Resource snapStart() {
    return priming;
  }

  /** Orders of SQS batches still being worked on; zero once every handler call has returned its work. */
  public int ordersInFlight() {
    return workers instanceof java.util.concurrent.ThreadPoolExecutor pool ? pool.getActiveCount() : 0;
  }

  Clock clock() {
    return clock;
  }

  private static Merchant merchant(Configuration config, String versionId, MerchantSecret secret, HttpClient http,
      NonceSource nonces, Clock clock) {
    RequestSigner signer = new RequestSigner(secret.mchid(), secret.merchantSerialNo(), secret.merchantPrivateKey(),
        clock, nonces);
    SignedTransport transport = new SignedTransport(http, config.endpoints(), signer, secret.wechatpayPublicKeyId(),
        config.requestTimeout(), clock);
    List<VerificationKeys> keys = new ArrayList<>(2);
    if (secret.publicKeyMode()) {
      keys.add(new WeChatPayPublicKey(secret.wechatpayPublicKeyId(), secret.wechatpayPublicKey()));
    }
    if (secret.platformCertificateMode()) {
      keys.add(new PlatformCertificates(transport, secret.apiV3Key(), config.certificateRefresh(), clock,
          !secret.publicKeyMode()));
    }
    WeChatPayClient client = new WeChatPayClient(transport, new ResponseVerifier(VerificationKeys.firstOf(keys), clock));
    return new Merchant(versionId, secret, client);
  }

  private static <T> Supplier<T> lazily(Supplier<T> build) {
    return new Supplier<>() {
      private volatile T value;

      @Override
      public T get() {
        T built = value;
        if (built == null) {
          synchronized (this) {
            built = value;
            if (built == null) value = built = build.get();
          }
        }
        return built;
      }
    };
  }

  /** Runs both at once; a failure of either is thrown after both have ended. */
  private static void together(Runnable first, Runnable second) {
    java.util.concurrent.CompletableFuture<Void> other = java.util.concurrent.CompletableFuture.runAsync(second,
        task -> {
          Thread thread = new Thread(task, "restore");
          thread.setDaemon(true);
          thread.start();
        });
    try {
      first.run();
    } finally {
      other.join();
    }
  }
}
