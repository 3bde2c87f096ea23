package payscore.simulator;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request in arrival order. A request gets its place when it arrives but is recorded only
 * once judged (a delayed one later), so places are reserved by sequence number.
 */
final class RequestLog {

  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentSkipListMap<Long, RecordedRequest> requests = new ConcurrentSkipListMap<>();

  long arrive() {
    return sequence.getAndIncrement();
  }

  void record(long place, RecordedRequest request) {
    requests.put(place, request);
  }

  List<RecordedRequest> snapshot() {
    return List.copyOf(requests.values());
  }

  void clear() {
    requests.clear();
  }
}
