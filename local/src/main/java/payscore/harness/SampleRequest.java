package payscore.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The sample request, read from the one place it is written: {@code events/http-api-send.json},
 * the event {@code sam local invoke -e} takes. function/ keeps its own copies in its test
 * resources: sam build copies it alone, without {@code events/}.
 */
public final class SampleRequest {
  /** The event's body: compact, in WeChat's field order, so also its canonical form. */
  public static final String BODY = FunctionHarness.event("http-api-send.json").get("body").asText();
  /** The body's {@code service_id}. */
  public static final String SERVICE_ID = serviceId();

  private SampleRequest() {}

  /**
   * A smaller valid body, one parking fee of {@code amount} fen and that total, for tests that need
   * many different bodies: two amounts, two canonical bodies.
   */
  public static String withAmount(int amount) {
    return "{\"service_id\":\"" + SERVICE_ID + "\",\"post_payments\":[{\"name\":\"停车费\",\"amount\":"
        + amount + ",\"count\":1}],\"total_amount\":" + amount + ",\"prepaid_time\":\"20231218\"}";
  }

  private static String serviceId() {
    try {
      return new ObjectMapper().readTree(BODY).get("service_id").asText();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("events/http-api-send.json: the body is not JSON", e);
    }
  }
}
