package payscore.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import payscore.harness.FunctionTest;

/**
 * The HTTP input fuzzer, small: 1,500 cases from a fixed seed (override with {@code -Dfuzz.seed}
 * and {@code -Dfuzz.cases}). The full 10,000-case run is {@link HttpInputFuzzer#main}.
 */
@Order(7)
class HttpInputFuzzTest extends FunctionTest {

  static final long SEED = Long.getLong("fuzz.seed", 20231218L);
  static final int CASES = Integer.getInteger("fuzz.cases", 1_500);
  /** {@code -Dfuzz.knownBugs=true} puts back the input kinds of {@link CaseGenerator#KNOWN_BUGS}: the test then fails. */
  static final boolean KNOWN_BUGS = Boolean.getBoolean("fuzz.knownBugs");


  @Test
  void everyGeneratedInputGetsA2xxOr4xxJsonAnswerAndWeChatOnlySeesValidSignedRequests() {
    HttpInputFuzzer.Report report = new HttpInputFuzzer(harness).includeKnownBugs(KNOWN_BUGS)
        .run(CASES, SEED, System.out);
    report.print(System.out);

    assertTrue(report.ok(), report::summary);
    assertEquals(Set.of("valid", "mutate", "random", "event", "get"), report.families(), "every generator family ran");
    assertTrue(report.sends() > 0, "some valid bodies reached WeChat");
    assertTrue(report.sends() <= CASES / 4, "valid sends stay a minority, so the run stays fast: " + report.sends());
    assertTrue(report.viaStream() > 0, "some cases went through handleRequest");
    Map<String, Integer> verdicts = report.verdicts();
    assertEquals(Set.of("ACCEPTED"), verdicts.keySet(), "WeChat saw only accepted requests: " + verdicts);
    assertEquals(report.sends(), verdicts.get("ACCEPTED"), "one accepted request per send");
  }
}
