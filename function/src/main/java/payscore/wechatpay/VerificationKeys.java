package payscore.wechatpay;

import java.security.PublicKey;
import java.util.List;

/** Finds the WeChat Pay key that a response's {@code Wechatpay-Serial} header names. */
@FunctionalInterface
public interface VerificationKeys {
  /** The key for this serial, or null when it is unknown. */
  PublicKey forSerial(String serial);

  /** Tries each source in turn, e.g. the public key and platform certificates during migration. */
  static VerificationKeys firstOf(List<VerificationKeys> sources) {
    List<VerificationKeys> copy = List.copyOf(sources);
    return serial -> {
      for (VerificationKeys source : copy) {
        PublicKey key = source.forSerial(serial);
        if (key != null) return key;
      }
      return null;
    };
  }
}
