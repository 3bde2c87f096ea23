package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;

/**
 * The runtime interface client can load and call both handlers named in template.yaml: reflection
 * from the client's package reaches {@code handleRequest}, which calling a handler in-process
 * never checks.
 */
class RuntimeClientTest extends RuntimeFixture {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  @Test
  void theClientLoadsItsNativeLibraryFromACopyNoOtherJvmRewrites() throws Exception {
    // Lambda gives each environment its own /tmp; function JVMs here share one, where the client's
    // own copy (/tmp/.libaws-lambda-jni.so) is rewritten by every JVM that starts.
    api.invoke(FunctionHarness.httpGet("NEVER-SEEN-2").toString());

    List<String> maps = Files.readAllLines(Path.of("/proc", Long.toString(api.pid()), "maps"));
    List<String> loaded = maps.stream().filter(line -> line.contains("libaws-lambda-jni")).toList();
    assertFalse(loaded.isEmpty(), "the client's native library is loaded");
    assertTrue(loaded.stream().noneMatch(line -> line.contains("/tmp/.libaws-lambda-jni.so")),
        "not the copy at the shared fixed path: " + loaded);
    assertTrue(loaded.stream().allMatch(line -> line.endsWith(LocalLambda.nativeClientLibrary(LocalLambda.runtimeJars()).toString())),
        loaded.toString());
  }
}
