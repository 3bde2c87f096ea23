package payscore.wechatpay;

import java.security.PublicKey;
import java.util.List;

/** Finds the WeChat Pay key that a response's {@code Wechatpay-Serial} header names. */
@FunctionalInterface
public interface VerificationKeys {
  /** The key for this serial, or null when it is unknown. */
  PublicKey forSerial(String serial);

  /**
   * Loads what verifying needs, waiting no later than {@code deadline}; called before anything is
   * sent. Whether an answer can be verified now: a source that holds its key needs nothing.
   */
  default boolean load(java.time.Instant deadline) {
    return true;
  }

  /** Tries each source in turn, e.g. the public key and platform certificates during migration. */
  static VerificationKeys firstOf(List<VerificationKeys> sources) {
    List<VerificationKeys> copy = List.copyOf(sources);
    return new VerificationKeys() {
      @Override
      public PublicKey forSerial(String serial) {
        for (VerificationKeys source : copy) {
          PublicKey key = source.forSerial(serial);
          if (key != null) return key;
        }
        return null;
      }

      /** Every source loads; one that can verify is enough (the public key, during migration). */
      @Override
      public boolean load(java.time.Instant deadline) {
        boolean any = false;
        for (VerificationKeys source : copy) any |= source.load(deadline);
        return any;
      }
    };
  }
}
