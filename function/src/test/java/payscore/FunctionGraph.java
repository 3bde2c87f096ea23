package payscore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import payscore.idempotency.Claim;
import payscore.idempotency.IdempotencyRecord;
import payscore.merchant.CachingMerchantSource.SecretVersion;
import payscore.observe.OutcomeLog.Metric;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessageReader;
import payscore.send.PendingMessageService;
import payscore.wechatpay.Pem;

/**
 * The whole function as {@link PendingMessageFunction#create(Configuration, PendingMessageFunction.Adapters,
 * PrintStream, java.time.Clock, java.util.function.Supplier)} builds it, on fakes behind the real
 * interfaces: the in-memory store behind a switchboard of failures, Secrets Manager's answers, a
 * DLQ that records, WeChat Pay on a loopback port, a clock that stands still until stepped, and
 * seeded randomness. Tests drive the real handlers and read what each fake saw and what the
 * function wrote to its log.
 */
final class FunctionGraph implements AutoCloseable {
  static final String MCHID = "1900000001";
  static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  static final String ROTATED_SERIAL = "7A2D83F3B9A42C83B3F24BE9EFF03582FC4A8226";
  static final String ORDER = "1234323JKHDFE1243252";
  static final String DLQ_URL = "https://sqs.ap-southeast-1.amazonaws.com/123456789012/payscore-pending-messages-dlq";
  static final String OPERATOR_ARN = "arn:aws:sts::123456789012:assumed-role/payscore-operator/li.na";
  static final Instant START = Instant.parse("2025-03-01T08:00:00Z");
  /** What a request has before Lambda stops it, unless a test says otherwise. */
  static final Duration INVOCATION = Duration.ofSeconds(10);
  /** The contract's example, as the function writes it to WeChat: the canonical body. */
  static final String BODY = "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":[{\"name\":"
      + "\"就餐费用\",\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],\"post_discounts\":[{\"name\":"
      + "\"满20减1元\",\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],\"total_amount\":39900,"
      + "\"prepaid_time\":\"20231218\"}";
  /** The same body with its keys in another order and other spacing: the same request. */
  static final String BODY_REORDERED = """
      {"prepaid_time": "20231218", "total_amount": 39900,
       "post_discounts": [{"count": 1, "amount": 100, "description": "不与其他优惠叠加", "name": "满20减1元"}],
       "post_payments": [{"count": 4, "description": "就餐人均100元", "amount": 40000, "name": "就餐费用"}],
       "service_id": "2002000000000558128851361561536"}""";
  /** Another body for the same order. */
  static final String OTHER_BODY = BODY.replace("20231218", "20231219");
  /** A body that breaks a rule: 30 February is no calendar date. */
  static final String INVALID_BODY = BODY.replace("20231218", "20230230");

  static final String MERCHANT_KEY_PEM = resource("/keys/merchant-test-key.pem");
  static final PrivateKey MERCHANT_KEY = Pem.privateKey("merchant_private_key", MERCHANT_KEY_PEM);
  static final PublicKey MERCHANT_PUBLIC_KEY =
      Pem.publicKey("merchant public key", resource("/keys/merchant-test-key.pub.pem"));

  final StepClock clock = new StepClock(START);
  final FaultyIdempotencyStore store = new FaultyIdempotencyStore(clock);
  final FakeSecretReader secrets = new FakeSecretReader();
  final RecordingDeadLetterSender deadLetters = new RecordingDeadLetterSender();
  final LoopbackWeChatPay wechat;
  final PendingMessageFunction function;
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private int deadLetterSendersBuilt;

  private FunctionGraph(Consumer<Map<String, String>> environment) throws IOException {
    wechat = new LoopbackWeChatPay(clock);
    secrets.serve(secret("v1", SERIAL));
    Map<String, String> env = new HashMap<>();
    env.put("WECHATPAY_SECRET_ID", "payscore/merchant");
    env.put("IDEMPOTENCY_TABLE", "payscore-pending-messages");
    env.put("AWS_REGION", "ap-southeast-1");
    env.put("WECHATPAY_BASE_URL", wechat.baseUrl().toString());
    env.put("WECHATPAY_BACKUP_BASE_URL", ""); // no failover: a refused connection stays refused
    env.put("DEAD_LETTER_QUEUE_URL", DLQ_URL);
    environment.accept(env);
    function = PendingMessageFunction.create(Configuration.from(env),
        new PendingMessageFunction.Adapters(store, secrets, () -> {
          deadLetterSendersBuilt++;
          return deadLetters;
        }, () -> { }),
        new PrintStream(output, true, UTF_8), clock, FunctionGraph::seededRandom);
  }

  static FunctionGraph start() throws IOException {
    return new FunctionGraph(env -> { });
  }

  /** With the environment changed first, e.g. a variable removed. */
  static FunctionGraph start(Consumer<Map<String, String>> environment) throws IOException {
    return new FunctionGraph(environment);
  }

  // ---- Acting through the triggers.

  ObjectNode api(JsonNode event) {
    return api(event, INVOCATION);
  }

  /** @param invocation what is left of the Lambda invocation when the event arrives */
  ObjectNode api(JsonNode event, Duration invocation) {
    return function.api().handle(event, clock.instant().plus(invocation));
  }

  ObjectNode sqs(JsonNode event) {
    return sqs(event, INVOCATION);
  }

  ObjectNode sqs(JsonNode event, Duration invocation) {
    return function.sqs().handle(event, clock.instant().plus(invocation));
  }

  // ---- Arranging what happened before.

  /** An earlier request for {@link #ORDER} with {@code body}, answered so by WeChat; then everything is forgotten. */
  void earlierRequest(String body, LoopbackWeChatPay.Answer answer) {
    wechat.answer(answer);
    api(Events.Payload.HTTP_API_2_0.post(ORDER, body));
    clock.advance(Duration.ofMinutes(1));
    forget();
  }

  /** Another instance holds the order with {@link #BODY}, its lease ending in {@code lease}. */
  void heldElsewhere(Duration lease) {
    Instant now = clock.instant();
    Claim claim = store.records().claim(key(), hashOf(BODY), "another-instance", now, now.plus(lease),
        now.plus(Duration.ofDays(90)).getEpochSecond());
    assertTrue(claim instanceof Claim.Granted, "the other instance holds the order");
  }

  /** Forgets what the fakes saw and the function wrote; the records stay. */
  void forget() {
    wechat.forget();
    store.forget();
    deadLetters.forget();
    synchronized (output) {
      output.reset();
    }
  }

  // ---- Observing.

  static String key() {
    return PendingMessageService.key(MCHID, null, ORDER);
  }

  Optional<IdempotencyRecord> record() {
    return store.record(key());
  }

  int deadLetterSendersBuilt() {
    return deadLetterSendersBuilt;
  }

  /** Every line written since the last {@link #forget()}, parsed. */
  List<JsonNode> lines() {
    String text;
    synchronized (output) {
      text = output.toString(UTF_8);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) lines.add(Events.parse(line));
    }
    return lines;
  }

  /** One request's outcome line and the EMF line written with it. */
  record Counted(JsonNode line, JsonNode metric) {
    String metricName() {
      return metric.path("_aws").path("CloudWatchMetrics").path(0).path("Metrics").path(0).path("Name").asText();
    }
  }

  /** Each outcome line with its EMF line; fails if an EMF line stands alone. */
  List<Counted> counted() {
    List<JsonNode> lines = lines();
    List<Counted> counted = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = lines.get(i);
      if (line.has("_aws")) throw new AssertionError("an EMF line without its outcome line: " + line);
      if (!"pending_message".equals(line.path("event").asText())) continue;
      assertTrue(i + 1 < lines.size() && lines.get(i + 1).has("_aws"), "the outcome line is followed by its EMF line");
      counted.add(new Counted(line, lines.get(++i)));
    }
    return counted;
  }

  /** The one request counted since the last {@link #forget()}: exactly one EMF line, of {@code metric}. */
  Counted countedOnce(String trigger, Metric metric) {
    List<Counted> counted = counted();
    assertEquals(1, counted.size(), () -> "one request, one metric: " + lines());
    assertCounts(counted.get(0), trigger, metric);
    return counted.get(0);
  }

  /** The one request counted for an SQS message. */
  Counted countedFor(String messageId, Metric metric) {
    List<Counted> counted = counted().stream()
        .filter(c -> messageId.equals(c.line().path("sqs_message_id").asText(null))).toList();
    assertEquals(1, counted.size(), () -> "message " + messageId + " counts once: " + lines());
    assertCounts(counted.get(0), "sqs", metric);
    return counted.get(0);
  }

  /** Problems logged outside any one order, e.g. a failed park. */
  List<JsonNode> problems() {
    return lines().stream().filter(line -> "ERROR".equals(line.path("level").asText())).toList();
  }

  /** The EMF line counts {@code metric} once, in the contract's namespace, under the trigger's dimension. */
  static void assertCounts(Counted counted, String trigger, Metric metric) {
    JsonNode emf = counted.metric();
    JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").path(0);
    assertEquals("PayScorePendingMessage", directive.path("Namespace").asText(), emf::toString);
    assertEquals(START.toEpochMilli(), emf.path("_aws").path("Timestamp").asLong(), 24 * 3600 * 1000L,
        "timestamped by the function's clock");
    assertEquals("Trigger", directive.path("Dimensions").path(0).path(0).asText(), emf::toString);
    assertEquals(trigger, emf.path("Trigger").asText(), emf::toString);
    assertEquals(trigger, counted.line().path("trigger").asText(), counted.line()::toString);
    assertEquals(metric.name(), counted.metricName(), emf::toString);
    assertEquals(1, emf.path(metric.name()).asInt(), emf::toString);
    for (Metric other : Metric.values()) {
      if (other != metric) assertFalse(emf.has(other.name()), () -> "counted under " + other + " too: " + emf);
    }
  }

  /** API Gateway's answer, read back: status, headers and the JSON body. */
  record HttpAnswer(int status, String contentType, String retryAfter, JsonNode body) {
    static HttpAnswer of(ObjectNode event) {
      JsonNode headers = event.path("headers");
      assertFalse(event.path("isBase64Encoded").asBoolean(true), "the body is plain text");
      assertTrue(event.path("body").isTextual(), () -> "every answer has a JSON body: " + event);
      return new HttpAnswer(event.path("statusCode").asInt(), headers.path("Content-Type").asText(null),
          headers.path("Retry-After").asText(null), Events.parse(event.path("body").asText()));
    }

    String code() {
      return body.path("code").asText(null);
    }

    String message() {
      return body.path("message").asText(null);
    }
  }

  /** The message ids SQS is told to deliver again. */
  static List<String> batchItemFailures(ObjectNode response) {
    List<String> ids = new ArrayList<>();
    JsonNode failures = response.get("batchItemFailures");
    assertNotNull(failures, () -> "an SQSBatchResponse: " + response);
    for (JsonNode failure : failures) ids.add(failure.path("itemIdentifier").asText());
    return ids;
  }

  // ---- The merchant secret.

  /** The contract's secret JSON in public-key mode, with the test merchant key and WeChat Pay's test public key. */
  static SecretVersion secret(String versionId, String serial) {
    ObjectNode secret = Events.JSON.createObjectNode()
        .put("mchid", MCHID)
        .put("merchant_serial_no", serial)
        .put("merchant_private_key", MERCHANT_KEY_PEM)
        .put("wechatpay_public_key_id", LoopbackWeChatPay.PUBLIC_KEY_ID)
        .put("wechatpay_public_key", LoopbackWeChatPay.WECHATPAY_PUBLIC_KEY_PEM);
    return new SecretVersion(versionId, secret.toString());
  }

  /** A secret whose merchant key is PKCS#1, which the function refuses (a configuration fault). */
  static SecretVersion malformedSecret(String versionId) {
    ObjectNode secret = (ObjectNode) Events.parse(secret(versionId, SERIAL).secretString());
    secret.put("merchant_private_key", resource("/keys/pkcs1-test-key.pem"));
    return new SecretVersion(versionId, secret.toString());
  }

  /** No line of any test key's Base64 is in {@code text}: an answer or log line never holds key material. */
  static void assertNoKeyMaterial(String text) {
    for (String pem : List.of(MERCHANT_KEY_PEM, resource("/keys/pkcs1-test-key.pem"))) {
      for (String line : pem.split("\n")) {
        if (line.length() >= 16 && !line.startsWith("-----")) {
          assertFalse(text.contains(line), () -> "key material in: " + text);
        }
      }
    }
  }

  static String hashOf(String httpBody) {
    try {
      return new PendingMessageReader().readHttp(ORDER, httpBody.getBytes(UTF_8)).payloadHash();
    } catch (InvalidRequestException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  public void close() {
    wechat.close();
  }

  /** The same generator on every run: lease tokens and nonces repeat from run to run. */
  private static SecureRandom seededRandom() {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(18L);
      return random;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = FunctionGraph.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing test resource " + name);
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
