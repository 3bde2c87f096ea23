package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;
import payscore.harness.SampleRequest;
import payscore.lambda.ApiAnswer;
import payscore.lambda.LambdaLogs;
import payscore.lambda.LocalLambda;
import payscore.lambda.SamBuild;
import payscore.simulator.RecordedRequest;

/**
 * The functions as Lambda runs them (sam build's artifact, the runtime interface client, the
 * template's handler, memory and 15 s timeout), with AWS faults injected from outside by
 * {@link AwsFaultProxy} between the API function and moto, and WeChat misbehaving in the
 * simulator; the tests assert what the caller got, what reached WeChat and what is in the table.
 *
 * <p>One API function JVM (its AWS calls go through the proxy) and one queue function JVM per test
 * class; the harness itself reads moto directly, so its view of the table is never faulted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag(SamBuild.RUNS_THE_ARTIFACT)
abstract class ThroughFaultProxy {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String MCHID = FunctionHarness.MCHID;
  /** The value of the finishing UpdateItem that writes the SENT state (the claim's values name SENT as ":sent"). */
  static final String WRITES_SENT = "\":state\":{\"S\":\"SENT\"}";
  static final String WRITES_REJECTED = "\":state\":{\"S\":\"REJECTED\"}";
  static final String WRITES_UNKNOWN = "\":state\":{\"S\":\"UNKNOWN\"}";
  static final Duration API_TIMEOUT = Duration.ofSeconds(15);

  // Each test class has its own: classes run side by side.
  FunctionHarness harness;
  AwsFaultProxy proxy;
  LocalLambda api;
  LocalLambda queue;

  @BeforeAll
  void start() throws Exception {
    harness = new FunctionHarness(MOTO.endpoint());
    proxy = AwsFaultProxy.start(MOTO.endpoint());
    Map<String, String> proxied = new HashMap<>(harness.env);
    proxied.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
    api = LocalLambda.start("ApiFunction", proxied);
    queue = LocalLambda.start("QueueFunction", harness.env);
    // A warm API function, so that the time a test measures is its invocation's, not a cold start's.
    assertSentNow(post("WARMUP", body(1500)), "WARMUP");
  }

  @AfterEach
  void clearFaults() throws Exception {
    proxy.clearRules();
    proxy.endOutage();
  }

  @AfterAll
  void stop() {
    try {
      LambdaLogs.assertNoSecrets(harness, api, queue);
    } finally {
      if (api != null) api.close();
      if (queue != null) queue.close();
      if (proxy != null) proxy.close();
      if (harness != null) harness.close();
    }
  }

  // ---- helpers ----

  ApiAnswer post(String order, String body) {
    return ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body));
  }

  /** Posts until the answer is not 409 IN_PROGRESS, sleeping as Retry-After says; none may reach WeChat twice. */
  ApiAnswer postUntilNotInProgress(String order, String body, Duration atMost) throws Exception {
    long giveUp = System.nanoTime() + atMost.toNanos();
    while (true) {
      ApiAnswer answer = post(order, body);
      if (answer.status() != 409 || !"IN_PROGRESS".equals(answer.code())) return answer;
      if (System.nanoTime() > giveUp) fail("still IN_PROGRESS after " + atMost + ": " + answer);
      String retryAfter = answer.header("Retry-After");
      long seconds = retryAfter == null ? 1 : Math.max(1, Math.min(10, Long.parseLong(retryAfter.strip())));
      TimeUnit.SECONDS.sleep(seconds);
    }
  }

  void assertSentNow(ApiAnswer answer, String order) {
    assertEquals(200, answer.status(), answer.toString());
    assertEquals("SENT", answer.body().path("state").asText(), answer.toString());
    assertFalse(answer.body().path("replayed").asBoolean(true), "sent now, not replayed: " + answer);
    List<RecordedRequest> received = harness.wechat.requestsFor(order);
    assertFalse(received.isEmpty(), "WeChat received the order");
    assertEquals(received.get(received.size() - 1).requestId(), answer.body().path("wechatpay_request_id").asText());
  }

  /** Removes {@code rule} once it has fired and {@code after} has passed since. */
  Thread liftAfter(ActiveRule rule, Duration after) {
    Thread lifter = new Thread(() -> {
      try {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (rule.fired() == 0 && System.nanoTime() < giveUp) Thread.sleep(10);
        Thread.sleep(after.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        proxy.remove(rule);
      }
    }, "lift-fault");
    lifter.setDaemon(true);
    lifter.start();
    return lifter;
  }

  /** The order's key as it appears in a DynamoDB request body. */
  static String key(String order) {
    return "\"" + MCHID + "#" + order + "\"";
  }

  /** A valid request body; different amounts make different bodies. */
  static String body(int amount) {
    return SampleRequest.withAmount(amount);
  }

  static String queued(String order, int amount) {
    return "{\"out_order_no\":\"" + order + "\"," + body(amount).substring(1);
  }

  /** A REST API (payload 1.0) POST as API Gateway passes it: the path parameter percent-encoded. */
  static ObjectNode restPost(String encodedOrder, String body) {
    ObjectNode event = FunctionHarness.event("rest-api-send.json");
    event.put("path", "/service-orders/" + encodedOrder + "/pending-message");
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", encodedOrder);
    ((ObjectNode) event.get("requestContext")).put("path", "/prod/service-orders/" + encodedOrder + "/pending-message");
    event.put("body", body);
    return event;
  }
}
