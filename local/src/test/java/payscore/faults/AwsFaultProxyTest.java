package payscore.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The fault proxy, observed through the real AWS SDK v2 (URL-connection client) against a real moto. */
class AwsFaultProxyTest {

  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();

  private static final String TABLE = "aws-fault-proxy-test";
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
  private static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

  private static DynamoDbClient moto;
  private AwsFaultProxy proxy;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeAll
  static void createTable() {
    moto = MotoClients.dynamo(MOTO.endpoint());
    try {
      moto.createTable(table -> table.tableName(TABLE)
          .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
          .attributeDefinitions(
              AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
          .billingMode(BillingMode.PAY_PER_REQUEST));
    } catch (ResourceInUseException alreadyThere) {
      // moto lives for the whole test run
    }
  }

  @BeforeEach
  void startProxy() throws IOException {
    proxy = AwsFaultProxy.start(MOTO.endpoint());
  }

  @AfterEach
  void closeProxy() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    proxy.close();
  }

  // --- pass-through ---

  @Test
  void requestsWithoutAMatchingRuleReachMotoAndAreCountedPerOperation() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();

    dynamo.putItem(put(key, "IN_PROGRESS"));
    Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(TABLE).key(keyOf(key))).item();

    assertEquals("IN_PROGRESS", item.get("state").s());
    assertEquals(Map.of("DynamoDB_20120810.GetItem", 1L, "DynamoDB_20120810.PutItem", 1L), proxy.requestsSeen());
    assertEquals(1, proxy.requestsSeen("PutItem"));
    assertEquals(2, proxy.forwarded());
    assertTrue(proxy.faultsInjected().isEmpty());
  }

  @Test
  void oneConnectionCarriesManyRequests() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", proxy.endpoint().getPort())) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 3; i++) {
        writeListTables(socket.getOutputStream(), false);
        assertEquals("HTTP/1.1 200 OK", readAnswer(socket.getInputStream()));
      }
    }
    assertEquals(3, proxy.requestsSeen("ListTables"));
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyIsSent() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", proxy.endpoint().getPort())) {
      socket.setSoTimeout(10_000);
      byte[] body = "{}".getBytes(UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
          + "Content-Type: application/x-amz-json-1.0\r\nExpect: 100-continue\r\nContent-Length: " + body.length
          + "\r\n\r\n").getBytes(UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();

      assertEquals("HTTP/1.1 100 Continue", readLine(in));
      assertEquals("", readLine(in));
      out.write(body);
      out.flush();
      assertEquals("HTTP/1.1 200 OK", readAnswer(in));
    }
  }

  // --- faults after moto applied the request ---

  static Stream<Arguments> lostAnswers() {
    return Stream.of(
        Arguments.of(Fault.dropAnswer(), FaultKind.DROPPED_AFTER_APPLY),
        Arguments.of(Fault.resetAfterApply(), FaultKind.RESET_AFTER_APPLY));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("lostAnswers")
  void lostAnswerOfAnAppliedConditionalWriteMakesTheSdkRetryMeetItsOwnWrite(Fault fault, FaultKind kind) {
    DynamoDbClient dynamo = dynamoThroughProxy(3);
    String key = newKey();
    ActiveRule rule = proxy.inject(FaultRule.next(1, "PutItem", fault).whereBodyContains("\"" + key + "\""));

    assertThrows(ConditionalCheckFailedException.class, () -> dynamo.putItem(claim(key)));

    assertEquals("IN_PROGRESS", itemInMoto(key).get("state").s());
    assertEquals(1, rule.fired());
    assertTrue(rule.exhausted());
    assertEquals(2, proxy.requestsSeen("PutItem"));
    assertEquals(Map.of(kind, 1L), proxy.faultsInjected());
  }

  @Test
  void answerDelayedPastTheAttemptTimeoutIsAppliedAndTheRetryMeetsIt() {
    DynamoDbClient dynamo = dynamoThroughProxy(3);
    String key = newKey();
    proxy.inject(FaultRule.next(1, "PutItem", Fault.delayAnswer(ATTEMPT_TIMEOUT.plusSeconds(2)))
        .whereBodyContains(key));

    assertThrows(ConditionalCheckFailedException.class, () -> dynamo.putItem(claim(key)));

    assertEquals("IN_PROGRESS", itemInMoto(key).get("state").s());
    assertEquals(1, proxy.faultsInjected(FaultKind.DELAYED));
    assertEquals(2, proxy.forwarded());
  }

  @Test
  void answerDelayedPastTheAttemptTimeoutWithoutRetriesIsAnAttemptTimeout() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();
    proxy.inject(FaultRule.next(1, "PutItem", Fault.delayAnswer(ATTEMPT_TIMEOUT.plusSeconds(2))));

    assertThrows(ApiCallAttemptTimeoutException.class, () -> dynamo.putItem(claim(key)));

    assertEquals("IN_PROGRESS", itemInMoto(key).get("state").s());
  }

  @Test
  void shortDelayAnswersLateButWhole() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();
    proxy.inject(FaultRule.next(1, "PutItem", Fault.delayAnswer(Duration.ofMillis(300))));
    long started = System.nanoTime();

    dynamo.putItem(claim(key));

    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= 300);
    assertEquals(1, proxy.requestsSeen("PutItem"));
  }

  // --- faults answered by the proxy, never forwarded ---

  @Test
  void throttlingIsRetriedBySdkUntilItPassesAndOnlyTheLastAttemptReachesMoto() {
    DynamoDbClient dynamo = dynamoThroughProxy(3);
    String key = newKey();
    proxy.inject(FaultRule.next(2, "PutItem", Fault.throttle()));

    dynamo.putItem(claim(key));

    assertEquals("IN_PROGRESS", itemInMoto(key).get("state").s());
    assertEquals(3, proxy.requestsSeen("PutItem"));
    assertEquals(1, proxy.forwarded());
    assertEquals(Map.of(FaultKind.THROTTLED, 2L), proxy.faultsInjected());
  }

  @Test
  void throttlingBeyondTheRetriesIsDynamoDbsOwnThrottlingException() {
    DynamoDbClient dynamo = dynamoThroughProxy(2);
    String key = newKey();
    proxy.inject(FaultRule.always("PutItem", Fault.throttle()));

    DynamoDbException thrown = assertThrows(DynamoDbException.class, () -> dynamo.putItem(claim(key)));

    assertEquals(400, thrown.statusCode());
    assertEquals("ThrottlingException", thrown.awsErrorDetails().errorCode());
    assertTrue(thrown.isThrottlingException());
    assertEquals(2, proxy.requestsSeen("PutItem"));
    assertTrue(itemInMoto(key).isEmpty());
  }

  @Test
  void provisionedThroughputExceededIsItsOwnSdkException() {
    DynamoDbClient dynamo = dynamoThroughProxy(2);
    String key = newKey();
    proxy.inject(FaultRule.always("DynamoDB_20120810.PutItem", Fault.provisionedThroughputExceeded()));

    ProvisionedThroughputExceededException thrown =
        assertThrows(ProvisionedThroughputExceededException.class, () -> dynamo.putItem(claim(key)));

    assertTrue(thrown.isThrottlingException());
    assertEquals(2, proxy.faultsInjected(FaultKind.THROTTLED));
    assertTrue(itemInMoto(key).isEmpty());
  }

  static Stream<Arguments> serverErrors() {
    return Stream.of(
        Arguments.of(Fault.internalServerError(), 500, "InternalServerError"),
        Arguments.of(Fault.serviceUnavailable(), 503, "ServiceUnavailable"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("serverErrors")
  void serverErrorsAreRetriedBySdkAndNeverReachMoto(Fault fault, int status, String code) {
    DynamoDbClient dynamo = dynamoThroughProxy(2);
    String key = newKey();
    proxy.inject(FaultRule.always("PutItem", fault));

    DynamoDbException thrown = assertThrows(DynamoDbException.class, () -> dynamo.putItem(claim(key)));

    assertEquals(status, thrown.statusCode());
    assertEquals(code, thrown.awsErrorDetails().errorCode());
    assertEquals(2, proxy.faultsInjected(FaultKind.SERVER_ERROR));
    assertEquals(0, proxy.forwarded());
    assertTrue(itemInMoto(key).isEmpty());
  }

  @Test
  void resetBeforeForwardingAppliesNothingAndTheNextConnectionWorks() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();
    dynamo.listTables();
    proxy.inject(FaultRule.next(1, "PutItem", Fault.reset()));

    assertThrows(SdkClientException.class, () -> dynamo.putItem(claim(key)));
    assertTrue(itemInMoto(key).isEmpty());

    dynamo.putItem(claim(key));
    assertEquals("IN_PROGRESS", itemInMoto(key).get("state").s());
    assertEquals(1, proxy.faultsInjected(FaultKind.RESET));
  }

  @Test
  void ruleForOneItemLeavesOtherItemsAlone() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String faulted = newKey();
    String other = newKey();
    ActiveRule rule = proxy.inject(FaultRule.always("PutItem", Fault.throttle()).whereBodyContains(faulted));

    dynamo.putItem(claim(other));
    assertThrows(DynamoDbException.class, () -> dynamo.putItem(claim(faulted)));

    assertFalse(itemInMoto(other).isEmpty());
    assertEquals(1, rule.fired());
    assertFalse(rule.exhausted());
  }

  @Test
  void ruleForTheValueBeingWrittenFaultsOnlyThatWrite() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();
    proxy.inject(FaultRule.next(1, "PutItem", Fault.internalServerError()).whereBodyContains("{\"S\":\"SENT\"}"));

    dynamo.putItem(put(key, "IN_PROGRESS"));
    assertThrows(DynamoDbException.class, () -> dynamo.putItem(put(key, "SENT")));
    dynamo.putItem(put(key, "SENT"));

    assertEquals("SENT", itemInMoto(key).get("state").s());
    assertEquals(1, proxy.faultsInjected(FaultKind.SERVER_ERROR));
  }

  @Test
  void removedRuleNoLongerFires() {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    ActiveRule rule = proxy.inject(FaultRule.always("*", Fault.throttle()));
    assertThrows(DynamoDbException.class, dynamo::listTables);

    proxy.remove(rule);

    dynamo.listTables();
    assertEquals(1, rule.fired());
  }

  @Test
  void outageResetsEveryRequestUntilItsWindowHasPassed() throws InterruptedException {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    String key = newKey();
    proxy.outage(Duration.ofMillis(500));

    assertThrows(SdkClientException.class, () -> dynamo.putItem(claim(key)));
    assertThrows(SdkClientException.class, dynamo::listTables);
    assertTrue(itemInMoto(key).isEmpty());
    Thread.sleep(600);

    dynamo.putItem(claim(key));
    assertFalse(itemInMoto(key).isEmpty());
    assertEquals(2, proxy.faultsInjected(FaultKind.OUTAGE));
  }

  @Test
  void refusedConnectionsUntilTheWindowHasPassedThenTheSamePortListensAgain() throws Exception {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    dynamo.listTables();
    proxy.refuseConnections(Duration.ofMillis(500));

    SdkClientException thrown = assertThrows(SdkClientException.class, dynamo::listTables);
    assertTrue(hasCause(thrown, java.net.ConnectException.class), thrown.toString());
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    boolean answered = false;
    while (!answered && System.nanoTime() < giveUp) {
      Thread.sleep(100);
      try {
        dynamo.listTables();
        answered = true;
      } catch (SdkClientException stillRefused) {
        // the window has not passed yet
      }
    }

    assertTrue(answered);
  }

  @Test
  void endOutageListensAgainAtOnceAfterRefusal() throws Exception {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    proxy.refuseConnections(Duration.ofHours(1));
    assertThrows(SdkClientException.class, dynamo::listTables);

    proxy.endOutage();

    dynamo.listTables();
  }

  @Test
  void endedOutageLetsRequestsThroughAtOnce() throws IOException {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    proxy.outage(Duration.ofHours(1));
    assertThrows(SdkClientException.class, dynamo::listTables);

    proxy.endOutage();

    dynamo.listTables();
  }

  // --- other services ---

  @Test
  void secretsManagerThrottlingIsItsOwnThrottlingException() {
    SecretsManagerClient secrets = register(SecretsManagerClient.builder()
        .endpointOverride(proxy.endpoint()).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
        .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(sdkConfiguration(1)).build());
    String name = "fault-proxy/" + UUID.randomUUID();
    secrets.createSecret(create -> create.name(name).secretString("{\"mchid\":\"1900000001\"}"));
    assertEquals("{\"mchid\":\"1900000001\"}", secrets.getSecretValue(get -> get.secretId(name)).secretString());
    proxy.inject(FaultRule.next(1, "GetSecretValue", Fault.throttle()));

    SecretsManagerException thrown =
        assertThrows(SecretsManagerException.class, () -> secrets.getSecretValue(get -> get.secretId(name)));

    assertEquals(400, thrown.statusCode());
    assertEquals("ThrottlingException", thrown.awsErrorDetails().errorCode());
    assertTrue(thrown.isThrottlingException());
    assertEquals(2, proxy.requestsSeen("secretsmanager.GetSecretValue"));
  }

  @Test
  void sqsSpeaksItsJsonProtocolThroughTheProxy() {
    SqsClient sqs = register(SqsClient.builder()
        .endpointOverride(proxy.endpoint()).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
        .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(sdkConfiguration(1)).build());
    String queueUrl = sqs.createQueue(create -> create.queueName("fault-proxy-" + UUID.randomUUID())).queueUrl();
    sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody("{\"out_order_no\":\"Q1\"}"));
    proxy.inject(FaultRule.next(1, "SendMessage", Fault.throttle()));

    SqsException thrown = assertThrows(SqsException.class,
        () -> sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody("{\"out_order_no\":\"Q2\"}")));

    assertEquals(2, proxy.requestsSeen("AmazonSQS.SendMessage"));
    assertEquals(400, thrown.statusCode());
    assertTrue(thrown.isThrottlingException(), thrown.awsErrorDetails().errorCode());
  }

  // --- lifecycle ---

  @Test
  void closeDropsConnectionsWaitingOnADelayedAnswer() throws Exception {
    DynamoDbClient dynamo = dynamoThroughProxy(1);
    proxy.inject(FaultRule.always("ListTables", Fault.delayAnswer(Duration.ofMinutes(5))));
    CompletableFuture<?> waiting = CompletableFuture.runAsync(dynamo::listTables);
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (proxy.faultsInjected(FaultKind.DELAYED) == 0 && System.nanoTime() < giveUp) {
      Thread.sleep(10);
    }

    assertTimeoutPreemptively(Duration.ofSeconds(2), proxy::close);

    Exception thrown = assertThrows(Exception.class, () -> waiting.get(10, java.util.concurrent.TimeUnit.SECONDS));
    assertInstanceOf(SdkClientException.class, thrown.getCause());
  }

  @Test
  void reportNamesRequestsAndFaults() {
    DynamoDbClient dynamo = dynamoThroughProxy(2);
    proxy.inject(FaultRule.next(1, "ListTables", Fault.throttle()));

    dynamo.listTables();

    assertEquals("requests {DynamoDB_20120810.ListTables=2}, forwarded 1, faults {THROTTLED=1}", proxy.report());
    proxy.resetCounters();
    assertTrue(proxy.requestsSeen().isEmpty());
  }

  // --- helpers ---

  /** The SDK as the function configures it: URL-connection client, 2 s attempts, quick fixed backoff. */
  private DynamoDbClient dynamoThroughProxy(int maxAttempts) {
    return register(DynamoDbClient.builder()
        .endpointOverride(proxy.endpoint()).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(sdkConfiguration(maxAttempts))
        .build());
  }

  private static ClientOverrideConfiguration sdkConfiguration(int maxAttempts) {
    return ClientOverrideConfiguration.builder()
        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(maxAttempts)
            .backoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(20)))
            .throttlingBackoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(20)))
            .circuitBreakerEnabled(false)
            .build())
        .build();
  }

  private <T extends AutoCloseable> T register(T client) {
    clients.add(client);
    return client;
  }

  private static boolean hasCause(Throwable thrown, Class<? extends Throwable> type) {
    for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
    }
    return false;
  }

  private static String newKey() {
    return "1900000001#" + UUID.randomUUID();
  }

  private static Map<String, AttributeValue> keyOf(String key) {
    return Map.of("pk", AttributeValue.fromS(key));
  }

  private static PutItemRequest put(String key, String state) {
    return PutItemRequest.builder().tableName(TABLE)
        .item(Map.of("pk", AttributeValue.fromS(key), "state", AttributeValue.fromS(state)))
        .build();
  }

  /** A claim as the function makes one: a conditional write that only the first caller passes. */
  private static PutItemRequest claim(String key) {
    return put(key, "IN_PROGRESS").toBuilder().conditionExpression("attribute_not_exists(pk)").build();
  }

  private static Map<String, AttributeValue> itemInMoto(String key) {
    return moto.getItem(get -> get.tableName(TABLE).key(keyOf(key)).consistentRead(true)).item();
  }

  private static void writeListTables(OutputStream out, boolean close) throws IOException {
    byte[] body = "{}".getBytes(UTF_8);
    out.write(("POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
        + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " + body.length + "\r\n"
        + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(UTF_8));
    out.write(body);
    out.flush();
  }

  /** Reads one whole answer (it has a Content-Length) and returns its status line. */
  private static String readAnswer(InputStream in) throws IOException {
    String statusLine = readLine(in);
    int length = 0;
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    assertEquals(length, in.readNBytes(length).length);
    return statusLine;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("closed after " + line);
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
