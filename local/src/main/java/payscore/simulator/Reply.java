package payscore.simulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What the simulator answers, before the {@code Request-ID} is added.
 *
 * @param code the WeChat error code, null on 2xx
 */
record Reply(int status, String code, Map<String, String> headers, byte[] body) {

  private static final byte[] NO_BODY = new byte[0];

  Reply {
    headers = Map.copyOf(headers);
  }

  /** Unsigned, as WeChat's error answers usually are. */
  static Reply error(int status, String code, String message) {
    String json = JsonNodeFactory.instance.objectNode().put("code", code).put("message", message).toString();
    return new Reply(status, code, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
  }

  static Reply noContent(Map<String, String> signatureHeaders) {
    return new Reply(204, null, signatureHeaders, NO_BODY);
  }

  static Reply json(int status, Map<String, String> signatureHeaders, byte[] body) {
    Map<String, String> headers = new HashMap<>(signatureHeaders);
    headers.put("Content-Type", "application/json");
    return new Reply(status, null, headers, body);
  }
}
