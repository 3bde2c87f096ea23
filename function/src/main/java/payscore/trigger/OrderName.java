package payscore.trigger;

/**
 * The order an answer is about, as every answer names it (the contract's "Partner mode", v3): its
 * number, its mode, and in partner mode the sub-merchant, so that nobody acts on the wrong one of
 * the up to many orders that share a number.
 *
 * @param outOrderNo the path's order number as given; null when the request has none
 * @param partner whether the request names a sub-merchant (a service provider's order)
 * @param subMchid the sub-merchant, when the request names a well-formed one; null otherwise
 */
record OrderName(String outOrderNo, boolean partner, String subMchid) {
  static OrderName direct(String outOrderNo) {
    return new OrderName(outOrderNo, false, null);
  }

  String mode() {
    return partner ? "partner" : "direct";
  }
}
