package payscore.bench;

import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.Signature;

/**
 * The crypto floor of one JVM configuration: CPU ms of one RSA-2048 SHA256withRSA sign plus one
 * verify of a message of the request's size, after warm-up, in a JVM started with that
 * configuration's flags and classpath. Argument "accp" installs Amazon Corretto Crypto Provider
 * first, as the function does. Prints {@code RESULT floor_ms=… provider=…}.
 */
public final class CryptoFloor {
  private CryptoFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("accp")) {
      Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider").getMethod("install").invoke(null);
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair key = generator.generateKeyPair();
    byte[] message = new byte[400];
    // Warm-up: long enough for C2 to compile BigInteger's Montgomery code where C2 runs.
    long end = System.nanoTime() + 8_000_000_000L;
    for (int i = 0; i < 3_000 && System.nanoTime() < end; i++) signAndVerify(key, message);
    int rounds = 0;
    double before = cpuMillis();
    end = System.nanoTime() + 3_000_000_000L;
    while (rounds < 500 && System.nanoTime() < end) {
      signAndVerify(key, message);
      rounds++;
    }
    double floor = (cpuMillis() - before) / rounds;
    System.out.println("RESULT floor_ms=" + floor + " provider=" + Signature.getInstance("SHA256withRSA").getProvider().getName()
        + " first_provider=" + Security.getProviders()[0].getName());
  }

  private static double cpuMillis() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e6;
  }

  private static void signAndVerify(KeyPair key, byte[] message) throws Exception {
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(key.getPrivate());
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withRSA");
    verifier.initVerify(key.getPublic());
    verifier.update(message);
    if (!verifier.verify(signature)) throw new IllegalStateException("verify failed");
  }
}
