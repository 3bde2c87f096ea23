package payscore.simulator;

/**
 * A verdict and the reply that goes with it; a null reply means the simulator never answers.
 *
 * @param stall how the reply's delivery stalls, null when it is sent at once
 */
record Decision(Verdict verdict, Reply reply, Behaviour.Stalled stall) {

  Decision(Verdict verdict, Reply reply) {
    this(verdict, reply, null);
  }

  static Decision unanswered() {
    return new Decision(Verdict.SCRIPTED, null);
  }

  Decision stalled(Behaviour.Stalled how) {
    return new Decision(verdict, reply, how);
  }

  /** False when no status line will ever be sent. */
  boolean answered() {
    return reply != null && !(stall != null && stall.phase() == Behaviour.Phase.HEADERS && stall.forever());
  }
}
