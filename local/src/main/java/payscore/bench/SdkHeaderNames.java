package payscore.bench;

import com.wechat.pay.java.core.auth.Validator;
import com.wechat.pay.java.core.http.Constant;
import com.wechat.pay.java.core.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The simulator runs on the JDK's HttpServer, which sends header names as {@code Wechatpay-timestamp};
 * WeChat sends {@code Wechatpay-Timestamp}, and the official SDK looks names up case-sensitively. This
 * gives the SDK's own validator WeChat's spelling (a copy of a few map entries, no extra cryptography).
 */
final class SdkHeaderNames {
  private static final Map<String, String> WECHAT_HEADER_NAMES = Stream.of(Constant.REQUEST_ID,
          Constant.WECHAT_PAY_SERIAL, Constant.WECHAT_PAY_SIGNATURE, Constant.WECHAT_PAY_TIMESTAMP,
          Constant.WECHAT_PAY_NONCE)
      .collect(Collectors.toMap(name -> name.toLowerCase(Locale.ROOT), name -> name));

  private SdkHeaderNames() {}

  static Validator withWeChatHeaderNames(Validator sdkValidator) {
    return new Validator() {
      @Override
      public <T> boolean validate(HttpHeaders headers, String body) {
        HttpHeaders renamed = new HttpHeaders();
        headers.getHeaders().forEach((name, value) ->
            renamed.addHeader(WECHAT_HEADER_NAMES.getOrDefault(name.toLowerCase(Locale.ROOT), name), value));
        return sdkValidator.validate(renamed, body);
      }

      @Override
      public <T> String getSerialNumber() {
        return sdkValidator.getSerialNumber();
      }
    };
  }
}
