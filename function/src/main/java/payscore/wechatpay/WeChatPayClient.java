package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import payscore.json.JsonTrees;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Sends the Pay Score service-fee pending message and classifies WeChat's answer. */
public final class WeChatPayClient {
  private static final int MAX_ERROR_TEXT = 256;

  private final SignedTransport transport;
  private final ResponseVerifier verifier;

  /** @param transport the merchant's, shared with its {@link PlatformCertificates} if any */
  public WeChatPayClient(SignedTransport transport, ResponseVerifier verifier) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  /**
   * Builds a {@link SignedTransport} of its own; see {@link SignedTransport#SignedTransport} for
   * the parameters.
   */
  public WeChatPayClient(HttpClient http, WeChatPayEndpoints endpoints, RequestSigner signer,
      String wechatpaySerial, ResponseVerifier verifier, Duration requestTimeout, Clock clock) {
    this(new SignedTransport(http, endpoints, signer, wechatpaySerial, requestTimeout, clock), verifier);
  }

  /**
   * The {@link HttpClient} for WeChat Pay, one per execution environment: HTTP/1.1 (what WeChat's
   * APIv3 answers; no h2c upgrade headers), no redirects, and responses completed on the client's
   * selector thread instead of being handed to a pool and back, which saves a thread switch per
   * call (measured: about 170 µs of CPU each).
   */
  public static HttpClient newHttpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(Runnable::run)
        .build();
  }

  /**
   * The raw path WeChat sees and the signature covers, the order number encoded as URLEncoder
   * does: the partner (服务商) API's when {@code subMchid} is given, the direct merchant's when it
   * is null. The sub-merchant goes in the body, not the path.
   */
  public static String pendingMessagePath(String subMchid, String outOrderNo) {
    String order = URLEncoder.encode(outOrderNo, UTF_8);
    return subMchid == null
        ? "/v3/payscore/serviceorder/" + order + "/send-pendingmessage"
        : "/v3/payscore/partner/serviceorder/" + order + "/send-pendingmessage";
  }

  /** The direct merchant's path: {@code pendingMessagePath(null, outOrderNo)}. */
  public static String pendingMessagePath(String outOrderNo) {
    return pendingMessagePath(null, outOrderNo);
  }

  /**
   * Whether an answer can be verified, loading the platform certificates when that mode needs them
   * (no later than {@code deadline}). Called before the order is claimed: when false, nothing may be
   * sent, since a 204 could not be verified.
   */
  public boolean ready(Instant deadline) {
    return verifier.load(deadline);
  }

  /** A direct merchant's send: {@code sendPendingMessage(null, outOrderNo, body, deadline)}. */
  public SendOutcome sendPendingMessage(String outOrderNo, byte[] body, Instant deadline) {
    return sendPendingMessage(null, outOrderNo, body, deadline);
  }

  /**
   * Sends {@code body} (the canonical JSON, sent and signed byte for byte) for this order.
   * Never throws for anything WeChat or the network does; the outcome says what happened.
   * The signature's {@code mchid} is the signer's, which in partner mode is the service provider.
   *
   * @param subMchid the sub-merchant of a partner request, which {@code body} must carry as its
   *     {@code sub_mchid}; null for a direct-merchant request
   * @param deadline no wait goes past it: the request timeout is cut to what remains
   */
  public SendOutcome sendPendingMessage(String subMchid, String outOrderNo, byte[] body, Instant deadline) {
    return send(prepare(subMchid, outOrderNo, body), deadline);
  }

  /**
   * The pending message of this order, signed now and not yet sent: everything the request needs
   * is made before the order is claimed, so nothing but the request itself follows the claim.
   */
  public SignedTransport.Signed prepare(String subMchid, String outOrderNo, byte[] body) {
    return transport.sign("POST", pendingMessagePath(subMchid, outOrderNo), body);
  }

  /** Sends a request made by {@link #prepare}; as {@link #sendPendingMessage(String, String, byte[], Instant)}. */
  public SendOutcome send(SignedTransport.Signed request, Instant deadline) {
    Exchange exchange = transport.send(request, deadline);
    return switch (exchange) {
      case Exchange.NotSent notSent when SignedTransport.DEADLINE_EXCEEDED.equals(notSent.code()) ->
          new SendOutcome.DeadlinePassed(notSent.reason());
      case Exchange.NotSent notSent -> new SendOutcome.NotProcessed(0, notSent.code(), notSent.reason(), null);
      case Exchange.NoAnswer noAnswer when noAnswer.timedOut() -> new SendOutcome.TimedOut(noAnswer.reason());
      case Exchange.NoAnswer noAnswer -> new SendOutcome.Uncertain(0, "NO_ANSWER", noAnswer.reason(), null);
      case Exchange.Answered answered -> classify(answered.response());
    };
  }

  private SendOutcome classify(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    String requestId = response.headers().firstValue("Request-ID").orElse(null);
    if (status >= 200 && status < 300) {
      Verification verification = verifier.verify(response.headers(), response.body());
      return verification.verified()
          ? new SendOutcome.Accepted(status, requestId)
          : new SendOutcome.Uncertain(status, "UNVERIFIED_RESPONSE", verification.reason(), requestId);
    }
    ErrorBody error = ErrorBody.parse(response.body());
    if (status == 401 || status == 429) return new SendOutcome.NotProcessed(status, error.code, error.message, requestId);
    if (status >= 400 && status < 500) return new SendOutcome.Rejected(status, error.code, error.message, requestId);
    // 5xx: WeChat says "may or may not have been processed". 1xx and 3xx are not part of this
    // API, so they get the same caution.
    return new SendOutcome.Uncertain(status, error.code, error.message, requestId);
  }

  /** WeChat's {@code {"code","message"}}, tolerating an empty, HTML or truncated body. */
  private record ErrorBody(String code, String message) {
    static ErrorBody parse(byte[] body) {
      if (body == null || body.length == 0) return new ErrorBody(null, null);
      try {
        JsonNode node = JsonTrees.read(body);
        if (node != null && node.isObject()) {
          return new ErrorBody(text(node.get("code")), text(node.get("message")));
        }
      } catch (java.io.IOException e) {
        // not JSON: fall through
      }
      return new ErrorBody(null, "non-JSON error body of " + body.length + " bytes");
    }

    private static String text(JsonNode node) {
      if (node == null || !node.isValueNode()) return null;
      String text = node.asText();
      return text.length() <= MAX_ERROR_TEXT ? text : text.substring(0, MAX_ERROR_TEXT);
    }
  }
}
