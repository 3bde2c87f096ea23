package payscore.aws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import payscore.json.JsonTrees;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The AWS JSON-protocol client against a scripted HTTP server: what is sent and signed, which
 * failures are retried, and which say the call may have been applied.
 */
class AwsJsonClientTest {
  private static final Instant T0 = Instant.parse("2025-03-01T08:00:00Z");
  private static final AwsSessionCredentialsIdentity CREDENTIALS =
      AwsSessionCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token");

  /** A request as the server received it. */
  record Received(String method, String path, Map<String, String> headers, byte[] body) {}

  /** What the server answers: status, body, and how long it waits before answering. */
  record Answer(int status, String body, Duration delay) {
    static Answer ok(String body) {
      return new Answer(200, body, Duration.ZERO);
    }

    static Answer error(int status, String type) {
      return new Answer(status, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type + "\",\"message\":\"m\"}",
          Duration.ZERO);
    }
  }

  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) server.stop(0);
  }

  private URI serve(Function<Integer, Answer> script) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> answer(exchange, script.apply(received.size())));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void answer(HttpExchange exchange, Answer answer) throws IOException {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
    received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), headers,
        exchange.getRequestBody().readAllBytes()));
    try {
      Thread.sleep(answer.delay().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] body = answer.body().getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
    exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) exchange.getResponseBody().write(body);
    exchange.close();
  }

  private static AwsJsonClient client(URI endpoint) {
    return new AwsJsonClient(AwsJsonClient.Service.DYNAMODB, endpoint, "us-east-1", () -> CREDENTIALS,
        Clock.fixed(T0, ZoneOffset.UTC), () -> 0.0);
  }

  private static AwsJsonClient clientOnSystemClock(URI endpoint) {
    return new AwsJsonClient(AwsJsonClient.Service.DYNAMODB, endpoint, "us-east-1", () -> CREDENTIALS,
        Clock.systemUTC(), () -> 0.0);
  }

  private static ObjectNode getItem() {
    ObjectNode request = JsonTrees.object();
    request.put("TableName", "records");
    request.putObject("Key").putObject("pk").put("S", "1900000001#ORDER-1");
    return request;
  }

  @Test
  void postsTheJsonWithItsTargetSignedAsSigV4SaysOverExactlyTheBytesSent() throws Exception {
    URI endpoint = serve(n -> Answer.ok("{\"Item\":{\"pk\":{\"S\":\"1900000001#ORDER-1\"}}}"));

    JsonNode answer = client(endpoint).call("GetItem", getItem(), Duration.ofSeconds(2));

    assertEquals("1900000001#ORDER-1", answer.path("Item").path("pk").path("S").asText());
    Received request = received.peek();
    assertEquals("POST", request.method());
    assertEquals("/", request.path());
    assertEquals("DynamoDB_20120810.GetItem", request.headers().get("X-Amz-Target"));
    assertEquals("application/x-amz-json-1.0", request.headers().get("Content-Type"));
    assertEquals("20250301T080000Z", request.headers().get("X-Amz-Date"), "signed at the injected clock's time");
    assertEquals("session-token", request.headers().get("X-Amz-Security-Token"));
    assertEquals(JsonTrees.text(getItem()), new String(request.body(), UTF_8));
    String authorization = request.headers().get("Authorization");
    assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250301/us-east-1/dynamodb/aws4_request, "),
        authorization);
    assertEquals(expectedSignature(request, endpoint), authorization.substring(authorization.indexOf("Signature=") + 10),
        "the signature, recomputed from the spec over what arrived");
  }

  @Test
  void throttlingIsRetriedAndTheAnswerReturned() throws Exception {
    URI endpoint = serve(n -> n < 2 ? Answer.error(400, "ThrottlingException") : Answer.ok("{}"));

    JsonNode answer = client(endpoint).call("GetItem", getItem(), Duration.ofSeconds(2));

    assertEquals(0, answer.size());
    assertEquals(3, received.size());
  }

  @Test
  void aConditionRefusalIsNotRetriedNotAppliedAndCarriesTheItem() throws Exception {
    URI endpoint = serve(n -> new Answer(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
        + "ConditionalCheckFailedException\",\"message\":\"The conditional request failed\","
        + "\"Item\":{\"state\":{\"S\":\"SENT\"}}}", Duration.ZERO));

    AwsCallException refused = assertThrows(AwsCallException.class,
        () -> client(endpoint).call("UpdateItem", getItem(), Duration.ofSeconds(2)));

    assertEquals(1, received.size());
    assertEquals("ConditionalCheckFailedException", refused.code());
    assertEquals(400, refused.status());
    assertFalse(refused.mayHaveBeenApplied());
    assertEquals("SENT", refused.body().path("Item").path("state").path("S").asText());
  }

  @Test
  void aServerErrorIsRetriedAndThenMayHaveBeenApplied() throws Exception {
    URI endpoint = serve(n -> Answer.error(500, "InternalServerError"));

    AwsCallException failed = assertThrows(AwsCallException.class,
        () -> client(endpoint).call("UpdateItem", getItem(), Duration.ofSeconds(2)));

    assertEquals(3, received.size(), "three attempts, as the SDK's standard retry strategy");
    assertTrue(failed.mayHaveBeenApplied(), "DynamoDB may apply a write it answers with a 5xx");
    assertEquals("InternalServerError", failed.reason());
  }

  @Test
  void aThrottledWriteWasNotApplied() throws Exception {
    URI endpoint = serve(n -> Answer.error(400, "ProvisionedThroughputExceededException"));

    AwsCallException failed = assertThrows(AwsCallException.class,
        () -> client(endpoint).call("UpdateItem", getItem(), Duration.ofSeconds(2)));

    assertEquals(3, received.size());
    assertFalse(failed.mayHaveBeenApplied());
  }

  @Test
  void aRefusedConnectionWasNotApplied() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    AwsCallException failed = assertThrows(AwsCallException.class, () -> client(URI.create("http://127.0.0.1:"
        + closedPort)).call("UpdateItem", getItem(), Duration.ofSeconds(1)));

    assertFalse(failed.mayHaveBeenApplied());
    assertEquals(0, failed.status());
    assertEquals("ConnectException", failed.reason());
  }

  @Test
  void anAnswerThatComesAfterTheBudgetMayHaveBeenAppliedAndTheCallEndsWithTheBudget() throws Exception {
    URI endpoint = serve(n -> new Answer(200, "{}", Duration.ofSeconds(2)));

    long started = System.nanoTime();
    AwsCallException failed = assertThrows(AwsCallException.class,
        () -> clientOnSystemClock(endpoint).call("UpdateItem", getItem(), Duration.ofMillis(300)));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertTrue(failed.mayHaveBeenApplied(), "the request arrived; its answer did not");
    assertEquals("SocketTimeoutException", failed.reason());
    assertTrue(took.compareTo(Duration.ofMillis(1_000)) < 0, "ended with its budget: " + took);
  }

  @Test
  void anAnswerThatIsNotJsonIsAFailureNamingItsStatus() throws Exception {
    URI endpoint = serve(n -> new Answer(502, "<html>Bad Gateway</html>", Duration.ZERO));

    AwsCallException failed = assertThrows(AwsCallException.class,
        () -> client(endpoint).call("GetItem", getItem(), Duration.ofSeconds(2)));

    assertNull(failed.code());
    assertEquals("HTTP 502", failed.reason());
  }

  @Test
  void aSuccessWhoseAnswerCannotBeReadMayHaveBeenAppliedAndIsNotTakenAsAnEmptyAnswer() throws Exception {
    URI endpoint = serve(n -> new Answer(200, "{\"Attributes\":{\"state\":", Duration.ZERO));

    AwsCallException failed = assertThrows(AwsCallException.class,
        () -> client(endpoint).call("UpdateItem", getItem(), Duration.ofSeconds(2)));

    assertTrue(failed.mayHaveBeenApplied(), "DynamoDB answered 200: the write was applied");
    assertEquals(3, received.size(), "retried, as a lost answer is");
  }

  @Test
  void theEndpointIsTheServicesVariableThenTheGeneralOneThenTheRegionalOne() {
    AwsJsonClient.Service dynamo = AwsJsonClient.Service.DYNAMODB;
    assertEquals(URI.create("http://localhost:4566"), AwsJsonClient.endpoint(dynamo,
        Map.of("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:4566", "AWS_ENDPOINT_URL", "http://other"), "us-east-1"));
    assertEquals(URI.create("http://other"), AwsJsonClient.endpoint(dynamo,
        Map.of("AWS_ENDPOINT_URL_SQS", "http://sqs", "AWS_ENDPOINT_URL", "http://other"), "us-east-1"));
    assertEquals(URI.create("https://dynamodb.ap-southeast-1.amazonaws.com"),
        AwsJsonClient.endpoint(dynamo, Map.of(), "ap-southeast-1"));
    assertEquals(URI.create("https://secretsmanager.cn-north-1.amazonaws.com.cn"),
        AwsJsonClient.endpoint(AwsJsonClient.Service.SECRETS_MANAGER, Map.of(), "cn-north-1"));
    assertEquals(URI.create("http://sm"), AwsJsonClient.endpoint(AwsJsonClient.Service.SECRETS_MANAGER,
        Map.of("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm"), "us-east-1"));
  }

  /** SigV4 from the spec: canonical request, string to sign, derived key, over the headers it names. */
  private static String expectedSignature(Received request, URI endpoint) throws Exception {
    String authorization = request.headers().get("Authorization");
    String signedHeaders = authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
    StringBuilder canonicalHeaders = new StringBuilder();
    List<String> names = new ArrayList<>(List.of(signedHeaders.split(";")));
    for (String name : names) {
      String value = name.equals("host") ? endpoint.getAuthority() : request.headers().get(name);
      canonicalHeaders.append(name.toLowerCase(Locale.ROOT)).append(':').append(value.strip()).append('\n');
    }
    String canonical = "POST\n/\n\n" + canonicalHeaders + "\n" + signedHeaders + "\n" + hex(sha256(request.body()));
    String scope = "20250301/us-east-1/dynamodb/aws4_request";
    String toSign = "AWS4-HMAC-SHA256\n20250301T080000Z\n" + scope + "\n" + hex(sha256(canonical.getBytes(UTF_8)));
    byte[] key = hmac(("AWS4" + CREDENTIALS.secretAccessKey()).getBytes(UTF_8), "20250301");
    key = hmac(key, "us-east-1");
    key = hmac(key, "dynamodb");
    key = hmac(key, "aws4_request");
    return hex(hmac(key, toSign));
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(UTF_8));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
