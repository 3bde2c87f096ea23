package payscore.simulator;

/** A verdict and the reply that goes with it; a null reply means the simulator never answers. */
record Outcome(Verdict verdict, Reply reply) {

  static Outcome unanswered() {
    return new Outcome(Verdict.SCRIPTED, null);
  }

  boolean answered() {
    return reply != null;
  }
}
