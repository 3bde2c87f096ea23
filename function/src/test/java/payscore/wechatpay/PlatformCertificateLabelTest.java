package payscore.wechatpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A platform certificate is trusted only under its own serial: the list's {@code serial_no} label
 * must be the certificate's serial number (hex, any case, leading zeros allowed). The fixture is a
 * self-signed certificate made by {@code openssl req -x509 -set_serial 0x0157F09E…B8E1}.
 */
class PlatformCertificateLabelTest {
  private static final String SERIAL = "0157F09EFDC096DE15EBE81A47057A7232F1B8E1";

  private static X509Certificate certificate() throws IOException {
    try (InputStream in = PlatformCertificateLabelTest.class.getResourceAsStream("/keys/platform-test-certificate.pem")) {
      return Pem.certificate("platform certificate", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void theFixtureHasTheSerialItsNameSays() throws Exception {
    assertEquals(new BigInteger(SERIAL, 16), certificate().getSerialNumber());
  }

  @ParameterizedTest
  @ValueSource(strings = {SERIAL, "157F09EFDC096DE15EBE81A47057A7232F1B8E1", "0157f09efdc096de15ebe81a47057a7232f1b8e1",
      "000157F09EFDC096DE15EBE81A47057A7232F1B8E1"})
  void aLabelThatIsTheCertificatesOwnSerialIsTrusted(String label) throws Exception {
    assertTrue(PlatformCertificates.labels(label, certificate()), label);
  }

  @ParameterizedTest
  @ValueSource(strings = {"5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "0157F09EFDC096DE15EBE81A47057A7232F1B8E2",
      "", " 0157F09EFDC096DE15EBE81A47057A7232F1B8E1", "0x0157F09EFDC096DE15EBE81A47057A7232F1B8E1",
      "-0157F09EFDC096DE15EBE81A47057A7232F1B8E1", "０157F09EFDC096DE15EBE81A47057A7232F1B8E1", "PUB_KEY_ID_0157F09E"})
  void anyOtherLabelIsNot(String label) throws Exception {
    assertFalse(PlatformCertificates.labels(label, certificate()), label);
  }
}
