package payscore;

import java.security.Security;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Puts the Corretto provider (AWS-LC's RSA) first for one test class, as the function does on
 * Lambda with SnapStart ({@link NativeCrypto}), and takes it out again afterwards so that other
 * classes keep the JDK's providers. The test JVM stops at C1, where one JDK RSA signature costs
 * about 16 ms against under 1 ms native: the whole-graph tests sign a few hundred requests. Where
 * the native library cannot load, nothing changes and the tests run on the JDK's providers.
 */
final class NativeCryptoForTheClass implements BeforeAllCallback, AfterAllCallback {
  private static final String NAME = "AmazonCorrettoCryptoProvider";

  @Override
  public void beforeAll(ExtensionContext context) {
    if (Security.getProvider(NAME) != null) return; // someone else installed it: theirs to remove
    NativeCrypto.install(null);
    context.getStore(ExtensionContext.Namespace.GLOBAL).put(NativeCryptoForTheClass.class,
        Security.getProvider(NAME) != null);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Boolean installed = context.getStore(ExtensionContext.Namespace.GLOBAL)
        .get(NativeCryptoForTheClass.class, Boolean.class);
    if (Boolean.TRUE.equals(installed)) Security.removeProvider(NAME);
  }
}
