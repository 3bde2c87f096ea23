package payscore.fuzz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What the fuzz run knows about order numbers: which it handed out, which were sent (learned
 * from 200 responses with {@code replayed: false}) and with what body, and which were only ever
 * refused or looked up (so nothing may have been claimed for them).
 */
final class OrderLedger {
  /** An order sent by the function: the valid body it was sent with (null when the case did not know it). */
  record Sent(BodyModel model, String requestId, int caseIndex) {}

  private final Set<String> used = new HashSet<>();
  final Map<String, Sent> sent = new LinkedHashMap<>();
  private final List<String> sentWithModel = new ArrayList<>();
  private final List<String> unclaimed = new ArrayList<>();
  private final Set<String> unclaimedSet = new HashSet<>();
  /** Orders the function answered 200 with replayed=false more than once for, with the case numbers. */
  final Map<String, List<Integer>> sentAgain = new HashMap<>();

  /** A valid order number never handed out before. */
  String fresh(Random r) {
    while (true) {
      int pick = r.nextInt(100);
      int length = pick < 60 ? 10 + r.nextInt(15) : pick < 70 ? 32 : pick < 75 ? 1 + r.nextInt(3) : 4 + r.nextInt(28);
      String order = FuzzText.orderChars(r, length);
      if (used.add(order)) return order;
    }
  }

  /** A fresh order number of exactly {@code length} characters (shorter ones may run out: then longer). */
  String fresh(Random r, int length) {
    for (int attempt = 0; ; attempt++) {
      String order = FuzzText.orderChars(r, Math.min(32, length + attempt / 20));
      if (used.add(order)) return order;
    }
  }

  /** A fresh order number with both '|' and '*' in it. */
  String freshOdd(Random r) {
    while (true) {
      char[] chars = FuzzText.orderChars(r, 3 + r.nextInt(30)).toCharArray();
      int a = r.nextInt(chars.length);
      int b = (a + 1 + r.nextInt(chars.length - 1)) % chars.length;
      chars[a] = '|';
      chars[b] = '*';
      String order = new String(chars);
      if (used.add(order)) return order;
    }
  }

  /** Marks a number the generator made some other way as handed out; false when it already was. */
  boolean claimName(String order) {
    return used.add(order);
  }

  boolean isSent(String order) {
    return sent.containsKey(order);
  }

  /** An order sent with a known body, or null when there is none yet. */
  String pickSentWithModel(Random r) {
    return sentWithModel.isEmpty() ? null : sentWithModel.get(r.nextInt(sentWithModel.size()));
  }

  String pickSent(Random r) {
    if (sent.isEmpty()) return null;
    int index = r.nextInt(sent.size());
    for (String order : sent.keySet()) if (index-- == 0) return order;
    return null;
  }

  /** An order only ever refused (400) or looked up (404): nothing may have been recorded for it. */
  String pickUnclaimed(Random r) {
    return unclaimed.isEmpty() ? null : unclaimed.get(r.nextInt(unclaimed.size()));
  }

  void recordSent(String order, BodyModel model, String requestId, int caseIndex) {
    Sent earlier = sent.get(order);
    if (earlier != null) {
      sentAgain.computeIfAbsent(order, o -> new ArrayList<>(List.of(earlier.caseIndex()))).add(caseIndex);
      return;
    }
    used.add(order);
    sent.put(order, new Sent(model, requestId, caseIndex));
    if (model != null) sentWithModel.add(order);
    if (unclaimedSet.remove(order)) unclaimed.remove(order);
  }

  void recordUnclaimed(String order) {
    if (order == null || sent.containsKey(order)) return;
    if (unclaimedSet.add(order)) unclaimed.add(order);
  }
}
