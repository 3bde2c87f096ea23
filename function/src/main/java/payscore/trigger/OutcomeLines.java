package payscore.trigger;

import payscore.idempotency.IdempotencyRecord;
import payscore.observe.OutcomeLog;
import payscore.send.Outcome;

/** The log line of one request, from its row of the outcome table. */
final class OutcomeLines {
  private OutcomeLines() {}

  /**
   * @param result what became of the request, as the log's {@code result} field says it
   * @param errorCode the code to log; null for a success
   */
  static OutcomeLog.Entry entry(String trigger, String outOrderNo, String subMchid, String sqsMessageId, String result,
      String errorCode, Outcome outcome, long durationMs) {
    IdempotencyRecord record = outcome.record();
    String requestId = outcome.wechatpay() != null ? outcome.wechatpay().requestId()
        : record == null ? null : record.wechatpayRequestId();
    return new OutcomeLog.Entry(trigger, outOrderNo, subMchid, sqsMessageId, result,
        record == null ? null : record.state().name(),
        record == null ? 0 : record.attempts(),
        requestId,
        outcome.wechatpay() == null ? 0 : outcome.wechatpay().status(),
        errorCode,
        outcome.httpStatus() >= 500 ? outcome.message() : null,
        durationMs,
        outcome.metric(),
        outcome.warn());
  }
}
