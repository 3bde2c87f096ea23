package payscore.harness;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A test of the function against moto and the WeChat Pay simulator: a harness of its own for each
 * test, closed after it, which also scans everything the function logged for secret material.
 */
public abstract class FunctionTest {
  @RegisterExtension
  protected static final MotoServer MOTO = MotoServer.shared();
  /** The body of events/http-api-send.json. */
  protected static final String BODY = SampleRequest.BODY;
  /** The same request with another discount (and total): a different canonical body. */
  protected static final String OTHER_BODY =
      BODY.replace("\"amount\":100,", "\"amount\":200,").replace("39900", "39800");

  protected FunctionHarness harness;

  @BeforeEach
  void startHarness() throws IOException {
    harness = new FunctionHarness(MOTO.endpoint());
  }

  @AfterEach
  void closeHarness() {
    harness.close();
  }
}
