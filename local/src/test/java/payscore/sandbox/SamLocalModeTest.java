package payscore.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import payscore.lambda.SamTemplate;

/** events/env.json and the {@code --for-sam-local} mode agree, and env.json gives each function exactly its variables. */
class SamLocalModeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SamTemplate template = SamTemplate.read();
  private final Path envJson = template.root().resolve("events/env.json");

  @Test
  void envJsonGivesEachFunctionExactlyTheTemplatesVariables() throws Exception {
    JsonNode env = JSON.readTree(Files.readString(envJson));
    Set<String> sections = new HashSet<>();
    env.fieldNames().forEachRemaining(sections::add);

    assertEquals(template.functions().keySet(), sections);
    for (String function : sections) {
      Set<String> names = new HashSet<>();
      env.get(function).fieldNames().forEachRemaining(names::add);
      assertEquals(template.function(function).variables().keySet(), names, function);
      assertEquals(env.get("ApiFunction"), env.get(function), "every function meets the same backends");
    }
  }

  @Test
  void theModeServesWhatEnvJsonNames() throws Exception {
    SamLocalBackends.Plan plan = SamLocalBackends.Plan.read(envJson);
    assertEquals(plan.motoPort(), URI.create(plan.deadLetterQueueUrl()).getPort(), "the DLQ is on moto's port");
    Path state = Files.createTempDirectory("sam-local-state");

    String firstSecret;
    try (SamLocalBackends backends = SamLocalBackends.start(plan, MOTO.endpoint(), state, "127.0.0.1", 0, 0);
         var dynamo = MotoClients.dynamo(URI.create("http://127.0.0.1:" + backends.motoPort()));
         var secrets = MotoClients.secrets(URI.create("http://127.0.0.1:" + backends.motoPort()))) {
      assertTrue(dynamo.listTables().tableNames().contains(plan.table()));
      firstSecret = secrets.getSecretValue(r -> r.secretId(plan.secretId())).secretString();
      assertEquals(SamLocalBackends.MCHID, JSON.readTree(firstSecret).path("mchid").asText());
      assertEquals(URI.create(plan.deadLetterQueueUrl()).getPath(), URI.create(backends.deadLetterQueueUrl).getPath());
      HttpResponse<String> wechat = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + backends.wechatPort() + "/v3/certificates")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(wechat.body().contains("\"code\""), "the simulator answers through its port: " + wechat.body());
    }
    try (SamLocalBackends again = SamLocalBackends.start(plan, MOTO.endpoint(), state, "127.0.0.1", 0, 0);
         var secrets = MotoClients.secrets(URI.create("http://127.0.0.1:" + again.motoPort()))) {
      assertEquals(firstSecret, secrets.getSecretValue(r -> r.secretId(plan.secretId())).secretString(),
          "keys and secret kept between runs");
    }
  }
}
