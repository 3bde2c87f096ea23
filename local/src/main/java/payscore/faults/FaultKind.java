package payscore.faults;

/** What the proxy did to a request instead of passing it through, for counters and reports. */
public enum FaultKind {
  /** Forwarded and applied by moto; the connection closed without an answer. */
  DROPPED_AFTER_APPLY,
  /** Forwarded and applied by moto; the connection reset without an answer. */
  RESET_AFTER_APPLY,
  /** Forwarded and applied by moto; the answer held back. */
  DELAYED,
  /** Answered with the service's throttling error, not forwarded. */
  THROTTLED,
  /** Answered with a 5xx error, not forwarded. */
  SERVER_ERROR,
  /** Answered with a scripted error, not forwarded. */
  ERROR_ANSWER,
  /** Connection reset before forwarding. */
  RESET,
  /** Reset because an outage window was open, not forwarded. */
  OUTAGE
}
