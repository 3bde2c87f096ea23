package payscore.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a JFR recording's sampled Java CPU goes: {@code jfr print --events jdk.ExecutionSample},
 * each sample put in the first category its stack reaches (crypto first, so what remains is the
 * non-crypto path), then the top frames of the non-crypto samples.
 */
final class JfrSummary {
  /** Categories by stack frame prefix, in priority order. */
  private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();

  static {
    CATEGORIES.put("crypto (RSA, SHA-256, BigInteger, ACCP)", List.of("sun.security.", "java.math.BigInteger",
        "java.security.Signature", "javax.crypto.", "com.amazon.corretto."));
    CATEGORIES.put("java.time formatting", List.of("java.time.format.", "java.time.Instant.toString"));
    CATEGORIES.put("AWS SDK: marshalling/unmarshalling", List.of("software.amazon.awssdk.protocols.",
        "software.amazon.awssdk.thirdparty.jackson"));
    CATEGORIES.put("AWS calls: HttpURLConnection (ours and the SDK's)", List.of(
        "software.amazon.awssdk.http.urlconnection.", "sun.net.www.", "java.net.HttpURLConnection"));
    CATEGORIES.put("AWS calls: our JSON client, SigV4, DynamoDB items", List.of("payscore.aws."));
    CATEGORIES.put("AWS SDK: signing (SigV4)", List.of("software.amazon.awssdk.http.auth.aws.",
        "software.amazon.awssdk.auth.signer."));
    CATEGORIES.put("AWS SDK: pipeline, interceptors, endpoints", List.of("software.amazon.awssdk."));
    CATEGORIES.put("java.net.http (WeChat call)", List.of("jdk.internal.net.http.", "java.net.http."));
    CATEGORIES.put("Jackson (events, JSON)", List.of("com.fasterxml.jackson."));
    CATEGORIES.put("Lambda runtime client", List.of("com.amazonaws.services.lambda."));
    CATEGORIES.put("function code", List.of("payscore."));
  }

  private JfrSummary() {}

  static void print(Path recording, Path javaHome) throws IOException, InterruptedException {
    Process jfr = new ProcessBuilder(javaHome.resolve("bin/jfr").toString(), "print", "--events", "jdk.ExecutionSample",
        "--stack-depth", "96", recording.toString()).redirectErrorStream(true).start();
    List<List<String>> samples = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(jfr.getInputStream(), UTF_8))) {
      List<String> stack = null;
      for (String line; (line = out.readLine()) != null; ) {
        String trimmed = line.strip();
        if (trimmed.startsWith("stackTrace = [")) {
          stack = new ArrayList<>();
        } else if (stack != null && trimmed.equals("]")) {
          samples.add(stack);
          stack = null;
        } else if (stack != null && !trimmed.equals("...")) {
          stack.add(trimmed.replaceAll("\\s+line:.*", ""));
        }
      }
    }
    jfr.waitFor();
    Map<String, Integer> byCategory = new LinkedHashMap<>();
    Map<String, Integer> topFrames = new HashMap<>();
    int nonCrypto = 0;
    for (List<String> stack : samples) {
      String category = category(stack);
      byCategory.merge(category, 1, Integer::sum);
      if (!category.startsWith("crypto") && !stack.isEmpty()) {
        nonCrypto++;
        topFrames.merge(stack.get(0).replaceAll("\\(.*", ""), 1, Integer::sum);
      }
    }
    System.out.printf("%nJFR profile of the warm window (%s): %d execution samples, %d outside crypto%n",
        recording.getFileName(), samples.size(), nonCrypto);
    int total = Math.max(1, samples.size());
    int rest = Math.max(1, nonCrypto);
    byCategory.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(e -> System.out.printf("  %-45s %5d samples %5.1f%% of all %5.1f%% of non-crypto%n", e.getKey(),
            e.getValue(), 100.0 * e.getValue() / total,
            e.getKey().startsWith("crypto") ? Double.NaN : 100.0 * e.getValue() / rest));
    System.out.println("  top frames outside crypto:");
    topFrames.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20)
        .forEach(e -> System.out.printf("    %5.1f%%  %s%n", 100.0 * e.getValue() / rest, e.getKey()));
  }

  private static String category(List<String> stack) {
    for (var category : CATEGORIES.entrySet()) {
      for (String frame : stack) {
        for (String prefix : category.getValue()) {
          if (frame.startsWith(prefix)) return category.getKey();
        }
      }
    }
    return "other (JDK collections, I/O, threads)";
  }
}
