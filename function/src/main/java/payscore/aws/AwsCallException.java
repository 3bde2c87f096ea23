package payscore.aws;

/**
 * An AWS call that did not succeed: refused by the service ({@link #code()} from its error body), or
 * not answered. Says whether the call may have been applied, which only a write's caller can weigh.
 */
public final class AwsCallException extends RuntimeException {
  private final String operation;
  private final int status;
  private final String code;
  private final boolean mayHaveBeenApplied;
  private final transient com.fasterxml.jackson.databind.JsonNode body;

  AwsCallException(String operation, int status, String code, boolean mayHaveBeenApplied,
      com.fasterxml.jackson.databind.JsonNode body, Throwable cause) {
    super(operation + " failed (" + (code != null ? code : status > 0 ? "HTTP " + status
        : cause != null ? cause.getClass().getSimpleName() : "no answer") + ")", cause, false, false);
    this.operation = operation;
    this.status = status;
    this.code = code;
    this.mayHaveBeenApplied = mayHaveBeenApplied;
    this.body = body;
  }

  /** The operation, e.g. {@code UpdateItem}. */
  public String operation() {
    return operation;
  }

  /** HTTP status of the last answer; 0 when none came. */
  public int status() {
    return status;
  }

  /** The service's error code (e.g. {@code ConditionalCheckFailedException}); null when none came. */
  public String code() {
    return code;
  }

  /** Whether the service may have applied the call: it was sent and not answered, or answered 5xx. */
  public boolean mayHaveBeenApplied() {
    return mayHaveBeenApplied;
  }

  /** The service's error body (DynamoDB puts the old item here), or null. */
  public com.fasterxml.jackson.databind.JsonNode body() {
    return body;
  }

  /** A short cause for messages and logs: the error code, the status, or the kind of I/O failure. */
  public String reason() {
    return code != null ? code : status > 0 ? "HTTP " + status
        : getCause() != null ? getCause().getClass().getSimpleName() : "no answer";
  }
}
