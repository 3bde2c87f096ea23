package payscore.lambda;

/**
 * An invocation that produced no response: what the Lambda service reports to the caller instead.
 *
 * @see Kind
 */
public final class FunctionError extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why there is no response. */
  public enum Kind {
    /** The runtime client reported an error for the invocation ({@code …/invocation/{id}/error}). */
    UNHANDLED,
    /** The runtime client could not initialise the function ({@code …/init/error}). */
    INIT,
    /** The invocation ran past the function's timeout; its execution environment was destroyed. */
    TIMEOUT,
    /** The function's JVM exited during the invocation. */
    EXITED
  }

  private final Kind kind;
  private final String requestId;
  private final String errorType;
  private final String payload;

  FunctionError(Kind kind, String requestId, String errorType, String message, String payload) {
    super(kind + " " + errorType + ": " + message + "\n" + payload);
    this.kind = kind;
    this.requestId = requestId;
    this.errorType = errorType;
    this.payload = payload;
  }

  public Kind kind() {
    return kind;
  }

  public String requestId() {
    return requestId;
  }

  /** Lambda's {@code errorType}, e.g. {@code Sandbox.Timedout} or the exception class the client reported. */
  public String errorType() {
    return errorType;
  }

  /** The error document as the runtime client posted it (or as Lambda would write it). */
  public String payload() {
    return payload;
  }
}
