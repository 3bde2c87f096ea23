package payscore.wechatpay;

/** A key or certificate that cannot be used; the message names the field and never quotes it. */
public final class KeyFormatException extends IllegalArgumentException {
  public KeyFormatException(String message) {
    super(message);
  }
}
