package payscore;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import payscore.idempotency.DynamoDbIdempotencyStore;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecret;
import payscore.merchant.SecretsManagerMerchantSource;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessageReader;
import payscore.send.PendingMessageService;
import payscore.wechatpay.NonceSource;
import payscore.wechatpay.PlatformCertificates;
import payscore.wechatpay.RequestSigner;
import payscore.wechatpay.ResponseVerifier;
import payscore.wechatpay.SignedTransport;
import payscore.wechatpay.VerificationKeys;
import payscore.wechatpay.WeChatPayClient;
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
 * The composition root: reads the environment and builds every long-lived object once per
 * execution environment (AWS clients, the WeChat Pay {@link HttpClient}, the clock, the worker
 * pool). Nothing else reads the environment or constructs a client.
 */
public final class PendingMessageFunction {
  /** Deep enough for a DynamoDB write after WeChat answers, before Lambda stops the invocation. */
  static final Duration FINISH_RESERVE = Duration.ofMillis(1_500);

  private static volatile PendingMessageFunction shared;

  public final Configuration configuration;
  public final PendingMessageReader reader;
  public final PendingMessageService service;
  public final SecretsManagerMerchantSource merchants;
  public final OutcomeLog log;
  private final Supplier<SqsClient> sqs;
  public final DynamoDbClient dynamo;
  public final ExecutorService workers;
  public final Clock clock;
  public final FreshRandom random = new FreshRandom();
  /** Held here as well as registered: the CRaC context keeps only weak references. */
  public final SnapStartPriming priming;

  private PendingMessageFunction(Configuration configuration, Map<String, String> env, PrintStream out) {
    this.configuration = configuration;
    this.clock = Clock.systemUTC();
    // Idle connections are dropped before WeChat's side would close them, so a POST is not
    // written onto a dead pooled connection after the execution environment was frozen.
    if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
      System.setProperty("jdk.httpclient.keepalive.timeout", "30");
    }
    HttpClient http = WeChatPayClient.newHttpClient(configuration.connectTimeout());
    SdkHttpClient awsHttp = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(2))
        .socketTimeout(Duration.ofSeconds(3))
        .build();
    AwsCredentialsProvider credentials = credentials(env);
    this.dynamo = aws(DynamoDbClient.builder(), env, "DYNAMODB", awsHttp, credentials).build();
    SecretsManagerClient secrets = aws(SecretsManagerClient.builder(), env, "SECRETS_MANAGER", awsHttp, credentials)
        .build();
    // Only the queue function parks messages: the API function never builds this client.
    this.sqs = lazily(() -> aws(SqsClient.builder(), env, "SQS", awsHttp, credentials).build());

    NonceSource nonces = NonceSource.secure(random::get);
    this.merchants = new SecretsManagerMerchantSource(secrets, configuration.secretId(),
        configuration.secretLifetime(), clock, (versionId, secret) -> merchant(versionId, secret, http, nonces));
    this.reader = new PendingMessageReader();
    this.service = new PendingMessageService(new DynamoDbIdempotencyStore(dynamo, configuration.table()), merchants,
        clock, configuration.recordLifetime(), FINISH_RESERVE, random::token);
    this.log = new OutcomeLog(out, clock);
    this.priming = new SnapStartPriming(this);
    AtomicInteger threads = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "order-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** The SQS client, built on first use. */
  public SqsClient sqs() {
    return sqs.get();
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

  /** Builds the function from an environment map; tests and the local sandbox pass their own. */
  public static PendingMessageFunction create(Map<String, String> env, PrintStream out) {
    return new PendingMessageFunction(Configuration.from(env), env, out);
  }

  /** The one instance of this execution environment, built on first use from the real environment. */
  public static PendingMessageFunction shared() {
    PendingMessageFunction function = shared;
    if (function == null) {
      synchronized (PendingMessageFunction.class) {
        function = shared;
        if (function == null) {
          shared = function = create(System.getenv(), System.out);
          org.crac.Core.getGlobalContext().register(function.priming);
        }
      }
    }
    return function;
  }

  private Merchant merchant(String versionId, MerchantSecret secret, HttpClient http, NonceSource nonces) {
    Configuration config = configuration;
    RequestSigner signer = new RequestSigner(secret.mchid(), secret.merchantSerialNo(), secret.merchantPrivateKey(),
        clock, nonces);
    SignedTransport transport = new SignedTransport(http, config.endpoints(), signer, secret.wechatpayPublicKeyId(),
        config.requestTimeout(), clock);
    List<VerificationKeys> keys = new ArrayList<>(2);
    if (secret.publicKeyMode()) {
      keys.add(new WeChatPayPublicKey(secret.wechatpayPublicKeyId(), secret.wechatpayPublicKey()));
    }
    if (secret.platformCertificateMode()) {
      keys.add(new PlatformCertificates(transport, secret.apiV3Key(), config.certificateRefresh(), clock));
    }
    WeChatPayClient client = new WeChatPayClient(transport, new ResponseVerifier(VerificationKeys.firstOf(keys), clock));
    return new Merchant(versionId, secret, client);
  }

  /**
   * The SDK's endpoint variables, applied from the given environment: the same rule the SDK
   * follows for the process environment, so tests and the sandbox can point at moto.
   */
  private static <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B aws(B builder, Map<String, String> env, String service,
      SdkHttpClient http, AwsCredentialsProvider credentials) {
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
