package payscore.wechatpay;

import java.net.URI;
import java.util.Objects;

/** The primary WeChat Pay host and the backup used after a failure to connect (null: none). */
public record WeChatPayEndpoints(URI primary, URI backup) {
  public static final URI DEFAULT_PRIMARY = URI.create("https://api.mch.weixin.qq.com");
  public static final URI DEFAULT_BACKUP = URI.create("https://api2.mch.weixin.qq.com");

  public WeChatPayEndpoints {
    Objects.requireNonNull(primary, "primary");
    primary = withoutTrailingSlash(primary);
    backup = backup == null ? null : withoutTrailingSlash(backup);
  }

  private static URI withoutTrailingSlash(URI uri) {
    String text = uri.toString();
    return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
  }
}
