package payscore.trigger;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import payscore.send.Outcome;
import payscore.send.Outcome.Disposition;

/**
 * One call's shared state. It closes when the call returns its response: work still running then
 * starts no send, parks nothing and logs nothing, since SQS delivers its messages again and the
 * return has counted them. A message's end counts only if it was recorded while open.
 */
final class BatchProgress {
  final AtomicBoolean open = new AtomicBoolean(true);
  final Set<String> atWeChat = ConcurrentHashMap.newKeySet();
  private final Map<String, Ending> ended = new HashMap<>();

  /** How one message ended: its row, and what actually happened to it (a failed park is a retry). */
  record Ending(Outcome outcome, Disposition disposition) {}

  /** Whether the end was recorded: false once the call has returned. */
  synchronized boolean record(String id, Ending ending) {
    if (!open.get()) return false;
    ended.put(id, ending);
    return true;
  }

  synchronized Map<String, Ending> close() {
    open.set(false);
    return Map.copyOf(ended);
  }
}
