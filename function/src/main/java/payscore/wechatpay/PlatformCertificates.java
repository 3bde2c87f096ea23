package payscore.wechatpay;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import payscore.json.JsonTrees;

/**
 * Platform-certificate mode: the certificates from {@code GET /v3/certificates}, decrypted with
 * the APIv3 key (AEAD_AES_256_GCM), cached, refreshed after {@code refreshInterval}, and looked up
 * by serial. They are loaded before a message is claimed and sent ({@link #load}), never while an
 * answer is being verified. A certificate is held only under its own serial: an entry whose
 * {@code serial_no} label names another is left out, and the rest of the list still serves.
 */
public final class PlatformCertificates implements VerificationKeys {
  static final String PATH = "/v3/certificates";
  private static final Duration MIN_REFRESH_GAP = Duration.ofMinutes(1);

  private final SignedTransport transport;
  private final SecretKeySpec apiV3Key;
  private final Duration requestTimeout;
  private final Duration refreshInterval;
  private final Clock clock;

  private volatile Map<String, X509Certificate> bySerial = Map.of();
  private volatile Instant fetchedAt = Instant.MIN;
  private Instant lastAttempt = Instant.MIN;
  private volatile boolean unknownSerialSeen;
  private final boolean required;

  /**
   * @param transport the merchant's, shared with its {@link WeChatPayClient}; the download itself
   *     is signed by a platform certificate and checked against the certificates it carries
   */
  public PlatformCertificates(SignedTransport transport, String apiV3Key, Duration refreshInterval, Clock clock) {
    this(transport, apiV3Key, refreshInterval, clock, true);
  }

  /**
   * @param required whether answers can only be verified with these certificates (platform-certificate
   *     mode alone). When a WeChat Pay public key is configured too (the migration), WeChat signs with
   *     that key, which the request names: the list is then loaded only once an answer came signed with
   *     a certificate, and a new merchant's {@code 404} for the list is never asked for again and again.
   */
  public PlatformCertificates(SignedTransport transport, String apiV3Key, Duration refreshInterval, Clock clock,
      boolean required) {
    this.required = required;
    byte[] key = Objects.requireNonNull(apiV3Key, "apiV3Key").getBytes(UTF_8);
    if (key.length != 32) throw new KeyFormatException("apiv3_key must be 32 ASCII characters");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.apiV3Key = new SecretKeySpec(key, "AES");
    this.requestTimeout = transport.requestTimeout();
    this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Builds a {@link SignedTransport} of its own; see {@link SignedTransport#SignedTransport} for
   * the parameters.
   */
  public PlatformCertificates(HttpClient http, WeChatPayEndpoints endpoints, RequestSigner signer,
      String wechatpaySerial, String apiV3Key, Duration requestTimeout, Duration refreshInterval, Clock clock) {
    this(new SignedTransport(http, endpoints, signer, wechatpaySerial, requestTimeout, clock), apiV3Key,
        refreshInterval, clock);
  }

  /**
   * The certificate with this serial, from the list already held: a lookup never downloads, so
   * verifying an answer never waits on WeChat. An unknown serial asks the next {@link #load} to
   * refresh early, since WeChat starts signing with a new certificate before merchants have it.
   */
  @Override
  public PublicKey forSerial(String serial) {
    Instant now = clock.instant();
    X509Certificate certificate = bySerial.get(serial);
    if (certificate == null) {
      unknownSerialSeen = true;
      return null;
    }
    try {
      certificate.checkValidity(Date.from(now));
    } catch (CertificateException e) {
      return null;
    }
    return certificate.getPublicKey();
  }

  /**
   * Makes sure a list is held before anything is sent (the contract's invariant 7): downloads it
   * when none is held, when it is older than the refresh interval, or when an unknown serial was
   * seen (then at most once a minute). A failed download keeps the list held and is tried again by
   * the next call, so one failure never blinds verification for long. Waits no later than
   * {@code deadline}.
   *
   * @return whether a list is held
   */
  @Override
  public boolean load(Instant deadline) {
    Instant now = clock.instant();
    boolean early = unknownSerialSeen && !lastAttempt.plus(MIN_REFRESH_GAP).isAfter(now);
    if (!required && bySerial.isEmpty() && !early) return false; // not needed until a certificate signs
    boolean empty = bySerial.isEmpty();
    boolean stale = fetchedAt.plus(refreshInterval).isBefore(now);
    if ((empty && required) || stale || early) refresh(now, deadline);
    return !bySerial.isEmpty();
  }

  /** How many certificates are held now; for tests and logs. */
  public int size() {
    return bySerial.size();
  }

  private synchronized void refresh(Instant now, Instant deadline) {
    if (!bySerial.isEmpty() && lastAttempt.isAfter(now)) return; // another caller refreshed meanwhile
    lastAttempt = now;
    Instant until = now.plus(requestTimeout).isBefore(deadline) ? now.plus(requestTimeout) : deadline;
    Map<String, X509Certificate> downloaded = download(until);
    if (downloaded != null) {
      bySerial = downloaded;
      fetchedAt = now;
      unknownSerialSeen = false;
    }
  }

  /** The decrypted, self-verified certificate list, or null (keeping the old list) on any failure. */
  private Map<String, X509Certificate> download(Instant deadline) {
    Exchange exchange = transport.send("GET", PATH, new byte[0], deadline);
    if (!(exchange instanceof Exchange.Answered answered)) return null;
    HttpResponse<byte[]> response = answered.response();
    if (response.statusCode() != 200) return null;
    Map<String, X509Certificate> certificates = new HashMap<>();
    try {
      JsonNode root = JsonTrees.read(response.body());
      JsonNode data = root == null ? JsonTrees.object() : root.path("data");
      for (JsonNode item : data) {
        JsonNode encrypted = item.path("encrypt_certificate");
        String pem = decrypt(encrypted.path("associated_data").asText(""), encrypted.path("nonce").asText(),
            encrypted.path("ciphertext").asText());
        X509Certificate certificate = Pem.certificate("platform certificate", pem);
        String label = item.path("serial_no").asText();
        // The label is outside the encrypted certificate: one that names another serial than the
        // certificate's own is not trusted, so no certificate is ever used under a serial not its own.
        if (labels(label, certificate)) certificates.putIfAbsent(label, certificate);
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
    // The list is signed by one of the certificates it carries; unverified means forged or broken.
    Map<String, X509Certificate> candidate = Map.copyOf(certificates);
    ResponseVerifier verifier = new ResponseVerifier(serial -> {
      X509Certificate certificate = candidate.get(serial);
      return certificate == null ? null : certificate.getPublicKey();
    }, clock);
    return verifier.verify(response.headers(), response.body()).verified() ? candidate : null;
  }

  /**
   * Whether {@code label} (the list's {@code serial_no}, hex) is the certificate's own serial number:
   * compared as numbers, so case and leading zeros do not matter.
   */
  static boolean labels(String label, X509Certificate certificate) {
    boolean hex = label.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'));
    if (label.isEmpty() || label.length() > 64 || !hex) return false;
    return new BigInteger(label, 16).equals(certificate.getSerialNumber());
  }

  /** AEAD_AES_256_GCM: key = APIv3 key, IV = nonce, AAD = associated_data, 128-bit tag at the end. */
  String decrypt(String associatedData, String nonce, String ciphertext) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, apiV3Key, new GCMParameterSpec(128, nonce.getBytes(UTF_8)));
    cipher.updateAAD(associatedData.getBytes(UTF_8));
    return new String(cipher.doFinal(Base64.getDecoder().decode(ciphertext)), UTF_8);
  }
}
