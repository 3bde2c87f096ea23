package payscore.trigger;

import payscore.PendingMessageFunction;

/** Where a handler gets its function from; a failure to build it is reported per invocation. */
@FunctionalInterface
interface Functions {
  PendingMessageFunction get();

  static Functions shared() {
    return PendingMessageFunction::shared;
  }

  static Functions of(PendingMessageFunction function) {
    return () -> function;
  }
}
