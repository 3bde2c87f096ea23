package payscore.faults;

import java.util.concurrent.atomic.AtomicInteger;

/** A rule installed in a proxy, with how often it fired; thread-safe. */
public final class ActiveRule {

  private final FaultRule rule;
  /** Faults still to inject; unused for {@link FaultRule#ALWAYS}. */
  private final AtomicInteger remaining;
  private final AtomicInteger fired = new AtomicInteger();

  ActiveRule(FaultRule rule) {
    this.rule = rule;
    this.remaining = new AtomicInteger(rule.times());
  }

  public FaultRule rule() {
    return rule;
  }

  /** How many requests got this rule's fault. */
  public int fired() {
    return fired.get();
  }

  /** True once a counted rule has injected all its faults. */
  public boolean exhausted() {
    return rule.times() != FaultRule.ALWAYS && remaining.get() <= 0;
  }

  /** Claims one injection for a matching request; false when it does not match or is used up. */
  boolean claim(AwsOperation operation, String body) {
    if (!rule.matches(operation, body)) {
      return false;
    }
    if (rule.times() != FaultRule.ALWAYS) {
      int left;
      do {
        left = remaining.get();
        if (left <= 0) {
          return false;
        }
      } while (!remaining.compareAndSet(left, left - 1));
    }
    fired.incrementAndGet();
    return true;
  }
}
