package payscore.simulator;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The merchants' API public keys, by mchid and certificate serial. */
final class MerchantRegistry {

  private final ConcurrentMap<String, Map<String, PublicKey>> keysByMchid = new ConcurrentHashMap<>();

  void add(String mchid, String serialNo, PublicKey key) {
    keysByMchid.merge(mchid, Map.of(serialNo, key), MerchantRegistry::union);
  }

  void replace(String mchid, String serialNo, PublicKey key) {
    keysByMchid.put(mchid, Map.of(serialNo, key));
  }

  boolean knows(String mchid) {
    return keysByMchid.containsKey(mchid);
  }

  Optional<PublicKey> key(String mchid, String serialNo) {
    return Optional.ofNullable(keysByMchid.getOrDefault(mchid, Map.of()).get(serialNo));
  }

  private static Map<String, PublicKey> union(Map<String, PublicKey> first, Map<String, PublicKey> second) {
    Map<String, PublicKey> union = new HashMap<>(first);
    union.putAll(second);
    return Map.copyOf(union);
  }
}
