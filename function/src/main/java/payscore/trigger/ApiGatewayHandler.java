package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import payscore.PendingMessageFunction;
import payscore.idempotency.IdempotencyRecord;
import payscore.json.JsonTrees;
import payscore.merchant.MerchantSecretException;
import payscore.observe.OutcomeLog;
import payscore.observe.OutcomeLog.Metric;
import payscore.request.FieldError;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessage;
import payscore.request.PendingMessageReader;
import payscore.send.SendResult;
import payscore.trigger.HttpResponses.HttpResponse;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * API Gateway (HTTP API payload 2.0 and REST API payload 1.0):
 * {@code POST /service-orders/{out_order_no}/pending-message} sends,
 * {@code GET} of the same path returns the record.
 */
public final class ApiGatewayHandler extends JsonEventHandler {

  /** Lambda's constructor: the execution environment's one function, built now, during INIT. */
  public ApiGatewayHandler() {
    this(Functions.shared());
  }

  /** For tests and the local sandbox: a function built from their own environment. */
  public ApiGatewayHandler(PendingMessageFunction function) {
    this(Functions.of(function));
  }

  private ApiGatewayHandler(Functions functions) {
    super(functions);
  }

  @Override
  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    return respond(event, invocationEnd).toEvent();
  }

  private HttpResponse respond(JsonNode event, Instant invocationEnd) {
    long started = System.nanoTime();
    PendingMessageFunction function;
    try {
      function = functions.get();
    } catch (RuntimeException e) {
      return HttpResponses.internalError(e.getMessage());
    }
    ApiRequest request = ApiRequest.from(event == null ? JsonTrees.object() : event);
    HttpResponse response;
    Optional<SendResult> result = Optional.empty();
    if (request.method().equals("POST")) {
      try {
        PendingMessage message = function.reader.readHttp(request.outOrderNo(), request.body());
        SendResult sent = function.service.send(message, invocationEnd);
        result = Optional.of(sent);
        response = HttpResponses.of(message.outOrderNo(), sent);
      } catch (InvalidRequestException e) {
        response = HttpResponses.invalid(e.errors());
      }
    } else if (request.method().equals("GET")) {
      response = status(function, request.outOrderNo());
    } else {
      response = HttpResponses.methodNotAllowed(request.method());
    }
    if (request.method().equals("POST")) log(function.log, request, response, result, started);
    return response;
  }

  /**
   * Runs the event parsing and response mapping once on sample data, for SnapStart priming:
   * no request is sent and nothing is logged.
   */
  public static void prime() {
    ApiRequest request = ApiRequest.from(JsonTrees.object().put("version", "2.0")
        .put("body", "{}").put("isBase64Encoded", false));
    HttpResponses.invalid(List.of(new FieldError("service_id", "is required"))).toEvent();
    HttpResponses.of(request.outOrderNo(), new SendResult.InProgress(1)).toEvent();
    HttpResponses.internalError("priming").toEvent();
  }

  private static HttpResponse status(PendingMessageFunction function, String outOrderNo) {
    List<FieldError> errors = PendingMessageReader.checkOrderNo(outOrderNo);
    if (!errors.isEmpty()) return HttpResponses.invalid(errors);
    try {
      return function.service.find(outOrderNo)
          .map(record -> HttpResponses.status(outOrderNo, record))
          .orElseGet(() -> HttpResponses.notFound("no pending message was ever requested for this order"));
    } catch (MerchantSecretException e) {
      return HttpResponses.internalError(e.getMessage());
    } catch (SdkException e) {
      return HttpResponses.internalError("could not read the record from DynamoDB (" + e.getClass().getSimpleName()
          + ")");
    }
  }

  private static void log(OutcomeLog log, ApiRequest request, HttpResponse response, Optional<SendResult> result,
      long started) {
    long millis = (System.nanoTime() - started) / 1_000_000;
    IdempotencyRecord record = result.map(Outcomes::record).orElse(null);
    log.outcome(new OutcomeLog.Entry("api", request.outOrderNo(), null,
        response.code() != null ? response.code()
            : result.filter(r -> r instanceof SendResult.Sent sent && sent.replayed()).isPresent() ? "REPLAYED" : "SENT",
        record == null ? null : record.state().name(),
        record == null ? 0 : record.attempts(),
        result.map(Outcomes::requestId).orElse(null),
        result.map(Outcomes::wechatpayStatus).orElse(0),
        response.code(),
        response.status() >= 500 ? response.body().path("message").asText(null) : null,
        millis,
        result.map(Outcomes::metric).orElse(Metric.InvalidRequest)));
  }
}
