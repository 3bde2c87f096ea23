package payscore;

import static payscore.FunctionGraph.BODY;
import static payscore.FunctionGraph.BODY_REORDERED;
import static payscore.FunctionGraph.INVALID_BODY;
import static payscore.FunctionGraph.INVOCATION;
import static payscore.FunctionGraph.OTHER_BODY;
import static payscore.FaultyIdempotencyStore.Fault.answerLost;
import static payscore.FaultyIdempotencyStore.Fault.refused;
import static payscore.FaultyIdempotencyStore.Fault.timedOut;
import static payscore.LoopbackWeChatPay.accepted;
import static payscore.LoopbackWeChatPay.error;

import java.time.Duration;
import java.util.function.Consumer;
import payscore.FaultyIdempotencyStore.Verb;
import payscore.idempotency.IdempotencyRecord;
import payscore.observe.OutcomeLog.Metric;
import payscore.send.Outcome.Disposition;

/**
 * Every row of {@link payscore.send.Outcome}'s table that a request to send can end in, fault rows
 * included: how the fakes bring it about, and what the row promises each trigger shows. The API
 * and the queue tests both run every row.
 */
enum SendRow {
  SENT(g -> g.wechat.answer(accepted()), BODY, INVOCATION,
      answers(200, null, null).counts(Metric.Sent, false).then(Disposition.ACK, "SENT", null).wechat(1).leaves(Left.SENT)),
  /** The SENT write was applied but its answer lost; the retry meets its own write. */
  SENT_AFTER_ITS_RECORD_WRITE_LOST_AN_ANSWER(g -> {
    g.wechat.answer(accepted());
    g.store.failNext(Verb.FINISH, answerLost());
  }, BODY, INVOCATION,
      answers(200, null, null).counts(Metric.Sent, false).then(Disposition.ACK, "SENT", null).wechat(1).leaves(Left.SENT)),
  REPLAYED(g -> g.earlierRequest(BODY, accepted()), BODY_REORDERED, INVOCATION,
      answers(200, null, null).counts(Metric.Replayed, false).then(Disposition.ACK, "REPLAYED", null).wechat(0)
          .leaves(Left.SENT)),
  /** WeChat took it; the SENT record could not be written until the deadline. */
  SENT_UNRECORDED(g -> {
    g.wechat.answer(accepted());
    g.store.failEvery(Verb.FINISH, timedOut(false));
  }, BODY, INVOCATION,
      answers(200, null, null).counts(Metric.Uncertain, true).then(Disposition.ACK, "SENT", "SENT_UNRECORDED")
          .wechat(1).leaves(Left.IN_PROGRESS)),
  /** As above, but the last write landed although no answer said so: still reported unrecorded. */
  SENT_UNRECORDED_THOUGH_THE_WRITE_LANDED(g -> {
    g.wechat.answer(accepted());
    g.store.failEvery(Verb.FINISH, timedOut(true));
  }, BODY, INVOCATION,
      answers(200, null, null).counts(Metric.Uncertain, true).then(Disposition.ACK, "SENT", "SENT_UNRECORDED")
          .wechat(1).leaves(Left.SENT)),
  IN_PROGRESS(g -> g.heldElsewhere(Duration.ofSeconds(12)), BODY, INVOCATION,
      answers(409, "IN_PROGRESS", "12").counts(Metric.Conflict, false).then(Disposition.RETRY).wechat(0)
          .leaves(Left.IN_PROGRESS)),
  PAYLOAD_MISMATCH(g -> g.earlierRequest(BODY, accepted()), OTHER_BODY, INVOCATION,
      answers(409, "PAYLOAD_MISMATCH", null).counts(Metric.Conflict, false).then(Disposition.PARK).wechat(0)
          .leaves(Left.SENT)),
  /** An earlier attempt may have reached WeChat (500); WeChat refuses the retry. */
  OUTCOME_UNKNOWN_WHEN_WECHAT_REFUSES_A_RETRY(g -> {
    g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    g.wechat.answer(error(400, "INVALID_REQUEST", "重复请求"));
  }, BODY, INVOCATION,
      answers(409, "OUTCOME_UNKNOWN", null).counts(Metric.Uncertain, true).then(Disposition.PARK).wechat(1)
          .leaves(Left.NEEDS_REVIEW)),
  OUTCOME_UNKNOWN_WHILE_UNDER_REVIEW(g -> {
    g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    g.earlierRequest(BODY, error(400, "INVALID_REQUEST", "重复请求"));
  }, BODY, INVOCATION,
      answers(409, "OUTCOME_UNKNOWN", null).counts(Metric.Uncertain, true).then(Disposition.PARK).wechat(0)
          .leaves(Left.NEEDS_REVIEW)),
  WECHATPAY_REJECTED(g -> g.wechat.answer(error(400, "PARAM_ERROR", "参数错误")), BODY, INVOCATION,
      answers(422, "WECHATPAY_REJECTED", null).counts(Metric.Rejected, false).then(Disposition.PARK).wechat(1)
          .leaves(Left.REJECTED)),
  UPSTREAM_ERROR_429(g -> g.wechat.answer(error(429, "FREQUENCY_LIMITED", "频率超限")), BODY, INVOCATION,
      answers(502, "UPSTREAM_ERROR", "2").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.ABSENT)),
  UPSTREAM_ERROR_500(g -> g.wechat.answer(error(500, "SYSTEM_ERROR", "系统错误")), BODY, INVOCATION,
      answers(502, "UPSTREAM_ERROR", "1").counts(Metric.Uncertain, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.UNKNOWN)),
  UPSTREAM_ERROR_204_WITH_A_BAD_SIGNATURE(g -> g.wechat.answer(LoopbackWeChatPay.signedBy(FunctionGraph.MERCHANT_KEY)),
      BODY, INVOCATION,
      answers(502, "UPSTREAM_ERROR", "1").counts(Metric.Uncertain, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.UNKNOWN)),
  UPSTREAM_ERROR_CONNECTION_REFUSED(g -> g.wechat.refuseConnections(), BODY, INVOCATION,
      answers(502, "UPSTREAM_ERROR", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  /** WeChat holds its answer; the send deadline (the invocation's end less the finish reserve) cuts it off. */
  UPSTREAM_TIMEOUT_STALLED(g -> g.wechat.answer(LoopbackWeChatPay.stall()), BODY,
      payscore.send.InvocationBudget.STANDARD.finishReserve().plusMillis(100),
      answers(504, "UPSTREAM_TIMEOUT", "1").counts(Metric.Uncertain, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.UNKNOWN)),
  /** Less time left than the finish reserve: nothing may be sent. */
  UPSTREAM_TIMEOUT_DEADLINE_PASSED(g -> g.wechat.answer(accepted()), BODY,
      payscore.send.InvocationBudget.STANDARD.finishReserve().minusMillis(500),
      answers(504, "UPSTREAM_TIMEOUT", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  DEPENDENCY_UNAVAILABLE_SECRETS_MANAGER(g -> g.secrets.unavailable(), BODY, INVOCATION,
      answers(503, "DEPENDENCY_UNAVAILABLE", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  DEPENDENCY_UNAVAILABLE_CLAIM_NOT_APPLIED(g -> g.store.failNext(Verb.CLAIM, refused()), BODY, INVOCATION,
      answers(503, "DEPENDENCY_UNAVAILABLE", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  /** The claim landed but its answer was lost: it is abandoned, so the order is free again. */
  DEPENDENCY_UNAVAILABLE_CLAIM_APPLIED(g -> g.store.failNext(Verb.CLAIM, answerLost()), BODY, INVOCATION,
      answers(503, "DEPENDENCY_UNAVAILABLE", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  /** The claim landed and could not be abandoned either: it stays until its lease ends. */
  /** The claim landed unanswered; giving it back failed once and is retried: nothing is left. */
  DEPENDENCY_UNAVAILABLE_CLAIM_APPLIED_ABANDON_RETRIED(g -> {
    g.store.failNext(Verb.CLAIM, answerLost());
    g.store.failNext(Verb.ABANDON, refused());
  }, BODY, INVOCATION,
      answers(503, "DEPENDENCY_UNAVAILABLE", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  /** The claim landed unanswered and DynamoDB stays unreachable: the claim stands until its lease. */
  DEPENDENCY_UNAVAILABLE_CLAIM_APPLIED_ABANDON_FAILED(g -> {
    g.store.failNext(Verb.CLAIM, answerLost());
    g.store.failEvery(Verb.ABANDON, timedOut(false));
  }, BODY, INVOCATION,
      answers(503, "DEPENDENCY_UNAVAILABLE", "1").counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.IN_PROGRESS)),
  INTERNAL_ERROR_MALFORMED_SECRET(g -> g.secrets.serve(FunctionGraph.malformedSecret("v1")), BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Failed, true).then(Disposition.RETRY).wechat(0)
          .leaves(Left.ABSENT)),
  /** 401 again after the secret was re-read (it had not changed): a configuration fault. */
  INTERNAL_ERROR_SIGN_ERROR(g -> g.wechat.answer(error(401, "SIGN_ERROR", "签名错误")), BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Failed, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.ABSENT)),
  /** WeChat answered 500 and the UNKNOWN record could not be written: it may have arrived. */
  INTERNAL_ERROR_OUTCOME_UNRECORDED_AFTER_500(g -> {
    g.wechat.answer(error(500, "SYSTEM_ERROR", "系统错误"));
    g.store.failEvery(Verb.FINISH, timedOut(false));
  }, BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Uncertain, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.IN_PROGRESS)),
  /** WeChat refused for good (400) and the REJECTED record could not be written: nothing was sent. */
  INTERNAL_ERROR_OUTCOME_UNRECORDED_AFTER_400(g -> {
    g.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));
    g.store.failEvery(Verb.FINISH, timedOut(false));
  }, BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Failed, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.IN_PROGRESS)),
  /** WeChat did not process it (429) and the claim could not be released: nothing was sent. */
  INTERNAL_ERROR_OUTCOME_UNRECORDED_AFTER_429(g -> {
    g.wechat.answer(error(429, "FREQUENCY_LIMITED", "频率超限"));
    g.store.failEvery(Verb.RELEASE, timedOut(false));
  }, BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Failed, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.IN_PROGRESS)),
  /** Nothing reached WeChat this time (429), but an earlier attempt may have (500): Uncertain. */
  INTERNAL_ERROR_OUTCOME_UNRECORDED_AFTER_AN_EARLIER_ATTEMPT(g -> {
    g.earlierRequest(BODY, error(500, "SYSTEM_ERROR", "系统错误"));
    g.wechat.answer(error(429, "FREQUENCY_LIMITED", "频率超限"));
    g.store.failEvery(Verb.FINISH, timedOut(false));
  }, BODY, INVOCATION,
      answers(500, "INTERNAL_ERROR", null).counts(Metric.Uncertain, true).then(Disposition.RETRY).wechat(1)
          .leaves(Left.IN_PROGRESS)),
  INVALID_REQUEST(g -> { }, INVALID_BODY, INVOCATION,
      answers(400, "INVALID_REQUEST", null).counts(Metric.Invalid, false).then(Disposition.PARK).wechat(0)
          .leaves(Left.ABSENT));

  /** The order's record after the request. */
  enum Left {
    ABSENT, IN_PROGRESS, SENT, REJECTED, UNKNOWN, NEEDS_REVIEW;

    static Left of(IdempotencyRecord record) {
      if (record == null) return ABSENT;
      return switch (record.state()) {
        case IN_PROGRESS -> IN_PROGRESS;
        case SENT -> SENT;
        case REJECTED -> REJECTED;
        case UNKNOWN -> record.needsReview() ? NEEDS_REVIEW : UNKNOWN;
      };
    }
  }

  /**
   * What the row promises.
   *
   * @param status the HTTP status; {@code code} its error code (null for a 200)
   * @param retryAfter the HTTP {@code Retry-After} header (null: none)
   * @param metric the one metric the request counts under; {@code warn} whether its log line is a warning
   * @param disposition what SQS does with the message
   * @param result the log line's {@code result} on the API; {@code errorCode} its {@code error_code}
   * @param wechatCalls how many requests reach WeChat
   * @param left the order's record afterwards
   */
  record Expect(int status, String code, String retryAfter, Metric metric, boolean warn, Disposition disposition,
      String result, String errorCode, int wechatCalls, Left left) {
    Expect counts(Metric counted, boolean warning) {
      return new Expect(status, code, retryAfter, counted, warning, disposition, result, errorCode, wechatCalls, left);
    }

    /** An error row: logged with its code as both result and error code. */
    Expect then(Disposition sqs) {
      return then(sqs, code, code);
    }

    Expect then(Disposition sqs, String logResult, String logErrorCode) {
      return new Expect(status, code, retryAfter, metric, warn, sqs, logResult, logErrorCode, wechatCalls, left);
    }

    Expect wechat(int calls) {
      return new Expect(status, code, retryAfter, metric, warn, disposition, result, errorCode, calls, left);
    }

    Expect leaves(Left record) {
      return new Expect(status, code, retryAfter, metric, warn, disposition, result, errorCode, wechatCalls, record);
    }

    /** The log line's {@code result} on the queue: what became of the message. */
    String sqsResult() {
      return switch (disposition) {
        case ACK -> result;
        case PARK -> "PARKED";
        case RETRY -> "RETRY";
      };
    }
  }

  final Consumer<FunctionGraph> given;
  final String body;
  final Duration invocation;
  final Expect expect;

  SendRow(Consumer<FunctionGraph> given, String body, Duration invocation, Expect expect) {
    this.given = given;
    this.body = body;
    this.invocation = invocation;
    this.expect = expect;
  }

  private static Expect answers(int status, String code, String retryAfter) {
    return new Expect(status, code, retryAfter, null, false, null, null, null, 0, null);
  }
}
