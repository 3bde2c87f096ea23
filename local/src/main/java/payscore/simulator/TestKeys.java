package payscore.simulator;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Locale;

/** Keys and certificates for tests and the local sandbox, made with the JDK alone. */
public final class TestKeys {

  private static final String SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
  private static final String COMMON_NAME = "2.5.4.3";

  private TestKeys() {}

  public static KeyPair rsa2048() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
  }

  /** A real DER X.509 v3 certificate, self-signed with SHA256withRSA, issuer and subject {@code CN=commonName}. */
  public static X509Certificate selfSignedCertificate(
      KeyPair keyPair, String serialHex, Instant notBefore, Instant notAfter, String commonName) {
    byte[] algorithm = Der.sequence(Der.oid(SHA256_WITH_RSA), Der.nullValue());
    byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8String(commonName))));
    byte[] tbsCertificate = Der.sequence(
        Der.explicit(0, Der.integer(BigInteger.TWO)),
        Der.integer(new BigInteger(serialHex, 16)),
        algorithm,
        name,
        Der.sequence(Der.time(notBefore), Der.time(notAfter)),
        name,
        keyPair.getPublic().getEncoded());
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(keyPair.getPrivate());
      signature.update(tbsCertificate);
      byte[] der = Der.sequence(tbsCertificate, algorithm, Der.bitString(signature.sign()));
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a certificate", e);
    }
  }

  public static String pem(String type, byte[] der) {
    return PemArmour.encode(type, der);
  }

  /** PKCS#8, as WeChat's merchant tool writes apiclient_key.pem. */
  public static String privateKeyPem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  /** X.509 SubjectPublicKeyInfo, as the merchant platform shows the WeChat Pay public key. */
  public static String publicKeyPem(PublicKey key) {
    return pem("PUBLIC KEY", key.getEncoded());
  }

  public static String certificatePem(X509Certificate certificate) {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encode certificate", e);
    }
  }

  /** A platform certificate with a key of its own; its serialNo is {@code serialHex} in upper case. */
  public static PlatformCertificate platformCertificate(String serialHex, Instant notBefore, Instant notAfter) {
    KeyPair keyPair = rsa2048();
    X509Certificate certificate =
        selfSignedCertificate(keyPair, serialHex, notBefore, notAfter, "WeChat Pay platform certificate (test)");
    return new PlatformCertificate(serialHex.toUpperCase(Locale.ROOT), certificate, keyPair.getPrivate());
  }
}
