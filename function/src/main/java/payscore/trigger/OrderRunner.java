package payscore.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Runs the orders of one batch concurrently and collects what finished by a deadline. An order
 * that has not finished (or failed) by then is left out of the result: its messages go back to
 * SQS, and the idempotency record keeps any send that did happen from happening twice.
 */
final class OrderRunner {
  private final ExecutorService workers;
  private final Clock clock;

  OrderRunner(ExecutorService workers, Clock clock) {
    this.workers = Objects.requireNonNull(workers, "workers");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @param work one task per order, keyed by order number
   * @param unfinished told of each order left out, with the reason
   */
  <T> Map<String, T> run(Map<String, Callable<T>> work, Instant returnBy, BiConsumer<String, String> unfinished) {
    Map<String, CompletableFuture<T>> running = new LinkedHashMap<>();
    work.forEach((order, task) -> running.put(order, CompletableFuture.supplyAsync(() -> {
      try {
        return task.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, workers)));
    Map<String, T> done = new LinkedHashMap<>();
    running.forEach((order, future) -> {
      try {
        long wait = Math.max(0, Duration.between(clock.instant(), returnBy).toMillis());
        done.put(order, future.get(wait, TimeUnit.MILLISECONDS));
      } catch (TimeoutException | ExecutionException e) {
        unfinished.accept(order, e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        unfinished.accept(order, "interrupted");
      }
    });
    return done;
  }
}
