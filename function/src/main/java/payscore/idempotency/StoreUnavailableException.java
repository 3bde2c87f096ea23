package payscore.idempotency;

/**
 * The store could not be reached, or did not answer in time: the record is as it was, or, where
 * {@link #mayHaveBeenApplied()}, possibly as the call would have left it.
 */
public final class StoreUnavailableException extends RuntimeException {
  private final String reason;
  private final boolean mayHaveBeenApplied;

  /**
   * @param message what failed, naming the operation and the store, never a value
   * @param reason the cause in a word or two, e.g. {@code ThrottlingException} or {@code HTTP 500}
   */
  public StoreUnavailableException(String message, String reason, boolean mayHaveBeenApplied, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
    this.mayHaveBeenApplied = mayHaveBeenApplied;
  }

  /** The cause in a word or two. */
  public String reason() {
    return reason;
  }

  /** Whether the write may have been applied although no answer said so. */
  public boolean mayHaveBeenApplied() {
    return mayHaveBeenApplied;
  }
}
