package payscore.simulator;

/** How the simulator judged a request. */
public enum Verdict {
  /** Passed every check; WeChat took the message (or served the certificate list). */
  ACCEPTED,
  /** Authenticated and valid, but the order already had its one message. */
  DUPLICATE,
  /** The Authorization header was missing, malformed, stale or did not verify. */
  SIGN_ERROR,
  /** A required header (Accept, User-Agent, Content-Type) was missing or wrong. */
  INVALID_REQUEST,
  /** The body or the out_order_no broke a rule. */
  PARAM_ERROR,
  /** A scripted {@link Behaviour} answered. */
  SCRIPTED,
  /** Nothing lives at that method and path, or the resource does not exist. */
  NOT_FOUND
}
