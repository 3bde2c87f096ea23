package payscore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;

/**
 * The API function, warm: CPU time per message over many sends of new orders, beside the crypto
 * floor measured in the same JVM (one RSA-2048 sign and one verify, what every message costs at
 * least). Arguments: the send event file, the number of messages.
 */
public final class WarmLoop {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WarmLoop() {}

  public static void main(String[] args) throws Exception {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readString(Path.of(args[0])));
    int messages = Integer.parseInt(args[1]);
    payscore.trigger.EventHandler handler = payscore.PendingMessageFunction.create(System.getenv(), System.out).api();
    String run = Long.toString(System.nanoTime(), 36);
    send(handler, event, "W" + run + "-warm-", messages / 4);

    double cpuBefore = ChildReport.processCpuMillis();
    long jitBefore = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    long gcBefore = gcMillis();
    long wallBefore = System.nanoTime();
    send(handler, event, "W" + run + "-", messages);
    double cpuPerMessage = (ChildReport.processCpuMillis() - cpuBefore) / messages;
    double jitPerMessage = (java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime()
        - jitBefore) / (double) messages;
    double gcPerMessage = (gcMillis() - gcBefore) / (double) messages;
    double wallPerMessage = (System.nanoTime() - wallBefore) / 1e6 / messages;

    double floor = cryptoFloorMillis(messages / 4);
    ChildReport.print("cpu_ms_per_message=" + cpuPerMessage, "wall_ms_per_message=" + wallPerMessage,
        "floor_ms=" + floor, "jit_ms_per_message=" + jitPerMessage, "gc_ms_per_message=" + gcPerMessage, "heap_mib=" + ChildReport.peakHeapMiB(), "rss_mib=" + ChildReport.peakRssMiB());
    System.exit(0);
  }

  private static long gcMillis() {
    long total = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) total += gc.getCollectionTime();
    return total;
  }

  private static void send(payscore.trigger.EventHandler handler, ObjectNode template, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      String order = prefix + i;
      ObjectNode event = template.deepCopy();
      ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
      ObjectNode response = handler.handle(event, Instant.now().plusSeconds(15));
      if (response.get("statusCode").asInt() != 200) throw new IllegalStateException(order + ": " + response);
    }
  }

  /** Process CPU ms of one SHA256withRSA sign plus one verify of a message of the body's size. */
  private static double cryptoFloorMillis(int rounds) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair key = generator.generateKeyPair();
    byte[] message = new byte[400];
    byte[] signature = null;
    for (int i = 0; i < rounds / 4; i++) signature = signAndVerify(key, message);
    double before = ChildReport.processCpuMillis();
    for (int i = 0; i < rounds; i++) signature = signAndVerify(key, message);
    if (signature == null) throw new IllegalStateException();
    return (ChildReport.processCpuMillis() - before) / rounds;
  }

  private static byte[] signAndVerify(KeyPair key, byte[] message) throws Exception {
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(key.getPrivate());
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withRSA");
    verifier.initVerify(key.getPublic());
    verifier.update(message);
    if (!verifier.verify(signature)) throw new IllegalStateException("verify failed");
    return signature;
  }
}
