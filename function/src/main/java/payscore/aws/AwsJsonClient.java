package payscore.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import payscore.json.JsonTrees;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * One AWS service's JSON protocol (DynamoDB, Secrets Manager, SQS): a request body is POSTed with
 * {@code X-Amz-Target}, signed with SigV4 ({@link AwsRequestSigner}), over the JDK's
 * {@link HttpURLConnection} (keep-alive pooled). Each call is bounded by the budget its caller
 * gives; within it, throttling, 5xx and I/O failures are retried with jittered backoff, as the SDK
 * would. A retry of a write can meet the write itself: every write this function makes is
 * conditional on its own token, so that is recognised by the caller, never applied twice.
 */
public final class AwsJsonClient {
  /** A JSON-protocol service: SigV4 name, target prefix, content type. */
  public record Service(String signingName, String targetPrefix, String contentType, String endpointId,
      String hostPrefix) {
    public static final Service DYNAMODB =
        new Service("dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0", "DYNAMODB", "dynamodb");
    public static final Service SECRETS_MANAGER =
        new Service("secretsmanager", "secretsmanager", "application/x-amz-json-1.1", "SECRETS_MANAGER",
            "secretsmanager");
    public static final Service SQS = new Service("sqs", "AmazonSQS", "application/x-amz-json-1.0", "SQS", "sqs");
  }

  private static final int MAX_ATTEMPTS = 3;
  private static final Duration MAX_ATTEMPT = Duration.ofSeconds(2);
  private static final Duration MAX_CONNECT = Duration.ofSeconds(1);
  private static final Duration BASE_BACKOFF = Duration.ofMillis(25);
  private static final Duration THROTTLED_BACKOFF = Duration.ofMillis(100);
  /** Less than this left: no further attempt is started. */
  private static final Duration MIN_ATTEMPT = Duration.ofMillis(20);
  private static final String USER_AGENT = "payscore-pending-message/1.0";
  /** Refusals that say the request was not applied and may be sent again after a pause. */
  private static final Set<String> THROTTLING = Set.of("ThrottlingException", "Throttling",
      "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TooManyRequestsException",
      "RequestThrottled", "RequestThrottledException", "TransactionConflictException");

  private final Service service;
  private final URI endpoint;
  private final String region;
  private final Supplier<? extends AwsCredentialsIdentity> credentials;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final AwsRequestSigner signer;
  private final URI root;
  /** The {@code Host} header HttpURLConnection sends, which the signature covers. */
  private final String host;

  /**
   * @param credentials the caller's identity, asked for every call (providers cache and refresh)
   * @param jitter uniform in [0, 1), spreads retries of concurrent callers
   */
  public AwsJsonClient(Service service, URI endpoint, String region,
      Supplier<? extends AwsCredentialsIdentity> credentials, Clock clock, DoubleSupplier jitter) {
    this.service = Objects.requireNonNull(service, "service");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.region = Objects.requireNonNull(region, "region");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.jitter = Objects.requireNonNull(jitter, "jitter");
    this.signer = new AwsRequestSigner(service.signingName(), region, clock);
    this.root = endpoint.resolve("/");
    int defaultPort = "https".equals(endpoint.getScheme()) ? 443 : 80;
    this.host = endpoint.getPort() < 0 || endpoint.getPort() == defaultPort ? endpoint.getHost()
        : endpoint.getHost() + ":" + endpoint.getPort();
  }

  /**
   * The endpoint the SDK would use: {@code AWS_ENDPOINT_URL_<SERVICE>}, then {@code AWS_ENDPOINT_URL},
   * then the regional one ({@code amazonaws.com.cn} in the China regions).
   */
  public static URI endpoint(Service service, Map<String, String> env, String region) {
    String override = env.get("AWS_ENDPOINT_URL_" + service.endpointId());
    if (override == null || override.isBlank()) override = env.get("AWS_ENDPOINT_URL");
    if (override != null && !override.isBlank()) return URI.create(override.strip());
    String domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    return URI.create("https://" + service.hostPrefix() + "." + region + "." + domain);
  }

  /**
   * Calls {@code operation} with a JSON body and returns the answer's JSON (an empty object for an
   * empty answer).
   *
   * @param budget how long the call may take, retries included
   * @throws AwsCallException refused, or not answered within the budget
   */
  public JsonNode call(String operation, JsonNode request, Duration budget) {
    byte[] body = JsonTrees.bytes(request);
    Instant deadline = clock.instant().plus(budget);
    boolean mayHaveBeenApplied = false;
    for (int attempt = 1; ; attempt++) {
      Duration left = Duration.between(clock.instant(), deadline);
      Attempt answer = attempt(operation, body, left.compareTo(MIN_ATTEMPT) < 0 ? MIN_ATTEMPT : left);
      if (answer.status == 200) return answer.json;
      mayHaveBeenApplied |= answer.mayHaveBeenApplied;
      boolean throttled = answer.code != null && THROTTLING.contains(answer.code);
      boolean retryable = throttled || answer.status >= 500 || answer.status == 0;
      Duration pause = backoff(attempt, throttled);
      if (!retryable || attempt == MAX_ATTEMPTS
          || Duration.between(clock.instant().plus(pause), deadline).compareTo(MIN_ATTEMPT) < 0) {
        throw new AwsCallException(operation, answer.status, answer.code, mayHaveBeenApplied, answer.json,
            answer.failure);
      }
      sleep(pause);
    }
  }

  /** Full jitter over an exponential ceiling, as the SDK's standard retry strategy. */
  private Duration backoff(int attempt, boolean throttled) {
    long ceiling = (throttled ? THROTTLED_BACKOFF : BASE_BACKOFF).toMillis() << (attempt - 1);
    return Duration.ofMillis((long) (jitter.getAsDouble() * ceiling));
  }

  /** One request and its answer. {@code status} 0: no answer came. */
  private record Attempt(int status, String code, JsonNode json, boolean mayHaveBeenApplied, IOException failure) {}

  private Attempt attempt(String operation, byte[] body, Duration left) {
    HttpURLConnection connection = null;
    boolean sent = false;
    try {
      connection = (HttpURLConnection) root.toURL().openConnection();
      connection.setConnectTimeout(millis(min(left, MAX_CONNECT)));
      connection.setReadTimeout(millis(min(left, MAX_ATTEMPT)));
      connection.setRequestMethod("POST");
      connection.setDoOutput(true);
      connection.setUseCaches(false);
      connection.setFixedLengthStreamingMode(body.length);
      String target = service.targetPrefix() + "." + operation;
      connection.setRequestProperty("Content-Type", service.contentType());
      connection.setRequestProperty("X-Amz-Target", target);
      signer.sign(host, service.contentType(), target, body, credentials.get()).forEach(connection::setRequestProperty);
      connection.setRequestProperty("User-Agent", USER_AGENT);
      connection.connect();
      sent = true; // from here on the service may have the request, whatever happens to its answer
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      byte[] answer;
      try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        answer = in == null ? new byte[0] : in.readAllBytes();
      }
      JsonNode json = parse(answer);
      if (status == 200) {
        if (json != null) return new Attempt(200, null, json, false, null);
        if (answer.length == 0) return new Attempt(200, null, JsonTrees.object(), false, null);
        // A success whose answer cannot be read: applied, but what it says is unknown.
        return new Attempt(0, null, null, true, new IOException("unreadable answer to " + operation));
      }
      return new Attempt(status, errorCode(json, connection.getHeaderField("x-amzn-ErrorType")), json,
          status >= 500, null);
    } catch (ConnectException | UnknownHostException | NoRouteToHostException e) {
      return new Attempt(0, null, null, false, e);
    } catch (SocketTimeoutException e) {
      return new Attempt(0, null, null, sent, e);
    } catch (IOException e) {
      if (connection != null) connection.disconnect(); // not back to the pool: its state is unknown
      return new Attempt(0, null, null, sent, e);
    }
  }

  /** The answer's JSON; null when empty or not JSON (a proxy's error page, a cut body). */
  private static JsonNode parse(byte[] answer) {
    if (answer.length == 0) return null;
    try {
      return JsonTrees.read(answer);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {@code com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException} → the part after '#'. */
  static String errorCode(JsonNode json, String header) {
    String type = json != null && json.hasNonNull("__type") ? json.get("__type").asText() : header;
    if (type == null || type.isBlank()) return null;
    int hash = type.lastIndexOf('#');
    String code = hash < 0 ? type : type.substring(hash + 1);
    int colon = code.indexOf(':');
    return colon < 0 ? code : code.substring(0, colon);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  private static int millis(Duration duration) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry an AWS call", e);
    }
  }
}
