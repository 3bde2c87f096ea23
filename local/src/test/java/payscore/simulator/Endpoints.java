package payscore.simulator;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Routes every request, judges it the way WeChat does, records it, then answers (or hangs). */
final class Endpoints implements HttpHandler {

  private static final Pattern PENDING_MESSAGE =
      Pattern.compile("/v3/payscore/serviceorder/([^/]*)/send-pendingmessage");
  private static final String CERTIFICATES = "/v3/certificates";
  private static final byte[] NO_BODY = new byte[0];

  private final Clock clock;
  private final RequestAuthenticator authenticator;
  private final ResponseSigner signer;
  private final CertificateList certificateList;
  private final Reply duplicateRejection;
  private final Orders orders;
  private final RequestLog log;
  private final Set<HttpExchange> hanging = ConcurrentHashMap.newKeySet();

  /** @param certificateList null unless platform-certificate mode is configured */
  /** How long WeChat takes to answer an unscripted send, as a network round trip would. */
  private final java.time.Duration answerDelay;

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
    Matcher pendingMessage = PENDING_MESSAGE.matcher(request.rawPath());
    String outOrderNo = pendingMessage.matches() ? decode(pendingMessage.group(1)) : null;
    Outcome outcome;
    try {
      outcome = route(request, outOrderNo);
    } catch (InterruptedException e) {
      // The simulator is closing while a delayed request waits: drop it unanswered.
      Thread.currentThread().interrupt();
      exchange.close();
      return;
    }
    if (!outcome.answered()) {
      log.record(place, request.record(outOrderNo, outcome, null));
      hanging.add(exchange);
      return;
    }
    String requestId = RandomText.hex(16);
    log.record(place, request.record(outOrderNo, outcome, requestId));
    send(exchange, outcome.reply(), requestId);
  }

  /** Drops every exchange kept open by {@link Behaviour#acceptThenHang()}. */
  void releaseHanging() {
    for (HttpExchange exchange : hanging) {
      hanging.remove(exchange);
      exchange.close();
    }
  }

  private Outcome route(IncomingRequest request, String outOrderNo) throws InterruptedException {
    if (outOrderNo != null && request.method().equals("POST")) {
      return pendingMessage(request, outOrderNo);
    }
    if (request.rawPath().equals(CERTIFICATES) && request.method().equals("GET")) {
      return certificates(request);
    }
    return new Outcome(Verdict.NOT_FOUND, Reply.error(404, "NOT_FOUND", "no such API: " + request.method() + " "
        + request.rawPath()));
  }

  private Outcome pendingMessage(IncomingRequest request, String outOrderNo) throws InterruptedException {
    Optional<Outcome> refusal = authenticator.refusal(request);
    if (refusal.isPresent()) {
      return refusal.get();
    }
    Optional<Behaviour> scripted = orders.nextScripted(outOrderNo);
    if (scripted.isPresent()) {
      return perform(scripted.get(), request, outOrderNo);
    }
    if (!answerDelay.isZero()) TimeUnit.NANOSECONDS.sleep(answerDelay.toNanos());
    return sendNormally(request, outOrderNo);
  }

  private Outcome sendNormally(IncomingRequest request, String outOrderNo) {
    Optional<String> violation = PendingMessageRules.violation(outOrderNo, request.body());
    if (violation.isPresent()) {
      return new Outcome(Verdict.PARAM_ERROR, Reply.error(400, "PARAM_ERROR", violation.get()));
    }
    if (!orders.takeFirst(outOrderNo)) {
      return new Outcome(Verdict.DUPLICATE, duplicateRejection);
    }
    return new Outcome(Verdict.ACCEPTED, Reply.noContent(signer.sign(NO_BODY, request.header("Wechatpay-Serial"))));
  }

  private Outcome perform(Behaviour behaviour, IncomingRequest request, String outOrderNo)
      throws InterruptedException {
    if (behaviour instanceof Behaviour.Delay delay) {
      TimeUnit.NANOSECONDS.sleep(delay.duration().toNanos());
      return sendNormally(request, outOrderNo);
    }
    if (behaviour instanceof Behaviour.ErrorAnswer error) {
      if (error.processed()) {
        orders.take(outOrderNo);
      }
      return new Outcome(Verdict.SCRIPTED, Reply.error(error.status(), error.code(), error.message()));
    }
    if (behaviour instanceof Behaviour.FlawedSuccess flawed) {
      orders.take(outOrderNo);
      return new Outcome(Verdict.SCRIPTED,
          Reply.noContent(signer.signFlawed(flawed.flaw(), NO_BODY, request.header("Wechatpay-Serial"))));
    }
    if (behaviour instanceof Behaviour.AcceptThenHang) {
      orders.take(outOrderNo);
      return Outcome.unanswered();
    }
    throw new IllegalArgumentException("unknown behaviour " + behaviour);
  }

  private Outcome certificates(IncomingRequest request) {
    Optional<Outcome> refusal = authenticator.refusal(request);
    if (refusal.isPresent()) {
      return refusal.get();
    }
    if (certificateList == null) {
      return new Outcome(Verdict.NOT_FOUND, Reply.error(404, "RESOURCE_NOT_EXISTS", "无可用的平台证书"));
    }
    byte[] body = certificateList.json();
    return new Outcome(Verdict.ACCEPTED, Reply.json(200, signer.signWithNewestCertificate(body), body));
  }

  private static void send(HttpExchange exchange, Reply reply, String requestId) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    reply.headers().forEach(headers::set);
    headers.set("Request-ID", requestId);
    byte[] body = reply.body();
    // For HttpServer a length of 0 means "chunked"; -1 means no body at all, as a 204 needs.
    exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
    exchange.close();
  }

  /**
   * Percent-decodes one path segment without URLDecoder's form rules ('+' stays '+'). The server
   * already parsed the request target as a URI, so the segment's escapes are well formed.
   */
  private static String decode(String rawSegment) {
    return URI.create("/" + rawSegment).getPath().substring(1);
  }
}
