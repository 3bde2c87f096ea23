package payscore.faults;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link AwsFaultProxy} does to a request a {@link FaultRule} matched. "After apply" faults
 * forward the request, so moto applies it, and then lose or hold back the answer: the write
 * happened although the caller cannot know. The others never reach moto.
 */
public sealed interface Fault {

  FaultKind kind();

  /** Forwards, lets moto apply it, then closes the connection without answering. */
  static Fault dropAnswer() {
    return new DropAnswer();
  }

  /** Forwards, lets moto apply it, then resets the connection (TCP RST) without answering. */
  static Fault resetAfterApply() {
    return new ResetAfterApply();
  }

  /** Forwards, lets moto apply it, then answers only after {@code delay} (e.g. past the SDK's attempt timeout). */
  static Fault delayAnswer(Duration delay) {
    return new DelayAnswer(delay);
  }

  /**
   * The service's real throttling error, HTTP 400, not forwarded: DynamoDB's {@code
   * ThrottlingException}, Secrets Manager's {@code ThrottlingException}, SQS's {@code RequestThrottled}.
   */
  static Fault throttle() {
    return new Throttle(false);
  }

  /** DynamoDB's {@code ProvisionedThroughputExceededException}, HTTP 400, not forwarded. */
  static Fault provisionedThroughputExceeded() {
    return new Throttle(true);
  }

  /** 500 {@code InternalServerError} (or the service's name for it), not forwarded. */
  static Fault internalServerError() {
    return new ServerError(500);
  }

  /** 503 {@code ServiceUnavailable}, not forwarded. */
  static Fault serviceUnavailable() {
    return new ServerError(503);
  }

  /** Any JSON-protocol error, not forwarded: {@code {"__type": type, "message": message}}. */
  static Fault errorAnswer(int status, String type, String message) {
    return new ErrorAnswer(status, type, message);
  }

  /** Resets the connection once the request is read, not forwarded. */
  static Fault reset() {
    return new Reset();
  }

  record DropAnswer() implements Fault {
    @Override
    public FaultKind kind() {
      return FaultKind.DROPPED_AFTER_APPLY;
    }
  }

  record ResetAfterApply() implements Fault {
    @Override
    public FaultKind kind() {
      return FaultKind.RESET_AFTER_APPLY;
    }
  }

  record DelayAnswer(Duration delay) implements Fault {
    public DelayAnswer {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("negative delay: " + delay);
      }
    }

    @Override
    public FaultKind kind() {
      return FaultKind.DELAYED;
    }
  }

  /** @param provisionedThroughput DynamoDB's older throttling error instead of {@code ThrottlingException} */
  record Throttle(boolean provisionedThroughput) implements Fault {
    @Override
    public FaultKind kind() {
      return FaultKind.THROTTLED;
    }
  }

  record ServerError(int status) implements Fault {
    public ServerError {
      if (status < 500 || status > 599) {
        throw new IllegalArgumentException("not a 5xx status: " + status);
      }
    }

    @Override
    public FaultKind kind() {
      return FaultKind.SERVER_ERROR;
    }
  }

  record ErrorAnswer(int status, String type, String message) implements Fault {
    public ErrorAnswer {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("not an error status: " + status);
      }
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public FaultKind kind() {
      return FaultKind.ERROR_ANSWER;
    }
  }

  record Reset() implements Fault {
    @Override
    public FaultKind kind() {
      return FaultKind.RESET;
    }
  }
}
