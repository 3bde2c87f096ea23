package payscore.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import payscore.PendingMessageFunction;
import payscore.simulator.PlatformCertificate;
import payscore.simulator.TestKeys;
import payscore.simulator.WeChatPaySimulator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One function wired to moto and a WeChat Pay simulator, with its own table, secret and queues,
 * as a deployed stack would have them. Tests drive it through the real handlers and then look at
 * what reached the simulator, what is in the table and what is in the DLQ.
 */
public final class FunctionHarness implements AutoCloseable {
  public static final String MCHID = "1900000001";
  public static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  /** Configured so that scans of the logs can look for it; the simulator signs in public-key mode. */
  public static final String APIV3_KEY = "Zx8Qw3Lp0Rt6Yu2Io9Pa5Sd7Fg1Hj4Kl";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EVENTS = locateEvents();

  public final WeChatPaySimulator wechat;
  public final DynamoDbClient dynamo;
  public final SecretsManagerClient secrets;
  public final SqsClient queues;
  public final String table;
  public final String secretId;
  public final String queueUrl;
  public final String deadLetterQueueUrl;
  public final Map<String, String> env;
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private final PrintStream logs = new PrintStream(logBytes, true, UTF_8);
  private final KeyPair wechatpayKey;
  private KeyPair merchantKey;
  private final List<KeyPair> merchantKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
  private String merchantSerial;
  private String secretJson;
  private PendingMessageFunction function;
  /** The function's clock: tests advance it instead of waiting for leases. */
  public final SteppedClock clock = new SteppedClock();
  /** How the function verifies WeChat Pay's answers, as the secret configures it. */
  public final Verification verification;

  /** Which keys the merchant secret carries to verify WeChat Pay's answers, and how the simulator signs. */
  public enum Verification {
    /** {@code wechatpay_public_key_id} and {@code wechatpay_public_key} (and an {@code apiv3_key}); the usual. */
    PUBLIC_KEY,
    /**
     * Only {@code apiv3_key}: the function must download the platform certificates from {@code GET
     * /v3/certificates}, and the simulator signs with a platform certificate.
     */
    PLATFORM_CERTIFICATES
  }

  public FunctionHarness(URI moto, Map<String, String> extraEnv) throws IOException {
    this(moto, extraEnv, Verification.PUBLIC_KEY);
  }

  public FunctionHarness(URI moto, Map<String, String> extraEnv, Verification verification) throws IOException {
    this(moto, extraEnv, verification, verification == Verification.PUBLIC_KEY ? List.of() : List.of(
        TestKeys.platformCertificate("6A1B" + UUID.randomUUID().toString().replace("-", "").substring(0, 28).toUpperCase(),
            Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(365)))));
  }

  /**
   * Platform-certificate mode with these certificates: the simulator lists each under its
   * {@code serialNo} label (which a test may make differ from the certificate's own serial) and
   * signs with the one expiring last.
   */
  public FunctionHarness(URI moto, List<PlatformCertificate> platformCertificates) throws IOException {
    this(moto, Map.of(), Verification.PLATFORM_CERTIFICATES, platformCertificates);
  }

  private FunctionHarness(URI moto, Map<String, String> extraEnv, Verification verification,
      List<PlatformCertificate> platformCertificates) throws IOException {
    this.verification = java.util.Objects.requireNonNull(verification, "verification");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    this.merchantKey = TestKeys.rsa2048();
    merchantKeys.add(merchantKey);
    this.merchantSerial = "5F1C72E2A8931B72A2E13AF8DEE92471EB39" + suffix.substring(0, 4).toUpperCase();
    this.wechatpayKey = TestKeys.rsa2048();
    WeChatPaySimulator.Builder simulator = WeChatPaySimulator.builder()
        .merchant(MCHID, merchantSerial, merchantKey.getPublic());
    if (verification == Verification.PUBLIC_KEY) {
      simulator.publicKeyMode(PUBLIC_KEY_ID, wechatpayKey);
    } else {
      simulator.platformCertificateMode(APIV3_KEY, platformCertificates);
    }
    this.wechat = simulator.start();
    this.dynamo = MotoClients.dynamo(moto);
    this.secrets = MotoClients.secrets(moto);
    this.queues = MotoClients.sqs(moto);

    this.table = "pending-messages-" + suffix;
    this.secretId = "payscore/merchant-" + suffix;
    createAwsResources();
    this.deadLetterQueueUrl = queues.createQueue(r -> r.queueName("pending-messages-dlq-" + suffix)).queueUrl();
    this.queueUrl = queues.createQueue(r -> r.queueName("pending-messages-" + suffix)
        .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "90"))).queueUrl();

    Map<String, String> environment = new HashMap<>();
    environment.put("AWS_REGION", "us-east-1");
    environment.put("AWS_ACCESS_KEY_ID", "test");
    environment.put("AWS_SECRET_ACCESS_KEY", "test");
    environment.put("AWS_ENDPOINT_URL", moto.toString());
    environment.put("WECHATPAY_SECRET_ID", secretId);
    environment.put("IDEMPOTENCY_TABLE", table);
    environment.put("WECHATPAY_BASE_URL", wechat.baseUrl().toString());
    environment.put("WECHATPAY_BACKUP_BASE_URL", "");
    environment.put("DEAD_LETTER_QUEUE_URL", deadLetterQueueUrl);
    environment.put("WECHATPAY_REQUEST_TIMEOUT_MS", "3000");
    environment.putAll(extraEnv);
    this.env = Map.copyOf(environment);
  }

  public FunctionHarness(URI moto) throws IOException {
    this(moto, Map.of());
  }

  private void createAwsResources() {
    dynamo.createTable(r -> r.tableName(table)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
        .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
    secretJson = secretJson(merchantKey, merchantSerial);
    secrets.createSecret(r -> r.name(secretId).secretString(secretJson));
  }

  /** Another execution environment of the same function: its own clients, caches and pool, the harness's clock. */
  public PendingMessageFunction newInstance() {
    return PendingMessageFunction.create(env, logs, clock, java.security.SecureRandom::new);
  }

  /**
   * Another execution environment whose environment differs from {@link #env} by {@code envOverrides}
   * (e.g. {@code AWS_ENDPOINT_URL} pointing at a fault proxy in front of moto).
   */
  public PendingMessageFunction newInstance(Map<String, String> envOverrides) {
    Map<String, String> environment = new HashMap<>(env);
    environment.putAll(envOverrides);
    return PendingMessageFunction.create(Map.copyOf(environment), logs, clock, java.security.SecureRandom::new);
  }

  /** The function of this harness, built on first use. */
  public synchronized PendingMessageFunction function() {
    if (function == null) function = newInstance();
    return function;
  }

  public InProcessHandler api() {
    return api(function());
  }

  public InProcessHandler sqs() {
    return sqs(function());
  }

  public InProcessHandler api(PendingMessageFunction instance) {
    return new InProcessHandler(instance.api(), clock);
  }

  public InProcessHandler sqs(PendingMessageFunction instance) {
    return new InProcessHandler(instance.sqs(), clock);
  }

  /** Writes a line into the function's log as if the function had written it. */
  public void plantLogLine(String line) {
    logs.println(line);
  }

  /** Puts a new merchant key version into Secrets Manager; WeChat accepts only the new key from now on. */
  public void rotateMerchantKey() {
    merchantKey = TestKeys.rsa2048();
    merchantKeys.add(merchantKey);
    merchantSerial = "7A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F" + UUID.randomUUID().toString().substring(0, 4).toUpperCase();
    secretJson = secretJson(merchantKey, merchantSerial);
    secrets.putSecretValue(r -> r.secretId(secretId).secretString(secretJson));
    wechat.replaceMerchantKeys(MCHID, merchantSerial, merchantKey.getPublic());
  }

  /**
   * Everything secret the function was given or made: fragments of every merchant private key it
   * held, the APIv3 key, and every request signature that reached WeChat.
   */
  public List<String> secretMaterial() {
    List<String> secrets = new java.util.ArrayList<>(List.of(APIV3_KEY));
    for (KeyPair key : merchantKeys) {
      String base64 = TestKeys.privateKeyPem(key.getPrivate()).replaceAll("-----[A-Z ]+-----", "")
          .replaceAll("\\s", "");
      for (int i = 0; i + 24 <= base64.length(); i += 24) secrets.add(base64.substring(i, i + 24));
    }
    for (var request : wechat.requests()) {
      String authorization = request.header("Authorization");
      if (authorization == null) continue;
      java.util.regex.Matcher signature = java.util.regex.Pattern.compile("signature=\"([^\"]+)\"")
          .matcher(authorization);
      if (signature.find()) secrets.add(signature.group(1).substring(0, 32));
    }
    return secrets;
  }

  /** Fails when anything the function logged holds secret material. */
  public void assertNoSecretsLogged() {
    String logged = logs();
    for (String secret : secretMaterial()) {
      if (logged.contains(secret)) {
        throw new AssertionError("the function logged secret material (" + secret.length() + " characters of it)");
      }
    }
  }

  public String logs() {
    return logBytes.toString(UTF_8);
  }

  public Optional<Map<String, AttributeValue>> record(String outOrderNo) {
    return item(MCHID + "#" + outOrderNo);
  }

  /** The record of a service provider's order for this sub-merchant (key {@code <mchid>#<sub_mchid>#<out_order_no>}). */
  public Optional<Map<String, AttributeValue>> record(String subMchid, String outOrderNo) {
    return item(MCHID + "#" + subMchid + "#" + outOrderNo);
  }

  public String state(String outOrderNo) {
    return record(outOrderNo).map(item -> item.get("state").s()).orElse(null);
  }

  public String state(String subMchid, String outOrderNo) {
    return record(subMchid, outOrderNo).map(item -> item.get("state").s()).orElse(null);
  }

  private Optional<Map<String, AttributeValue>> item(String key) {
    Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
        .key(Map.of("pk", AttributeValue.fromS(key)))).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
  }

  /** Everything now in the DLQ, with its attributes (received, then made visible again). */
  public List<Message> deadLetters() {
    List<Message> messages = new java.util.ArrayList<>();
    while (true) {
      List<Message> batch = queues.receiveMessage(r -> r.queueUrl(deadLetterQueueUrl).maxNumberOfMessages(10)
          .visibilityTimeout(30).messageAttributeNames("All").waitTimeSeconds(0)).messages();
      if (batch.isEmpty()) return messages;
      messages.addAll(batch);
    }
  }

  /** An event from the repository's events/ folder, the same files {@code sam local invoke -e} takes. */
  public static ObjectNode event(String name) {
    try {
      return (ObjectNode) JSON.readTree(Files.readString(EVENTS.resolve(name)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An HTTP API (payload 2.0) POST of {@code body} for this order, shaped like events/http-api-send.json. */
  public static ObjectNode httpPost(String outOrderNo, String body) {
    ObjectNode event = event("http-api-send.json");
    event.put("rawPath", "/service-orders/" + outOrderNo + "/pending-message");
    ((ObjectNode) event.path("requestContext").path("http")).put("path", event.get("rawPath").asText());
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", outOrderNo);
    event.put("body", body);
    return event;
  }

  public static ObjectNode httpGet(String outOrderNo) {
    ObjectNode event = event("http-api-get-status.json");
    event.put("rawPath", "/service-orders/" + outOrderNo + "/pending-message");
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", outOrderNo);
    return event;
  }

  /** An SQS event with one record per body, ids m1, m2, … */
  public static ObjectNode sqsEvent(List<String> bodies) {
    ObjectNode event = event("sqs-batch.json");
    ObjectNode template = (ObjectNode) event.get("Records").get(0);
    var records = event.putArray("Records");
    for (int i = 0; i < bodies.size(); i++) {
      ObjectNode record = template.deepCopy();
      record.put("messageId", "m" + (i + 1));
      record.put("body", bodies.get(i));
      records.add(record);
    }
    return event;
  }

  public static Instant in(Duration timeout) {
    return Instant.now().plus(timeout);
  }

  private String secretJson(KeyPair merchant, String serial) {
    ObjectNode secret = JSON.createObjectNode();
    secret.put("mchid", MCHID);
    secret.put("merchant_serial_no", serial);
    secret.put("merchant_private_key", TestKeys.privateKeyPem(merchant.getPrivate()));
    if (verification == Verification.PUBLIC_KEY) {
      secret.put("wechatpay_public_key_id", PUBLIC_KEY_ID);
      secret.put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpayKey.getPublic()));
    }
    secret.put("apiv3_key", APIV3_KEY);
    return secret.toString();
  }

  private static Path locateEvents() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("events")) && Files.exists(dir.resolve("template.yaml"))) {
        return dir.resolve("events");
      }
    }
    throw new IllegalStateException("events/ folder not found above " + Path.of("").toAbsolutePath());
  }

  /** Stops the simulator and clients, after checking that nothing secret was logged. */
  @Override
  public void close() {
    try {
      assertNoSecretsLogged();
    } finally {
      stopAll();
    }
  }

  private void stopAll() {
    wechat.close();
    dynamo.close();
    secrets.close();
    queues.close();
  }
}
