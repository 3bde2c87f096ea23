package payscore.merchant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BiFunction;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * The merchant secret from AWS Secrets Manager ({@code AWSCURRENT}), parsed once per version and
 * kept for {@code lifetime}. A rotated secret is picked up when the lifetime passes, or at once
 * after a signature refusal. When Secrets Manager cannot be reached, a version already held stays
 * in use rather than failing every request.
 */
public final class SecretsManagerMerchantSource implements MerchantSource {
  private final SecretsManagerClient secrets;
  private final String secretId;
  private final Duration lifetime;
  private final Clock clock;
  /** Builds the WeChat Pay client for a new version: (version id, secret) to merchant. */
  private final BiFunction<String, MerchantSecret, Merchant> merchants;

  private volatile Held held;

  private record Held(Merchant merchant, Instant readAt) {}

  public SecretsManagerMerchantSource(SecretsManagerClient secrets, String secretId, Duration lifetime, Clock clock,
      BiFunction<String, MerchantSecret, Merchant> merchants) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.secretId = Objects.requireNonNull(secretId, "secretId");
    this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.merchants = Objects.requireNonNull(merchants, "merchants");
  }

  @Override
  public Merchant current() {
    Held now = held;
    if (now != null && now.readAt.plus(lifetime).isAfter(clock.instant())) return now.merchant;
    return reload(now, false);
  }

  @Override
  public Merchant refreshAfterSignError(Merchant refused) {
    Held now = held;
    if (now != null && now.merchant != refused) return now.merchant; // someone already re-read it
    return reload(now, true);
  }

  /** Forgets the held version, so the next call reads Secrets Manager (after a snapshot restore). */
  public void forget() {
    held = null;
  }

  private synchronized Merchant reload(Held seen, boolean afterSignError) {
    Held now = held;
    if (now != seen && now != null) return now.merchant; // another thread reloaded meanwhile
    GetSecretValueResponse response;
    try {
      response = secrets.getSecretValue(request -> request.secretId(secretId));
    } catch (SdkException e) {
      if (now != null && !afterSignError) return now.merchant; // keep signing with what we have
      throw MerchantSecretException.unavailable("could not read the merchant secret from Secrets Manager ("
          + e.getClass().getSimpleName() + ")");
    }
    String versionId = response.versionId();
    if (now != null && Objects.equals(now.merchant.versionId(), versionId)) {
      held = new Held(now.merchant, clock.instant());
      return now.merchant;
    }
    MerchantSecret secret = MerchantSecret.parse(response.secretString());
    Merchant merchant = merchants.apply(versionId, secret);
    held = new Held(merchant, clock.instant());
    return merchant;
  }
}
