package payscore.merchant;

/** Hands out the current merchant key set, cached, and re-reads it when WeChat refuses a signature. */
public interface MerchantSource {
  /** The cached merchant, re-read once its lifetime has passed. */
  Merchant current();

  /**
   * Called after WeChat answered {@code 401 SIGN_ERROR} to a request signed by {@code refused}:
   * re-reads the secret now (once, however many callers ask) and returns the newest version,
   * which may be the same one when nothing was rotated.
   */
  Merchant refreshAfterSignError(Merchant refused);
}
