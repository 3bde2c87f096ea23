package payscore.merchant;

/** The merchant secret is missing, unreadable or malformed; the message names the field, never a value. */
public final class MerchantSecretException extends RuntimeException {
  public MerchantSecretException(String message) {
    super(message, null, false, false);
  }
}
