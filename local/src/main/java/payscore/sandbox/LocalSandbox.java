package payscore.sandbox;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import payscore.harness.MotoClients;
import payscore.harness.MotoProcess;
import payscore.harness.SampleRequest;
import payscore.lambda.FunctionConfig;
import payscore.lambda.LocalLambda;
import payscore.lambda.SamBuild;
import payscore.lambda.SamTemplate;
import payscore.simulator.TestKeys;
import payscore.simulator.WeChatPaySimulator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The function on a laptop, no AWS account needed: moto for DynamoDB, Secrets Manager and SQS,
 * the WeChat Pay simulator for WeChat, resources created from template.yaml, and both functions
 * run as Lambda runs them ({@code sam build}'s artifact, the runtime interface client, the
 * template's handler, memory and timeout). The HTTP API is served on 127.0.0.1 and the queue
 * delivered in batches as the SQS event source would.
 *
 * <pre>
 * ./mvnw -q -pl local -am compile exec:java@sandbox                               # serve until Ctrl-C
 * ./mvnw -q -pl local -am compile exec:java@sandbox -Dexec.args=--demo            # run events/ and exit
 * ./mvnw -q -pl local -am compile exec:java@sandbox -Dexec.args="--port 3001"
 * ./mvnw -q -pl local -am compile exec:java@sandbox -Dexec.args=--for-sam-local   # moto and WeChat for sam local
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
  final LocalLambda apiFunction;
  final LocalLambda queueFunction;
  final List<JsonNode> batchResponses = new CopyOnWriteArrayList<>();
  private final SecretsManagerClient secrets;
  private final LocalQueueEventSource events;
  private final PrintStream out;

  private LocalSandbox(URI moto, int port, PrintStream out, String suffix) throws IOException {
    this.out = out;
    // Bound first, so that a busy port fails before anything else starts.
    java.net.ServerSocket probe = bind(port);
    probe.close();
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
    SamTemplate functions = SamTemplate.read();
    this.apiFunction = runtime(functions.function(template.apiFunction()), env);
    this.queueFunction = runtime(functions.function(template.queueFunction()), env);
    this.api = new LocalApi(port, template.routes(), apiFunction);
    this.events = new LocalQueueEventSource(sqs, queueUrl, arn(queueUrl), template.batchSize(), queueFunction, out,
        batchResponses::add);
  }

  private LocalLambda runtime(FunctionConfig function, Map<String, String> env) {
    SamBuild.Artifact artifact = SamBuild.reusableArtifact(function);
    return LocalLambda.start(function, artifact.taskRoot(), env, line -> out.println("  " + function.name() + " log: "
        + line));
  }

  /** Fails with the port's number when another program holds it. */
  static java.net.ServerSocket bind(int port) throws IOException {
    try {
      return new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress());
    } catch (java.net.BindException e) {
      throw new PortInUseException(port);
    }
  }

  /** The sandbox's port is taken; the message says which and what to do. */
  static final class PortInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    PortInUseException(int port) {
      super("port " + port + " on 127.0.0.1 is already in use; stop what holds it or pass another one with "
          + "-Dexec.args=\"--port N\"");
    }
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
    List<String> options = List.of(args);
    int port = 3000;
    for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--port")) port = Integer.parseInt(args[i + 1]);
    if (options.contains("--for-sam-local")) {
      System.exit(SamLocalBackends.serve(System.out));
    }
    LocalSandbox sandbox;
    URI moto;
    try {
      bind(port).close();
      moto = MotoProcess.shared().endpoint();
      sandbox = start(moto, port, System.out);
    } catch (PortInUseException e) {
      System.err.println("Local sandbox: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.contains("--demo")) {
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
    String body = SampleRequest.BODY;
    String queued = body.replace("{\"service_id\"", "{\"out_order_no\":\"LOCAL-SQS-0001\",\"service_id\"");
    out.println();
    out.println("Local sandbox ready (Ctrl-C stops everything it started)");
    out.println("  API          " + apiUrl() + "  routes: " + template.routes().stream()
        .map(r -> r.method() + " " + r.path()).toList());
    out.println("  WeChat Pay   " + wechat.baseUrl() + "  (simulator, public-key mode, mchid " + MCHID + ")");
    out.println("  AWS (moto)   " + moto + "  table " + table);
    out.println("               queue " + queueUrl);
    out.println("               DLQ   " + deadLetterQueueUrl);
    for (LocalLambda function : List.of(apiFunction, queueFunction)) {
      FunctionConfig config = function.function();
      out.println("  " + config.name() + "  " + config.handler());
      out.println("      runtime " + config.runtime() + " via aws-lambda-java-runtime-interface-client "
          + function.runtimeClientVersion() + ", memory " + config.memoryMb() + " MB, timeout "
          + config.timeout().toSeconds() + " s");
      out.println("      java " + function.java().home() + " (" + function.java().major() + ": "
          + function.java().why() + ")");
      out.println("      JVM flags " + String.join(" ", function.jvmFlags())
          + (config.javaToolOptions().isBlank() ? "" : "  JAVA_TOOL_OPTIONS=" + config.javaToolOptions()));
    }
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

  @Override
  public void close() {
    try {
      events.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    api.close();
    apiFunction.close();
    queueFunction.close();
    wechat.close();
    dynamo.close();
    secrets.close();
    sqs.close();
  }
}
