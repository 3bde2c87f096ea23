package payscore;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The execution environment's CSPRNG, replaced after a SnapStart restore: every environment
 * restored from one snapshot would otherwise start from the same random state and make the same
 * nonces and lease tokens.
 */
final class FreshRandom {
  private final Supplier<SecureRandom> source;
  private volatile SecureRandom random;

  /** @param source makes a new generator, seeded afresh; called once now and once per restore */
  FreshRandom(Supplier<SecureRandom> source) {
    this.source = Objects.requireNonNull(source, "source");
    this.random = source.get();
  }

  SecureRandom get() {
    return random;
  }

  /** A lease token: 122 random bits, as a UUID string. */
  String token() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
    long most = (buffer.getLong() & ~0xF000L) | 0x4000L;
    long least = (buffer.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }

  void renew() {
    random = source.get();
  }
}
