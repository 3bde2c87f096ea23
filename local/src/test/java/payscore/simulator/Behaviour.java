package payscore.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * One scripted answer to one authenticated send-pendingmessage request of an order (see
 * {@link WeChatPaySimulator#script}). "Processed" answers count the message as taken by WeChat.
 */
public sealed interface Behaviour {

  /** A 5xx {@code SYSTEM_ERROR}, unsigned; when {@code processed}, WeChat took the message before failing. */
  static Behaviour serverError(int status, boolean processed) {
    if (status < 500 || status > 599) {
      throw new IllegalArgumentException("not a 5xx status: " + status);
    }
    return new ErrorAnswer(status, "SYSTEM_ERROR", "系统错误", processed);
  }

  /** 429 {@code FREQUENCY_LIMITED}, not processed. */
  static Behaviour rateLimited() {
    return new ErrorAnswer(429, "FREQUENCY_LIMITED", "请求频率超过限制", false);
  }

  /** 401 {@code SIGN_ERROR} although the request was signed correctly, not processed. */
  static Behaviour unauthorized() {
    return new ErrorAnswer(401, "SIGN_ERROR", "签名错误", false);
  }

  /** Any refusal, not processed, e.g. 404 {@code ORDER_NOT_EXIST} or 403 {@code NO_AUTH}. */
  static Behaviour reject(int status, String code, String message) {
    return new ErrorAnswer(status, code, message, false);
  }

  /**
   * Waits, then handles the request normally (body rules, one message per order, signed 204). The
   * request is recorded with the normal verdict, not {@link Verdict#SCRIPTED}.
   */
  static Behaviour delay(Duration duration) {
    return new Delay(duration);
  }

  /** Takes the message, then never answers until the client gives up or the simulator closes. */
  static Behaviour acceptThenHang() {
    return new AcceptThenHang();
  }

  /** Takes the message; the 204's signature is a {@code WECHATPAY/SIGNTEST/} probe. */
  static Behaviour signTest() {
    return new FlawedSuccess(Flaw.SIGN_TEST);
  }

  /** Takes the message; the 204 is signed by a key nobody was given, under the usual serial. */
  static Behaviour wrongKeySignature() {
    return new FlawedSuccess(Flaw.WRONG_KEY);
  }

  /** Takes the message; the 204 carries no {@code Wechatpay-*} headers. */
  static Behaviour unsigned() {
    return new FlawedSuccess(Flaw.UNSIGNED);
  }

  /** Takes the message; the 204 is signed correctly over a timestamp 10 minutes old. */
  static Behaviour staleTimestamp() {
    return new FlawedSuccess(Flaw.STALE_TIMESTAMP);
  }

  /** Takes the message; the 204's signature header is not Base64. */
  static Behaviour malformedSignature() {
    return new FlawedSuccess(Flaw.MALFORMED_SIGNATURE);
  }

  /** An unsigned JSON error answer. */
  record ErrorAnswer(int status, String code, String message, boolean processed) implements Behaviour {
    public ErrorAnswer {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("not an error status: " + status);
      }
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  record Delay(Duration duration) implements Behaviour {
    public Delay {
      if (duration.isNegative()) {
        throw new IllegalArgumentException("negative delay: " + duration);
      }
    }
  }

  record AcceptThenHang() implements Behaviour {}

  /** A processed 204 whose signature a careful client must not trust. */
  record FlawedSuccess(Flaw flaw) implements Behaviour {
    public FlawedSuccess {
      Objects.requireNonNull(flaw, "flaw");
    }
  }

  enum Flaw { SIGN_TEST, WRONG_KEY, UNSIGNED, STALE_TIMESTAMP, MALFORMED_SIGNATURE }
}
