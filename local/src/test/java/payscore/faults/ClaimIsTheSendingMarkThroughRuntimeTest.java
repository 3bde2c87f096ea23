package payscore.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionHarness;
import payscore.lambda.ApiAnswer;

/**
 * A send makes two DynamoDB writes: the claim, written once the request is signed and ready, which
 * is also the mark that it leaves for WeChat, and the outcome. Each write's answers lost, late and
 * throttled, through the API function as Lambda runs it (see {@link ThroughFaultProxy}).
 */
@Order(6)
class ClaimIsTheSendingMarkThroughRuntimeTest extends ThroughFaultProxy {
  /** The claim's UpdateItem: the only write that keeps what it replaced. */
  private static final String CLAIM = "prior_state";

  @Test
  void aSendIsTwoConditionalWritesAndNoRead() {
    String order = "TWO-WRITES-1";
    proxy.resetCounters();

    ApiAnswer answer = post(order, body(1500));

    assertSentNow(answer, order);
    Map<String, Long> seen = proxy.requestsSeen();
    assertEquals(Map.of("DynamoDB_20120810.UpdateItem", 2L), seen, "the claim and the SENT record, nothing else");
    assertEquals(1, harness.wechat.acceptedCount(order));
  }

  @Test
  void aThrottledClaimIsRetriedAndTheOrderIsSentOnce() {
    String order = "THROTTLED-CLAIM-1";
    ActiveRule throttled = proxy.inject(FaultRule.next(2, "UpdateItem", Fault.throttle())
        .whereBodyContains(key(order)).whereBodyContains(CLAIM));

    ApiAnswer answer = post(order, body(1500));

    assertEquals(2, throttled.fired(), "the first two claims were throttled");
    assertSentNow(answer, order);
    assertEquals(1, harness.wechat.requestsFor(order).size());
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void aClaimWhoseEveryAnswerIsLostIsGivenBackAndADifferentBodyIsThenSent() {
    String order = "LOST-CLAIMS-1";
    // Every claim is applied by moto and its answer dropped, until the call gives up.
    ActiveRule lost = proxy.inject(FaultRule.always("UpdateItem", Fault.dropAnswer())
        .whereBodyContains(key(order)).whereBodyContains(CLAIM));

    ApiAnswer unavailable = post(order, body(1500));
    proxy.remove(lost);

    assertTrue(lost.fired() >= 1, "the claim's answers were dropped after moto applied it");
    assertEquals(503, unavailable.status(), unavailable.toString());
    assertEquals("DEPENDENCY_UNAVAILABLE", unavailable.code());
    assertTrue(unavailable.body().path("message").asText().contains("nothing was sent"), unavailable.toString());
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "nothing reached WeChat");
    assertEquals(Optional.empty(), harness.record(order), "the applied claim was deleted: it replaced nothing");

    ApiAnswer different = post(order, body(2500));

    assertSentNow(different, order);
    assertTrue(harness.wechat.requestsFor(order).get(0).bodyText().contains("2500"));
    assertEquals(1, harness.wechat.acceptedCount(order));
  }

  @Test
  void aClaimWhoseAnswersAreLostIsGivenBackOnceDynamoDbAnswersAgainWithinTheInvocation() {
    String order = "LOST-CLAIM-BRIEF-OUTAGE-1";
    // The claim is applied and its answers lost; DynamoDB then stays unreachable for 3 s (as when its
    // endpoint restarts), well inside the invocation: the claim must still be given back.
    ActiveRule lost = proxy.inject(FaultRule.always("UpdateItem", Fault.dropAnswer())
        .whereBodyContains(key(order)).whereBodyContains(CLAIM));
    ActiveRule unreachable = proxy.inject(FaultRule.always("DeleteItem", Fault.reset()).whereBodyContains(key(order)));
    Thread lifter = liftAfter(unreachable, Duration.ofSeconds(3));

    ApiAnswer unavailable = post(order, body(1500));
    proxy.remove(lost);

    assertEquals(503, unavailable.status(), unavailable.toString());
    assertTrue(unreachable.fired() >= 1, "giving the claim back failed at first");
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "nothing reached WeChat");
    assertEquals(Optional.empty(), harness.record(order), "given back once DynamoDB answered again");

    ApiAnswer different = post(order, body(2500));

    assertSentNow(different, order);
    assertEquals(1, harness.wechat.acceptedCount(order));
    try {
      lifter.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aClaimAppliedWhileDynamoDbStaysUnreachableEndsInOneSendOfTheSameBody() throws Exception {
    String order = "LOST-CLAIM-AND-ABANDON-1";
    // The claim is applied and every answer lost; giving it back fails too (DynamoDB unreachable).
    ActiveRule lost = proxy.inject(FaultRule.always("UpdateItem", Fault.dropAnswer())
        .whereBodyContains(key(order)).whereBodyContains(CLAIM));
    ActiveRule unreachable = proxy.inject(FaultRule.always("DeleteItem", Fault.reset()).whereBodyContains(key(order)));

    ApiAnswer unavailable = post(order, body(1500));
    proxy.remove(lost);
    proxy.remove(unreachable);

    assertEquals(503, unavailable.status(), unavailable.toString());
    assertTrue(unreachable.fired() >= 1, "the claim could not be given back");
    assertTrue(harness.wechat.requestsFor(order).isEmpty(), "nothing reached WeChat");
    assertEquals("IN_PROGRESS", harness.state(order), "the claim stands until its lease passes");

    // After the lease, the same body takes the order over and is sent, once.
    ApiAnswer retried = postUntilNotInProgress(order, body(1500), API_TIMEOUT.plusSeconds(10));

    assertSentNow(retried, order);
    assertEquals(1, harness.wechat.requestsFor(order).size());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void aSentRecordWhoseAnswerIsLostIsRecognisedByItsRetryAndRecorded() {
    String order = "LOST-SENT-1";
    ActiveRule lost = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.dropAnswer()).whereBodyContains(key(order))
        .whereBodyContains(WRITES_SENT));

    ApiAnswer answer = post(order, body(1500));

    assertEquals(1, lost.fired());
    assertSentNow(answer, order);
    assertTrue(answer.body().path("recorded").asBoolean(true), answer.toString());
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
  }

  @Test
  void aSentRecordWhoseAnswerIsLateIsRecognisedByItsRetryAndRecorded() {
    String order = "LATE-SENT-1";
    ActiveRule late = proxy.inject(FaultRule.next(1, "UpdateItem", Fault.delayAnswer(Duration.ofSeconds(3)))
        .whereBodyContains(key(order)).whereBodyContains(WRITES_SENT));

    ApiAnswer answer = post(order, body(1500));

    assertEquals(1, late.fired());
    assertSentNow(answer, order);
    assertEquals(1, harness.wechat.acceptedCount(order));
    assertEquals("SENT", harness.state(order));
    assertEquals(200, ApiAnswer.invoke(api, FunctionHarness.httpPost(order, body(1500))).status(), "a replay");
  }
}
