package payscore.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local WeChat Pay APIv3 for {@code send-pendingmessage} (direct and partner paths) and {@code
 * GET /v3/certificates}: it authenticates requests, applies WeChat's rules, allows one message per
 * {@link ServiceOrder}, signs its 2xx answers, and can be scripted to misbehave or stall. Thread-safe.
 */
public final class WeChatPaySimulator implements AutoCloseable {

  private static final int BACKLOG = 128;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Endpoints endpoints;
  private final MerchantRegistry merchants;
  private final Orders orders;
  private final RequestLog log;
  private final AtomicBoolean closed = new AtomicBoolean();

  private WeChatPaySimulator(
      HttpServer server, ExecutorService executor, Endpoints endpoints, MerchantRegistry merchants, Orders orders,
      RequestLog log) {
    this.server = server;
    this.executor = executor;
    this.endpoints = endpoints;
    this.merchants = merchants;
    this.orders = orders;
    this.log = log;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** From now on only this key, under this serial, authenticates {@code mchid}. */
  public void replaceMerchantKeys(String mchid, String serialNo, PublicKey key) {
    merchants.replace(
        Objects.requireNonNull(mchid, "mchid"), Objects.requireNonNull(serialNo, "serialNo"),
        Objects.requireNonNull(key, "key"));
  }

  /**
   * Appends answers to the queue of every order numbered {@code outOrderNo}: the direct order and
   * the partner orders of any sub-merchant. Each authenticated request for such an order takes the
   * next one, unless its own {@link #script(ServiceOrder, Behaviour...)} queue has one first; when
   * both are empty the order is handled by the default behaviour (normally).
   */
  public void script(String outOrderNo, Behaviour... behaviours) {
    orders.script(Objects.requireNonNull(outOrderNo, "outOrderNo"), List.of(behaviours));
  }

  /** Appends answers to this one order's queue, which is used before the order number's queue. */
  public void script(ServiceOrder order, Behaviour... behaviours) {
    orders.script(Objects.requireNonNull(order, "order"), List.of(behaviours));
  }

  /** Scripts the partner order of {@code subMchid}; other sub-merchants' orders of that number are untouched. */
  public void scriptPartner(String subMchid, String outOrderNo, Behaviour... behaviours) {
    script(ServiceOrder.partner(subMchid, outOrderNo), behaviours);
  }

  /**
   * How every send without a scripted answer is handled from now on, e.g. {@code
   * Behaviour.stallHeaders(Duration.ofSeconds(5), Behaviour.normal())} for a slow WeChat or
   * {@code Behaviour.serverError(503, false)} for an outage; {@link Behaviour#normal()} restores
   * the usual handling (with the builder's answer delay). Each request uses it anew.
   */
  public void defaultBehaviour(Behaviour behaviour) {
    orders.defaultBehaviour(Objects.requireNonNull(behaviour, "behaviour"));
  }

  /**
   * From now on {@code GET /v3/certificates} fails: it answers {@code status} {@code SYSTEM_ERROR},
   * unsigned, until {@link #serveCertificates()}. Sends are not affected.
   */
  public void failCertificateDownloads(int status) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    endpoints.certificateFailure(Reply.error(status, "SYSTEM_ERROR", "系统错误"));
  }

  /** Ends {@link #failCertificateDownloads}: {@code GET /v3/certificates} serves the list again. */
  public void serveCertificates() {
    endpoints.certificateFailure(null);
  }

  /** The {@code GET /v3/certificates} requests received, in arrival order. */
  public List<RecordedRequest> certificateRequests() {
    return log.snapshot().stream()
        .filter(request -> request.method().equals("GET") && request.rawPath().equals("/v3/certificates")).toList();
  }

  /** Every request received, on any path, in arrival order. */
  public List<RecordedRequest> requests() {
    return log.snapshot();
  }

  /**
   * The send-pendingmessage requests whose decoded order number is {@code outOrderNo}, on either
   * path and for any sub-merchant; see {@link #requestsFor(ServiceOrder)} for one order.
   */
  public List<RecordedRequest> requestsFor(String outOrderNo) {
    return log.snapshot().stream().filter(request -> outOrderNo.equals(request.outOrderNo())).toList();
  }

  /** The send-pendingmessage requests for exactly this order. */
  public List<RecordedRequest> requestsFor(ServiceOrder order) {
    return log.snapshot().stream().filter(request -> order.equals(request.serviceOrder())).toList();
  }

  /**
   * How many messages WeChat took for the direct order: 0 or 1, unless a scripted answer forced
   * more. Partner orders of the same number are not counted; see {@link #acceptedCount(ServiceOrder)}.
   */
  public int acceptedCount(String outOrderNo) {
    return orders.taken(ServiceOrder.direct(outOrderNo));
  }

  /** How many messages WeChat took for this order, direct or partner. */
  public int acceptedCount(ServiceOrder order) {
    return orders.taken(Objects.requireNonNull(order, "order"));
  }

  /** How many messages WeChat took for the sub-merchant's order. */
  public int acceptedCount(String subMchid, String outOrderNo) {
    return acceptedCount(ServiceOrder.partner(subMchid, outOrderNo));
  }

  /** Messages taken per order, for every order with at least one; a snapshot. */
  public Map<ServiceOrder, Integer> acceptances() {
    return orders.takenSnapshot();
  }

  /** Forgets requests, taken messages, scripts and the default behaviour; merchant keys stay. */
  public void reset() {
    orders.clear();
    log.clear();
  }

  /** Stops at once: open connections (stalled ones too) are dropped and waiting handlers interrupted. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    endpoints.releaseHanging();
    executor.shutdownNow();
  }

  public static final class Builder {

    private Clock clock = Clock.systemUTC();
    private final List<MerchantKey> merchantKeys = new ArrayList<>();
    private ResponseSigner.SigningKey publicKeyModeKey;
    private byte[] apiV3Key;
    private List<PlatformCertificate> certificates = List.of();
    private Reply duplicateRejection = Reply.error(400, "INVALID_ORDER_STATE", "订单已下发过待处理消息");
    private java.time.Duration answerDelay = java.time.Duration.ZERO;

    private record MerchantKey(String mchid, String serialNo, PublicKey key) {}

    private Builder() {}

    /** Used for the request timestamp window and the response timestamps; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Registers a merchant API key; call again for more merchants or more serials of one merchant. */
    public Builder merchant(String mchid, String serialNo, PublicKey key) {
      merchantKeys.add(new MerchantKey(
          Objects.requireNonNull(mchid, "mchid"), Objects.requireNonNull(serialNo, "serialNo"),
          Objects.requireNonNull(key, "key")));
      return this;
    }

    /** Signs with the WeChat Pay public-key-mode key under {@code publicKeyId} (e.g. {@code PUB_KEY_ID_…}). */
    public Builder publicKeyMode(String publicKeyId, KeyPair wechatpayKey) {
      this.publicKeyModeKey = new ResponseSigner.SigningKey(
          Objects.requireNonNull(publicKeyId, "publicKeyId"), wechatpayKey.getPrivate());
      return this;
    }

    /** Serves these certificates from GET /v3/certificates and signs with the one expiring last. */
    public Builder platformCertificateMode(String apiV3Key, List<PlatformCertificate> certificates) {
      if (apiV3Key.length() != 32 || !apiV3Key.chars().allMatch(c -> c < 128)) {
        throw new IllegalArgumentException("the APIv3 key must be 32 ASCII characters");
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("platform-certificate mode needs at least one certificate");
      }
      this.apiV3Key = apiV3Key.getBytes(StandardCharsets.US_ASCII);
      this.certificates = List.copyOf(certificates);
      return this;
    }

    /** What a second message for an order gets; WeChat's real code is unconfirmed. */
    public Builder duplicateRejection(int status, String code, String message) {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("not an error status: " + status);
      }
      this.duplicateRejection = Reply.error(
          status, Objects.requireNonNull(code, "code"), Objects.requireNonNull(message, "message"));
      return this;
    }

    /** Every unscripted send is answered after this delay, like WeChat's latency (default none). */
    public Builder answerDelay(java.time.Duration delay) {
      this.answerDelay = Objects.requireNonNull(delay, "delay");
      return this;
    }

    /** @throws IllegalStateException when neither public-key mode nor platform-certificate mode is configured */
    public WeChatPaySimulator start() throws IOException {
      ResponseSigner.SigningKey newestCertificateKey = certificates.stream()
          .max(Comparator.comparing(certificate -> certificate.certificate().getNotAfter()))
          .map(certificate -> new ResponseSigner.SigningKey(certificate.serialNo(), certificate.privateKey()))
          .orElse(null);
      ResponseSigner signer = new ResponseSigner(clock, publicKeyModeKey, newestCertificateKey);
      MerchantRegistry merchants = new MerchantRegistry();
      merchantKeys.forEach(merchant -> merchants.add(merchant.mchid(), merchant.serialNo(), merchant.key()));
      Orders orders = new Orders();
      RequestLog log = new RequestLog();
      Endpoints endpoints = new Endpoints(
          clock, new RequestAuthenticator(clock, merchants), signer,
          apiV3Key == null ? null : new CertificateList(apiV3Key, certificates),
          duplicateRejection, orders, log, answerDelay);

      HttpServer server = HttpServer.create(
          new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), BACKLOG);
      ExecutorService executor = Executors.newCachedThreadPool(handlerThreads());
      server.setExecutor(executor);
      server.createContext("/", endpoints);
      server.start();
      return new WeChatPaySimulator(server, executor, endpoints, merchants, orders, log);
    }

    private static ThreadFactory handlerThreads() {
      AtomicInteger count = new AtomicInteger();
      return task -> {
        Thread thread = new Thread(task, "wechatpay-simulator-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
    }
  }
}
