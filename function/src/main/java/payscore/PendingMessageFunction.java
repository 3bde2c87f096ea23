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
import payscore.idempotency.DynamoDbIdempotencyStore;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecret;
import payscore.merchant.SecretsManagerMerchantSource;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessageReader;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The composition root: the one place that reads the environment, the system clock and the
 * system's randomness. It builds the object graph once per execution environment (AWS clients,
 * the WeChat Pay {@link HttpClient}, the merchant source, the store, the service) and hands each
 * handler only the collaborators it uses. Tests build the same graph with their own clock.
 */
public final class PendingMessageFunction {
  /** Deep enough for a DynamoDB write after WeChat answers, before Lambda stops the invocation. */
  static final Duration FINISH_RESERVE = Duration.ofMillis(1_500);

  /** Enough sign-and-verify rounds for C2 to compile RSA before a snapshot; bounded in time without C2. */
  static final int RSA_PRIMING_ROUNDS = 3_000;
  static final Duration RSA_PRIMING_BUDGET = Duration.ofSeconds(10);
  static final String NATIVE_CRYPTO = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

  private static volatile PendingMessageFunction shared;

  private final Clock clock;
  private final ApiGatewayHandler api;
  private final SqsHandler sqs;
  private final ExecutorService workers;
  /** Held here as well as registered: the CRaC context keeps only weak references. */
  private final SnapStartPriming priming;

  private PendingMessageFunction(Configuration configuration, Map<String, String> env, PrintStream out, Clock clock,
      Supplier<SecureRandom> randomness) {
    this.clock = clock;
    FreshRandom random = new FreshRandom(randomness);
    HttpClient http = WeChatPayClient.newHttpClient(configuration.connectTimeout());
    SdkHttpClient awsHttp = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(2))
        .socketTimeout(Duration.ofSeconds(3))
        .build();
    AwsCredentialsProvider credentials = credentials(env);
    DynamoDbClient dynamo = aws(DynamoDbClient.builder(), env, "DYNAMODB", awsHttp, credentials).build();
    SecretsManagerClient secrets = aws(SecretsManagerClient.builder(), env, "SECRETS_MANAGER", awsHttp, credentials)
        .build();
    // Only the queue function parks messages: the API function never builds this client.
    Supplier<SqsClient> sqsClient = lazily(() -> aws(SqsClient.builder(), env, "SQS", awsHttp, credentials).build());

    NonceSource nonces = NonceSource.secure(random::get);
    SecretsManagerMerchantSource merchants = new SecretsManagerMerchantSource(secrets, configuration.secretId(),
        configuration.secretLifetime(), clock,
        (versionId, secret) -> merchant(configuration, versionId, secret, http, nonces, clock));
    PendingMessageReader reader = new PendingMessageReader();
    DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(dynamo, configuration.table());
    PendingMessageService service = new PendingMessageService(store, merchants, clock,
        configuration.recordLifetime(), FINISH_RESERVE, random::token);
    OutcomeLog log = new OutcomeLog(out, clock);
    AtomicInteger threads = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "order-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });

    this.api = new ApiGatewayHandler(reader, service, log, clock);
    this.sqs = new SqsHandler(reader, service,
        new DeadLetterQueue(sqsClient, configuration.deadLetterQueueUrl(), log), workers, log, clock);
    this.priming = new SnapStartPriming(
        List.of(
            new SnapStartPriming.Part("reader", reader::prime),
            new SnapStartPriming.Part("wechatpay", () -> WeChatPayPriming.prime(configuration.endpoints(), clock)),
            // Leaves the JDK's RSA C2-compiled in the snapshot (java25 keeps C2 with SnapStart).
            new SnapStartPriming.Part("rsa", () -> RsaPriming.prime(clock, RSA_PRIMING_ROUNDS, RSA_PRIMING_BUDGET)),
            new SnapStartPriming.Part("api", api::prime),
            new SnapStartPriming.Part("log", log::prime),
            new SnapStartPriming.Part("dynamodb", store::prime),
            // Nothing of the merchant may be in the snapshot: it is read again after each restore.
            new SnapStartPriming.Part("forget merchant", merchants::forget)),
        List.of(
            new SnapStartPriming.Part("randomness", random::renew),
            new SnapStartPriming.Part("forget merchant", merchants::forget),
            new SnapStartPriming.Part("merchant", merchants::current),
            new SnapStartPriming.Part("dynamodb", store::prime)),
        log);
  }

  /** Builds the function from an environment map, with the system clock and randomness. */
  public static PendingMessageFunction create(Map<String, String> env, PrintStream out) {
    return create(env, out, Clock.systemUTC(), SecureRandom::new);
  }

  /**
   * Builds the function from an environment map; tests and the local tools pass their own.
   *
   * @param randomness makes a new CSPRNG: once now, and once after each SnapStart restore
   */
  public static PendingMessageFunction create(Map<String, String> env, PrintStream out, Clock clock,
      Supplier<SecureRandom> randomness) {
    return new PendingMessageFunction(Configuration.from(env), env, out, clock, randomness);
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
          String nativeCrypto = installNativeCrypto(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"));
          shared = function = create(System.getenv(), System.out);
          if (nativeCrypto != null) new OutcomeLog(System.out, Clock.systemUTC()).problem("crypto_provider", nativeCrypto);
          org.crac.Core.getGlobalContext().register(function.priming);
        }
      }
    }
    return function;
  }

  /**
   * Installs Amazon Corretto Crypto Provider (AWS-LC's native RSA and SHA-2) as the first JCA
   * provider when its jar is on the classpath, before any crypto runs. When its native library
   * cannot load (another OS or CPU), nothing is installed and the JDK's providers stay in use.
   * Not in an on-demand INIT: loading it costs about 300 ms of CPU, which a SnapStart snapshot (or
   * provisioned concurrency) pays once, but which would make every cold start without a snapshot
   * slower than the RSA time it saves on the first requests.
   *
   * @param initializationType Lambda's {@code AWS_LAMBDA_INITIALIZATION_TYPE}
   * @return why the JDK's own providers are used, or null when ACCP is installed, absent or skipped
   */
  static String installNativeCrypto(String initializationType) {
    if ("on-demand".equals(initializationType)) return null;
    Class<?> accp;
    try {
      accp = Class.forName(NATIVE_CRYPTO);
    } catch (ClassNotFoundException | LinkageError absent) {
      return null;
    }
    try {
      Object instance = accp.getField("INSTANCE").get(null);
      Object loadingError = accp.getMethod("getLoadingError").invoke(instance);
      if (loadingError != null) return "ACCP not loaded, JDK crypto in use (" + loadingError.getClass().getSimpleName() + ")";
      accp.getMethod("install").invoke(null);
      accp.getMethod("assertHealthy").invoke(instance);
      return null;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      java.security.Security.removeProvider("AmazonCorrettoCryptoProvider");
      return "ACCP not installed, JDK crypto in use (" + e.getClass().getSimpleName() + ")";
    }
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

  /**
   * The SDK's endpoint variables, applied from the given environment: the same rule the SDK
   * follows for the process environment, so tests and the sandbox can point at moto.
   */
  private static <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B aws(B builder,
      Map<String, String> env, String service, SdkHttpClient http, AwsCredentialsProvider credentials) {
    builder.httpClient(http)
        .region(Region.of(env.get("AWS_REGION")))
        .credentialsProvider(credentials)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofSeconds(5))
            .apiCallAttemptTimeout(Duration.ofSeconds(2))
            .build());
    String endpoint = env.getOrDefault("AWS_ENDPOINT_URL_" + service, env.get("AWS_ENDPOINT_URL"));
    if (endpoint != null && !endpoint.isBlank()) builder.endpointOverride(URI.create(endpoint));
    return builder;
  }

  /** Lambda puts the role's credentials in the environment; reading them there skips the provider chain. */
  private static AwsCredentialsProvider credentials(Map<String, String> env) {
    String id = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (id == null || secret == null) return DefaultCredentialsProvider.builder().build();
    String token = env.get("AWS_SESSION_TOKEN");
    return StaticCredentialsProvider.create(token == null || token.isBlank()
        ? AwsBasicCredentials.create(id, secret)
        : AwsSessionCredentials.create(id, secret, token));
  }
}
