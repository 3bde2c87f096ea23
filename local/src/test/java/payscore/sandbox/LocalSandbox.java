package payscore.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import payscore.PendingMessageFunction;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import payscore.simulator.TestKeys;
import payscore.simulator.WeChatPaySimulator;
import payscore.harness.InProcessHandler;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The function on a laptop, no AWS account needed: moto for DynamoDB, Secrets Manager and SQS,
 * the WeChat Pay simulator for WeChat, resources created from template.yaml, the HTTP API served
 * on 127.0.0.1 and the queue delivered in batches as the SQS event source would.
 *
 * <pre>
 * mvn -q -f function/pom.xml test-compile exec:java@sandbox                   # serve until Ctrl-C
 * mvn -q -f function/pom.xml test-compile exec:java@sandbox -Dexec.args=--demo # run events/ and exit
 * </pre>
 */
public final class LocalSandbox implements AutoCloseable {
  static final String MCHID = "1900000001";
  static final String MERCHANT_SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  private static final ObjectMapper JSON = new ObjectMapper();

  final TemplateModel template;
  final WeChatPaySimulator wechat;
  final DynamoDbClient dynamo;
  final SqsClient sqs;
  final String table;
  final String queueUrl;
  final String deadLetterQueueUrl;
  final LocalApi api;
  final InProcessHandler apiHandler;
  final List<JsonNode> batchResponses = new CopyOnWriteArrayList<>();
  private final SecretsManagerClient secrets;
  private final LocalQueueEventSource events;
  private final PrintStream out;

  private LocalSandbox(URI moto, int port, PrintStream out, String suffix) throws IOException {
    this.out = out;
    this.table = "payscore-pending-messages" + suffix;
    this.template = TemplateModel.read(TemplateModel.locate());
    KeyPair merchantKey = TestKeys.rsa2048();
    KeyPair wechatpayKey = TestKeys.rsa2048();
    this.wechat = WeChatPaySimulator.builder()
        .merchant(MCHID, MERCHANT_SERIAL, merchantKey.getPublic())
        .publicKeyMode(PUBLIC_KEY_ID, wechatpayKey)
        .start();
    this.dynamo = MotoClients.dynamo(moto);
    this.secrets = MotoClients.secrets(moto);
    this.sqs = MotoClients.sqs(moto);

    dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
        .keySchema(k -> k.attributeName(template.tableKey()).keyType(KeyType.HASH))
        .attributeDefinitions(a -> a.attributeName(template.tableKey()).attributeType(ScalarAttributeType.S)));
    dynamo.updateTimeToLive(r -> r.tableName(table)
        .timeToLiveSpecification(t -> t.attributeName(template.ttlAttribute()).enabled(true)));
    ObjectNode secret = JSON.createObjectNode()
        .put("mchid", MCHID)
        .put("merchant_serial_no", MERCHANT_SERIAL)
        .put("merchant_private_key", TestKeys.privateKeyPem(merchantKey.getPrivate()))
        .put("wechatpay_public_key_id", PUBLIC_KEY_ID)
        .put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpayKey.getPublic()));
    String secretArn = secrets.createSecret(r -> r.name("payscore/merchant" + suffix).secretString(secret.toString())).arn();
    this.deadLetterQueueUrl = sqs.createQueue(r -> r.queueName("payscore-pending-messages-dlq" + suffix)
        .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"))).queueUrl();
    String deadLetterArn = arn(deadLetterQueueUrl);
    this.queueUrl = sqs.createQueue(r -> r.queueName("payscore-pending-messages" + suffix).attributes(Map.of(
        QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(template.queueVisibilitySeconds()),
        QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + deadLetterArn
            + "\",\"maxReceiveCount\":\"" + template.maxReceiveCount() + "\"}"))).queueUrl();

    Map<String, String> values = Map.of(
        "WECHATPAY_SECRET_ID", secretArn,
        "IDEMPOTENCY_TABLE", table,
        "WECHATPAY_BASE_URL", wechat.baseUrl().toString(),
        "WECHATPAY_BACKUP_BASE_URL", "",
        "DEAD_LETTER_QUEUE_URL", deadLetterQueueUrl,
        "AWS_ENDPOINT_URL", moto.toString());
    Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test",
        "AWS_SECRET_ACCESS_KEY", "test", "AWS_ENDPOINT_URL", moto.toString()));
    for (String name : template.environment()) {
      if (!values.containsKey(name)) throw new IllegalStateException("the sandbox has no local value for " + name);
      env.put(name, values.get(name));
    }
    PendingMessageFunction function = PendingMessageFunction.create(env, prefixed(out, "  function log: "));
    this.apiHandler = new InProcessHandler(function.api(), java.time.Clock.systemUTC());
    this.api = new LocalApi(port, template.routes(), apiHandler, Duration.ofSeconds(template.apiTimeoutSeconds()));
    this.events = new LocalQueueEventSource(sqs, queueUrl, arn(queueUrl), template.batchSize(),
        new InProcessHandler(function.sqs(), java.time.Clock.systemUTC()), Duration.ofSeconds(template.queueTimeoutSeconds()), out, batchResponses::add);
  }

  /** Starts everything; moto on a free port of its own. */
  public static LocalSandbox start(URI moto, int port, PrintStream out) throws IOException {
    return new LocalSandbox(moto, port, out, "");
  }

  /** With names of its own, for several sandboxes on one moto (tests). */
  static LocalSandbox start(URI moto, int port, PrintStream out, String suffix) throws IOException {
    return new LocalSandbox(moto, port, out, suffix);
  }

  public static void main(String[] args) throws Exception {
    boolean demo = List.of(args).contains("--demo");
    int port = 3000;
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--port")) port = Integer.parseInt(args[i + 1]);
    URI moto = MotoServer.shared().endpoint();
    LocalSandbox sandbox = start(moto, port, System.out);
    if (demo) {
      int exit = new Demo(sandbox, System.out).run();
      sandbox.close();
      System.exit(exit);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sandbox.close();
      stopped.countDown();
    }));
    sandbox.printReady(moto);
    stopped.await();
  }

  URI apiUrl() {
    return URI.create("http://127.0.0.1:" + api.port());
  }

  void printReady(URI moto) throws IOException {
    String body = JSON.readTree(Path.of(TemplateModel.locate().getParent().toString(), "events",
        "http-api-send.json").toFile()).get("body").asText();
    String queued = body.replace("{\"service_id\"", "{\"out_order_no\":\"LOCAL-SQS-0001\",\"service_id\"");
    out.println();
    out.println("Local sandbox ready (Ctrl-C stops everything it started)");
    out.println("  API          " + apiUrl() + "  routes: " + template.routes().stream()
        .map(r -> r.method() + " " + r.path()).toList());
    out.println("  WeChat Pay   " + wechat.baseUrl() + "  (simulator, public-key mode, mchid " + MCHID + ")");
    out.println("  AWS (moto)   " + moto + "  table " + table + ", queue " + queueUrl);
    out.println();
    out.println("Send a pending message:");
    out.println("  curl -s -X POST " + apiUrl() + "/service-orders/ORDER-0001/pending-message \\");
    out.println("    -H 'Content-Type: application/json' -d '" + body + "'");
    out.println("Read its record:");
    out.println("  curl -s " + apiUrl() + "/service-orders/ORDER-0001/pending-message");
    out.println("Queue one (delivered to the function in batches):");
    out.println("  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url " + moto
        + " --region us-east-1 sqs send-message --queue-url " + queueUrl + " --message-body '" + queued + "'");
    out.println();
  }

  /** The ARN of a moto queue, from its URL. */
  private String arn(String url) {
    return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes().get(QueueAttributeName.QUEUE_ARN);
  }

  private static PrintStream prefixed(PrintStream out, String prefix) {
    return new PrintStream(new OutputStream() {
      private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        if (b == '\n') {
          out.println(prefix + line.toString(UTF_8));
          line.reset();
        } else {
          line.write(b);
        }
      }
    }, true, UTF_8);
  }

  @Override
  public void close() {
    try {
      events.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    api.close();
    wechat.close();
    dynamo.close();
    secrets.close();
    sqs.close();
  }
}
