package payscore.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import payscore.harness.FunctionHarness;
import payscore.harness.MotoClients;
import payscore.harness.MotoProcess;
import payscore.harness.TcpForwarder;
import payscore.lambda.FunctionConfig;
import payscore.lambda.JavaInstallation;
import payscore.lambda.LocalLambda;
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
 * The function through the local Lambda runtime (the sam build artifact, the real runtime
 * interface client, each runtime's JVM flags) beside the Node.js peer (wechatpay-axios-plugin, AWS
 * SDK v3) started as a function process against the same Runtime API emulator, in one run,
 * subjects alternated: the same moto (behind a forwarder that can cut connections), the same
 * WeChat Pay simulator (public-key mode, in its own process), the same secret JSON and HTTP API
 * events. Every CPU figure is read from /proc of the subject's process.
 */
public final class RuntimeBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MCHID = "1900000001";
  private static final String SERIAL = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
  private static final String PUBLIC_KEY_ID = "PUB_KEY_ID_0119000000012025010100000000000000";
  private static final String ACCP_JAR = "AmazonCorrettoCryptoProvider";

  /** One configuration under test: the Node.js peer, or the function with a runtime, SnapStart and crypto. */
  record Subject(String name, String runtime, boolean accp, boolean node) {
    boolean c2() {
      return !node && Integer.parseInt(runtime.replaceAll("\\D", "")) >= 25;
    }
  }

  private final Path work;
  private final Map<String, String> env = new HashMap<>();
  private final List<Process> simulators = new ArrayList<>();
  private final TcpForwarder moto;
  private final Path artifact;
  private final Path artifactWithoutAccp;
  private final Path nodePeer;
  private final String body;
  private final String runId = Long.toString(System.nanoTime(), 36);
  private final ObjectNode secret;
  private int orders;
  private final Map<String, Map<String, Double>> figures = new LinkedHashMap<>();

  RuntimeBenchmark(URI motoEndpoint) throws Exception {
    Path build = Path.of(System.getProperty("bench.build.dir", "local/target")).toAbsolutePath();
    work = Files.createDirectories(build.resolve("bench"));
    artifact = SamBuild.reusableArtifact(SamTemplate.read().function("ApiFunction")).taskRoot();
    artifactWithoutAccp = copyWithout(artifact, work.resolve("function-jdk-crypto"), ACCP_JAR);
    nodePeer = nodePeer(build);
    moto = new TcpForwarder("127.0.0.1", 0, motoEndpoint.getPort());
    body = FunctionHarness.event("http-api-send.json").get("body").asText();

    KeyPair merchant = TestKeys.rsa2048();
    KeyPair wechatpay = TestKeys.rsa2048();
    Files.writeString(work.resolve("merchant.pub.pem"), TestKeys.publicKeyPem(merchant.getPublic()));
    Files.writeString(work.resolve("wechatpay.pem"), TestKeys.privateKeyPem(wechatpay.getPrivate()));
    Files.writeString(work.resolve("wechatpay.pub.pem"), TestKeys.publicKeyPem(wechatpay.getPublic()));
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    secret = JSON.createObjectNode().put("mchid", MCHID).put("merchant_serial_no", SERIAL)
        .put("merchant_private_key", TestKeys.privateKeyPem(merchant.getPrivate()))
        .put("wechatpay_public_key_id", PUBLIC_KEY_ID)
        .put("wechatpay_public_key", TestKeys.publicKeyPem(wechatpay.getPublic()));
    env.putAll(provision(motoEndpoint, suffix));
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("WECHATPAY_BACKUP_BASE_URL", "");
    env.put("WECHATPAY_BASE_URL", simulator(0).toString());
  }

  /** A table, the secret and a DLQ in this moto: the function's variables naming them. */
  private Map<String, String> provision(URI motoEndpoint, String suffix) {
    Map<String, String> names = new HashMap<>();
    try (DynamoDbClient dynamo = MotoClients.dynamo(motoEndpoint);
         SecretsManagerClient secrets = MotoClients.secrets(motoEndpoint);
         SqsClient sqs = MotoClients.sqs(motoEndpoint)) {
      String table = "bench-" + suffix;
      dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
          .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
          .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
      secrets.createSecret(r -> r.name("bench/merchant-" + suffix).secretString(secret.toString()));
      names.put("WECHATPAY_SECRET_ID", "bench/merchant-" + suffix);
      names.put("IDEMPOTENCY_TABLE", table);
      names.put("DEAD_LETTER_QUEUE_URL", sqs.createQueue(r -> r.queueName("bench-dlq-" + suffix)).queueUrl());
    }
    return names;
  }

  static List<Subject> subjects() {
    List<Subject> all = List.of(
        new Subject("Node.js peer", "nodejs20.x", false, true),
        new Subject("java21 C1, JDK crypto (before)", "java21", false, false),
        new Subject("(a) java21 C1 + ACCP", "java21", true, false),
        new Subject("(b) java25 SnapStart C2, JDK", "java25", false, false),
        new Subject("(c) java25 SnapStart C2 + ACCP", "java25", true, false));
    String only = System.getProperty("bench.subjects", "");
    if (only.isBlank()) return all;
    List<String> wanted = List.of(only.split(","));
    return all.stream().filter(s -> s.node || wanted.stream().anyMatch(w -> s.name.startsWith("(" + w + ")")
        || (w.equals("before") && s.name.contains("before")))).toList();
  }

  public static void main(String[] args) throws Exception {
    run(payscore.harness.MotoProcess.shared().endpoint());
    System.exit(0);
  }

  static void run(URI motoEndpoint) throws Exception {
    RuntimeBenchmark bench = new RuntimeBenchmark(motoEndpoint);
    try {
      bench.all();
    } finally {
      bench.simulators.forEach(Process::destroy);
      bench.moto.close();
    }
  }

  private void all() throws Exception {
    List<Subject> subjects = subjects();
    if (Boolean.getBoolean("bench.batches.only")) {
      // Only the SQS batch figures, for working on them: -Dbench.batches.only=true
      batches(subjects.stream().filter(s -> !s.node).toList()).forEach((subject, b) -> System.out.printf(
          "%-32s 1 @100ms %.0f, 10 @100ms %.0f (%.2fx), 1 @500ms %.0f, 10 @500ms %.0f (%.2fx)%n", subject.name,
          b[0], b[1], b[1] / b[0], b[2], b[3], b[3] / b[2]));
      return;
    }
    int coldRuns = Integer.getInteger("bench.cold.runs", 3);
    int restoreRuns = Integer.getInteger("bench.restore.runs", 2);
    int warmup = Integer.getInteger("bench.warmup", 1_500);
    int messages = Integer.getInteger("bench.messages", 1_000);
    System.out.println();
    System.out.println("Through the local Lambda runtime, beside the Node.js peer (one run, subjects alternated; "
        + "512 MB; JDK " + JavaInstallation.forRuntime(21).major() + " for every Java runtime; node "
        + nodeVersion() + ")");

    // Cold start without SnapStart: what $LATEST, sam local and regions without SnapStart get.
    Map<Subject, List<double[]>> cold = new LinkedHashMap<>();
    for (int run = 0; run < coldRuns; run++) {
      for (Subject subject : subjects) cold.computeIfAbsent(subject, s -> new ArrayList<>()).add(coldStart(subject));
    }
    // The restore path: a primed JVM (beforeCheckpoint run by the runtime client), then afterRestore
    // and the first request, connections cut as a restore finds them. Then warm, in that JVM.
    Map<Subject, List<double[]>> restored = new LinkedHashMap<>();
    Map<Subject, LocalLambda> warmEnvironments = new LinkedHashMap<>();
    for (int run = 0; run < restoreRuns; run++) {
      for (Subject subject : subjects) {
        LocalLambda lambda = subject.node ? nodeLambda() : javaLambda(subject, "ApiFunction", env, true);
        if (!subject.node) restored.computeIfAbsent(subject, s -> new ArrayList<>()).add(restore(lambda));
        else lambda.invoke(event());
        LocalLambda previous = warmEnvironments.put(subject, lambda);
        if (previous != null) previous.close();
      }
    }
    Map<Subject, double[]> warm = warm(warmEnvironments, warmup, messages);
    warmEnvironments.values().forEach(LocalLambda::close);

    Map<Subject, Double> floors = new LinkedHashMap<>();
    for (Subject subject : subjects) floors.put(subject, cryptoFloor(subject));
    Map<Subject, double[]> batches = batches(subjects.stream().filter(s -> !s.node).toList());

    print(subjects, cold, restored, warm, floors, batches);
    artifact();
  }

  // ---- cold start ----

  /** {wall ms, CPU ms, JIT ms, RSS MiB} from process start to the first response. */
  private double[] coldStart(Subject subject) throws Exception {
    try (LocalLambda lambda = subject.node ? nodeLambda() : javaLambda(subject, "ApiFunction", env, false)) {
      String event = event();
      long start = System.nanoTime();
      String response = lambda.invoke(event);
      double wall = (System.nanoTime() - start) / 1e6;
      long pid = lambda.pid();
      double[] figures = {wall, ProcStats.cpuMillis(pid), ProcStats.jitMillis(pid), ProcStats.peakRssMiB(pid)};
      check(response);
      return figures;
    }
  }

  // ---- restore ----

  /** {wall ms, CPU ms, JIT ms after restore, JIT ms before the checkpoint, priming wall ms, quiet wait ms}. */
  private double[] restore(LocalLambda lambda) throws Exception {
    long initStart = System.nanoTime();
    lambda.checkpoint(Duration.ofSeconds(90));
    double init = (System.nanoTime() - initStart) / 1e6;
    long pid = lambda.pid();
    double quiet = waitUntilQuiet(pid);
    moto.cutAll(); // a restored snapshot holds no live connection
    double jitBefore = ProcStats.jitMillis(pid);
    double cpuBefore = ProcStats.cpuMillis(pid);
    long start = System.nanoTime();
    lambda.restore();
    String response = lambda.invoke(event());
    double wall = (System.nanoTime() - start) / 1e6;
    double cpu = ProcStats.cpuMillis(pid) - cpuBefore;
    double jit = ProcStats.jitMillis(pid) - jitBefore;
    check(response);
    return new double[] {wall, cpu, jit, jitBefore, init, quiet};
  }

  /**
   * Waits (at most 10 s) until the JVM spent at most one tick of CPU in 300 ms: the JIT's queue
   * from priming drained, as it is in a snapshot taken after INIT. Returns the wait in ms.
   */
  private static double waitUntilQuiet(long pid) throws InterruptedException {
    long start = System.nanoTime();
    double last = ProcStats.cpuMillis(pid);
    while (System.nanoTime() - start < 10_000_000_000L) {
      Thread.sleep(300);
      double now = ProcStats.cpuMillis(pid);
      if (now - last <= 10) break;
      last = now;
    }
    return (System.nanoTime() - start) / 1e6;
  }

  // ---- warm ----

  /**
   * Warm-up, then the measured messages in blocks alternated across subjects. Each subject's CPU is
   * read from the start of its first measured block to the end of its last, so background JIT and
   * GC between its blocks are charged to it. {CPU ms/msg, wall ms/msg, JIT ms/msg, RSS MiB}.
   */
  private Map<Subject, double[]> warm(Map<Subject, LocalLambda> lambdas, int warmup, int messages) throws Exception {
    int block = 250;
    for (var entry : lambdas.entrySet()) {
      for (int i = 0; i < warmup; i++) check(entry.getValue().invoke(event()));
    }
    Map<Subject, double[]> start = new LinkedHashMap<>();
    Map<Subject, Double> wall = new HashMap<>();
    String jfr = System.getProperty("bench.jfr", "");
    for (var entry : lambdas.entrySet()) {
      long pid = entry.getValue().pid();
      start.put(entry.getKey(), new double[] {ProcStats.cpuMillis(pid), ProcStats.jitMillis(pid)});
      if (!jfr.isBlank() && entry.getKey().name.contains("(" + jfr + ")")) jcmd(pid, "JFR.start", "name=bench",
          "settings=profile");
    }
    for (int done = 0; done < messages; done += block) {
      for (var entry : lambdas.entrySet()) {
        long t0 = System.nanoTime();
        for (int i = 0; i < Math.min(block, messages - done); i++) check(entry.getValue().invoke(event()));
        wall.merge(entry.getKey(), (System.nanoTime() - t0) / 1e6, Double::sum);
      }
    }
    Map<Subject, double[]> result = new LinkedHashMap<>();
    for (var entry : lambdas.entrySet()) {
      long pid = entry.getValue().pid();
      double[] before = start.get(entry.getKey());
      result.put(entry.getKey(), new double[] {(ProcStats.cpuMillis(pid) - before[0]) / messages,
          wall.get(entry.getKey()) / messages, (ProcStats.jitMillis(pid) - before[1]) / messages,
          ProcStats.peakRssMiB(pid)});
      if (!jfr.isBlank() && entry.getKey().name.contains("(" + jfr + ")")) {
        Path file = work.resolve("warm-" + jfr + ".jfr");
        jcmd(pid, "JFR.stop", "name=bench", "filename=" + file);
        JfrSummary.print(file, JavaInstallation.forRuntime(21).home());
      }
    }
    return result;
  }

  private static void jcmd(long pid, String... command) throws Exception {
    List<String> line = new ArrayList<>(List.of(JavaInstallation.forRuntime(21).home().resolve("bin/jcmd").toString(),
        Long.toString(pid)));
    line.addAll(List.of(command));
    Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), UTF_8);
    if (process.waitFor() != 0) throw new IllegalStateException("jcmd failed: " + out);
  }

  // ---- crypto floors ----

  private double cryptoFloor(Subject subject) throws Exception {
    if (subject.node) {
      Process process = new ProcessBuilder("node", "-e", """
          const c = require('crypto');
          const { privateKey, publicKey } = c.generateKeyPairSync('rsa', { modulusLength: 2048 });
          const m = Buffer.alloc(400);
          const round = () => { const s = c.sign('sha256', m, privateKey); if (!c.verify('sha256', m, publicKey, s)) throw 1; };
          for (let i = 0; i < 500; i++) round();
          const t = process.cpuUsage(); for (let i = 0; i < 2000; i++) round(); const d = process.cpuUsage(t);
          console.log('RESULT floor_ms=' + ((d.user + d.system) / 1000 / 2000));
          """).redirectErrorStream(true).start();
      return Double.parseDouble(result(process).get("floor_ms"));
    }
    FunctionConfig config = config(subject, "ApiFunction");
    List<String> command = new ArrayList<>(List.of(JavaInstallation.forRuntime(config.javaMajor()).java().toString()));
    command.addAll(config.jvmFlags());
    Path root = subject.accp ? artifact : artifactWithoutAccp;
    command.addAll(List.of("-cp", root + ":" + root.resolve("lib") + "/*:" + toolClasses(), CryptoFloor.class.getName(),
        subject.accp ? "accp" : "jdk"));
    Map<String, String> out = result(new ProcessBuilder(command).redirectErrorStream(true).start());
    if (subject.accp != out.get("first_provider").contains("Corretto")) {
      throw new IllegalStateException(subject.name + ": crypto provider is " + out);
    }
    return Double.parseDouble(out.get("floor_ms"));
  }

  private static Map<String, String> result(Process process) throws Exception {
    Map<String, String> result = new HashMap<>();
    StringBuilder all = new StringBuilder();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        all.append(line).append('\n');
        if (!line.startsWith("RESULT ")) continue;
        for (String pair : line.substring(7).split(" ")) result.put(pair.split("=")[0], pair.split("=", 2)[1]);
      }
    }
    if (process.waitFor() != 0 || result.isEmpty()) throw new IllegalStateException("failed:\n" + all);
    return result;
  }

  /** The classpath entry holding the tools' classes (CryptoFloor among them). */
  private static String toolClasses() {
    try {
      return Path.of(CryptoFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- SQS batches ----

  /** {1 message ms, 10 messages ms} per subject and delay (100, 500), median of 5 rounds. */
  private Map<Subject, double[]> batches(List<Subject> subjects) throws Exception {
    Map<Subject, double[]> result = new LinkedHashMap<>();
    int[] delays = {100, 500};
    // DynamoDB serves writes to different keys side by side; the one-at-a-time moto of the tests
    // would queue the ten orders' writes behind each other. The ten orders of a batch have ten keys,
    // so moto's own threaded server (not atomic per key) serves them as DynamoDB would.
    MotoProcess concurrentMoto = MotoProcess.concurrent();
    Map<String, String> concurrent = new HashMap<>(env);
    concurrent.putAll(provision(concurrentMoto.endpoint(), "batch-" + runId));
    concurrent.put("AWS_ENDPOINT_URL", concurrentMoto.endpoint().toString());
    try {
      batches(subjects, delays, concurrent, result);
    } finally {
      concurrentMoto.close();
    }
    return result;
  }

  private void batches(List<Subject> subjects, int[] delays, Map<String, String> base, Map<Subject, double[]> result)
      throws Exception {
    for (int d = 0; d < delays.length; d++) {
      Map<String, String> delayed = new HashMap<>(base);
      delayed.put("WECHATPAY_BASE_URL", simulator(delays[d]).toString());
      Map<Subject, LocalLambda> queues = new LinkedHashMap<>();
      for (Subject subject : subjects) {
        LocalLambda lambda = javaLambda(subject, "QueueFunction", delayed, true);
        lambda.checkpoint(Duration.ofSeconds(90));
        lambda.restore();
        for (int i = 0; i < 5; i++) batch(lambda, 10);
        queues.put(subject, lambda);
      }
      Map<Subject, double[][]> times = new LinkedHashMap<>();
      int rounds = 5;
      for (int round = 0; round < rounds; round++) {
        for (var entry : queues.entrySet()) {
          double[][] t = times.computeIfAbsent(entry.getKey(), s -> new double[2][rounds]);
          t[0][round] = batch(entry.getValue(), 1);
          t[1][round] = batch(entry.getValue(), 10);
        }
      }
      for (var entry : times.entrySet()) {
        double[] r = result.computeIfAbsent(entry.getKey(), s -> new double[4]);
        r[2 * d] = median(entry.getValue()[0]);
        r[2 * d + 1] = median(entry.getValue()[1]);
      }
      queues.values().forEach(LocalLambda::close);
    }
  }

  private double batch(LocalLambda lambda, int size) throws Exception {
    ObjectNode event = FunctionHarness.event("sqs-batch.json");
    ObjectNode template = (ObjectNode) event.get("Records").get(0);
    ArrayNode records = event.putArray("Records");
    for (int i = 0; i < size; i++) {
      ObjectNode record = template.deepCopy();
      ObjectNode message = (ObjectNode) JSON.readTree(template.get("body").asText());
      String order = nextOrder();
      message.put("out_order_no", order);
      record.put("messageId", "m-" + order);
      record.put("body", message.toString());
      records.add(record);
    }
    long start = System.nanoTime();
    String response = lambda.invoke(event.toString());
    double millis = (System.nanoTime() - start) / 1e6;
    if (!JSON.readTree(response).path("batchItemFailures").isEmpty()) throw new IllegalStateException(response);
    return millis;
  }

  // ---- the table ----

  private void print(List<Subject> subjects, Map<Subject, List<double[]>> cold, Map<Subject, List<double[]>> restored,
      Map<Subject, double[]> warm, Map<Subject, Double> floors, Map<Subject, double[]> batches) {
    Subject node = subjects.get(0);
    double nodeColdWall = median(cold.get(node), 0);
    double nodeColdCpu = median(cold.get(node), 1);
    double nodeWarmCpu = warm.get(node)[0];
    Subject before = subjects.stream().filter(s -> s.name.contains("before")).findFirst().orElse(null);
    double todayRatio = before == null ? Double.NaN : median(cold.get(before), 0) / nodeColdWall;
    System.out.println();
    System.out.printf("%-32s %16s %16s %9s %18s %18s %9s %9s %10s %9s %9s%n", "", "cold wall ms", "cold CPU ms",
        "cold JIT", "restore wall ms", "restore CPU ms", "rest.JIT", "prime JIT", "warm CPU", "warm wall", "warm JIT");
    for (Subject s : subjects) {
      List<double[]> c = cold.get(s);
      List<double[]> r = restored.get(s);
      double[] w = warm.get(s);
      System.out.printf("%-32s %16s %16s %9.0f %18s %18s %9s %9s %10.2f %9.2f %9.3f%n", s.name, range(c, 0), range(c, 1),
          median(c, 2), r == null ? "-" : range(r, 0), r == null ? "-" : range(r, 1),
          r == null ? "-" : String.format("%.0f", median(r, 2)), r == null ? "-" : String.format("%.0f", median(r, 3)),
          w[0], w[1], w[2]);
    }
    System.out.println("  (ms; ranges are min-max over the runs; JIT = CPU of the C1/C2 compiler threads: to the first "
        + "response; after restore; before the checkpoint (priming); per warm message)");
    System.out.println();
    System.out.printf("%-32s %10s %10s %10s %10s %10s %10s %10s %10s%n", "", "peak RSS", "crypto", "1 @100ms",
        "10 @100ms", "1 @500ms", "10 @500ms", "init ms", "quiet ms");
    for (Subject s : subjects) {
      double[] b = batches.get(s);
      List<double[]> r = restored.get(s);
      System.out.printf("%-32s %7.0f MiB %10.2f %10s %10s %10s %10s %10s %10s%n", s.name, warm.get(s)[3],
          floors.get(s), b == null ? "-" : String.format("%.0f", b[0]), b == null ? "-" : String.format("%.0f", b[1]),
          b == null ? "-" : String.format("%.0f", b[2]), b == null ? "-" : String.format("%.0f", b[3]),
          r == null ? "-" : String.format("%.0f", median(r, 4)), r == null ? "-" : String.format("%.0f", median(r, 5)));
    }
    System.out.println("  (peak RSS = VmHWM after the warm run; crypto = CPU ms of one RSA-2048 sign + verify under "
        + "that configuration's flags and provider; batch = SQS batch wall ms, median of 5, WeChat answering after "
        + "100/500 ms; init = process start to checkpoint, priming included; quiet = wait after the checkpoint until the JVM's CPU "
        + "settled, at most 10 s)");

    System.out.println();
    System.out.println("Targets (figures beside each; ratios against the Node.js peer of this run):");
    double nodeRss = warm.get(node)[3];
    System.out.printf("%-32s %-30s %-32s %-28s %-26s %-24s%n", "", "warm CPU <= 0.6x peer",
        "restore wall <= 0.6x peer cold", "cold wall <= 2x" + (Double.isNaN(todayRatio) ? "" : " (today "
            + String.format("%.2fx", todayRatio) + ")"), "peak RSS <= 1.5x peer", "batch 10/1 @100 <= 1.3");
    for (Subject s : subjects.subList(1, subjects.size())) {
      double warmRatio = warm.get(s)[0] / nodeWarmCpu;
      List<double[]> r = restored.get(s);
      double restoreRatio = median(r, 0) / nodeColdWall;
      double coldRatio = median(cold.get(s), 0) / nodeColdWall;
      double[] b = batches.get(s);
      double rss = warm.get(s)[3];
      System.out.printf("%-32s %-30s %-32s %-28s %-26s %-24s%n", s.name,
          verdict(String.format("%.2f/%.2f ms = %.2fx", warm.get(s)[0], nodeWarmCpu, warmRatio), warmRatio <= 0.6),
          verdict(String.format("%.0f/%.0f ms = %.2fx", median(r, 0), nodeColdWall, restoreRatio), restoreRatio <= 0.6),
          verdict(String.format("%.0f/%.0f ms = %.2fx", median(cold.get(s), 0), nodeColdWall, coldRatio),
              coldRatio <= 2.0),
          verdict(String.format("%.0f/%.0f MiB = %.2fx", rss, nodeRss, rss / nodeRss), rss <= 1.5 * nodeRss),
          verdict(String.format("%.0f/%.0f = %.2fx", b[1], b[0], b[1] / b[0]), b[1] / b[0] <= 1.3));
    }
  }

  private static String verdict(String figure, boolean met) {
    return figure + (met ? " met" : " MISS");
  }

  private static String range(List<double[]> runs, int index) {
    double[] values = runs.stream().mapToDouble(run -> run[index]).sorted().toArray();
    return values.length == 1 ? String.format("%.0f", values[0])
        : String.format("%.0f-%.0f", values[0], values[values.length - 1]);
  }

  private static double median(List<double[]> runs, int index) {
    return median(runs.stream().mapToDouble(run -> run[index]).toArray());
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  private void artifact() throws IOException {
    long[] counted = zipSize(artifact);
    long accp;
    try (Stream<Path> jars = Files.list(artifact.resolve("lib"))) {
      accp = jars.filter(j -> j.getFileName().toString().startsWith(ACCP_JAR)).mapToLong(j -> j.toFile().length()).sum();
    }
    System.out.println();
    System.out.printf("Deployment artifact: %.2f MB zipped (classes and %d runtime jars as sam build lays them out; "
        + "ACCP's jar %.2f MB of it)%n", counted[0] / 1e6, counted[1], accp / 1e6);
  }

  private static long[] zipSize(Path root) throws IOException {
    CountingStream counted = new CountingStream();
    long jars = 0;
    try (ZipOutputStream zip = new ZipOutputStream(counted); Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
          .sorted().toList()) {
        zip.putNextEntry(new ZipEntry(root.relativize(file).toString()));
        Files.copy(file, zip);
        if (file.toString().endsWith(".jar")) jars++;
      }
    }
    return new long[] {counted.count, jars};
  }

  // ---- subjects as processes ----

  private FunctionConfig config(Subject subject, String function) {
    FunctionConfig template = SamTemplate.read().function(function);
    Map<String, String> variables = new HashMap<>(template.variables());
    variables.remove("JAVA_TOOL_OPTIONS"); // each subject is its own configuration
    return new FunctionConfig(template.name(), template.handler(), subject.runtime, template.codeUri(),
        template.memoryMb(), template.timeout(), true, variables, template.logFormat(), template.applicationLogLevel());
  }

  /** @param snapStart false for an on-demand environment of the same function (C1 flags on java25 too) */
  private LocalLambda javaLambda(Subject subject, String function, Map<String, String> variables, boolean snapStart) {
    FunctionConfig config = config(subject, function);
    // -Dbench.java.tool.options tries JVM options on every Java subject, as the template's
    // JAVA_TOOL_OPTIONS would set them (e.g. -Xlog:class+load for what a cold start loads).
    String toolOptions = System.getProperty("bench.java.tool.options", "");
    Map<String, String> templateVariables = new HashMap<>(config.variables());
    if (!toolOptions.isBlank()) templateVariables.put("JAVA_TOOL_OPTIONS", toolOptions);
    config = new FunctionConfig(config.name(), config.handler(), config.runtime(), config.codeUri(),
        config.memoryMb(), config.timeout(), snapStart && config.snapStart(), templateVariables, config.logFormat(),
        config.applicationLogLevel());
    return LocalLambda.start(config, subject.accp ? artifact : artifactWithoutAccp, variables, line -> { });
  }

  private LocalLambda nodeLambda() {
    int memory = 512;
    FunctionConfig config = new FunctionConfig("NodePeer", "handler.handler", "nodejs20.x", nodePeer, memory,
        Duration.ofSeconds(15), false, Map.of(), "Text", "");
    // The managed nodejs runtime's flags, with heap sizes from the memory setting.
    List<String> command = List.of("node", "--expose-gc", "--max-http-header-size", "81920",
        "--max-semi-space-size=" + Math.max(1, memory * 5 / 100 / 3), "--max-old-space-size=" + memory * 90 / 100,
        "invoke.js");
    return LocalLambda.command(config, nodePeer, command, env, line -> { });
  }

  private String event() {
    return FunctionHarness.httpPost(nextOrder(), body).toString();
  }

  private String nextOrder() {
    return "R" + runId + "-" + (++orders);
  }

  private static void check(String response) throws IOException {
    int status = JSON.readTree(response).path("statusCode").asInt();
    if (status != 200) throw new IllegalStateException("answered " + response);
  }

  private static String nodeVersion() throws Exception {
    Process process = new ProcessBuilder("node", "--version").start();
    return new String(process.getInputStream().readAllBytes(), UTF_8).strip();
  }

  /** A copy of the peer under target/, installed with {@code npm ci --omit=dev} once. */
  private static Path nodePeer(Path build) throws Exception {
    Path source = Path.of(System.getProperty("bench.node.peer", "/work/shared/peers/node-axios"));
    Path copy = build.resolve("node-peer");
    if (!Files.isDirectory(copy.resolve("node_modules"))) {
      Files.createDirectories(copy);
      for (String file : List.of("handler.js", "invoke.js", "package.json", "package-lock.json")) {
        Files.copy(source.resolve(file), copy.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      }
      Process npm = new ProcessBuilder("npm", "ci", "--omit=dev", "--no-audit", "--no-fund").directory(copy.toFile())
          .redirectErrorStream(true).start();
      String out = new String(npm.getInputStream().readAllBytes(), UTF_8);
      if (npm.waitFor() != 0) throw new IllegalStateException("npm ci failed:\n" + out);
    }
    return copy;
  }

  /** The artifact without one jar: the same function with the JDK's crypto, as when ACCP is not shipped. */
  private static Path copyWithout(Path root, Path copy, String jarPrefix) throws IOException {
    if (Files.exists(copy)) {
      try (Stream<Path> old = Files.walk(copy)) {
        for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
      }
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(root.relativize(file).toString());
        if (Files.isDirectory(file)) Files.createDirectories(target);
        else if (!file.getFileName().toString().startsWith(jarPrefix)) Files.copy(file, target);
      }
    }
    return copy;
  }

  /** A simulator in its own process, answering after {@code delayMs}; stopped at the end. */
  private URI simulator(int delayMs) throws IOException {
    Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), SimulatorProcess.class.getName(), MCHID, SERIAL,
        work.resolve("merchant.pub.pem").toString(), PUBLIC_KEY_ID, work.resolve("wechatpay.pem").toString(),
        work.resolve("wechatpay.pub.pem").toString(), Integer.toString(delayMs))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    simulators.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("SIMULATOR ")) return URI.create(line.substring(10));
    }
    throw new IOException("the simulator process did not start");
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
