package payscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import payscore.wechatpay.WeChatPayEndpoints;

class ConfigurationTest {
  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("WECHATPAY_SECRET_ID", "payscore/merchant");
    env.put("IDEMPOTENCY_TABLE", "pending-messages");
    env.put("AWS_REGION", "ap-southeast-1");
    return env;
  }

  @Test
  void defaultsAreWeChatsHostsAndSafeTimeouts() {
    Configuration config = Configuration.from(minimal());

    assertEquals(WeChatPayEndpoints.DEFAULT_PRIMARY, config.endpoints().primary());
    assertEquals(WeChatPayEndpoints.DEFAULT_BACKUP, config.endpoints().backup());
    assertNull(config.deadLetterQueueUrl());
    assertEquals(Duration.ofSeconds(300), config.secretLifetime());
    assertEquals(Duration.ofDays(90), config.recordLifetime());
  }

  @Test
  void emptyBackupUrlDisablesFailover() {
    Map<String, String> env = minimal();
    env.put("WECHATPAY_BACKUP_BASE_URL", "");

    assertNull(Configuration.from(env).endpoints().backup());
  }

  @ParameterizedTest
  @CsvSource({"WECHATPAY_SECRET_ID", "IDEMPOTENCY_TABLE", "AWS_REGION"})
  void missingRequiredVariableIsNamed(String name) {
    Map<String, String> env = minimal();
    env.remove(name);

    assertEquals("environment variable " + name + " is not set",
        assertThrows(Configuration.ConfigurationException.class, () -> Configuration.from(env)).getMessage());
  }

  @ParameterizedTest
  @CsvSource({
      "WECHATPAY_BASE_URL, ftp://api.mch.weixin.qq.com",
      "WECHATPAY_BASE_URL, https://api.mch.weixin.qq.com/v3",
      "WECHATPAY_BACKUP_BASE_URL, not a url",
      "WECHATPAY_REQUEST_TIMEOUT_MS, ten",
      "WECHATPAY_CONNECT_TIMEOUT_MS, 0",
      "RECORD_TTL_DAYS, 29",
      "SECRET_CACHE_SECONDS, -1"})
  void malformedVariableIsNamed(String name, String value) {
    Map<String, String> env = minimal();
    env.put(name, value);

    String message = assertThrows(Configuration.ConfigurationException.class, () -> Configuration.from(env))
        .getMessage();
    assertEquals(true, message.startsWith("environment variable " + name + " must be"), message);
  }
}
