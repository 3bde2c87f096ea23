package payscore.wechatpay;

/** Whether a response's signature checked out, and if not, why (never the signature itself). */
public record Verification(boolean verified, String reason) {
  static final Verification OK = new Verification(true, "verified");

  static Verification failed(String reason) {
    return new Verification(false, reason);
  }
}
