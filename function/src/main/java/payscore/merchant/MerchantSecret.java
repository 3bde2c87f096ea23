package payscore.merchant;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.regex.Pattern;
import payscore.json.JsonTrees;
import payscore.wechatpay.KeyFormatException;
import payscore.wechatpay.Pem;

/**
 * The parsed merchant secret (the contract's JSON). Public-key mode needs both
 * {@code wechatpay_public_key*} fields; platform-certificate mode needs {@code apiv3_key};
 * either or both may be present. {@link #toString()} shows identifiers only.
 */
public record MerchantSecret(
    String mchid,
    String merchantSerialNo,
    PrivateKey merchantPrivateKey,
    String wechatpayPublicKeyId,
    PublicKey wechatpayPublicKey,
    String apiV3Key) {

  private static final Pattern MCHID = Pattern.compile("[0-9]{1,32}");
  private static final Pattern SERIAL = Pattern.compile("[0-9A-Fa-f]{1,64}");

  public boolean publicKeyMode() {
    return wechatpayPublicKey != null;
  }

  public boolean platformCertificateMode() {
    return apiV3Key != null;
  }

  /** Reads the secret string; every problem names the field and none quotes a value. */
  public static MerchantSecret parse(String secretString) {
    if (secretString == null || secretString.isBlank()) throw new MerchantSecretException("merchant secret is empty");
    JsonNode root;
    try {
      root = JsonTrees.read(secretString);
    } catch (IOException e) {
      throw new MerchantSecretException("merchant secret is not a JSON object");
    }
    if (root == null || !root.isObject()) throw new MerchantSecretException("merchant secret is not a JSON object");

    String mchid = required(root, "mchid");
    if (!MCHID.matcher(mchid).matches()) throw new MerchantSecretException("merchant secret field mchid must be digits");
    String serial = required(root, "merchant_serial_no");
    if (!SERIAL.matcher(serial).matches()) {
      throw new MerchantSecretException("merchant secret field merchant_serial_no must be the certificate serial in hex");
    }
    PrivateKey privateKey = key(() -> Pem.privateKey("merchant_private_key", required(root, "merchant_private_key")));

    String publicKeyId = optional(root, "wechatpay_public_key_id");
    String publicKeyPem = optional(root, "wechatpay_public_key");
    if ((publicKeyId == null) != (publicKeyPem == null)) {
      throw new MerchantSecretException("merchant secret needs both wechatpay_public_key_id and wechatpay_public_key, "
          + "or neither");
    }
    if (publicKeyId != null && !publicKeyId.startsWith("PUB_KEY_ID_")) {
      throw new MerchantSecretException("merchant secret field wechatpay_public_key_id must start with PUB_KEY_ID_");
    }
    PublicKey publicKey = publicKeyPem == null ? null
        : key(() -> Pem.publicKey("wechatpay_public_key", publicKeyPem));

    String apiV3Key = optional(root, "apiv3_key");
    if (apiV3Key != null && (apiV3Key.length() != 32 || !apiV3Key.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
      throw new MerchantSecretException("merchant secret field apiv3_key must be 32 ASCII characters");
    }
    if (publicKey == null && apiV3Key == null) {
      throw new MerchantSecretException("merchant secret needs wechatpay_public_key_id and wechatpay_public_key "
          + "(public-key mode) or apiv3_key (platform certificates) to verify WeChat Pay's answers");
    }
    return new MerchantSecret(mchid, serial, privateKey, publicKeyId, publicKey, apiV3Key);
  }

  @Override
  public String toString() {
    return "MerchantSecret[mchid=" + mchid + ", merchant_serial_no=" + merchantSerialNo
        + ", wechatpay_public_key_id=" + wechatpayPublicKeyId + ", platform certificates="
        + platformCertificateMode() + "]";
  }

  private interface KeyRead<T> {
    T read();
  }

  private static <T> T key(KeyRead<T> read) {
    try {
      return read.read();
    } catch (KeyFormatException e) {
      throw new MerchantSecretException("merchant secret field " + e.getMessage());
    }
  }

  private static String required(JsonNode root, String field) {
    String value = optional(root, field);
    if (value == null) throw new MerchantSecretException("merchant secret field " + field + " is missing");
    return value;
  }

  private static String optional(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw new MerchantSecretException("merchant secret field " + field + " must be a string");
    String value = node.textValue().strip();
    return value.isEmpty() ? null : value;
  }
}
