package payscore;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import payscore.wechatpay.WeChatPayEndpoints;

/**
 * The function's settings, read once from the environment. Names of the contract's variables are
 * fixed; the timeouts and cache lifetimes are this function's own, with defaults.
 */
public record Configuration(
    String secretId,
    String table,
    WeChatPayEndpoints endpoints,
    String deadLetterQueueUrl,
    String region,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration secretLifetime,
    Duration recordLifetime,
    Duration certificateRefresh) {

  /** A missing or malformed variable; the message names it and never quotes a secret. */
  public static final class ConfigurationException extends RuntimeException {
    public ConfigurationException(String message) {
      super(message, null, false, false);
    }
  }

  public static Configuration from(Map<String, String> env) {
    String backup = env.get("WECHATPAY_BACKUP_BASE_URL");
    return new Configuration(
        required(env, "WECHATPAY_SECRET_ID"),
        required(env, "IDEMPOTENCY_TABLE"),
        new WeChatPayEndpoints(
            url(env, "WECHATPAY_BASE_URL", WeChatPayEndpoints.DEFAULT_PRIMARY),
            backup != null && backup.isBlank() ? null
                : url(env, "WECHATPAY_BACKUP_BASE_URL", WeChatPayEndpoints.DEFAULT_BACKUP)),
        optional(env, "DEAD_LETTER_QUEUE_URL"),
        required(env, "AWS_REGION"),
        Duration.ofMillis(number(env, "WECHATPAY_CONNECT_TIMEOUT_MS", 2_000, 100, 30_000)),
        Duration.ofMillis(number(env, "WECHATPAY_REQUEST_TIMEOUT_MS", 8_000, 100, 60_000)),
        Duration.ofSeconds(number(env, "SECRET_CACHE_SECONDS", 300, 0, 86_400)),
        Duration.ofDays(number(env, "RECORD_TTL_DAYS", 90, 30, 3_650)),
        Duration.ofMinutes(number(env, "PLATFORM_CERTIFICATE_REFRESH_MINUTES", 60, 1, 1_440)));
  }

  private static String required(Map<String, String> env, String name) {
    String value = optional(env, name);
    if (value == null) throw new ConfigurationException("environment variable " + name + " is not set");
    return value;
  }

  private static String optional(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static URI url(Map<String, String> env, String name, URI fallback) {
    String value = optional(env, name);
    if (value == null) return fallback;
    try {
      URI uri = new URI(value);
      if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
          && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw new ConfigurationException("environment variable " + name + " must be a base URL such as "
        + fallback);
  }

  private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
    String value = optional(env, name);
    if (value == null) return fallback;
    try {
      long number = Long.parseLong(value);
      if (number >= min && number <= max) return number;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigurationException("environment variable " + name + " must be a whole number from " + min
        + " to " + max);
  }
}
