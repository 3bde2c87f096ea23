package payscore.request;

/** One line of {@code post_payments}; optional fields are null when absent. Amounts in fen. */
public record PostPayment(String name, Long amount, String description, Integer count) {}
