package payscore.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import payscore.lambda.SamBuild;
import payscore.lambda.SamTemplate;
import payscore.simulator.SimulatorProcess;
import payscore.simulator.TestKeys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The function measured as Lambda runs it: each figure comes from a JVM of its own started with
 * Lambda's java21 flags in a 512 MB budget, with moto and the WeChat Pay simulator in processes of
 * their own. Cold start (JVM start to first response) beside a plain program written the obvious
 * way; warm CPU per message beside the crypto floor; SQS batches; memory; the deployment artifact.
 */
public final class FunctionBenchmark {
  /** Lambda's java21 runtime: C1 only, for start-up speed; serial GC; a 512 MB function. */
  static final List<String> LAMBDA_JVM = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC", "-XX:MaxRAM=512m", "-XX:MaxRAMPercentage=75", "-Xshare:auto");
  /** The same with the JVM's full tiered compilation (C2), the trade-off the README discusses. */
  static final List<String> FULL_JIT_JVM = List.of("-XX:+TieredCompilation", "-XX:+UseSerialGC", "-XX:MaxRAM=512m",
      "-XX:MaxRAMPercentage=75", "-Xshare:auto");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MCHID = "1900000001";
  private static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  private static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";

  private final Path work = Files.createTempDirectory("payscore-bench");
  private final Map<String, String> env = new HashMap<>();
  private final List<Process> simulators = new ArrayList<>();
  private final String functionClasspath;
  private final String plainClasspath;

  private FunctionBenchmark(URI moto) throws IOException {
    Path build = Path.of(System.getProperty("bench.build.dir", "target"));
    // The function as sam build lays it out (classes, then lib/*.jar), then the child programs.
    Path artifact = SamBuild.reusableArtifact(SamTemplate.read().function("ApiFunction")).taskRoot();
    try (Stream<Path> jars = Files.list(artifact.resolve("lib"))) {
      functionClasspath = artifact + ":" + jars.filter(p -> p.toString().endsWith(".jar")).sorted()
          .map(Path::toString).collect(Collectors.joining(":")) + ":" + build.resolve("test-classes");
    }
    // The plain program gets what it would ship: the SDKs' defaults, Gson and the WeChat Pay SDK.
    plainClasspath = Stream.of(System.getProperty("java.class.path").split(":"))
        .filter(entry -> !entry.matches(".*/(junit-|opentest4j|apiguardian|jackson-dataformat-yaml|snakeyaml|crac|"
            + "url-connection-client).*"))
        .collect(Collectors.joining(":"));

    KeyPair merchant = TestKeys.rsa2048();
    KeyPair wechatpay = TestKeys.rsa2048();
    Files.writeString(work.resolve("merchant.pub.pem"), TestKeys.publicKeyPem(merchant.getPublic()));
    Files.writeString(work.resolve("wechatpay.pem"), TestKeys.privateKeyPem(wechatpay.getPrivate()));
    Files.writeString(work.resolve("wechatpay.pub.pem"), TestKeys.publicKeyPem(wechatpay.getPublic()));

    String suffix = UUID.randomUUID().toString().substring(0, 8);
    try (DynamoDbClient dynamo = MotoClients.dynamo(moto);
         SecretsManagerClient secrets = MotoClients.secrets(moto);
         SqsClient sqs = MotoClients.sqs(moto)) {
      String table = "bench-" + suffix;
      dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
          .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
          .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
      ObjectNode secret = JSON.createObjectNode().put("mchid", MCHID).put("merchant_serial_no", SERIAL)
          .put("merchant_private_key", TestKeys.privateKeyPem(merchant.getPrivate()))
          .put("wechatpay_public_key_id", PUBLIC_KEY_ID)
          .put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpay.getPublic()));
      secrets.createSecret(r -> r.name("bench/merchant-" + suffix).secretString(secret.toString()));
      env.put("WECHATPAY_SECRET_ID", "bench/merchant-" + suffix);
      env.put("IDEMPOTENCY_TABLE", table);
      env.put("DEAD_LETTER_QUEUE_URL", sqs.createQueue(r -> r.queueName("bench-dlq-" + suffix)).queueUrl());
    }
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "test");
    env.put("AWS_SECRET_ACCESS_KEY", "test");
    env.put("AWS_ENDPOINT_URL", moto.toString());
    env.put("WECHATPAY_BACKUP_BASE_URL", "");
    env.put("PATH", System.getenv("PATH"));
  }

  public static void main(String[] args) throws Exception {
    run(MotoServer.shared().endpoint());
    System.exit(0);
  }

  static void run(URI moto) throws Exception {
    FunctionBenchmark bench = new FunctionBenchmark(moto);
    // -Dbench.only=cold,warm,batch,artifact runs a part; -Dbench.jvm="-XX:…" adds flags to every child JVM.
    List<String> parts = List.of(System.getProperty("bench.only", "cold,warm,batch,artifact").split(","));
    try {
      if (parts.contains("cold")) bench.coldStart();
      if (parts.contains("warm")) bench.warm();
      if (parts.contains("batch")) bench.batches();
      if (parts.contains("artifact")) bench.artifact();
    } finally {
      bench.simulators.forEach(Process::destroy);
    }
  }

  private void coldStart() throws Exception {
    env.put("WECHATPAY_BASE_URL", immediateWeChat().toString());
    int runs = 5;
    List<Map<String, Double>> ours = new ArrayList<>();
    List<Map<String, Double>> plain = new ArrayList<>();
    for (int i = 0; i < runs; i++) { // alternated, so machine noise falls on both alike
      ours.add(child(functionClasspath, LAMBDA_JVM, FunctionColdStart.class, sendEvent("COLD-F" + i).toString()));
      plain.add(child(plainClasspath, LAMBDA_JVM, PlainColdStart.class, sendEvent("COLD-P" + i).toString()));
    }
    System.out.println();
    System.out.println("Cold start: JVM start to first API response (" + runs + " runs each, median; Lambda's java21 "
        + "flags, 512 MB)");
    System.out.printf("  %-34s %10s %10s %9s %9s %9s%n", "", "wall ms", "CPU ms", "classes", "heap MiB", "RSS MiB");
    row("this function", ours);
    row("plain program (SDK defaults)", plain);
    double wall = median(ours, "wall_ms") / median(plain, "wall_ms");
    double cpu = median(ours, "cpu_ms") / median(plain, "cpu_ms");
    System.out.printf("  ratio: wall %.2f, CPU %.2f   target <= 0.60: %s%n", wall, cpu, wall <= 0.6 ? "met" : "MISSED");
  }

  private void warm() throws Exception {
    env.put("WECHATPAY_BASE_URL", immediateWeChat().toString());
    System.out.println();
    System.out.println("Warm: CPU per message over 2,000 new orders through the API handler (this JVM only; moto and "
        + "WeChat elsewhere)");
    System.out.printf("  %-34s %10s %10s %12s %7s %9s %9s%n", "", "CPU ms", "wall ms", "floor ms", "ratio",
        "heap MiB", "RSS MiB");
    for (var jit : List.of(Map.entry("C1 only (Lambda default)", LAMBDA_JVM), Map.entry("C1 + C2", FULL_JIT_JVM))) {
      Map<String, Double> result = child(functionClasspath, jit.getValue(), WarmLoop.class,
          sendEvent("WARM").toString(), System.getProperty("bench.messages", "2000"));
      System.out.printf("  (%s: JIT compiling %.2f ms and GC %.2f ms of wall time per message during the run)%n",
          jit.getKey(), result.get("jit_ms_per_message"), result.get("gc_ms_per_message"));
      double ratio = result.get("cpu_ms_per_message") / result.get("floor_ms");
      System.out.printf("  %-34s %10.2f %10.2f %12.2f %7.2f %9.1f %9.1f   target ratio <= 1.5: %s%n", jit.getKey(),
          result.get("cpu_ms_per_message"), result.get("wall_ms_per_message"), result.get("floor_ms"), ratio,
          result.get("heap_mib"), result.get("rss_mib"), ratio <= 1.5 ? "met" : "MISSED");
    }
    System.out.println("  floor: one SHA256withRSA sign and one verify (RSA-2048) in the same JVM");
  }

  private void batches() throws Exception {
    System.out.println();
    System.out.println("SQS batch of 10 distinct orders against a batch of one (median of 5; queue handler, Lambda "
        + "flags)");
    System.out.printf("  %-22s %10s %12s %7s%n", "WeChat answers after", "1 message", "10 messages", "ratio");
    Path event = events("sqs-batch.json");
    for (int delay : new int[] {100, 500}) {
      env.put("WECHATPAY_BASE_URL", simulator(delay).toString());
      Map<String, Double> result = child(functionClasspath, LAMBDA_JVM, BatchLoop.class, event.toString(), "5");
      double ratio = result.get("ten_ms") / result.get("one_ms");
      System.out.printf("  %-22s %7.0f ms %9.0f ms %6.2fx   targets < 2.0 (issue 3), <= 1.3: %s%n", delay + " ms",
          result.get("one_ms"), result.get("ten_ms"), ratio, ratio <= 1.3 ? "met" : "MISSED");
    }
  }

  private void artifact() throws IOException {
    // What sam build packages for a Maven function: the classes, and every runtime jar under lib/.
    CountingStream counted = new CountingStream();
    try (ZipOutputStream zip = new ZipOutputStream(counted)) {
      Path classes = Path.of(functionClasspath.split(":")[0]);
      try (Stream<Path> files = Files.walk(classes)) {
        for (Path file : files.filter(Files::isRegularFile)
            .filter(f -> !classes.relativize(f).startsWith("lib") && !f.getFileName().toString().startsWith("."))
            .toList()) {
          zip.putNextEntry(new ZipEntry(classes.relativize(file).toString()));
          Files.copy(file, zip);
        }
      }
      for (String jar : functionClasspath.split(":")) {
        if (!jar.endsWith(".jar")) continue;
        zip.putNextEntry(new ZipEntry("lib/" + Path.of(jar).getFileName()));
        Files.copy(Path.of(jar), zip);
      }
    }
    long jars = Arrays.stream(functionClasspath.split(":")).filter(entry -> entry.endsWith(".jar")).count();
    System.out.println();
    System.out.printf("Deployment artifact: %.2f MB zipped (classes and %d runtime jars, as sam build packages them)%n",
        counted.count / 1e6, jars);
  }

  private Path sendEvent(String order) throws IOException {
    ObjectNode event = FunctionHarness.httpPost(order + "-" + UUID.randomUUID().toString().substring(0, 6),
        FunctionHarness.event("http-api-send.json").get("body").asText());
    Path file = work.resolve("event-" + order + ".json");
    Files.writeString(file, event.toString());
    return file;
  }

  private Path events(String name) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, FunctionHarness.event(name).toString());
    return file;
  }

  private URI immediate;

  private URI immediateWeChat() throws IOException {
    if (immediate == null) immediate = simulator(0);
    return immediate;
  }

  /** A simulator in its own process, answering after {@code delayMs}; stopped at the end. */
  private URI simulator(int delayMs) throws IOException {
    Process process = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
        SimulatorProcess.class.getName(), MCHID, SERIAL, work.resolve("merchant.pub.pem").toString(), PUBLIC_KEY_ID,
        work.resolve("wechatpay.pem").toString(), work.resolve("wechatpay.pub.pem").toString(),
        Integer.toString(delayMs)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    simulators.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("SIMULATOR ")) return URI.create(line.substring(10));
    }
    throw new IOException("the simulator process did not start");
  }

  /** Runs a child JVM; wall_ms is measured here, from process start to its result line. */
  private Map<String, Double> child(String classpath, List<String> jvm, Class<?> main, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(javaBinary()));
    command.addAll(jvm);
    String extra = System.getProperty("bench.jvm", "");
    if (!extra.isBlank()) command.addAll(List.of(extra.strip().split("\\s+")));
    command.addAll(List.of("-cp", classpath, main.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process process = builder.start();
    Map<String, Double> result = new LinkedHashMap<>();
    StringBuilder output = new StringBuilder();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("RESULT ")) {
          result.put("wall_ms", (System.nanoTime() - start) / 1e6);
          for (String pair : line.substring(7).split(" ")) {
            String[] kv = pair.split("=");
            result.put(kv[0], Double.parseDouble(kv[1]));
          }
        } else {
          output.append(line).append('\n');
        }
      }
    }
    if (process.waitFor() != 0 || !result.containsKey("wall_ms")) {
      throw new IllegalStateException(main.getSimpleName() + " failed:\n" + output);
    }
    if (result.containsKey("status") && result.get("status") != 200) {
      throw new IllegalStateException(main.getSimpleName() + " answered " + result.get("status") + "\n" + output);
    }
    return result;
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static void row(String name, List<Map<String, Double>> runs) {
    System.out.printf("  %-34s %10.0f %10.0f %9.0f %9.1f %9.1f%n", name, median(runs, "wall_ms"), median(runs, "cpu_ms"),
        median(runs, "classes"), median(runs, "heap_mib"), median(runs, "rss_mib"));
  }

  private static double median(List<Map<String, Double>> runs, String key) {
    double[] values = runs.stream().mapToDouble(run -> run.get(key)).sorted().toArray();
    return values[values.length / 2];
  }

  private static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      count += length;
    }
  }
}
