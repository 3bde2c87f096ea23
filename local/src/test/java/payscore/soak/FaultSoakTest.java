package payscore.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import payscore.soak.SoakMessage.End;

/**
 * The fault soak, small: about 100 orders through SQS batches with faults at random, a key
 * rotation and a moto restart midway. {@code -Dsoak.seed=…} and {@code -Dsoak.orders=…} choose
 * another run; the benchmark runs {@link FaultSoak#main} with 1,000 orders.
 */
@Order(1)
class FaultSoakTest {
  static final long SEED = Long.getLong("soak.seed", 20_240_611L);
  static final int ORDERS = Integer.getInteger("soak.orders", 100);

  @Test
  @Timeout(value = 120)
  void everyMessageEndsAndWeChatAcceptsEachOrderAtMostOnce() {
    FaultSoak.Report report = new FaultSoak().run(ORDERS, SEED, System.out);

    assertTrue(report.checksHold(), () -> "seed " + SEED + ": " + report.failures().size() + " checks failed:\n  "
        + String.join("\n  ", report.failures()));
    assertEquals(report.messages(), report.ends().values().stream().mapToInt(Integer::intValue).sum(),
        "every message has exactly one end");
    assertTrue(report.rounds() <= FaultSoak.MAX_ROUNDS);
    assertTrue(report.wechatAcceptances() <= report.orders(), "at most one acceptance per order");
    // The plan's quotas put every fault into even a small soak, so every kind of end must show up.
    for (End end : End.values()) {
      assertTrue(report.count(end) > 0, () -> "no message ended " + end.label + " (seed " + SEED + ")");
    }
    if (ORDERS <= 100) assertTrue(report.wall().compareTo(Duration.ofSeconds(60)) < 0, "took " + report.wall());
  }
}
