package payscore.harness;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import payscore.simulator.TestKeys;
import payscore.wechatpay.Pem;

/** The fixed merchant identity of the tests: the checked-in test key, its serial, and a valid secret. */
public final class KnownKeys {
  public static final String MCHID = "1900000001";
  public static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  public static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  public static final String APIV3_KEY = "Zx8Qw3Lp0Rt6Yu2Io9Pa5Sd7Fg1Hj4Kl";
  /** The canonical body of events/http-api-send.json. */
  public static final String BODY = SampleRequest.BODY;

  private KnownKeys() {}

  public static PrivateKey merchantKey() {
    return Pem.privateKey("merchant_private_key", resource("merchant-test-key.pem"));
  }

  public static PublicKey merchantPublicKey() {
    return Pem.publicKey("merchant public key", resource("merchant-test-key.pub.pem"));
  }

  /** A secret in both modes with a fresh WeChat Pay key. */
  public static ObjectNode secret() {
    KeyPair wechatpay = TestKeys.rsa2048();
    ObjectNode secret = JsonNodeFactory.instance.objectNode();
    secret.put("mchid", MCHID);
    secret.put("merchant_serial_no", SERIAL);
    secret.put("merchant_private_key", resource("merchant-test-key.pem"));
    secret.put("wechatpay_public_key_id", PUBLIC_KEY_ID);
    secret.put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpay.getPublic()));
    secret.put("apiv3_key", APIV3_KEY);
    return secret;
  }

  private static String resource(String name) {
    try (InputStream in = KnownKeys.class.getResourceAsStream("/keys/" + name)) {
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
