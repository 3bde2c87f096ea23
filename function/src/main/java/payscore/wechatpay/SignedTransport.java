package payscore.wechatpay;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Objects;
import javax.net.ssl.SSLHandshakeException;

/**
 * Sends one APIv3 request: signs the exact bytes, sends them over {@code java.net.http}, and
 * says whether an answer came, nothing was sent, or the request may have arrived unanswered.
 * A failure to connect to the primary host is tried once more on the backup host; a failure
 * after the request was written never is, since WeChat may have processed it.
 *
 * <p>One per merchant key version, shared by {@link WeChatPayClient} and
 * {@link PlatformCertificates}; it holds no per-request state, so threads may share it.
 */
public final class SignedTransport {
  static final String CONNECT_FAILED = "CONNECT_FAILED";
  static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";
  static final String USER_AGENT = "payscore-pending-message/1.0 (java.net.http; Java "
      + Runtime.version().feature() + ")";

  private final HttpClient http;
  private final WeChatPayEndpoints endpoints;
  private final RequestSigner signer;
  private final String wechatpaySerial;
  private final Duration requestTimeout;
  private final Clock clock;

  /**
   * @param wechatpaySerial the {@code PUB_KEY_ID_…} to send as {@code Wechatpay-Serial}, so WeChat
   *     signs its answer with the public key; null in platform-certificate-only mode
   * @param requestTimeout the longest wait for an answer; the caller's deadline may cut it shorter
   */
  public SignedTransport(HttpClient http, WeChatPayEndpoints endpoints, RequestSigner signer, String wechatpaySerial,
      Duration requestTimeout, Clock clock) {
    this.http = Objects.requireNonNull(http, "http");
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.wechatpaySerial = wechatpaySerial;
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The longest wait for an answer, before any caller's deadline cuts it shorter. */
  Duration requestTimeout() {
    return requestTimeout;
  }

  /** A request signed and ready to leave: what is signed is exactly what is sent. */
  public record Signed(String method, String rawPath, byte[] body, String authorization) {}

  Signed sign(String method, String rawPath, byte[] body) {
    return new Signed(method, rawPath, body, signer.authorization(method, rawPath, body));
  }

  Exchange send(String method, String rawPath, byte[] body, Instant deadline) {
    return send(sign(method, rawPath, body), deadline);
  }

  Exchange send(Signed request, Instant deadline) {
    // The host is not part of the signature, so the same signed request may go to the backup.
    String method = request.method();
    String rawPath = request.rawPath();
    byte[] body = request.body();
    String authorization = request.authorization();
    Exchange first = sendTo(endpoints.primary(), method, rawPath, body, authorization, deadline);
    if (first instanceof Exchange.NotSent notSent && endpoints.backup() != null) {
      Exchange second = sendTo(endpoints.backup(), method, rawPath, body, authorization, deadline);
      if (second instanceof Exchange.NotSent again) {
        return new Exchange.NotSent(again.code(), notSent.reason() + "; backup host: " + again.reason());
      }
      return second;
    }
    return first;
  }

  private Exchange sendTo(URI host, String method, String rawPath, byte[] body, String authorization,
      Instant deadline) {
    Duration remaining = Duration.between(clock.instant(), deadline);
    if (remaining.compareTo(Duration.ofMillis(1)) < 0) {
      return new Exchange.NotSent(DEADLINE_EXCEEDED, "the deadline passed before the request was sent");
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(host + rawPath))
        .timeout(remaining.compareTo(requestTimeout) < 0 ? remaining : requestTimeout)
        .header("Authorization", authorization)
        .header("Accept", "application/json")
        .header("User-Agent", USER_AGENT);
    if (wechatpaySerial != null) request.header("Wechatpay-Serial", wechatpaySerial);
    if (body.length > 0 || method.equals("POST")) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    Duration wait = remaining.compareTo(requestTimeout) < 0 ? remaining : requestTimeout;
    // HttpRequest.timeout stops at the response headers; a body that stalls is cut off here, so
    // the whole exchange ends by the deadline.
    CompletableFuture<HttpResponse<byte[]>> exchange =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      HttpResponse<byte[]> response = exchange.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return new Exchange.Answered(response, host);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      return new Exchange.NoAnswer("no whole answer from " + host.getHost() + " within " + wait.toMillis() + " ms",
          true);
    } catch (ExecutionException e) {
      return failed(host, e.getCause() == null ? e : e.getCause(), remaining);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      return new Exchange.NoAnswer("interrupted while waiting for " + host.getHost(), false);
    }
  }

  /** What a failed exchange means: refused before sending, or lost after. */
  private Exchange failed(URI host, Throwable failure, Duration remaining) {
    String name = host.getHost();
    return switch (failure) {
      case HttpConnectTimeoutException e -> new Exchange.NotSent(CONNECT_FAILED, "connect to " + name + " timed out");
      case HttpTimeoutException e ->
          new Exchange.NoAnswer("no answer from " + name + " within " + remainingMillis(remaining) + " ms", true);
      case ConnectException e -> new Exchange.NotSent(CONNECT_FAILED, "could not connect to " + name + " ("
          + (e.getCause() instanceof UnresolvedAddressException ? "unresolved" : e.getClass().getSimpleName()) + ")");
      case SSLHandshakeException e -> new Exchange.NotSent(CONNECT_FAILED, "could not connect to " + name
          + " (SSLHandshakeException)");
      case IOException e when e.getCause() instanceof UnresolvedAddressException ->
          new Exchange.NotSent(CONNECT_FAILED, "could not resolve " + name);
      default -> new Exchange.NoAnswer("connection to " + name + " failed after sending ("
          + failure.getClass().getSimpleName() + ")", false);
    };
  }

  private long remainingMillis(Duration remaining) {
    return Math.min(remaining.toMillis(), requestTimeout.toMillis());
  }
}
