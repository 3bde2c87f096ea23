package payscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.harness.FunctionTest;
import payscore.simulator.Verdict;
import payscore.trigger.ApiGatewayHandler;

/** The SnapStart hooks, run as Lambda runs them around a snapshot. */
class SnapStartPrimingTest extends FunctionTest {


  @Test
  void primingRunsThePathWithoutCallingWeChatAndRestoreReusesNothingUnique() throws Exception {
    PendingMessageFunction function = harness.newInstance();
    SecureRandom beforeSnapshot = function.random.get();

    function.priming.beforeCheckpoint(null);

    assertTrue(harness.wechat.requests().isEmpty(), "priming never calls WeChat");
    assertTrue(harness.record("PRIMING-0001").isEmpty(), "priming writes nothing");

    // While the snapshot sits, the merchant key is rotated: only a secret read after restore works.
    harness.rotateMerchantKey();
    function.priming.afterRestore(null);
    JsonNode response = new ApiGatewayHandler(function).handle(FunctionHarness.httpPost("SNAP-1", BODY),
        FunctionHarness.in(Duration.ofSeconds(10)));

    assertEquals(200, response.get("statusCode").asInt(), response.toString());
    assertNotSame(beforeSnapshot, function.random.get(), "randomness is renewed after restore");
    assertEquals(java.util.List.of(Verdict.ACCEPTED),
        harness.wechat.requestsFor("SNAP-1").stream().map(r -> r.verdict()).toList(),
        "signed at once with the key read after restore, not the one from before the snapshot");
  }

  @Test
  void noncesAndLeaseTokensAfterRestoreDifferAcrossEnvironmentsRestoredFromOneSnapshot() throws Exception {
    PendingMessageFunction first = harness.newInstance();
    PendingMessageFunction second = harness.newInstance();
    first.priming.afterRestore(null);
    second.priming.afterRestore(null);

    assertTrue(!first.random.token().equals(second.random.token()));
    assertTrue(first.random.token().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  }
}
