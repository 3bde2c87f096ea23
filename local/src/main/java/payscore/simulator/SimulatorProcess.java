package payscore.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

/**
 * The simulator in a process of its own, for benchmarks that must not share a JVM with it.
 * Arguments: mchid, merchant serial, merchant public key PEM file, WeChat Pay public key id,
 * WeChat Pay private key PEM file, WeChat Pay public key PEM file, answer delay in ms. Prints
 * {@code SIMULATOR <base url>} when ready and runs until its standard input closes.
 */
public final class SimulatorProcess {
  private SimulatorProcess() {}

  public static void main(String[] args) throws Exception {
    KeyFactory rsa = KeyFactory.getInstance("RSA");
    var merchantKey = rsa.generatePublic(new X509EncodedKeySpec(der(Path.of(args[2]))));
    var wechatpayPrivate = rsa.generatePrivate(new PKCS8EncodedKeySpec(der(Path.of(args[4]))));
    var wechatpayPublic = rsa.generatePublic(new X509EncodedKeySpec(der(Path.of(args[5]))));
    try (WeChatPaySimulator simulator = WeChatPaySimulator.builder()
        .merchant(args[0], args[1], merchantKey)
        .publicKeyMode(args[3], new KeyPair(wechatpayPublic, wechatpayPrivate))
        .answerDelay(Duration.ofMillis(Long.parseLong(args[6])))
        .start()) {
      System.out.println("SIMULATOR " + simulator.baseUrl());
      System.out.flush();
      while (System.in.read() >= 0) {
        // runs until the parent closes our standard input (or exits)
      }
    }
  }

  private static byte[] der(Path pem) throws IOException {
    return Base64.getMimeDecoder().decode(Files.readString(pem).replaceAll("-----[A-Z ]+-----", ""));
  }
}
