package payscore.simulator;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** WeChat's first two checks: the required headers, then the request signature. */
final class RequestAuthenticator {

  private static final long WINDOW_SECONDS = 300;

  private final Clock clock;
  private final MerchantRegistry merchants;

  RequestAuthenticator(Clock clock, MerchantRegistry merchants) {
    this.clock = clock;
    this.merchants = merchants;
  }

  /** The refusal for a request that fails either check, or empty when it passes both. */
  Optional<Decision> refusal(IncomingRequest request) {
    Optional<String> headerProblem = headerProblem(request);
    if (headerProblem.isPresent()) {
      return Optional.of(new Decision(Verdict.INVALID_REQUEST, Reply.error(400, "INVALID_REQUEST", headerProblem.get())));
    }
    return signatureProblem(request)
        .map(problem -> new Decision(Verdict.SIGN_ERROR, Reply.error(401, "SIGN_ERROR", problem)));
  }

  private static Optional<String> headerProblem(IncomingRequest request) {
    String accept = request.header("Accept");
    if (accept == null || !acceptsJson(accept)) {
      return Optional.of("Accept must allow application/json");
    }
    String userAgent = request.header("User-Agent");
    if (userAgent == null || userAgent.isBlank()) {
      return Optional.of("User-Agent is required");
    }
    if (request.method().equals("POST") && !isJson(request.header("Content-Type"))) {
      return Optional.of("Content-Type must be application/json");
    }
    return Optional.empty();
  }

  private Optional<String> signatureProblem(IncomingRequest request) {
    String header = request.header("Authorization");
    if (header == null) {
      return Optional.of("Authorization is missing");
    }
    AuthorizationHeader authorization;
    try {
      authorization = AuthorizationHeader.parse(header);
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
    if (!merchants.knows(authorization.mchid())) {
      return Optional.of("unknown mchid " + authorization.mchid());
    }
    Optional<PublicKey> key = merchants.key(authorization.mchid(), authorization.serialNo());
    if (key.isEmpty()) {
      return Optional.of("serial_no " + authorization.serialNo() + " is not registered for this mchid");
    }
    if (Math.abs(clock.instant().getEpochSecond() - authorization.epochSecond()) > WINDOW_SECONDS) {
      return Optional.of("timestamp is more than " + WINDOW_SECONDS + " s away from WeChat's clock");
    }
    byte[] message = SignatureMessage.of(
        request.body(), request.method(), request.target(), authorization.timestamp(), authorization.nonceStr());
    if (!verifies(key.get(), message, authorization.signature())) {
      return Optional.of("signature does not verify");
    }
    return Optional.empty();
  }

  private static boolean verifies(PublicKey key, byte[] message, String signatureBase64) {
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(Base64.getDecoder().decode(signatureBase64));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean acceptsJson(String accept) {
    for (String range : accept.split(",")) {
      String mediaType = mediaType(range);
      if (mediaType.equals("application/json") || mediaType.equals("*/*")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isJson(String contentType) {
    return contentType != null && mediaType(contentType).equals("application/json");
  }

  private static String mediaType(String value) {
    int parameters = value.indexOf(';');
    return (parameters < 0 ? value : value.substring(0, parameters)).trim().toLowerCase(Locale.ROOT);
  }
}
