package payscore.wechatpay;

import java.security.PublicKey;
import java.util.Objects;

/** Public-key mode: the one WeChat Pay public key, named by its {@code PUB_KEY_ID_…} id. */
public record WeChatPayPublicKey(String id, PublicKey key) implements VerificationKeys {
  public WeChatPayPublicKey {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
  }

  @Override
  public PublicKey forSerial(String serial) {
    return id.equals(serial) ? key : null;
  }
}
