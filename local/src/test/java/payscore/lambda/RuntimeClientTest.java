package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;

/**
 * The runtime interface client can load and call both handlers named in template.yaml: reflection
 * from the client's package reaches {@code handleRequest}, which calling a handler in-process
 * never checks.
 */
class RuntimeClientTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RuntimeFixture functions;
  private static FunctionHarness harness;
  private static LocalLambda api;
  private static LocalLambda queue;

  @BeforeAll
  static void start() throws Exception {
    functions = RuntimeFixture.start(MOTO.endpoint());
    harness = functions.harness;
    api = functions.api;
    queue = functions.queue;
  }

  @AfterAll
  static void stop() {
    if (functions != null) functions.close();
  }

  @Test
  void theApiHandlerIsInvokedByTheRuntimeClient() throws Exception {
    JsonNode response = JSON.readTree(api.invoke(FunctionHarness.httpGet("NEVER-SEEN-1").toString()));

    assertEquals(404, response.path("statusCode").asInt(), response.toString());
    assertTrue(response.path("body").asText().contains("NOT_FOUND"), response.toString());
  }

  @Test
  void theQueueHandlerIsInvokedByTheRuntimeClient() throws Exception {
    JsonNode response = JSON.readTree(queue.invoke("{\"Records\":[]}"));

    assertTrue(response.path("batchItemFailures").isArray(), response.toString());
    assertEquals(0, response.path("batchItemFailures").size(), response.toString());
  }
}
