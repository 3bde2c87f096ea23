package payscore;

import java.util.List;
import java.util.Objects;
import org.crac.Context;
import org.crac.Resource;
import payscore.observe.OutcomeLog;

/**
 * SnapStart hooks, as lists of parts that each warm or renew themselves. Before the snapshot: every
 * part of the request path runs once on sample data (never calling WeChat, never holding the
 * merchant secret afterwards). After a restore: fresh randomness, the secret read again, DynamoDB
 * connected again. A part that fails is logged and skipped: a snapshot without it is still good,
 * and the first request reports any real failure itself.
 */
final class SnapStartPriming implements Resource {
  /** One named step. */
  record Part(String name, Runnable step) {
    Part {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(step, "step");
    }
  }

  private final List<Part> beforeCheckpoint;
  private final List<Part> afterRestore;
  private final OutcomeLog log;

  SnapStartPriming(List<Part> beforeCheckpoint, List<Part> afterRestore, OutcomeLog log) {
    this.beforeCheckpoint = List.copyOf(beforeCheckpoint);
    this.afterRestore = List.copyOf(afterRestore);
    this.log = Objects.requireNonNull(log, "log");
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) {
    run("snapstart_priming", beforeCheckpoint);
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    run("snapstart_restore", afterRestore);
  }

  private void run(String event, List<Part> parts) {
    for (Part part : parts) {
      try {
        part.step().run();
      } catch (RuntimeException e) {
        log.problem(event, part.name() + " failed (" + e.getClass().getSimpleName() + ")");
      }
    }
  }
}
