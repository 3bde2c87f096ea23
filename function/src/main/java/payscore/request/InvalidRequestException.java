package payscore.request;

import java.util.List;

/** A request body that breaks one or more rules; carries every violation, not just the first. */
public final class InvalidRequestException extends Exception {
  private final transient List<FieldError> errors;
  private final String subMchid;
  private final boolean partner;

  public InvalidRequestException(List<FieldError> errors) {
    this(errors, null, false);
  }

  /**
   * @param subMchid the sub-merchant the body names, when well-formed; null otherwise
   * @param partner whether the body names a sub-merchant at all (a partner request)
   */
  public InvalidRequestException(List<FieldError> errors, String subMchid, boolean partner) {
    super(summary(errors), null, false, false);
    this.errors = List.copyOf(errors);
    this.subMchid = subMchid;
    this.partner = partner;
  }

  public List<FieldError> errors() {
    return errors;
  }

  /** The sub-merchant the body names, when well-formed; null otherwise. */
  public String subMchid() {
    return subMchid;
  }

  /** Whether the body names a sub-merchant, well-formed or not. */
  public boolean partner() {
    return partner;
  }

  private static String summary(List<FieldError> errors) {
    StringBuilder text = new StringBuilder("invalid request: ");
    for (int i = 0; i < errors.size(); i++) {
      if (i > 0) text.append("; ");
      text.append(errors.get(i).field()).append(' ').append(errors.get(i).message());
    }
    return text.toString();
  }
}
