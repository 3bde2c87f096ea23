package payscore.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The body of GET /v3/certificates: every platform certificate, PEM encrypted with the APIv3 key. */
final class CertificateList {

  private static final DateTimeFormatter BEIJING_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX").withZone(ZoneOffset.ofHours(8));
  private static final String ASSOCIATED_DATA = "certificate";

  private final SecretKeySpec apiV3Key;
  private final List<PlatformCertificate> certificates;

  CertificateList(byte[] apiV3Key, List<PlatformCertificate> certificates) {
    this.apiV3Key = new SecretKeySpec(apiV3Key, "AES");
    this.certificates = List.copyOf(certificates);
  }

  /** Fresh nonces on every call, as WeChat does. */
  byte[] json() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ArrayNode data = root.putArray("data");
    for (PlatformCertificate certificate : certificates) {
      String nonce = RandomText.alphanumeric(12);
      ObjectNode item = data.addObject()
          .put("serial_no", certificate.serialNo())
          .put("effective_time", BEIJING_TIME.format(certificate.certificate().getNotBefore().toInstant()))
          .put("expire_time", BEIJING_TIME.format(certificate.certificate().getNotAfter().toInstant()));
      item.putObject("encrypt_certificate")
          .put("algorithm", "AEAD_AES_256_GCM")
          .put("nonce", nonce)
          .put("associated_data", ASSOCIATED_DATA)
          .put("ciphertext", encrypt(TestKeys.certificatePem(certificate.certificate()), nonce));
    }
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  private String encrypt(String plaintext, String nonce) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, apiV3Key, new GCMParameterSpec(128, nonce.getBytes(StandardCharsets.UTF_8)));
      cipher.updateAAD(ASSOCIATED_DATA.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a platform certificate", e);
    }
  }
}
