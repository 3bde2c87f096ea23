package payscore.simulator;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A WeChat Pay platform certificate with the private key WeChat signs responses with. */
public record PlatformCertificate(String serialNo, X509Certificate certificate, PrivateKey privateKey) {

  public PlatformCertificate {
    Objects.requireNonNull(serialNo, "serialNo");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
  }
}
