package payscore.merchant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The merchant secret's current version, parsed once per version and kept for {@code lifetime}. A
 * rotated secret is picked up when the lifetime passes, or at once after a signature refusal.
 * When the secret store cannot be reached, a version already held stays in use rather than
 * failing every request.
 */
public final class CachingMerchantSource implements MerchantSource {
  /** Reads the secret's current version from where it is kept. */
  public interface SecretReader {
    /**
     * @throws MerchantSecretException {@link MerchantSecretException#unavailable() unavailable} when the
     *     store could not be reached
     */
    SecretVersion read();
  }

  /** One version of the secret: its id and its JSON text. */
  public record SecretVersion(String versionId, String secretString) {
    @Override
    public String toString() {
      return "SecretVersion[" + versionId + "]"; // never the secret
    }
  }

  private final SecretReader secrets;
  private final Duration lifetime;
  private final Clock clock;
  /** Builds the WeChat Pay client for a new version: (version id, secret) to merchant. */
  private final BiFunction<String, MerchantSecret, Merchant> merchants;

  private volatile Held held;

  private record Held(Merchant merchant, Instant readAt) {}

  public CachingMerchantSource(SecretReader secrets, Duration lifetime, Clock clock,
      BiFunction<String, MerchantSecret, Merchant> merchants) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
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
    SecretVersion response;
    try {
      response = secrets.read();
    } catch (MerchantSecretException e) {
      if (!e.unavailable()) throw e;
      if (now != null && !afterSignError) return now.merchant; // keep signing with what we have
      throw e;
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
