package payscore;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import payscore.merchant.CachingMerchantSource;
import payscore.merchant.CachingMerchantSource.SecretVersion;
import payscore.merchant.MerchantSecretException;

/**
 * Secrets Manager's answers for the merchant secret: versions served in order (the last one stays),
 * or the failure that Secrets Manager being unreachable is. Every read is counted.
 */
final class FakeSecretReader implements CachingMerchantSource.SecretReader {
  private final Deque<Supplier<SecretVersion>> answers = new ArrayDeque<>();
  private final AtomicInteger reads = new AtomicInteger();

  /** Serves these versions, one per read from now on; the last stays current. */
  synchronized void serve(SecretVersion... versions) {
    answers.clear();
    for (SecretVersion version : versions) answers.add(() -> version);
  }

  /** Secrets Manager cannot be reached: every read fails as the AWS-backed reader fails. */
  synchronized void unavailable() {
    answers.clear();
    answers.add(() -> {
      throw MerchantSecretException.unavailable(
          "could not read the merchant secret from Secrets Manager (ServiceUnavailableException)");
    });
  }

  int reads() {
    return reads.get();
  }

  @Override
  public synchronized SecretVersion read() {
    reads.incrementAndGet();
    Supplier<SecretVersion> answer = answers.size() > 1 ? answers.poll() : answers.peek();
    if (answer == null) throw new IllegalStateException("no secret scripted");
    return answer.get();
  }
}
