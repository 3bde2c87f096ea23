package payscore.trigger;

import payscore.idempotency.IdempotencyRecord;
import payscore.observe.OutcomeLog.Metric;
import payscore.send.SendResult;
import payscore.wechatpay.SendOutcome;

/** What the log and metrics say of a result. */
final class Outcomes {
  private Outcomes() {}

  static IdempotencyRecord record(SendResult result) {
    if (result instanceof SendResult.Sent sent) return sent.record();
    if (result instanceof SendResult.OutcomeUnknown unknown) return unknown.record();
    if (result instanceof SendResult.PayloadMismatch mismatch) return mismatch.record();
    return null;
  }

  static SendOutcome wechatpay(SendResult result) {
    if (result instanceof SendResult.Rejected rejected) return rejected.outcome();
    if (result instanceof SendResult.UpstreamError error) return error.outcome();
    if (result instanceof SendResult.UpstreamTimeout timeout) return timeout.outcome();
    return null;
  }

  static String requestId(SendResult result) {
    SendOutcome outcome = wechatpay(result);
    if (outcome != null) return outcome.requestId();
    IdempotencyRecord record = record(result);
    return record == null ? null : record.wechatpayRequestId();
  }

  static int wechatpayStatus(SendResult result) {
    SendOutcome outcome = wechatpay(result);
    return outcome == null ? 0 : outcome.status();
  }

  static Metric metric(SendResult result) {
    if (result instanceof SendResult.Sent sent) return sent.replayed() ? Metric.Replayed : Metric.Sent;
    if (result instanceof SendResult.Rejected) return Metric.Rejected;
    if (result instanceof SendResult.UpstreamError error) {
      return error.outcome() instanceof SendOutcome.Uncertain ? Metric.Uncertain : Metric.Retried;
    }
    if (result instanceof SendResult.UpstreamTimeout timeout) {
      return timeout.outcome() instanceof SendOutcome.Uncertain ? Metric.Uncertain : Metric.Retried;
    }
    if (result instanceof SendResult.OutcomeUnknown) return Metric.Uncertain;
    if (result instanceof SendResult.InProgress) return Metric.Retried;
    if (result instanceof SendResult.PayloadMismatch) return Metric.Rejected;
    return Metric.Failed;
  }
}
