package payscore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that stands still until a test or a fake steps it: a lease passes in one call, and a
 * dependency that "took its whole budget" moves time on without the test waiting for it.
 */
public final class StepClock extends Clock {
  private volatile Instant now;

  public StepClock(Instant start) {
    this.now = start;
  }

  public synchronized void advance(Duration step) {
    now = now.plus(step);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("this clock is always UTC");
  }
}
