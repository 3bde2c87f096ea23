package payscore.merchant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MerchantSecretTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** A real merchant key (PKCS#8) and, in its place as WeChat Pay's key, the matching public key. */
  static final String MERCHANT_KEY_PEM = resource("merchant-test-key.pem");
  static final String WECHATPAY_KEY_PEM = resource("merchant-test-key.pub.pem");
  static final String APIV3_KEY = "Zx8Qw3Lp0Rt6Yu2Io9Pa5Sd7Fg1Hj4Kl";

  static ObjectNode valid() {
    ObjectNode secret = JSON.createObjectNode();
    secret.put("mchid", "1900000001");
    secret.put("merchant_serial_no", "5F1C72E2A8931B72A2E13AF8DEE92471EB397115");
    secret.put("merchant_private_key", MERCHANT_KEY_PEM);
    secret.put("wechatpay_public_key_id", "PUB_KEY_ID_0119000000012025010100000000000000");
    secret.put("wechatpay_public_key", WECHATPAY_KEY_PEM);
    secret.put("apiv3_key", APIV3_KEY);
    return secret;
  }

  private static String with(Consumer<ObjectNode> change) {
    ObjectNode secret = valid();
    change.accept(secret);
    return secret.toString();
  }

  private static String failure(String secret) {
    String message = assertThrows(MerchantSecretException.class, () -> MerchantSecret.parse(secret)).getMessage();
    assertFalse(message.contains(APIV3_KEY), message);
    String keyBody = MERCHANT_KEY_PEM.split("\n")[1];
    assertFalse(message.contains(keyBody.substring(0, 20)), message);
    return message;
  }

  @Test
  void bothModesParseAndToStringShowsIdentifiersOnly() {
    MerchantSecret secret = MerchantSecret.parse(valid().toString());

    assertTrue(secret.publicKeyMode());
    assertTrue(secret.platformCertificateMode());
    assertEquals("1900000001", secret.mchid());
    assertFalse(secret.toString().contains(APIV3_KEY));
    assertFalse(secret.toString().contains("MII"));
  }

  @Test
  void publicKeyModeAloneAndPlatformModeAloneAreEachEnough() {
    assertFalse(MerchantSecret.parse(with(s -> s.remove("apiv3_key"))).platformCertificateMode());
    assertFalse(MerchantSecret.parse(with(s -> {
      s.remove("wechatpay_public_key_id");
      s.remove("wechatpay_public_key");
    })).publicKeyMode());
  }

  @ParameterizedTest
  @CsvSource({"mchid", "merchant_serial_no", "merchant_private_key"})
  void missingRequiredFieldIsNamed(String field) {
    assertEquals("merchant secret field " + field + " is missing", failure(with(s -> s.remove(field))));
  }

  @Test
  void notJsonIsNamedWithoutQuotingIt() {
    assertEquals("merchant secret is not a JSON object", failure("mchid=1900000001 apiv3_key=" + APIV3_KEY));
  }

  @Test
  void pkcs1PrivateKeyIsNamed() {
    String pkcs1 = MERCHANT_KEY_PEM.replace("PRIVATE KEY", "RSA PRIVATE KEY");
    String message = failure(with(s -> s.put("merchant_private_key", pkcs1)));
    assertTrue(message.startsWith("merchant secret field merchant_private_key is a PKCS#1 key"), message);
  }

  @Test
  void certificateWhereThePublicKeyBelongsIsNamed() {
    String cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assertEquals("merchant secret field wechatpay_public_key is a certificate where a public key belongs",
        failure(with(s -> s.put("wechatpay_public_key", cert))));
  }

  @Test
  void apiV3KeyOfTheWrongLengthIsNamedNotShown() {
    assertEquals("merchant secret field apiv3_key must be 32 ASCII characters",
        failure(with(s -> s.put("apiv3_key", APIV3_KEY + "x"))));
  }

  @Test
  void publicKeyIdWithoutTheKeyIsRefused() {
    assertTrue(failure(with(s -> s.remove("wechatpay_public_key"))).contains("wechatpay_public_key_id"));
  }

  @Test
  void noWayToVerifyWeChatIsRefused() {
    String message = failure(with(s -> {
      s.remove("wechatpay_public_key_id");
      s.remove("wechatpay_public_key");
      s.remove("apiv3_key");
    }));
    assertTrue(message.contains("to verify WeChat Pay's answers"), message);
  }

  @Test
  void nonStringFieldIsNamed() {
    assertEquals("merchant secret field mchid must be a string", failure(with(s -> s.put("mchid", 1900000001))));
  }

  private static String resource(String name) {
    try (InputStream in = MerchantSecretTest.class.getResourceAsStream("/keys/" + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
