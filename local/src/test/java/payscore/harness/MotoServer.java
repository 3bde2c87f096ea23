package payscore.harness;

import java.net.URI;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The moto server of the test run ({@link MotoProcess#shared()}), started before the first class
 * that registers it and stopped when the run ends. Register it with
 * {@code @RegisterExtension static final MotoServer MOTO = MotoServer.shared();}. Test classes run
 * side by side on it, each with its own table, secret and queues.
 */
public final class MotoServer implements BeforeAllCallback {
  private static final MotoServer SHARED = new MotoServer(MotoProcess.shared());
  private final MotoProcess moto;

  private MotoServer(MotoProcess moto) {
    this.moto = moto;
  }

  public static MotoServer shared() {
    return SHARED;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // Kept in the root store, so JUnit closes it (stops moto) once every test has run.
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(MotoServer.class, key -> {
          moto.start();
          return (ExtensionContext.Store.CloseableResource) moto::stop;
        }, ExtensionContext.Store.CloseableResource.class);
  }

  public URI endpoint() {
    return moto.endpoint();
  }
}
