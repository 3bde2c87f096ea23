package payscore.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * One scripted answer to one authenticated send-pendingmessage request of an order (see
 * {@link WeChatPaySimulator#script}). "Processed" answers count the message as taken by WeChat.
 * A stalled answer is decided when the request arrives (a processed one is taken at once, as
 * WeChat would have it) and only its delivery stalls.
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

  /** Handled as if unscripted, without the builder's answer delay: body rules, one message per order, signed 204. */
  static Behaviour normal() {
    return new Normal();
  }

  /**
   * Takes the message and answers 200 with a signed JSON body instead of the usual 204, so that
   * there is a body to stall (see {@link #stallBody}).
   */
  static Behaviour acceptedWithBody() {
    return new AcceptedWithBody();
  }

  /** Decides {@code answer} at once, sends no byte for {@code stall}, then sends it. */
  static Behaviour stallHeaders(Duration stall, Behaviour answer) {
    return new Stalled(answer, Phase.HEADERS, Objects.requireNonNull(stall, "stall"));
  }

  /** Decides {@code answer} at once (taking the message if it is processed) and never sends a byte. */
  static Behaviour stallHeadersForever(Behaviour answer) {
    return new Stalled(answer, Phase.HEADERS, null);
  }

  /**
   * Decides {@code answer} at once, sends its status line, headers (with the full Content-Length)
   * and the first half of its body, stalls for {@code stall}, then sends the rest. The answer
   * needs a body: an {@link ErrorAnswer} or {@link #acceptedWithBody()}.
   */
  static Behaviour stallBody(Duration stall, Behaviour answer) {
    return new Stalled(answer, Phase.BODY, Objects.requireNonNull(stall, "stall"));
  }

  /** As {@link #stallBody} but the rest of the body never comes. */
  static Behaviour stallBodyForever(Behaviour answer) {
    return new Stalled(answer, Phase.BODY, null);
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

  record Normal() implements Behaviour {}

  record AcceptedWithBody() implements Behaviour {}

  /**
   * An answer whose delivery stalls in {@code phase}.
   *
   * @param stall how long the delivery stalls; null means forever (until the client gives up or the simulator closes)
   */
  record Stalled(Behaviour answer, Phase phase, Duration stall) implements Behaviour {
    public Stalled {
      Objects.requireNonNull(answer, "answer");
      Objects.requireNonNull(phase, "phase");
      if (stall != null && stall.isNegative()) {
        throw new IllegalArgumentException("negative stall: " + stall);
      }
      boolean decidedAtOnce = answer instanceof Normal || answer instanceof ErrorAnswer
          || answer instanceof FlawedSuccess || answer instanceof AcceptedWithBody;
      if (!decidedAtOnce) {
        throw new IllegalArgumentException("cannot stall " + answer);
      }
      if (phase == Phase.BODY && !(answer instanceof ErrorAnswer || answer instanceof AcceptedWithBody)) {
        throw new IllegalArgumentException("a body stall needs an answer with a body, not " + answer);
      }
    }

    boolean forever() {
      return stall == null;
    }
  }

  /** Where a stalled answer stops: before any byte, or after the headers and half the body. */
  enum Phase { HEADERS, BODY }

  /** A processed 204 whose signature a careful client must not trust. */
  record FlawedSuccess(Flaw flaw) implements Behaviour {
    public FlawedSuccess {
      Objects.requireNonNull(flaw, "flaw");
    }
  }

  enum Flaw { SIGN_TEST, WRONG_KEY, UNSIGNED, STALE_TIMESTAMP, MALFORMED_SIGNATURE }
}
