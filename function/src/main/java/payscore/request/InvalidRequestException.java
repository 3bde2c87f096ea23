package payscore.request;

import java.util.List;

/** A request body that breaks one or more rules; carries every violation, not just the first. */
public final class InvalidRequestException extends Exception {
  private final transient List<FieldError> errors;

  public InvalidRequestException(List<FieldError> errors) {
    super(summary(errors), null, false, false);
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
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
