package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import payscore.idempotency.StoreUnavailableException;
import payscore.json.JsonTrees;
import payscore.merchant.MerchantSecretException;
import payscore.observe.OutcomeLog;
import payscore.request.FieldError;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessage;
import payscore.request.PendingMessageReader;
import payscore.request.ResolutionRequest;
import payscore.send.Outcome;
import payscore.send.PendingMessageService;

/**
 * API Gateway (HTTP API payload 2.0 and REST API payload 1.0):
 * {@code POST /service-orders/{out_order_no}/pending-message} sends,
 * {@code GET} of the same path returns the record.
 */
public final class ApiGatewayHandler implements EventHandler {
  private final PendingMessageReader reader;
  private final PendingMessageService service;
  private final OutcomeLog log;
  private final Clock clock;

  public ApiGatewayHandler(PendingMessageReader reader, PendingMessageService service, OutcomeLog log, Clock clock) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.service = Objects.requireNonNull(service, "service");
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public ObjectNode handle(JsonNode event, Instant invocationEnd) {
    ApiRequest request = ApiRequest.from(event == null ? JsonTrees.object() : event);
    if (request.resolution()) {
      return request.method().equals("POST") ? resolve(request, invocationEnd) : HttpAnswers.methodNotAllowed();
    }
    return switch (request.method()) {
      case "POST" -> send(request, invocationEnd);
      case "GET" -> status(request.subMchid(), request.outOrderNo());
      default -> HttpAnswers.methodNotAllowed();
    };
  }

  /** The answer when the function itself could not be built (a missing variable): names the cause. */
  public static ObjectNode misconfigured(String reason) {
    return HttpAnswers.of(null, Outcome.internalError(reason));
  }

  /** Runs event parsing and answer rendering on sample data before a snapshot: nothing is sent or logged. */
  public void prime() {
    ApiRequest request = ApiRequest.from(JsonTrees.object().put("version", "2.0").put("body", "{}"));
    HttpAnswers.of(request.outOrderNo(), Outcome.invalid(List.of(new FieldError("service_id", "is required"))));
    HttpAnswers.of(null, Outcome.internalError("priming"));
  }

  private ObjectNode send(ApiRequest request, Instant invocationEnd) {
    Instant started = clock.instant();
    Outcome outcome;
    String subMchid = null;
    try {
      PendingMessage message = reader.readHttp(request.outOrderNo(), request.body());
      subMchid = message.subMchid();
      outcome = Outcome.of(service.send(message, invocationEnd));
    } catch (InvalidRequestException e) {
      outcome = Outcome.invalid(e.errors());
    }
    log.outcome(OutcomeLines.entry("api", request.outOrderNo(), subMchid, null,
        outcome.logResult(), outcome.logErrorCode(), outcome,
        Duration.between(started, clock.instant()).toMillis()));
    return HttpAnswers.of(request.outOrderNo(), outcome);
  }

  /** An operator settles an order whose outcome is unknown; see the README's runbook. */
  private ObjectNode resolve(ApiRequest request, Instant invocationEnd) {
    Instant started = clock.instant();
    Outcome outcome;
    try {
      ResolutionRequest resolution = reader.readResolution(request.outOrderNo(), request.body());
      List<FieldError> errors = PendingMessageReader.checkSubMchid(request.subMchid());
      outcome = errors.isEmpty()
          ? Outcome.of(service.resolve(request.subMchid(), resolution, request.callerArn(), invocationEnd))
          : Outcome.invalid(errors);
    } catch (InvalidRequestException e) {
      outcome = Outcome.invalid(e.errors());
    }
    log.outcome(OutcomeLines.entry("api", request.outOrderNo(), request.subMchid(), null,
        outcome.logResult(), outcome.logErrorCode(), outcome,
        Duration.between(started, clock.instant()).toMillis()));
    return HttpAnswers.of(request.outOrderNo(), outcome);
  }

  /** {@code subMchid} from the query string: present for a service provider's sub-merchant order. */
  private ObjectNode status(String subMchid, String outOrderNo) {
    List<FieldError> errors = new java.util.ArrayList<>(PendingMessageReader.checkOrderNo(outOrderNo));
    errors.addAll(PendingMessageReader.checkSubMchid(subMchid));
    if (!errors.isEmpty()) return HttpAnswers.of(outOrderNo, Outcome.invalid(errors));
    try {
      return service.find(subMchid, outOrderNo)
          .map(record -> HttpAnswers.status(outOrderNo, record))
          .orElseGet(() -> HttpAnswers.notFound("no pending message was ever requested for this order"));
    } catch (MerchantSecretException e) {
      return HttpAnswers.of(outOrderNo, e.unavailable() ? Outcome.dependencyUnavailable(e.getMessage())
          : Outcome.internalError(e.getMessage()));
    } catch (StoreUnavailableException e) {
      return HttpAnswers.of(outOrderNo, Outcome.dependencyUnavailable(e.getMessage()));
    }
  }
}
