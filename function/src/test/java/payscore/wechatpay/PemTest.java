package payscore.wechatpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PemTest {
  private static final String KEY_PEM = RequestSignerTest.resource("merchant-test-key.pem");

  /** No run of 16 characters of the key's Base64 may appear in an error message. */
  private static void assertNoKeyMaterial(String pem, String message) {
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    for (int i = 0; i + 16 <= base64.length(); i += 8) {
      assertFalse(message.contains(base64.substring(i, i + 16)), "error message quotes key material");
    }
  }

  @Test
  void readsPkcs8PrivateKeyAndSpkiPublicKey() {
    assertEquals("RSA", Pem.privateKey("merchant_private_key", KEY_PEM).getAlgorithm());
    assertEquals("RSA", Pem.publicKey("wechatpay_public_key",
        RequestSignerTest.resource("merchant-test-key.pub.pem")).getAlgorithm());
  }

  @Test
  void acceptsBackslashNEscapedNewlinesAsPastedInSomeConsoles() {
    assertEquals("RSA", Pem.privateKey("merchant_private_key", KEY_PEM.replace("\n", "\\n")).getAlgorithm());
  }

  @Test
  void pkcs1KeyIsNamedAndTheFixIsGiven() {
    String pkcs1 = RequestSignerTest.resource("pkcs1-test-key.pem");
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", pkcs1));
    assertTrue(e.getMessage().startsWith("merchant_private_key is a PKCS#1 key"), e.getMessage());
    assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
    assertNoKeyMaterial(pkcs1, e.getMessage());
  }

  @Test
  void certificateWhereAKeyBelongsIsNamed() {
    String cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.publicKey("wechatpay_public_key", cert));
    assertEquals("wechatpay_public_key is a certificate where a public key belongs", e.getMessage());
  }

  @Test
  void publicKeyWherePrivateKeyBelongsIsNamed() {
    String pub = RequestSignerTest.resource("merchant-test-key.pub.pem");
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", pub));
    assertEquals("merchant_private_key is a public key where a private key belongs", e.getMessage());
  }

  @Test
  void garbageIsRejectedWithoutEchoingIt() {
    String garbage = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 not a pem at all";
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", garbage));
    assertTrue(e.getMessage().startsWith("merchant_private_key is not PEM"), e.getMessage());
    assertFalse(e.getMessage().contains("MIIEvQIBADANBgkqhkiG9w0"), e.getMessage());
  }

  @Test
  void corruptedBase64InsideTheBlockIsRejectedWithoutEchoingIt() {
    String corrupted = KEY_PEM.replace("M", "*");
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", corrupted));
    assertTrue(e.getMessage().startsWith("merchant_private_key is not"), e.getMessage());
    assertNoKeyMaterial(corrupted, e.getMessage());
  }

  @Test
  void truncatedKeyIsRejectedWithoutEchoingIt() {
    String[] lines = KEY_PEM.split("\n");
    String truncated = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[lines.length - 1] + "\n";
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", truncated));
    assertEquals("merchant_private_key is not a PKCS#8 RSA private key", e.getMessage());
  }

  @Test
  void emptyValueIsNamed() {
    assertEquals("wechatpay_public_key is empty",
        assertThrows(KeyFormatException.class, () -> Pem.publicKey("wechatpay_public_key", " ")).getMessage());
  }

  @Test
  void rsaKeyShorterThan2048BitsIsRefused() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(1024);
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Pem.privateKey("merchant_private_key", pem));
    assertEquals("merchant_private_key is an RSA key shorter than 2048 bits", e.getMessage());
  }
}
