package payscore.merchant;

/** The merchant secret is missing, unreadable or malformed; the message names the field, never a value. */
public final class MerchantSecretException extends RuntimeException {
  private final boolean unavailable;

  public MerchantSecretException(String message) {
    this(message, false);
  }

  private MerchantSecretException(String message, boolean unavailable) {
    super(message, null, false, false);
    this.unavailable = unavailable;
  }

  /** Secrets Manager could not be read: a passing failure, unlike a malformed secret. */
  public static MerchantSecretException unavailable(String message) {
    return new MerchantSecretException(message, true);
  }

  public boolean unavailable() {
    return unavailable;
  }
}
