package payscore.merchant;

import payscore.harness.KnownKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import payscore.harness.SteppedClock;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The merchant secret's cache against a real Secrets Manager (moto), with a clock the test moves. */
class CachingMerchantSourceOnSecretsManagerTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();

  private final SteppedClock clock = SteppedClock.standingAt(Instant.parse("2026-11-25T00:00:00Z"));
  private final AtomicInteger parsed = new AtomicInteger();
  private SecretsManagerClient secrets;
  private String secretId;
  private CachingMerchantSource source;

  @BeforeEach
  void start() {
    secrets = MotoClients.secrets(MOTO.endpoint());
    secretId = "payscore/merchant-" + UUID.randomUUID();
    secrets.createSecret(r -> r.name(secretId).secretString(KnownKeys.secret().toString()));
    source = new CachingMerchantSource(MotoClients.adapters(MOTO.endpoint(), clock).secret(secretId), Duration.ofMinutes(5),
        clock, (version, secret) -> {
      parsed.incrementAndGet();
      return new Merchant(version, secret, null);
    });
  }

  @AfterEach
  void stop() {
    secrets.close();
  }

  private void rotate() {
    secrets.putSecretValue(r -> r.secretId(secretId).secretString(KnownKeys.secret().toString()));
  }

  @Test
  void secretIsReadOnceAndKeptForItsLifetime() {
    Merchant first = source.current();
    rotate();
    clock.advance(Duration.ofMinutes(4));

    assertSame(first, source.current());
    assertEquals(1, parsed.get());
  }

  @Test
  void rotatedSecretIsPickedUpWhenTheLifetimePasses() {
    Merchant first = source.current();
    rotate();
    clock.advance(Duration.ofMinutes(6));

    Merchant second = source.current();

    assertNotSame(first, second);
    assertTrue(!first.versionId().equals(second.versionId()));
  }

  @Test
  void unchangedVersionIsNotParsedAgain() {
    Merchant first = source.current();
    clock.advance(Duration.ofMinutes(6));

    assertSame(first, source.current());
    assertEquals(1, parsed.get(), "same version id: the parsed keys are kept");
  }

  @Test
  void signErrorRereadsAtOnceAndOnlyOnceForConcurrentCallers() {
    Merchant refused = source.current();
    rotate();

    Merchant fresh = source.refreshAfterSignError(refused);
    Merchant again = source.refreshAfterSignError(refused);

    assertNotSame(refused, fresh);
    assertSame(fresh, again, "a second caller with the same refused version gets the re-read one");
    assertEquals(2, parsed.get());
  }

  @Test
  void secretsManagerOutageKeepsTheHeldVersionButAForcedReadFailsClearly() {
    Merchant held = source.current();
    secrets.deleteSecret(r -> r.secretId(secretId).forceDeleteWithoutRecovery(true));
    clock.advance(Duration.ofMinutes(6));

    assertSame(held, source.current());
    MerchantSecretException e = assertThrows(MerchantSecretException.class, () -> source.refreshAfterSignError(held));
    assertTrue(e.getMessage().startsWith("could not read the merchant secret from Secrets Manager"), e.getMessage());
  }

  @Test
  void malformedNewVersionIsReportedByFieldName() {
    Merchant refused = source.current();
    secrets.putSecretValue(r -> r.secretId(secretId).secretString("{\"mchid\":\"1900000001\"}"));

    MerchantSecretException e = assertThrows(MerchantSecretException.class,
        () -> source.refreshAfterSignError(refused));

    assertEquals("merchant secret field merchant_serial_no is missing", e.getMessage());
  }
}
