package payscore.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.observe.OutcomeLog.Metric;
import payscore.wechatpay.SendOutcome;

/**
 * Rows of the outcome table. For a WeChat answer whose record could not be written, what it counts
 * under depends on whether this request, or an earlier one, may have reached WeChat (through the
 * runtime, RecordWritesThroughRuntimeTest shows one of these rows end to end). A fault of the
 * merchant secret answers the same on send and on resolution (RunbookThroughRuntimeTest).
 */
class OutcomeTest {
  static Stream<Arguments> unrecordedAnswers() {
    return Stream.of(
        Arguments.of(new SendOutcome.Uncertain(500, "SYSTEM_ERROR", "系统错误", "R-1"), false, Metric.Uncertain),
        Arguments.of(new SendOutcome.TimedOut("no answer in time"), false, Metric.Uncertain),
        Arguments.of(new SendOutcome.Rejected(400, "PARAM_ERROR", "bad", "R-2"), true, Metric.Uncertain),
        Arguments.of(new SendOutcome.Rejected(400, "PARAM_ERROR", "bad", "R-3"), false, Metric.Failed),
        Arguments.of(new SendOutcome.NotProcessed(429, "FREQUENCY_LIMITED", "slow down", "R-4"), false, Metric.Failed),
        Arguments.of(new SendOutcome.NotProcessed(429, "FREQUENCY_LIMITED", "slow down", "R-5"), true,
            Metric.Uncertain));
  }

  @ParameterizedTest
  @MethodSource("unrecordedAnswers")
  void anUnrecordedAnswerIsRetriedAsInternalErrorAndCountedByWhatMayHaveReachedWeChat(SendOutcome answer,
      boolean sentBefore, Metric metric) {
    Outcome row = Outcome.of(new SendResult.Unrecorded(answer, sentBefore, "ThrottlingException"));

    assertEquals(500, row.httpStatus());
    assertEquals("INTERNAL_ERROR", row.code());
    assertEquals(Outcome.Disposition.RETRY, row.disposition());
    assertEquals(metric, row.metric());
    assertTrue(row.message().startsWith("could not record the outcome in DynamoDB (ThrottlingException) after "
        + "WeChat Pay answered"), row.message());
  }

  /** A malformed secret is configuration, a read that failed is passing: on every route that reads the secret. */
  static Stream<Arguments> secretFaults() {
    return Stream.of(
        Arguments.of(Outcome.of(new SendResult.InternalError("merchant secret field mchid is missing")), 500,
            "INTERNAL_ERROR", null),
        Arguments.of(Outcome.of(new ResolveResult.InternalError("merchant secret field mchid is missing")), 500,
            "INTERNAL_ERROR", null),
        Arguments.of(Outcome.of(new SendResult.DependencyUnavailable("could not read the merchant secret")), 503,
            "DEPENDENCY_UNAVAILABLE", 1L),
        Arguments.of(Outcome.of(new ResolveResult.Unavailable("could not read the merchant secret")), 503,
            "DEPENDENCY_UNAVAILABLE", 1L));
  }

  @ParameterizedTest
  @MethodSource("secretFaults")
  void secretFaultsAnswerAlikeOnSendAndResolution(Outcome row, int status, String code, Long retryAfter) {
    assertEquals(status, row.httpStatus());
    assertEquals(code, row.code());
    assertEquals(retryAfter, row.retryAfterSeconds());
    assertEquals(Outcome.Disposition.RETRY, row.disposition());
    assertEquals(Metric.Failed, row.metric());
  }

  @Test
  void aResolutionWithoutAnIamIdentityIs403CountedInvalidAndWarns() {
    Outcome row = Outcome.forbidden("settling an order needs the caller's IAM identity");

    assertEquals(403, row.httpStatus());
    assertEquals("FORBIDDEN", row.code());
    assertEquals(Metric.Invalid, row.metric());
    assertTrue(row.warn(), "with IAM auth on every route it cannot happen: a warning when it does");
    assertEquals("FORBIDDEN", row.logResult());
  }
}
