package payscore.soak;

import java.util.ArrayList;
import java.util.List;

/**
 * One message on the soak's model of an SQS queue: its body, how often it was received, every
 * delivery and what became of it, and its end once it has one.
 */
final class SoakMessage {
  /** SQS redrives a message to its own DLQ once it was received this often without being deleted. */
  static final int MAX_RECEIVE_COUNT = 5;

  /** How a message left the queue. */
  enum End {
    SENT("sent (first time)"),
    /** Acknowledged as sent (WeChat accepted it), but the SENT record could not be written: {@code recorded: false}. */
    SENT_UNRECORDED("sent, SENT record not written"),
    REPLAYED("replayed"),
    INVALID_REQUEST("parked INVALID_REQUEST"),
    WECHATPAY_REJECTED("parked WECHATPAY_REJECTED"),
    PAYLOAD_MISMATCH("parked PAYLOAD_MISMATCH"),
    OUTCOME_UNKNOWN("parked OUTCOME_UNKNOWN"),
    REDRIVEN("redriven after " + MAX_RECEIVE_COUNT + " receives");

    final String label;

    End(String label) {
      this.label = label;
    }

    boolean parked() {
      return this == INVALID_REQUEST || this == WECHATPAY_REJECTED || this == PAYLOAD_MISMATCH
          || this == OUTCOME_UNKNOWN;
    }

    boolean sent() {
      return this == SENT || this == REPLAYED || this == SENT_UNRECORDED;
    }
  }

  /** One receive of the message: the SQS record the function saw and what it said about it. */
  static final class Delivery {
    final String deliveryId;
    final int round;
    final int receive;
    /** Ran while moto was restarted and empty. */
    final boolean duringOutage;
    /** In batchItemFailures. */
    boolean failed;
    /** The function's log line for this delivery when the round ended: result and error code (null: none). */
    String logResult;
    String logErrorCode;
    String logErrorMessage;
    /** The whole log line, for diagnosis. */
    String logLine;
    /** When the invocation that carried this delivery started and ended. */
    java.time.Instant invokedAt;
    java.time.Instant returnedAt;
    /** The error_code of the DLQ letter this delivery parked, if any. */
    String parkedCode;
    /** Shares the outcome of an earlier message of the same batch with the same order and body. */
    boolean repeatInBatch;
    /** The metric of the EMF line logged with this delivery's outcome (null: none or unreadable). */
    String logMetric;
    /** The metrics the contract allows for what the soak saw of this delivery (from SQS, the DLQ, the record, WeChat). */
    java.util.Set<String> expectedMetrics = java.util.Set.of();

    Delivery(String deliveryId, int round, int receive, boolean duringOutage) {
      this.deliveryId = deliveryId;
      this.round = round;
      this.receive = receive;
      this.duringOutage = duringOutage;
    }

    /**
     * A failure not caused by a WeChat answer that the order's script chose: the moto outage, work
     * the handler gave up on, another delivery holding the order, a dependency failure, or a
     * timeout no script asked for (the machine was too slow for the deadline).
     */
    boolean extraFailure(FaultPlan.Order order) {
      if (!failed) return false;
      if (duringOutage || logResult == null || !"RETRY".equals(logResult)) return true;
      if ("IN_PROGRESS".equals(logErrorCode) || "DEPENDENCY_UNAVAILABLE".equals(logErrorCode)) return true;
      if (unscriptedTimeout(order)) return true;
      return "INTERNAL_ERROR".equals(logErrorCode) && !order.scriptUnauthorized();
    }

    /** WeChat did not answer in time although the order's script never made it hang. */
    boolean unscriptedTimeout(FaultPlan.Order order) {
      return "UPSTREAM_TIMEOUT".equals(logErrorCode) && !order.scriptHangs();
    }

    String describe() {
      String what = failed ? "retry" : parkedCode != null ? "parked " + parkedCode : String.valueOf(logResult);
      String why = logResult == null ? (failed ? " (no outcome logged: unfinished)" : "")
          : logErrorCode == null ? "" : " " + logErrorCode;
      return "r" + round + "#" + receive + ":" + what + (failed ? why : "") + (duringOutage ? " [outage]" : "")
          + (logMetric == null ? "" : " {" + logMetric + "}");
    }
  }

  final String id;
  final FaultPlan.Order order;
  final String body;
  final boolean valid;
  /** The payload hash the function computes (null for an invalid body). */
  final String hash;
  /** The round from which the message is on the queue. */
  final int arrivalRound;
  /** original, duplicate, second body, invalid, invalid companion. */
  final String role;
  final List<Delivery> deliveries = new ArrayList<>();
  End end;
  /** SQS's visibility timeout: a message handed back is received again no sooner than this. */
  java.time.Instant visibleAt = java.time.Instant.MIN;

  SoakMessage(String id, FaultPlan.Order order, String body, boolean valid, String hash, int arrivalRound,
      String role) {
    this.id = id;
    this.order = order;
    this.body = body;
    this.valid = valid;
    this.hash = hash;
    this.arrivalRound = arrivalRound;
    this.role = role;
  }

  int receives() {
    return deliveries.size();
  }

  Delivery deliver(int round, boolean duringOutage) {
    Delivery delivery = new Delivery(id + "-" + (deliveries.size() + 1), round, deliveries.size() + 1, duringOutage);
    deliveries.add(delivery);
    return delivery;
  }

  Delivery last() {
    return deliveries.get(deliveries.size() - 1);
  }

  boolean pending(int round) {
    return end == null && arrivalRound <= round;
  }

  String history() {
    return deliveries.stream().map(Delivery::describe).toList().toString();
  }

  @Override
  public String toString() {
    return id + " (" + role + " of " + order.orderNo + ", " + order.describe() + ")";
  }
}
