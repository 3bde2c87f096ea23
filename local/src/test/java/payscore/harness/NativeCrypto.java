package payscore.harness;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Puts the Corretto provider (AWS-LC's native RSA) first in every test JVM before any test runs:
 * these JVMs run C1 only, under which the JDK's RSA signs about ten times slower, and the
 * simulator and the in-process function sign every request and answer. Function JVMs started
 * under the local runtime client choose their crypto as Lambda's would; this touches only the
 * JVM that runs the tests.
 */
public final class NativeCrypto implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    AmazonCorrettoCryptoProvider.install();
    AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
  }
}
