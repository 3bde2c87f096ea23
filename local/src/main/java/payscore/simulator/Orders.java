package payscore.simulator;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Per service order: the messages WeChat took and the scripted answers still to give. A script
 * for one {@link ServiceOrder} is used before a script for its bare order number (which serves
 * every mode and sub-merchant), and both before the default behaviour.
 */
final class Orders {

  private final ConcurrentMap<ServiceOrder, AtomicInteger> taken = new ConcurrentHashMap<>();
  private final ConcurrentMap<ServiceOrder, Queue<Behaviour>> orderScripts = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Queue<Behaviour>> numberScripts = new ConcurrentHashMap<>();
  private volatile Behaviour defaultBehaviour = Behaviour.normal();

  void script(String outOrderNo, List<Behaviour> behaviours) {
    numberScripts.computeIfAbsent(outOrderNo, order -> new ConcurrentLinkedQueue<>()).addAll(behaviours);
  }

  void script(ServiceOrder order, List<Behaviour> behaviours) {
    orderScripts.computeIfAbsent(order, key -> new ConcurrentLinkedQueue<>()).addAll(behaviours);
  }

  void defaultBehaviour(Behaviour behaviour) {
    defaultBehaviour = behaviour;
  }

  /** The next scripted answer, else the default behaviour unless that is {@link Behaviour#normal()}. */
  Optional<Behaviour> nextScripted(ServiceOrder order) {
    Behaviour next = poll(orderScripts.get(order));
    if (next == null) {
      next = poll(numberScripts.get(order.outOrderNo()));
    }
    if (next == null && !(defaultBehaviour instanceof Behaviour.Normal)) {
      next = defaultBehaviour;
    }
    return Optional.ofNullable(next);
  }

  /** Takes the order's one message; false when it already had one. Atomic across threads. */
  boolean takeFirst(ServiceOrder order) {
    return counter(order).compareAndSet(0, 1);
  }

  /** A scripted answer says WeChat took a message, whatever it had taken before. */
  void take(ServiceOrder order) {
    counter(order).incrementAndGet();
  }

  int taken(ServiceOrder order) {
    AtomicInteger counter = taken.get(order);
    return counter == null ? 0 : counter.get();
  }

  /** Orders with at least one message taken. */
  Map<ServiceOrder, Integer> takenSnapshot() {
    return taken.entrySet().stream()
        .filter(entry -> entry.getValue().get() > 0)
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, entry -> entry.getValue().get()));
  }

  void clear() {
    taken.clear();
    orderScripts.clear();
    numberScripts.clear();
    defaultBehaviour = Behaviour.normal();
  }

  private AtomicInteger counter(ServiceOrder order) {
    return taken.computeIfAbsent(order, key -> new AtomicInteger());
  }

  private static Behaviour poll(Queue<Behaviour> script) {
    return script == null ? null : script.poll();
  }
}
