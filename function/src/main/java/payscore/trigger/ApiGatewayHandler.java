package payscore.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import payscore.idempotency.IdempotencyRecord;
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
 * API Gateway (HTTP API payload 2.0 and REST API payload 1.0), by the route API Gateway matched:
 * {@code POST /service-orders/{out_order_no}/pending-message} sends, {@code GET} of the same path
 * returns the record, {@code POST …/resolution} lets an operator settle an order. Every answer
 * names the order: its number, its mode and, in partner mode, the sub-merchant.
 */
public final class ApiGatewayHandler implements EventHandler {
  private static final FieldError REPEATED_SUB_MCHID =
      new FieldError("sub_mchid", "must be given once in the query; it is repeated");

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
    return switch (request.route()) {
      case SEND -> send(request, invocationEnd);
      case STATUS -> status(request);
      case RESOLVE -> resolve(request, invocationEnd);
      case METHOD_NOT_ALLOWED -> HttpAnswers.methodNotAllowed(queryName(request));
      case UNKNOWN -> HttpAnswers.routeNotFound(queryName(request));
    };
  }

  /** The answer when the function itself could not be built (a missing variable): names the cause. */
  public static ObjectNode misconfigured(String reason) {
    return misconfigured(JsonTrees.object(), reason);
  }

  /** As {@link #misconfigured(String)}, naming the order of {@code event}. */
  public static ObjectNode misconfigured(JsonNode event, String reason) {
    ApiRequest request = ApiRequest.from(event == null ? JsonTrees.object() : event);
    OrderName name = queryName(request);
    if (request.route() == ApiRequest.Route.SEND) {
      try {
        PendingMessage message = new PendingMessageReader().readHttp(request.outOrderNo(), request.body());
        name = new OrderName(request.outOrderNo(), message.partner(), message.subMchid());
      } catch (InvalidRequestException e) {
        if (e.partner()) name = new OrderName(request.outOrderNo(), true, e.subMchid());
      }
    }
    return HttpAnswers.of(name, Outcome.internalError(reason));
  }

  /** Runs event parsing and answer rendering on sample data before a snapshot: nothing is sent or logged. */
  public void prime() {
    ApiRequest request = ApiRequest.from(JsonTrees.object().put("version", "2.0").put("body", "{}"));
    HttpAnswers.of(queryName(request), Outcome.invalid(List.of(new FieldError("service_id", "is required"))));
    HttpAnswers.of(OrderName.direct(null), Outcome.internalError("priming"));
  }

  private ObjectNode send(ApiRequest request, Instant invocationEnd) {
    Instant started = clock.instant();
    OrderName name = queryName(request);
    Outcome outcome;
    try {
      // A repeated ?sub_mchid= is refused beside whatever else the body breaks.
      PendingMessage message = reader.readHttp(request.outOrderNo(),
          request.subMchidRepeated() ? null : request.subMchid(), request.body());
      name = new OrderName(request.outOrderNo(), message.partner(), message.subMchid());
      outcome = request.subMchidRepeated() ? Outcome.invalid(List.of(REPEATED_SUB_MCHID))
          : Outcome.of(service.send(message, invocationEnd));
    } catch (InvalidRequestException e) {
      // The body decides the mode; a query the body contradicts is among the errors.
      if (e.partner()) name = new OrderName(request.outOrderNo(), true, e.subMchid());
      outcome = Outcome.invalid(request.subMchidRepeated() ? concat(List.of(REPEATED_SUB_MCHID), e.errors())
          : e.errors());
    }
    log.outcome(OutcomeLines.entry("api", request.outOrderNo(), name.subMchid(), null,
        outcome.logResult(), outcome.logErrorCode(), outcome,
        Duration.between(started, clock.instant()).toMillis()));
    return HttpAnswers.of(name, outcome);
  }

  /** An operator settles an order whose outcome is unknown; see the README's runbook. */
  private ObjectNode resolve(ApiRequest request, Instant invocationEnd) {
    Instant started = clock.instant();
    OrderName name = queryName(request);
    Outcome outcome;
    if (request.callerArn() == null) {
      // Who settled an order is the audit trail's point: without an IAM identity nothing is read or changed.
      outcome = Outcome.forbidden("settling an order needs the caller's IAM identity (an IAM-authorized request);"
          + " nothing was changed");
    } else {
      List<FieldError> queryErrors = queryErrors(request);
      try {
        ResolutionRequest resolution = reader.readResolution(request.outOrderNo(), request.body());
        outcome = queryErrors.isEmpty()
            ? Outcome.of(service.resolve(request.subMchid(), resolution, request.callerArn(), invocationEnd))
            : Outcome.invalid(queryErrors);
      } catch (InvalidRequestException e) {
        outcome = Outcome.invalid(concat(e.errors(), queryErrors));
      }
    }
    if (outcome.kind() == Outcome.Kind.RESOLVED) audit(name, outcome.record(), request.callerArn());
    log.outcome(OutcomeLines.entry("api", request.outOrderNo(), name.subMchid(), null,
        outcome.logResult(), outcome.logErrorCode(), outcome,
        Duration.between(started, clock.instant()).toMillis()));
    return HttpAnswers.of(name, outcome);
  }

  private void audit(OrderName name, IdempotencyRecord record, String caller) {
    IdempotencyRecord.Resolution resolution = record.resolution();
    log.resolution(new OutcomeLog.Resolution(name.outOrderNo(), name.subMchid(),
        resolution == null ? null : resolution.name(), record.state().name(),
        record.resolutionReplaced() == null ? null : record.resolutionReplaced().name(), record.payloadHash(), caller,
        resolution == null ? null : resolution.resolvedAt().toString()));
  }

  /** The record of an order; {@code ?sub_mchid=} names a service provider's sub-merchant order. */
  private ObjectNode status(ApiRequest request) {
    OrderName name = queryName(request);
    List<FieldError> errors = concat(PendingMessageReader.checkOrderNo(request.outOrderNo()), queryErrors(request));
    if (!errors.isEmpty()) return HttpAnswers.of(name, Outcome.invalid(errors));
    try {
      return service.find(request.subMchid(), request.outOrderNo())
          .map(record -> HttpAnswers.status(name, record))
          .orElseGet(() -> HttpAnswers.notFound(name, "no pending message was ever requested for this order"));
    } catch (MerchantSecretException e) {
      return HttpAnswers.of(name, e.unavailable() ? Outcome.dependencyUnavailable(e.getMessage())
          : Outcome.internalError(e.getMessage()));
    } catch (StoreUnavailableException e) {
      return HttpAnswers.of(name, Outcome.dependencyUnavailable(e.getMessage()));
    }
  }

  /** The order as the path and the query name it: partner mode when the query names a sub-merchant. */
  private static OrderName queryName(ApiRequest request) {
    String subMchid = request.subMchid();
    boolean wellFormed = !request.subMchidRepeated() && PendingMessageReader.wellFormedSubMchid(subMchid);
    return new OrderName(request.outOrderNo(), subMchid != null, wellFormed ? subMchid : null);
  }

  /** What is wrong with {@code ?sub_mchid=} of a status query or a resolution; empty when absent or fine. */
  private static List<FieldError> queryErrors(ApiRequest request) {
    return request.subMchidRepeated() ? List.of(REPEATED_SUB_MCHID)
        : PendingMessageReader.checkSubMchid(request.subMchid());
  }

  private static List<FieldError> concat(List<FieldError> first, List<FieldError> second) {
    List<FieldError> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }
}
