package payscore.lambda;

import org.junit.platform.engine.TestTag;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts sam build's standalone build as soon as a test plan holding a class tagged
 * {@link SamBuild#RUNS_THE_ARTIFACT} starts, so that the build runs beside the classes that do
 * not need it rather than in front of the first class that does. Those classes ask
 * {@link SamBuild#artifact} as before and wait for this build; a failed build fails them with its
 * cause. A plan without such a class builds nothing.
 */
public final class EarlyBuild implements TestExecutionListener {
  private static final TestTag TAG = TestTag.create(SamBuild.RUNS_THE_ARTIFACT);

  @Override
  public void testPlanExecutionStarted(TestPlan plan) {
    boolean needed = plan.getRoots().stream()
        .flatMap(root -> plan.getDescendants(root).stream())
        .anyMatch(test -> test.getTags().contains(TAG));
    if (!needed) return;
    Thread build = new Thread(() -> {
      try {
        SamBuild.artifact(SamTemplate.read().function("ApiFunction"));
      } catch (RuntimeException failed) {
        // Remembered by SamBuild, and reported to every class that asks for the artifact.
      }
    }, "early-sam-build");
    build.setDaemon(true);
    build.start();
  }
}
