package payscore.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The rules of an invocation's time: each stage ends before the one that waits for it. */
class InvocationBudgetTest {
  private static final Instant END = Instant.parse("2026-12-05T08:00:15Z");
  private static final InvocationBudget BUDGET = InvocationBudget.STANDARD;

  @Test
  void eachStageEndsBeforeTheStageThatWaitsForIt() {
    Instant send = BUDGET.sendDeadline(END);
    Instant write = BUDGET.writeBy(END);
    Instant orders = BUDGET.ordersBy(END);
    Instant park = BUDGET.parkBy(END);

    assertTrue(send.isBefore(write), "WeChat's wait leaves time to write the outcome");
    assertTrue(write.isBefore(orders), "an order's writes end before its batch stops waiting for it");
    assertTrue(orders.isBefore(park), "parking comes after the orders");
    assertTrue(park.isBefore(END), "the answer is returned before Lambda stops the invocation");
    assertTrue(BUDGET.leaseUntil(END).isAfter(END), "a live holder is never taken over");
  }

  @Test
  void theStandardBudgetKeepsASecondAndAHalfForTheOutcomeAndTwoSecondsOfLeaseSkew() {
    assertEquals(END.minusMillis(1_500), BUDGET.sendDeadline(END));
    assertEquals(END.minusMillis(600), BUDGET.writeBy(END));
    assertEquals(END.minusMillis(300), BUDGET.ordersBy(END));
    assertEquals(END.minusMillis(100), BUDGET.parkBy(END));
    assertEquals(END.plusSeconds(2), BUDGET.leaseUntil(END));
  }

  @Test
  void aWriteGetsWhatIsLeftButNeverLessThanTheShortestWrite() {
    assertEquals(Duration.ofMillis(900), BUDGET.writeTime(END.minusMillis(1_500), BUDGET.writeBy(END)));
    assertEquals(Duration.ofMillis(100), BUDGET.writeTime(END.minusMillis(620), BUDGET.writeBy(END)),
        "the first attempt is made however little is left");
    assertEquals(Duration.ofMillis(100), BUDGET.writeTime(END, BUDGET.writeBy(END)));
  }

  @Test
  void aRetryOrAParkIsStartedOnlyWithTimeForIt() {
    Instant writeBy = BUDGET.writeBy(END);
    assertTrue(BUDGET.roomToRetry(writeBy.minusMillis(100), writeBy));
    assertFalse(BUDGET.roomToRetry(writeBy.minusMillis(99), writeBy));
    Instant parkBy = BUDGET.parkBy(END);
    assertTrue(BUDGET.roomToPark(parkBy.minusMillis(50), parkBy));
    assertFalse(BUDGET.roomToPark(parkBy.minusMillis(49), parkBy));
  }

  @Test
  void reservesThatDoNotShrinkTowardsTheAnswerAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> BUDGET.withFinishReserve(Duration.ofMillis(500)),
        "WeChat's wait would end after the outcome's writes must");
  }
}
