package payscore.simulator;

import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Per service order: the messages WeChat took and the scripted answers still to give. */
final class Orders {

  private final ConcurrentMap<String, AtomicInteger> taken = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Queue<Behaviour>> scripts = new ConcurrentHashMap<>();

  void script(String outOrderNo, List<Behaviour> behaviours) {
    scripts.computeIfAbsent(outOrderNo, order -> new ConcurrentLinkedQueue<>()).addAll(behaviours);
  }

  Optional<Behaviour> nextScripted(String outOrderNo) {
    Queue<Behaviour> script = scripts.get(outOrderNo);
    return script == null ? Optional.empty() : Optional.ofNullable(script.poll());
  }

  /** Takes the order's one message; false when it already had one. Atomic across threads. */
  boolean takeFirst(String outOrderNo) {
    return counter(outOrderNo).compareAndSet(0, 1);
  }

  /** A scripted answer says WeChat took a message, whatever it had taken before. */
  void take(String outOrderNo) {
    counter(outOrderNo).incrementAndGet();
  }

  int taken(String outOrderNo) {
    AtomicInteger counter = taken.get(outOrderNo);
    return counter == null ? 0 : counter.get();
  }

  void clear() {
    taken.clear();
    scripts.clear();
  }

  private AtomicInteger counter(String outOrderNo) {
    return taken.computeIfAbsent(outOrderNo, order -> new AtomicInteger());
  }
}
