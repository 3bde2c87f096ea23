package payscore.wechatpay;

/**
 * What happened to one pending message, from the point of view of "could WeChat have taken it?".
 * {@code status} is WeChat's HTTP status (0 when none came); {@code code} and {@code message}
 * come from WeChat's error body, or describe the local failure; {@code requestId} is WeChat's
 * {@code Request-ID} header when there was one.
 */
public sealed interface SendOutcome {
  int status();

  String code();

  String message();

  String requestId();

  /** A 2xx whose signature verified: WeChat took the message. */
  record Accepted(int status, String requestId) implements SendOutcome {
    @Override
    public String code() {
      return null;
    }

    @Override
    public String message() {
      return null;
    }
  }

  /** A definitive refusal (4xx other than 401 and 429): nothing was sent. */
  record Rejected(int status, String code, String message, String requestId) implements SendOutcome {}

  /** 401, 429 or no connection: WeChat did not process it, and the same request may be sent again. */
  record NotProcessed(int status, String code, String message, String requestId) implements SendOutcome {}

  /** The caller's deadline had passed before anything was sent: WeChat did not process it. */
  record DeadlinePassed(String message) implements SendOutcome {
    @Override
    public int status() {
      return 0;
    }

    @Override
    public String code() {
      return "DEADLINE_EXCEEDED";
    }

    @Override
    public String requestId() {
      return null;
    }
  }

  /** The request was sent and no answer came in time: WeChat may have taken it. */
  record TimedOut(String message) implements SendOutcome {
    @Override
    public int status() {
      return 0;
    }

    @Override
    public String code() {
      return "TIMEOUT";
    }

    @Override
    public String requestId() {
      return null;
    }
  }

  /** 5xx, a broken connection after sending, or a 2xx that did not verify: WeChat may have taken it. */
  record Uncertain(int status, String code, String message, String requestId) implements SendOutcome {}
}
