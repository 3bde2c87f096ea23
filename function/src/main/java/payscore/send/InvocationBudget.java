package payscore.send;

import java.time.Duration;
import java.time.Instant;

/**
 * How an invocation's time is split, counted back from the instant Lambda stops it: WeChat is
 * waited for until the send deadline, outcomes are written until {@link #writeBy}, a batch's
 * orders are waited for until {@link #ordersBy}, messages are parked until {@link #parkBy}, and
 * the answer is returned before the end. A claim's lease outlives the invocation, so no live
 * holder is ever taken over. Every reserve of the function is here; {@code InvocationBudgetTest}
 * holds their order.
 *
 * @param finishReserve kept back from WeChat's wait for writing the outcome and answering
 * @param answerReserve kept back from the outcome's writes for answering (more than {@code batchReserve},
 *     so every write of a batch's orders ends before the batch stops waiting for them)
 * @param batchReserve kept back from a batch's orders for parking and returning the batch response
 * @param parkReserve kept back from parking for returning the batch response
 * @param leaseSkew a lease's time beyond the invocation's end, for clock differences between
 *     instances and DynamoDB
 * @param minWrite less than this left is too little for a write, which is then given this long
 *     (the first attempt is made however little is left: it is the only way to leave a true record)
 * @param minPark less than this left is too little for parking: the message goes back to the queue
 */
public record InvocationBudget(Duration finishReserve, Duration answerReserve, Duration batchReserve,
    Duration parkReserve, Duration leaseSkew, Duration minWrite, Duration minPark) {

  /** The function's budget: deep enough for a DynamoDB write after WeChat answers. */
  public static final InvocationBudget STANDARD = new InvocationBudget(Duration.ofMillis(1_500),
      Duration.ofMillis(600), Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofSeconds(2),
      Duration.ofMillis(100), Duration.ofMillis(50));

  public InvocationBudget {
    if (!(finishReserve.compareTo(answerReserve) > 0 && answerReserve.compareTo(batchReserve) > 0
        && batchReserve.compareTo(parkReserve) > 0 && parkReserve.isPositive())) {
      throw new IllegalArgumentException("reserves must shrink from WeChat's wait to the answer: " + this);
    }
  }

  /** The same budget with another time kept back from WeChat's wait (tests use short invocations). */
  public InvocationBudget withFinishReserve(Duration reserve) {
    return new InvocationBudget(reserve, answerReserve, batchReserve, parkReserve, leaseSkew, minWrite, minPark);
  }

  /** No wait on WeChat, headers or body, goes past this. */
  public Instant sendDeadline(Instant end) {
    return end.minus(finishReserve);
  }

  /** The outcome's writes, retries included, end here. */
  public Instant writeBy(Instant end) {
    return end.minus(answerReserve);
  }

  /** A batch stops waiting for its orders here. */
  public Instant ordersBy(Instant end) {
    return end.minus(batchReserve);
  }

  /** Parking in the DLQ ends here. */
  public Instant parkBy(Instant end) {
    return end.minus(parkReserve);
  }

  /** After this a claim counts as abandoned by a dead holder. */
  public Instant leaseUntil(Instant end) {
    return end.plus(leaseSkew);
  }

  /** How long a write started at {@code now} may take to end by {@code until}: at least {@link #minWrite}. */
  public Duration writeTime(Instant now, Instant until) {
    Duration left = Duration.between(now, until);
    return left.compareTo(minWrite) < 0 ? minWrite : left;
  }

  /** Whether a retry that would start at {@code next} still has time for a write before {@code until}. */
  public boolean roomToRetry(Instant next, Instant until) {
    return Duration.between(next, until).compareTo(minWrite) >= 0;
  }

  /** Whether parking can start at {@code now} and end by {@code parkBy}. */
  public boolean roomToPark(Instant now, Instant parkBy) {
    return Duration.between(now, parkBy).compareTo(minPark) >= 0;
  }
}
