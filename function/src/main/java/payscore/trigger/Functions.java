package payscore.trigger;

import payscore.PendingMessageFunction;

/** Where a handler gets its function from; a failure to build it is reported per invocation. */
@FunctionalInterface
interface Functions {
  PendingMessageFunction get();

  /**
   * The execution environment's function, built now: Lambda constructs handlers during INIT, so
   * the clients are built there and, with SnapStart, primed and kept in the snapshot. A function
   * that cannot be built (a missing variable) is tried again on each invocation, which then
   * answers with the reason instead of failing INIT.
   */
  static Functions shared() {
    try {
      PendingMessageFunction.shared();
    } catch (RuntimeException e) {
      // reported by the invocation that asks for it
    }
    return PendingMessageFunction::shared;
  }

  static Functions of(PendingMessageFunction function) {
    return () -> function;
  }
}
