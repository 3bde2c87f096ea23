package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoServer;

/**
 * SnapStart as the runtime interface client plays it: INIT and the {@code beforeCheckpoint} hooks,
 * a wait at {@code restore/next} where Lambda takes the snapshot, then {@code afterRestore} and the
 * first invocation. Priming never calls WeChat; the function JVM runs with Amazon Corretto Crypto
 * Provider installed (nothing logged about the crypto provider).
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class SnapStartThroughRuntimeTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aRestoredEnvironmentAnswersItsFirstRequestAfterPrimingThatNeverCalledWeChat() throws Exception {
    try (FunctionHarness harness = new FunctionHarness(MOTO.endpoint());
         LocalLambda api = LocalLambda.start("ApiFunction", harness.env)) {
      api.checkpoint(Duration.ofSeconds(60));
      assertTrue(harness.wechat.requests().isEmpty(), "priming never calls WeChat");

      api.restore();
      String body = FunctionHarness.event("http-api-send.json").get("body").asText();
      JsonNode response = JSON.readTree(api.invoke(FunctionHarness.httpPost("SNAP-0001", body).toString()));

      assertEquals(200, response.path("statusCode").asInt(), response.toString());
      assertEquals(1, harness.wechat.requests().size());
      assertEquals(1, api.coldStarts(), "the restored JVM served the request");
      assertFalse(api.logs().contains("crypto_provider"), "ACCP was installed: " + api.logs());
      assertFalse(api.logs().contains("snapstart_priming"), "every priming part succeeded: " + api.logs());
      assertFalse(api.logs().contains("snapstart_restore"), "every restore part succeeded: " + api.logs());
      LambdaLogs.assertNoSecrets(harness, api);
    }
  }
}
