package payscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.harness.FunctionTest;
import payscore.simulator.Verdict;

/** The SnapStart hooks, run as Lambda runs them around a snapshot. */
class SnapStartPrimingTest extends FunctionTest {

  @Test
  void primingRunsThePathWithoutCallingWeChatAndRestoreReadsTheSecretAgain() throws Exception {
    PendingMessageFunction function = harness.newInstance();

    function.snapStart().beforeCheckpoint(null);

    assertTrue(harness.wechat.requests().isEmpty(), "priming never calls WeChat");
    assertTrue(harness.record("PRIMING-0001").isEmpty(), "priming writes nothing");
    assertTrue(harness.logs().isEmpty(), "every priming step succeeded, so nothing was logged: " + harness.logs());

    // While the snapshot sits, the merchant key is rotated: only a secret read after restore works.
    harness.rotateMerchantKey();
    function.snapStart().afterRestore(null);
    JsonNode response = harness.api(function).handle(FunctionHarness.httpPost("SNAP-1", BODY),
        harness.clock.instant().plus(Duration.ofSeconds(10)));

    assertEquals(200, response.get("statusCode").asInt(), response.toString());
    assertEquals(List.of(Verdict.ACCEPTED),
        harness.wechat.requestsFor("SNAP-1").stream().map(r -> r.verdict()).toList(),
        "signed at once with the key read after restore, not the one from before the snapshot");
  }

  /**
   * Every environment restored from one snapshot starts from the same random state. The generators
   * here are seeded 1, 2, 3… in the order they are made, so the nonce WeChat receives after a restore
   * tells which generator made it: it must be the one made at restore, not the snapshot's.
   */
  @Test
  void afterRestoreNoncesComeFromAGeneratorMadeAtRestoreNotFromTheSnapshots() throws Exception {
    List<SecureRandom> made = new ArrayList<>();
    Supplier<SecureRandom> seeded = () -> {
      SecureRandom random = sha1prng(made.size() + 1);
      made.add(random);
      return random;
    };
    PendingMessageFunction function = PendingMessageFunction.create(harness.env, System.out, harness.clock, seeded);
    assertEquals(1, made.size(), "one generator while the function is built");

    function.snapStart().beforeCheckpoint(null);
    function.snapStart().afterRestore(null);
    assertEquals(2, made.size(), "a new generator at restore");
    harness.api(function).handle(FunctionHarness.httpPost("SNAP-2", BODY),
        harness.clock.instant().plus(Duration.ofSeconds(10)));

    java.util.regex.Matcher sent = java.util.regex.Pattern.compile("nonce_str=\"([^\"]+)\"")
        .matcher(harness.wechat.requestsFor("SNAP-2").get(0).header("Authorization"));
    assertTrue(sent.find());
    String nonce = sent.group(1);
    // A NonceSource over a generator seeded 2, asked for its first nonce, is what WeChat must have seen:
    // the request is signed before the order is claimed, so the nonce is the generator's first draw.
    SecureRandom expected = sha1prng(2);
    String fromRestored = payscore.wechatpay.NonceSource.secure(() -> expected).next();
    SecureRandom snapshotState = sha1prng(1);
    String fromSnapshot = payscore.wechatpay.NonceSource.secure(() -> snapshotState).next();
    assertEquals(fromRestored, nonce);
    assertNotEquals(fromSnapshot, nonce);
  }

  private static SecureRandom sha1prng(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
