package payscore.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import payscore.harness.MotoClients;
import payscore.harness.MotoProcess;
import payscore.harness.TcpForwarder;
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
 * What {@code sam local invoke --env-vars events/env.json} and {@code sam local start-api} need
 * on the host: moto and the WeChat Pay simulator at the ports env.json names, reachable from
 * containers, with the table, secret and DLQ env.json names. The merchant and WeChat Pay keys are
 * kept in {@code .local-sandbox/} (git-ignored), so the simulator and the secret agree across runs.
 */
final class SamLocalBackends implements AutoCloseable {
  static final String MCHID = LocalSandbox.MCHID;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What env.json promises the functions, read from its ApiFunction section. */
  record Plan(int motoPort, int wechatPort, String secretId, String table, String deadLetterQueueName,
      String deadLetterQueueUrl) {

    static Plan read(Path envJson) throws IOException {
      JsonNode api = JSON.readTree(Files.readString(envJson)).path("ApiFunction");
      URI moto = URI.create(api.path("AWS_ENDPOINT_URL").asText());
      URI wechat = URI.create(api.path("WECHATPAY_BASE_URL").asText());
      String dlq = api.path("DEAD_LETTER_QUEUE_URL").asText();
      return new Plan(moto.getPort(), wechat.getPort(), api.path("WECHATPAY_SECRET_ID").asText(),
          api.path("IDEMPOTENCY_TABLE").asText(), dlq.substring(dlq.lastIndexOf('/') + 1), dlq);
    }
  }

  final Plan plan;
  final WeChatPaySimulator wechat;
  final String deadLetterQueueUrl;
  private final TcpForwarder motoPort;
  private final TcpForwarder wechatPort;

  private SamLocalBackends(Plan plan, URI moto, Path state, String bindAddress, int motoPort, int wechatPort)
      throws IOException {
    this.plan = plan;
    KeyPair merchant = keyPair(state.resolve("merchant-private-key.pem"));
    KeyPair wechatpay = keyPair(state.resolve("wechatpay-private-key.pem"));
    this.wechat = WeChatPaySimulator.builder()
        .merchant(MCHID, LocalSandbox.MERCHANT_SERIAL, merchant.getPublic())
        .publicKeyMode(LocalSandbox.PUBLIC_KEY_ID, wechatpay)
        .start();
    this.motoPort = forward(bindAddress, motoPort, moto.getPort());
    this.wechatPort = forward(bindAddress, wechatPort, wechat.baseUrl().getPort());

    ObjectNode secret = JSON.createObjectNode()
        .put("mchid", MCHID)
        .put("merchant_serial_no", LocalSandbox.MERCHANT_SERIAL)
        .put("merchant_private_key", TestKeys.privateKeyPem(merchant.getPrivate()))
        .put("wechatpay_public_key_id", LocalSandbox.PUBLIC_KEY_ID)
        .put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpay.getPublic()));
    try (DynamoDbClient dynamo = MotoClients.dynamo(moto);
         SecretsManagerClient secrets = MotoClients.secrets(moto);
         SqsClient sqs = MotoClients.sqs(moto)) {
      if (!dynamo.listTables().tableNames().contains(plan.table)) {
        dynamo.createTable(r -> r.tableName(plan.table).billingMode(BillingMode.PAY_PER_REQUEST)
            .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
            .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
      }
      if (secrets.listSecrets().secretList().stream().noneMatch(s -> s.name().equals(plan.secretId))) {
        secrets.createSecret(r -> r.name(plan.secretId).secretString(secret.toString()));
      }
      this.deadLetterQueueUrl = sqs.createQueue(r -> r.queueName(plan.deadLetterQueueName)
          .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600"))).queueUrl();
    }
  }

  /** Starts on the given ports (tests pass free ones), with keys from {@code state}. */
  static SamLocalBackends start(Plan plan, URI moto, Path state, String bindAddress, int motoPort, int wechatPort)
      throws IOException {
    return new SamLocalBackends(plan, moto, state, bindAddress, motoPort, wechatPort);
  }

  int motoPort() {
    return motoPort.port();
  }

  int wechatPort() {
    return wechatPort.port();
  }

  /** The {@code --for-sam-local} mode: runs until Ctrl-C; 2 when a port is taken. */
  static int serve(PrintStream out) throws Exception {
    Path root = TemplateModel.locate().getParent();
    Plan plan = Plan.read(root.resolve("events/env.json"));
    SamLocalBackends backends;
    try {
      LocalSandbox.bind(plan.motoPort).close();
      LocalSandbox.bind(plan.wechatPort).close();
      backends = start(plan, MotoProcess.shared().endpoint(), root.resolve(".local-sandbox"), "0.0.0.0",
          plan.motoPort, plan.wechatPort);
    } catch (LocalSandbox.PortInUseException e) {
      System.err.println("sam local backends: " + e.getMessage().replaceAll("; stop.*", "")
          + "; events/env.json names it, so free it (or change both)");
      return 2;
    }
    out.println();
    out.println("Backends for sam local ready (Ctrl-C stops them); events/env.json points here:");
    out.println("  AWS (moto)   0.0.0.0:" + plan.motoPort + "  table " + plan.table + ", secret " + plan.secretId);
    out.println("               DLQ " + plan.deadLetterQueueUrl);
    out.println("  WeChat Pay   0.0.0.0:" + plan.wechatPort + "  (simulator, public-key mode, mchid " + MCHID + ")");
    out.println("  keys kept in " + root.resolve(".local-sandbox"));
    out.println();
    out.println("In another terminal (on Linux add --add-host host.docker.internal:host-gateway):");
    out.println("  sam build");
    out.println("  sam local invoke ApiFunction -e events/http-api-send.json --env-vars events/env.json");
    out.println("  sam local invoke QueueFunction -e events/sqs-batch.json --env-vars events/env.json");
    out.println("  sam local start-api --env-vars events/env.json");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      backends.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }

  /** The key in this PKCS#8 file, made and saved (owner-only) on the first run. */
  private static KeyPair keyPair(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      KeyPair fresh = TestKeys.rsa2048();
      Files.writeString(file, TestKeys.privateKeyPem(fresh.getPrivate()));
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      return fresh;
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(Files.readString(file, UTF_8).replaceAll("-----[A-Z ]+-----", ""));
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      RSAPrivateCrtKey key = (RSAPrivateCrtKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(der));
      return new KeyPair(rsa.generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent())), key);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("unreadable key " + file + " (delete it to make a new one)", e);
    }
  }

  @Override
  public void close() {
    try {
      motoPort.close();
      wechatPort.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    wechat.close();
  }

  private static TcpForwarder forward(String bindAddress, int port, int targetPort) throws IOException {
    try {
      return new TcpForwarder(bindAddress, port, targetPort);
    } catch (java.net.BindException e) {
      throw new LocalSandbox.PortInUseException(port);
    }
  }
}
