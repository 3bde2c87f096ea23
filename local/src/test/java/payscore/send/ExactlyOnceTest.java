package payscore.send;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.harness.LambdaContext;
import payscore.harness.FunctionTest;
import payscore.harness.OneInvocation;
import payscore.simulator.Behaviour;
import payscore.simulator.Verdict;
import payscore.harness.InProcessHandler;

/**
 * The idempotency invariants under concurrency, crashes and key rotation: many instances, one
 * message per order.
 */
class ExactlyOnceTest extends FunctionTest {
  static final ObjectMapper JSON = new ObjectMapper();


  private static JsonNode invoke(InProcessHandler handler, JsonNode event, Duration timeout) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out, new LambdaContext(timeout));
    return JSON.readTree(out.toByteArray());
  }

  private static String code(JsonNode response) throws IOException {
    return JSON.readTree(response.get("body").asText()).path("code").asText(null);
  }

  @Test
  void twentyConcurrentInstancesSendingOneNewOrderReachWeChatOnce() throws Exception {
    harness.wechat.script("RACE-1", Behaviour.delay(Duration.ofMillis(300)));
    List<InProcessHandler> instances = new ArrayList<>();
    for (int i = 0; i < 20; i++) instances.add(harness.api(harness.newInstance()));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(20);
    List<Future<JsonNode>> responses = new ArrayList<>();
    for (InProcessHandler instance : instances) {
      responses.add(callers.submit(() -> {
        go.await();
        return invoke(instance, FunctionHarness.httpPost("RACE-1", BODY), Duration.ofSeconds(10));
      }));
    }

    go.countDown();
    int sent = 0;
    int inProgress = 0;
    for (Future<JsonNode> future : responses) {
      JsonNode response = future.get(30, TimeUnit.SECONDS);
      int status = response.get("statusCode").asInt();
      if (status == 200) sent++;
      else if (status == 409 && "IN_PROGRESS".equals(code(response))) inProgress++;
      else throw new AssertionError("unexpected response " + response);
    }
    callers.shutdown();

    assertEquals(1, harness.wechat.requestsFor("RACE-1").size(), "exactly one request reached WeChat");
    assertEquals(1, harness.wechat.acceptedCount("RACE-1"));
    assertEquals(20, sent + inProgress);
    assertTrue(sent >= 1);
    assertEquals("SENT", harness.state("RACE-1"));
  }

  @Test
  void crashAfterSendingLeavesARecordThatNeverLetsASecondMessageThrough() throws Exception {
    harness.wechat.script("CRASH-1", Behaviour.acceptThenHang());
    Process holder = startInvocationProcess(FunctionHarness.httpPost("CRASH-1", BODY), Duration.ofSeconds(10));
    awaitAccepted("CRASH-1");
    holder.destroyForcibly().waitFor(); // the holder dies mid-send: no outcome is ever written
    assertEquals("IN_PROGRESS", harness.state("CRASH-1"));

    InProcessHandler later = harness.api();
    JsonNode whileLeaseHeld = invoke(later, FunctionHarness.httpPost("CRASH-1", BODY), Duration.ofSeconds(10));
    assertEquals("IN_PROGRESS", code(whileLeaseHeld), "the lease outlives the dead holder's invocation");
    awaitLeaseEnd("CRASH-1");

    JsonNode otherBody = invoke(later, FunctionHarness.httpPost("CRASH-1", OTHER_BODY), Duration.ofSeconds(10));
    JsonNode sameBody = invoke(later, FunctionHarness.httpPost("CRASH-1", BODY), Duration.ofSeconds(10));

    assertEquals(409, otherBody.get("statusCode").asInt());
    assertEquals("PAYLOAD_MISMATCH", code(otherBody));
    assertEquals(409, sameBody.get("statusCode").asInt());
    assertEquals("OUTCOME_UNKNOWN", code(sameBody));
    assertEquals("UNKNOWN", harness.state("CRASH-1"));
    assertEquals(1, harness.wechat.acceptedCount("CRASH-1"), "WeChat took exactly one message");
    List<Verdict> verdicts = harness.wechat.requestsFor("CRASH-1").stream().map(r -> r.verdict()).toList();
    assertEquals(List.of(Verdict.SCRIPTED, Verdict.DUPLICATE), verdicts,
        "the hung request, then the same-body retry that WeChat refused; the other body never left");
  }

  @Test
  void afterA5xxTheSameBodyIsSentAgainAndEndsSent() throws IOException {
    harness.wechat.script("RETRY-1", Behaviour.serverError(500, false));
    InProcessHandler api = harness.api();

    assertEquals(502, invoke(api, FunctionHarness.httpPost("RETRY-1", BODY), Duration.ofSeconds(10))
        .get("statusCode").asInt());
    JsonNode retried = invoke(api, FunctionHarness.httpPost("RETRY-1", BODY), Duration.ofSeconds(10));

    assertEquals(200, retried.get("statusCode").asInt());
    assertEquals("SENT", harness.state("RETRY-1"));
    assertEquals("2", harness.record("RETRY-1").orElseThrow().get("attempts").n());
    assertEquals(1, harness.wechat.acceptedCount("RETRY-1"));
  }

  @Test
  void rotatedKeyIsPickedUpWithinTheSameInvocationAfterSignError() throws IOException {
    InProcessHandler api = harness.api();
    assertEquals(200, invoke(api, FunctionHarness.httpPost("ROTATE-0", BODY), Duration.ofSeconds(10))
        .get("statusCode").asInt()); // the old key is now cached

    harness.rotateMerchantKey();
    JsonNode response = invoke(api, FunctionHarness.httpPost("ROTATE-1", BODY), Duration.ofSeconds(10));

    assertEquals(200, response.get("statusCode").asInt());
    List<Verdict> verdicts = harness.wechat.requestsFor("ROTATE-1").stream().map(r -> r.verdict()).toList();
    assertEquals(List.of(Verdict.SIGN_ERROR, Verdict.ACCEPTED), verdicts);
    assertEquals("SENT", harness.state("ROTATE-1"));
    assertEquals("1", harness.record("ROTATE-1").orElseThrow().get("attempts").n());
  }

  @Test
  void logsOfEveryPathHoldNoKeyMaterialApiV3KeyOrSignature() throws IOException {
    InProcessHandler api = harness.api();
    harness.wechat.script("LOG-2", Behaviour.serverError(500, true));
    harness.wechat.script("LOG-3", Behaviour.signTest());
    harness.wechat.script("LOG-4", Behaviour.reject(400, "PARAM_ERROR", "参数错误"));
    invoke(api, FunctionHarness.httpPost("LOG-1", BODY), Duration.ofSeconds(10));
    invoke(api, FunctionHarness.httpPost("LOG-2", BODY), Duration.ofSeconds(10));
    invoke(api, FunctionHarness.httpPost("LOG-2", BODY), Duration.ofSeconds(10));
    invoke(api, FunctionHarness.httpPost("LOG-3", BODY), Duration.ofSeconds(10));
    invoke(api, FunctionHarness.httpPost("LOG-4", BODY), Duration.ofSeconds(10));
    harness.rotateMerchantKey();
    invoke(api, FunctionHarness.httpPost("LOG-5", BODY), Duration.ofSeconds(10));
    harness.sqs().handle(FunctionHarness.sqsEvent(List.of("not json", BODY.replace("{\"service_id\"",
        "{\"out_order_no\":\"LOG-6\",\"service_id\""))), java.time.Instant.now().plusSeconds(10));

    String logs = harness.logs();
    assertTrue(logs.contains("\"out_order_no\":\"LOG-5\""), "the scan reads the real log");
    assertTrue(logs.contains("\"_aws\""), "metrics are logged as Embedded Metric Format");
    harness.assertNoSecretsLogged();
    assertTrue(harness.secretMaterial().size() > 100, "the scan looks for every key fragment and signature");
  }

  @Test
  void theLogScanFailsWhenSecretMaterialIsLogged() throws IOException {
    invoke(harness.api(), FunctionHarness.httpPost("LEAK-1", BODY), Duration.ofSeconds(10));
    String signature = harness.secretMaterial().get(harness.secretMaterial().size() - 1);
    harness.plantLogLine("{\"level\":\"ERROR\",\"message\":\"a careless line with " + signature + "\"}");

    assertThrows(AssertionError.class, harness::assertNoSecretsLogged);
    assertThrows(AssertionError.class, harness::close, "every test's harness scans its logs when it closes");
    harness = new FunctionHarness(MOTO.endpoint()); // a clean one for @AfterEach
  }

  private Process startInvocationProcess(JsonNode event, Duration timeout) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), OneInvocation.class.getName(), Long.toString(timeout.toMillis()));
    builder.environment().clear();
    builder.environment().putAll(harness.env);
    builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(JSON.writeValueAsString(event).getBytes(UTF_8));
    }
    return process;
  }

  private void awaitAccepted(String order) throws InterruptedException {
    await(() -> harness.wechat.acceptedCount(order) == 1, Duration.ofSeconds(60), order + " never reached WeChat");
  }

  /** Steps the function's clock past the lease the dead holder wrote, instead of waiting for it. */
  private void awaitLeaseEnd(String order) {
    long leaseUntil = Long.parseLong(harness.record(order).orElseThrow().get("lease_until").n());
    long ahead = leaseUntil - harness.clock.millis();
    assertTrue(ahead > 0, "the lease is still live before the step");
    harness.clock.advance(Duration.ofMillis(ahead + 50));
  }

  private static void await(Callable<Boolean> condition, Duration limit, String failure) throws InterruptedException {
    long giveUp = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        if (condition.call()) return;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      if (System.nanoTime() > giveUp) throw new AssertionError(failure);
      Thread.sleep(25);
    }
  }
}
