package payscore;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * The execution environment's CSPRNG, replaced after a SnapStart restore: every environment
 * restored from one snapshot would otherwise start from the same random state and make the same
 * nonces and lease tokens.
 */
public final class FreshRandom {
  private volatile SecureRandom random = new SecureRandom();

  public SecureRandom get() {
    return random;
  }

  /** A lease token: 122 random bits, as a UUID string. */
  public String token() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
    long most = (buffer.getLong() & ~0xF000L) | 0x4000L;
    long least = (buffer.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }

  void renew() {
    random = new SecureRandom();
  }
}
