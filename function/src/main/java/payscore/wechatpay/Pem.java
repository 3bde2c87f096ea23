package payscore.wechatpay;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Reads the PEM keys of the merchant secret: the merchant's PKCS#8 private key, the WeChat Pay
 * public key (SPKI) and platform certificates. Errors say what was found instead of what was
 * expected, by the name of the field, and never contain any of the key material.
 */
public final class Pem {
  private static final String PRIVATE_KEY = "PRIVATE KEY";
  private static final String PUBLIC_KEY = "PUBLIC KEY";
  private static final String CERTIFICATE = "CERTIFICATE";

  private Pem() {}

  public static PrivateKey privateKey(String field, String pem) {
    byte[] der = body(field, pem, PRIVATE_KEY);
    PrivateKey key;
    try {
      key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new KeyFormatException(field + " is not a PKCS#8 RSA private key");
    }
    requireRsa2048(field, key);
    return key;
  }

  public static PublicKey publicKey(String field, String pem) {
    byte[] der = body(field, pem, PUBLIC_KEY);
    PublicKey key;
    try {
      key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new KeyFormatException(field + " is not an RSA public key (SubjectPublicKeyInfo)");
    }
    requireRsa2048(field, key);
    return key;
  }

  public static X509Certificate certificate(String field, String pem) {
    byte[] der = body(field, pem, CERTIFICATE);
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new KeyFormatException(field + " is not an X.509 certificate");
    }
  }

  private static void requireRsa2048(String field, java.security.Key key) {
    if (((RSAKey) key).getModulus().bitLength() < 2048) {
      throw new KeyFormatException(field + " is an RSA key shorter than 2048 bits");
    }
  }

  /** The DER bytes between the BEGIN and END lines of the one block of the expected type. */
  private static byte[] body(String field, String pem, String expected) {
    if (pem == null || pem.isBlank()) throw new KeyFormatException(field + " is empty");
    // Secrets pasted through some consoles carry the two characters backslash-n for newlines.
    String text = pem.replace("\\n", "\n").strip();
    int begin = text.indexOf("-----BEGIN ");
    if (begin < 0) {
      throw new KeyFormatException(field + " is not PEM: expected a -----BEGIN " + expected + "----- block");
    }
    int typeEnd = text.indexOf("-----", begin + 11);
    if (typeEnd < 0) throw new KeyFormatException(field + " is not PEM: unterminated BEGIN line");
    String found = text.substring(begin + 11, typeEnd);
    if (!found.equals(expected)) throw new KeyFormatException(field + " " + mismatch(found, expected));
    String end = "-----END " + expected + "-----";
    int endAt = text.indexOf(end, typeEnd);
    if (endAt < 0) throw new KeyFormatException(field + " is not PEM: missing " + end);
    try {
      return Base64.getMimeDecoder().decode(text.substring(typeEnd + 5, endAt));
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException(field + " is not PEM: the block is not valid Base64");
    }
  }

  private static String mismatch(String found, String expected) {
    if (found.equals("RSA PRIVATE KEY")) {
      return "is a PKCS#1 key (BEGIN RSA PRIVATE KEY); convert it with "
          + "`openssl pkcs8 -topk8 -nocrypt -in key.pem` to PKCS#8 (BEGIN PRIVATE KEY)";
    }
    if (found.equals("ENCRYPTED PRIVATE KEY")) return "is an encrypted private key; store it unencrypted in PKCS#8";
    if (found.equals("RSA PUBLIC KEY")) return "is a PKCS#1 public key; expected BEGIN PUBLIC KEY";
    if (found.equals(CERTIFICATE)) return "is a certificate where a " + expected.toLowerCase() + " belongs";
    if (found.equals(PRIVATE_KEY)) return "is a private key where a " + expected.toLowerCase() + " belongs";
    if (found.equals(PUBLIC_KEY)) return "is a public key where a " + expected.toLowerCase() + " belongs";
    return "holds an unexpected PEM block; expected BEGIN " + expected;
  }
}
