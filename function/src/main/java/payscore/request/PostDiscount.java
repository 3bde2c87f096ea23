package payscore.request;

/** One line of {@code post_discounts}; optional fields are null when absent. Amounts in fen. */
public record PostDiscount(String name, String description, Long amount, Long count) {}
