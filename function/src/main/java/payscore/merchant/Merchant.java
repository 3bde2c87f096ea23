package payscore.merchant;

import payscore.wechatpay.WeChatPayClient;

/** One version of the merchant secret and the WeChat Pay client signing with its key. */
public record Merchant(String versionId, MerchantSecret secret, WeChatPayClient wechatpay) {
  public String mchid() {
    return secret.mchid();
  }
}
