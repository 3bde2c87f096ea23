package payscore.harness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The clock of local/'s tests and tools: time plus an offset that a test advances, so waiting for
 * a lease or a cache to expire becomes one call. On the system clock ({@code new SteppedClock()})
 * time still moves as requests are made; {@link #standingAt} stands still until stepped.
 */
public final class SteppedClock extends Clock {
  /** Null: the system clock. */
  private final Instant start;
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  public SteppedClock() {
    this.start = null;
  }

  private SteppedClock(Instant start) {
    this.start = Objects.requireNonNull(start, "start");
  }

  /** A clock that reads {@code start} until a test steps it. */
  public static SteppedClock standingAt(Instant start) {
    return new SteppedClock(start);
  }

  public void advance(Duration step) {
    offset.updateAndGet(current -> current.plus(step));
  }

  @Override
  public Instant instant() {
    return (start == null ? Instant.now() : start).plus(offset.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a stepped clock is always UTC");
  }
}
