package payscore.simulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Routes every request, judges it the way WeChat does, records it, then answers (or stalls, or hangs). */
final class Endpoints implements HttpHandler {

  private static final Pattern PENDING_MESSAGE =
      Pattern.compile("/v3/payscore/serviceorder/([^/]*)/send-pendingmessage");
  private static final Pattern PARTNER_PENDING_MESSAGE =
      Pattern.compile("/v3/payscore/partner/serviceorder/([^/]*)/send-pendingmessage");
  private static final String CERTIFICATES = "/v3/certificates";
  private static final byte[] NO_BODY = new byte[0];

  private final Clock clock;
  private final RequestAuthenticator authenticator;
  private final ResponseSigner signer;
  /** Null unless platform-certificate mode is configured. */
  private final CertificateList certificateList;
  private final Reply duplicateRejection;
  private final Orders orders;
  private final RequestLog log;
  /** How long WeChat takes to answer an unscripted send, as a network round trip would. */
  private final java.time.Duration answerDelay;
  private final Set<HttpExchange> hanging = ConcurrentHashMap.newKeySet();
  /** What GET /v3/certificates answers instead of the list while it fails; null while it works. */
  private volatile Reply certificateFailure;

  /** A send-pendingmessage request's path: the decoded order number and which variant. */
  private record Target(String outOrderNo, boolean partner) {}

  Endpoints(
      Clock clock,
      RequestAuthenticator authenticator,
      ResponseSigner signer,
      CertificateList certificateList,
      Reply duplicateRejection,
      Orders orders,
      RequestLog log,
      java.time.Duration answerDelay) {
    this.answerDelay = answerDelay;
    this.clock = clock;
    this.authenticator = authenticator;
    this.signer = signer;
    this.certificateList = certificateList;
    this.duplicateRejection = duplicateRejection;
    this.orders = orders;
    this.log = log;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long place = log.arrive();
    IncomingRequest request = IncomingRequest.read(exchange, clock.instant());
    Target target = target(request.rawPath());
    Decision decision;
    try {
      decision = route(request, target);
    } catch (InterruptedException e) {
      // The simulator is closing while a delayed request waits: drop it unanswered.
      Thread.currentThread().interrupt();
      exchange.close();
      return;
    }
    String requestId = decision.answered() ? RandomText.hex(16) : null;
    boolean partner = target != null && target.partner();
    String subMchid = partner ? PendingMessageRules.subMchidText(request.body()) : null;
    // Recorded before delivery: a stalled answer was decided (and its message taken) already.
    log.record(place, request.record(target == null ? null : target.outOrderNo(), partner, subMchid, decision,
        requestId));
    try {
      deliver(exchange, decision, requestId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
    }
  }

  /** Drops every exchange kept open by a reply that never comes or never ends. */
  void releaseHanging() {
    for (HttpExchange exchange : hanging) {
      hanging.remove(exchange);
      exchange.close();
    }
  }

  private static Target target(String rawPath) {
    Matcher direct = PENDING_MESSAGE.matcher(rawPath);
    if (direct.matches()) {
      return new Target(decode(direct.group(1)), false);
    }
    Matcher partner = PARTNER_PENDING_MESSAGE.matcher(rawPath);
    if (partner.matches()) {
      return new Target(decode(partner.group(1)), true);
    }
    return null;
  }

  private Decision route(IncomingRequest request, Target target) throws InterruptedException {
    if (target != null && request.method().equals("POST")) {
      return pendingMessage(request, target);
    }
    if (request.rawPath().equals(CERTIFICATES) && request.method().equals("GET")) {
      return certificates(request);
    }
    return new Decision(Verdict.NOT_FOUND, Reply.error(404, "NOT_FOUND", "no such API: " + request.method() + " "
        + request.rawPath()));
  }

  private Decision pendingMessage(IncomingRequest request, Target target) throws InterruptedException {
    Optional<Decision> refusal = authenticator.refusal(request);
    if (refusal.isPresent()) {
      return refusal.get();
    }
    ServiceOrder order;
    if (target.partner()) {
      // The sub-merchant names the order, so it is checked before any script can apply.
      Optional<String> violation = PendingMessageRules.subMchidViolation(request.body());
      if (violation.isPresent()) {
        return new Decision(Verdict.PARAM_ERROR, Reply.error(400, "PARAM_ERROR", violation.get()));
      }
      order = ServiceOrder.partner(PendingMessageRules.subMchidText(request.body()), target.outOrderNo());
    } else {
      order = ServiceOrder.direct(target.outOrderNo());
    }
    Optional<Behaviour> scripted = orders.nextScripted(order);
    if (scripted.isPresent()) {
      return perform(scripted.get(), request, order);
    }
    if (!answerDelay.isZero()) {
      TimeUnit.NANOSECONDS.sleep(answerDelay.toNanos());
    }
    return sendNormally(request, order);
  }

  private Decision sendNormally(IncomingRequest request, ServiceOrder order) {
    Optional<String> violation = order.isPartner()
        ? PendingMessageRules.partnerViolation(order.outOrderNo(), request.body())
        : PendingMessageRules.violation(order.outOrderNo(), request.body());
    if (violation.isPresent()) {
      return new Decision(Verdict.PARAM_ERROR, Reply.error(400, "PARAM_ERROR", violation.get()));
    }
    if (!orders.takeFirst(order)) {
      return new Decision(Verdict.DUPLICATE, duplicateRejection);
    }
    return new Decision(Verdict.ACCEPTED, Reply.noContent(signer.sign(NO_BODY, request.header("Wechatpay-Serial"))));
  }

  private Decision perform(Behaviour behaviour, IncomingRequest request, ServiceOrder order)
      throws InterruptedException {
    if (behaviour instanceof Behaviour.Normal) {
      return sendNormally(request, order);
    }
    if (behaviour instanceof Behaviour.Delay delay) {
      TimeUnit.NANOSECONDS.sleep(delay.duration().toNanos());
      return sendNormally(request, order);
    }
    if (behaviour instanceof Behaviour.ErrorAnswer error) {
      if (error.processed()) {
        orders.take(order);
      }
      return new Decision(Verdict.SCRIPTED, Reply.error(error.status(), error.code(), error.message()));
    }
    if (behaviour instanceof Behaviour.FlawedSuccess flawed) {
      orders.take(order);
      return new Decision(Verdict.SCRIPTED,
          Reply.noContent(signer.signFlawed(flawed.flaw(), NO_BODY, request.header("Wechatpay-Serial"))));
    }
    if (behaviour instanceof Behaviour.AcceptedWithBody) {
      orders.take(order);
      byte[] body = acceptanceBody(order);
      return new Decision(Verdict.SCRIPTED, Reply.json(200, signer.sign(body, request.header("Wechatpay-Serial")),
          body));
    }
    if (behaviour instanceof Behaviour.AcceptThenHang) {
      orders.take(order);
      return Decision.unanswered();
    }
    if (behaviour instanceof Behaviour.Stalled stalled) {
      // Decided now, so a processed answer is taken before its delivery stalls.
      return perform(stalled.answer(), request, order).stalled(stalled);
    }
    throw new IllegalArgumentException("unknown behaviour " + behaviour);
  }

  private static byte[] acceptanceBody(ServiceOrder order) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (order.isPartner()) {
      body.put("sub_mchid", order.subMchid());
    }
    body.put("out_order_no", order.outOrderNo()).put("state", "ACCEPTED");
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** While {@code failure} is not null, GET /v3/certificates answers it instead of the list. */
  void certificateFailure(Reply failure) {
    certificateFailure = failure;
  }

  private Decision certificates(IncomingRequest request) {
    Reply failure = certificateFailure;
    if (failure != null) {
      return new Decision(Verdict.SCRIPTED, failure);
    }
    Optional<Decision> refusal = authenticator.refusal(request);
    if (refusal.isPresent()) {
      return refusal.get();
    }
    if (certificateList == null) {
      return new Decision(Verdict.NOT_FOUND, Reply.error(404, "RESOURCE_NOT_EXISTS", "无可用的平台证书"));
    }
    byte[] body = certificateList.json();
    return new Decision(Verdict.ACCEPTED, Reply.json(200, signer.signWithNewestCertificate(body), body));
  }

  private void deliver(HttpExchange exchange, Decision decision, String requestId)
      throws IOException, InterruptedException {
    if (!decision.answered()) {
      hanging.add(exchange);
      return;
    }
    Behaviour.Stalled stall = decision.stall();
    if (stall == null) {
      send(exchange, decision.reply(), requestId);
      return;
    }
    if (stall.phase() == Behaviour.Phase.HEADERS) {
      TimeUnit.NANOSECONDS.sleep(stall.stall().toNanos());
      send(exchange, decision.reply(), requestId);
      return;
    }
    byte[] body = decision.reply().body();
    int firstPart = body.length / 2;
    OutputStream out = sendHeaders(exchange, decision.reply(), requestId);
    out.write(body, 0, firstPart);
    out.flush();
    if (stall.forever()) {
      hanging.add(exchange);
      return;
    }
    TimeUnit.NANOSECONDS.sleep(stall.stall().toNanos());
    out.write(body, firstPart, body.length - firstPart);
    out.close();
    exchange.close();
  }

  private static void send(HttpExchange exchange, Reply reply, String requestId) throws IOException {
    OutputStream out = sendHeaders(exchange, reply, requestId);
    if (reply.body().length > 0) {
      try (out) {
        out.write(reply.body());
      }
    }
    exchange.close();
  }

  private static OutputStream sendHeaders(HttpExchange exchange, Reply reply, String requestId) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    reply.headers().forEach(headers::set);
    headers.set("Request-ID", requestId);
    int length = reply.body().length;
    // For HttpServer a length of 0 means "chunked"; -1 means no body at all, as a 204 needs.
    exchange.sendResponseHeaders(reply.status(), length == 0 ? -1 : length);
    return exchange.getResponseBody();
  }

  /**
   * Percent-decodes one path segment without URLDecoder's form rules ('+' stays '+'). The server
   * already parsed the request target as a URI, so the segment's escapes are well formed.
   */
  private static String decode(String rawSegment) {
    return URI.create("/" + rawSegment).getPath().substring(1);
  }
}
