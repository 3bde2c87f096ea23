package payscore.request;

/** One broken rule of the request, named by its JSON path, e.g. {@code post_payments[3].name}. */
public record FieldError(String field, String message) {}
