package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URLEncoder;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import payscore.fuzz.FuzzCase.Expect;
import payscore.harness.FunctionHarness;
import payscore.harness.LambdaContext;
import payscore.harness.MotoProcess;
import payscore.simulator.RecordedRequest;
import payscore.simulator.Verdict;
import payscore.harness.InProcessHandler;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An input fuzzer for the HTTP trigger: generated and mutated bodies, paths, methods, headers and
 * whole events go through {@link InProcessHandler} (its {@code handle} and, for about a third of
 * the cases, the Lambda stream entry {@code handleRequest}) of one function wired to moto and the
 * WeChat Pay simulator.
 *
 * <p>Every answer must be an API Gateway response with an integer 2xx or 4xx status, a JSON
 * {@code Content-Type} and a JSON object body; 4xx bodies carry a {@code code}, 400s an
 * {@code errors} list naming fields. Each case also states what it expects (a new send, a replay,
 * a mismatch, a 400 on a given field, a 404…). After the run, the simulator must have received
 * only valid, correctly signed requests (verdict ACCEPTED), exactly one per order the function
 * said it sent, each with the body that order was sent with; the table must hold records only for
 * those orders; and no response or log may hold secret material.
 *
 * <p>Run the full fuzz with {@code main}: {@code java -cp … payscore.fuzz.HttpInputFuzzer [cases] [seed]
 * [--include-known-bugs]}.
 */
public final class HttpInputFuzzer {
  private static final JsonMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final int MAX_FAILURE_SAMPLES = 40;
  private static final Set<String> STATES = Set.of("IN_PROGRESS", "SENT", "REJECTED", "UNKNOWN");

  private final FunctionHarness harness;
  private final InProcessHandler handler;
  private boolean includeKnownBugs;

  public HttpInputFuzzer(FunctionHarness harness) {
    this.harness = harness;
    this.handler = harness.api();
  }

  /** Also generates the input kinds of {@link CaseGenerator#KNOWN_BUGS}, which fail until those bugs are fixed. */
  public HttpInputFuzzer includeKnownBugs(boolean include) {
    this.includeKnownBugs = include;
    return this;
  }

  /** Runs {@code cases} generated cases from {@code seed}, then the checks over the whole run. */
  public Report run(int cases, long seed, PrintStream out) {
    Random random = new Random(seed);
    OrderLedger ledger = new OrderLedger();
    CaseGenerator generator = new CaseGenerator(random, ledger, includeKnownBugs);
    Report report = new Report(seed, cases, out);
    StringBuilder responses = new StringBuilder();
    long started = System.nanoTime();
    out.printf("fuzz: %d cases, seed %d%s%n", cases, seed, includeKnownBugs ? ", known-bug kinds included" : "");
    for (int i = 0; i < cases; i++) {
      FuzzCase c = generator.next();
      long caseStarted = System.nanoTime();
      ObjectNode response;
      try {
        response = invoke(c);
      } catch (Throwable t) {
        report.count(c, "EXCEPTION", System.nanoTime() - caseStarted);
        report.fail(i, c, "an exception escaped the handler: " + t, null);
        continue;
      }
      long nanos = System.nanoTime() - caseStarted;
      List<String> problems = new ArrayList<>();
      Answer answer = checkResponse(response, problems, report);
      checkExpectation(c, answer, ledger, problems);
      learn(i, c, answer, ledger, problems);
      report.count(c, answer.label(), nanos);
      if (answer.body != null && answer.body.path("replayed").isBoolean()) {
        if (answer.body.get("replayed").booleanValue()) report.replays++; else report.sends++;
      }
      for (String problem : problems) report.fail(i, c, problem, response);
      JsonNode body = response.get("body");
      if (body != null) responses.append(body.asText()).append('\n');
      if ((i + 1) % Math.max(1, cases / 10) == 0) {
        out.printf("  %d/%d cases, %d sent, %d failures, %.1f s%n", i + 1, cases, report.sends, report.failures,
            (System.nanoTime() - started) / 1e9);
      }
    }
    report.caseNanos = System.nanoTime() - started;
    long checksStarted = System.nanoTime();
    checkWeChat(ledger, report);
    checkTable(ledger, report);
    checkSecrets(responses, report);
    report.checkNanos = System.nanoTime() - checksStarted;
    return report;
  }

  // ---------------------------------------------------------------------------------------------
  // Invocation
  // ---------------------------------------------------------------------------------------------

  private ObjectNode invoke(FuzzCase c) throws Exception {
    if (c.viaStream()) {
      byte[] input = c.rawEvent() != null ? c.rawEvent()
          : c.event() == null || c.event().isMissingNode() ? new byte[0] : STRICT.writeValueAsBytes(c.event());
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      handler.handleRequest(new ByteArrayInputStream(input), output, new LambdaContext(Duration.ofSeconds(30)));
      JsonNode written = STRICT.readTree(output.toByteArray());
      if (!written.isObject()) {
        throw new IllegalStateException("handleRequest wrote " + FuzzText.truncate(written.toString(), 200));
      }
      return (ObjectNode) written;
    }
    Object response = handler.handle(c.event(), Instant.now().plusSeconds(30));
    return toEvent(response);
  }

  private static Method toEvent;

  /**
   * The response event: {@code handle} returns it, or (in versions where it returns the
   * package-private {@code HttpResponses.HttpResponse}) its {@code toEvent()}, reached reflectively.
   */
  private static synchronized ObjectNode toEvent(Object response) throws Exception {
    if (response == null) throw new IllegalStateException("handle returned null");
    if (response instanceof ObjectNode event) return event;
    if (toEvent == null) {
      toEvent = response.getClass().getDeclaredMethod("toEvent");
      toEvent.setAccessible(true);
    }
    try {
      return (ObjectNode) toEvent.invoke(response);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("toEvent threw " + e.getCause(), e.getCause());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-case checks
  // ---------------------------------------------------------------------------------------------

  /** The parts of a response the checks look at; body is null when it is not a JSON object. */
  private record Answer(int status, ObjectNode body, String code) {
    String label() {
      if (status == 200 && body != null && body.path("replayed").isBoolean()) {
        return body.get("replayed").booleanValue() ? "200 replayed" : "200 sent";
      }
      if (status == 200) return "200 record";
      return status + (code == null ? "" : " " + code);
    }

    String orderNo() {
      return body == null ? null : body.path("out_order_no").textValue();
    }
  }

  private static Answer checkResponse(ObjectNode response, List<String> problems, Report report) {
    JsonNode statusNode = response.get("statusCode");
    int status = -1;
    if (statusNode == null || !statusNode.isInt()) {
      problems.add("statusCode is not an integer: " + statusNode);
    } else {
      status = statusNode.intValue();
      if (!(status >= 200 && status < 300) && !(status >= 400 && status < 500)) {
        problems.add("status " + status + " is neither 2xx nor 4xx");
      }
    }
    JsonNode headers = response.get("headers");
    if (headers == null || !headers.isObject() || !"application/json".equals(headers.path("Content-Type").textValue())) {
      problems.add("headers lack Content-Type: application/json: " + headers);
    }
    JsonNode base64 = response.get("isBase64Encoded");
    if (base64 != null && !(base64.isBoolean() && !base64.booleanValue())) {
      problems.add("the response says isBase64Encoded " + base64);
    }
    JsonNode bodyNode = response.get("body");
    ObjectNode body = null;
    if (bodyNode == null || !bodyNode.isTextual()) {
      problems.add("body is not a string: " + bodyNode);
    } else {
      try {
        JsonNode parsed = STRICT.readTree(bodyNode.textValue());
        if (parsed != null && parsed.isObject()) body = (ObjectNode) parsed; else problems.add("body is not a JSON object");
      } catch (Exception e) {
        problems.add("body is not JSON: " + e.getMessage());
      }
    }
    String code = body == null ? null : body.path("code").textValue();
    if (body != null && status >= 400 && status < 600) {
      if (code == null || code.isBlank()) problems.add(status + " without a \"code\"");
      if (!body.path("message").isTextual()) problems.add(status + " without a \"message\"");
    }
    if (body != null && status == 400 && "INVALID_REQUEST".equals(code)) {
      JsonNode errors = body.get("errors");
      if (errors == null || !errors.isArray() || errors.isEmpty()) {
        problems.add("400 INVALID_REQUEST without a non-empty \"errors\" array");
      } else {
        for (JsonNode error : errors) {
          if (!error.isObject() || !error.path("field").isTextual() || !error.path("message").isTextual()
              || error.path("message").textValue().isBlank()) {
            problems.add("an error item without a field and a message: " + error);
          } else if (error.get("field").textValue().isBlank()) {
            report.observe("400 error naming a blank field (an unknown field whose name is blank)");
          }
        }
      }
    }
    if (body != null && status == 409 && "IN_PROGRESS".equals(code)
        && (headers == null || !headers.path("Retry-After").isTextual())) {
      problems.add("409 IN_PROGRESS without Retry-After");
    }
    if (body != null && status == 200) {
      if (body.has("replayed")) {
        if (!body.get("replayed").isBoolean()) problems.add("\"replayed\" is not a boolean");
        if (!"SENT".equals(body.path("state").textValue())) problems.add("200 with state " + body.get("state"));
        if (!body.path("out_order_no").isTextual()) problems.add("200 without out_order_no");
        if (body.path("wechatpay_request_id").textValue() == null) problems.add("200 without wechatpay_request_id");
        checkInstant(body, "sent_at", problems);
      } else {
        if (!STATES.contains(body.path("state").textValue())) problems.add("record with state " + body.get("state"));
        if (!body.path("attempts").isInt()) problems.add("record without integer attempts");
        if (!body.path("out_order_no").isTextual()) problems.add("record without out_order_no");
      }
    }
    return new Answer(status, body, code);
  }

  private static void checkInstant(ObjectNode body, String field, List<String> problems) {
    String text = body.path(field).textValue();
    if (text == null) {
      problems.add("200 without " + field);
      return;
    }
    try {
      Instant.parse(text);
    } catch (DateTimeParseException e) {
      problems.add(field + " is not an instant: " + text);
    }
  }

  private static void checkExpectation(FuzzCase c, Answer a, OrderLedger ledger, List<String> problems) {
    Expect expect = c.expect();
    String wrong = "expected " + expect + " but got " + a.label();
    switch (expect.type()) {
      case ANY -> { }
      case CLIENT_ERROR -> {
        if (a.status < 400 || a.status >= 500) problems.add(wrong);
      }
      case SENT -> {
        if (!a.label().equals("200 sent")) problems.add(wrong);
        else if (!c.order().equals(a.orderNo())) problems.add("sent order " + a.orderNo() + " instead of " + c.order());
      }
      case REPLAY -> {
        if (!a.label().equals("200 replayed")) {
          problems.add(wrong);
        } else {
          if (!c.order().equals(a.orderNo())) problems.add("replayed order " + a.orderNo() + " instead of " + c.order());
          String first = ledger.sent.get(c.order()).requestId();
          if (!java.util.Objects.equals(first, a.body.path("wechatpay_request_id").textValue())) {
            problems.add("replay with wechatpay_request_id " + a.body.get("wechatpay_request_id") + ", the send had " + first);
          }
        }
      }
      case RECORD_SENT -> {
        if (!a.label().equals("200 record")) {
          problems.add(wrong);
        } else {
          OrderLedger.Sent sent = ledger.sent.get(c.order());
          if (!"SENT".equals(a.body.path("state").textValue())) problems.add("record in state " + a.body.get("state"));
          if (a.body.path("attempts").asInt() != 1) problems.add("record with attempts " + a.body.get("attempts"));
          if (!c.order().equals(a.orderNo())) problems.add("record of " + a.orderNo() + " instead of " + c.order());
          if (sent != null && !java.util.Objects.equals(sent.requestId(), a.body.path("wechatpay_request_id").textValue())) {
            problems.add("record with wechatpay_request_id " + a.body.get("wechatpay_request_id") + ", the send had "
                + sent.requestId());
          }
        }
      }
      case STATUS -> {
        if (a.status != expect.status() || (expect.code() != null && !expect.code().equals(a.code))) problems.add(wrong);
      }
      case INVALID -> {
        if (a.status != 400 || !"INVALID_REQUEST".equals(a.code) || a.body == null || !a.body.path("errors").isArray()) {
          problems.add(wrong);
          return;
        }
        List<String> fields = new ArrayList<>();
        a.body.get("errors").forEach(e -> fields.add(e.path("field").asText()));
        boolean matched = expect.fields().isEmpty()
            || (expect.allFields() ? fields.containsAll(expect.fields()) : fields.stream().anyMatch(expect.fields()::contains));
        if (!matched || (expect.single() && fields.size() != 1)) {
          problems.add(wrong + " on " + fields + ": " + FuzzText.truncate(a.body.get("errors").toString(), 300));
        }
      }
    }
  }

  /** Updates the ledger from the answer: a new send, or an order now known to be unclaimed. */
  private static void learn(int index, FuzzCase c, Answer a, OrderLedger ledger, List<String> problems) {
    if (a.label().equals("200 sent")) {
      String order = a.orderNo();
      if (order == null) return;
      if (ledger.isSent(order)) {
        problems.add("a second new send (replayed=false) for " + order + ", first sent by case #"
            + ledger.sent.get(order).caseIndex());
      }
      ledger.recordSent(order, order.equals(c.order()) ? c.model() : null, a.body.path("wechatpay_request_id").textValue(),
          index);
    } else if ((a.status == 400 || a.status == 404) && c.order() != null) {
      ledger.recordUnclaimed(c.order());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checks over the whole run
  // ---------------------------------------------------------------------------------------------

  private void checkWeChat(OrderLedger ledger, Report report) {
    List<RecordedRequest> requests = harness.wechat.requests();
    report.wechatRequests = requests.size();
    Map<String, Integer> accepted = new HashMap<>();
    for (RecordedRequest request : requests) {
      report.verdicts.merge(request.verdict().name(), 1, Integer::sum);
      String order = request.outOrderNo();
      String where = request.method() + " " + request.rawPath() + " (" + request.status() + " " + request.code() + ")";
      if (request.verdict() == Verdict.DUPLICATE) {
        report.fail("WeChat received a second message for " + order + ": " + where);
        continue;
      }
      if (request.verdict() != Verdict.ACCEPTED) {
        report.fail("WeChat received a request it refused, verdict " + request.verdict() + ": " + where + " body "
            + FuzzText.truncate(request.bodyText(), 200));
        continue;
      }
      if (order == null || !request.method().equals("POST")) {
        report.fail("WeChat accepted something other than a pending message: " + where);
        continue;
      }
      accepted.merge(order, 1, Integer::sum);
      String path = "/v3/payscore/serviceorder/" + URLEncoder.encode(order, UTF_8) + "/send-pendingmessage";
      if (!path.equals(request.rawPath())) report.fail("WeChat was called at " + request.rawPath() + ", expected " + path);
      String authorization = request.header("Authorization");
      if (authorization == null || !authorization.startsWith("WECHATPAY2-SHA256-RSA2048 ")) {
        report.fail("request for " + order + " without a WECHATPAY2-SHA256-RSA2048 Authorization");
      }
      JsonNode body;
      try {
        body = STRICT.readTree(request.body());
      } catch (Exception e) {
        report.fail("WeChat accepted a body that is not JSON for " + order + ": " + e.getMessage());
        continue;
      }
      if (body == null || !body.isObject()) {
        report.fail("WeChat accepted a body that is not an object for " + order);
        continue;
      }
      if (body.has("out_order_no")) report.fail("the WeChat body for " + order + " carries out_order_no");
      OrderLedger.Sent sent = ledger.sent.get(order);
      if (sent == null) {
        report.fail("WeChat accepted a message for " + order + " but no response said it was sent");
      } else if (sent.model() != null) {
        JsonNode expected;
        try {
          expected = STRICT.readTree(FuzzText.compact(sent.model().wechatTree()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        if (!expected.equals(body)) {
          report.fail("WeChat received for " + order + " (case #" + sent.caseIndex() + ") " + FuzzText.truncate(
              request.bodyText(), 300) + " instead of " + FuzzText.truncate(expected.toString(), 300));
        }
      }
    }
    for (Map.Entry<String, OrderLedger.Sent> e : ledger.sent.entrySet()) {
      int count = accepted.getOrDefault(e.getKey(), 0);
      if (count != 1 || harness.wechat.acceptedCount(e.getKey()) != 1) {
        report.fail("order " + e.getKey() + " (case #" + e.getValue().caseIndex() + ") answered sent, but WeChat "
            + "accepted " + count + " request(s) for it (taken: " + harness.wechat.acceptedCount(e.getKey()) + ")");
      }
    }
    for (Map.Entry<String, List<Integer>> e : ledger.sentAgain.entrySet()) {
      report.fail("order " + e.getKey() + " answered 200 replayed=false in cases " + e.getValue());
    }
  }

  /** Only orders that were sent may have a record, and each of those is SENT: a refused request claims nothing. */
  private void checkTable(OrderLedger ledger, Report report) {
    int records = 0;
    for (Map<String, AttributeValue> item : harness.dynamo.scanPaginator(b -> b.tableName(harness.table)
        .consistentRead(true)).items()) {
      records++;
      String pk = item.get("pk").s();
      String prefix = FunctionHarness.MCHID + "#";
      String order = pk.startsWith(prefix) ? pk.substring(prefix.length()) : null;
      AttributeValue state = item.get("state");
      if (order == null || !ledger.isSent(order)) {
        report.fail("the table has a record for " + pk + " (state " + (state == null ? null : state.s())
            + ") though no response said it was sent");
      } else if (state == null || !"SENT".equals(state.s())) {
        report.fail("the record of sent order " + order + " is in state " + (state == null ? null : state.s()));
      }
    }
    report.records = records;
    if (records != ledger.sent.size()) {
      report.fail(ledger.sent.size() + " orders were sent but the table holds " + records + " records");
    }
  }

  private void checkSecrets(StringBuilder responses, Report report) {
    String all = responses.toString();
    for (String secret : harness.secretMaterial()) {
      if (all.contains(secret)) report.fail("a response body holds secret material (" + secret.length() + " characters)");
    }
    try {
      harness.assertNoSecretsLogged();
    } catch (AssertionError e) {
      report.fail(e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The report
  // ---------------------------------------------------------------------------------------------

  /** Counts by status and by kind, what WeChat saw, and every failure (the first few in full). */
  public static final class Report {
    public final long seed;
    public final int cases;
    private final PrintStream out;
    final Map<String, Integer> byStatus = new TreeMap<>();
    final Map<String, Map<String, Integer>> byKind = new TreeMap<>();
    final Map<String, long[]> byFamily = new TreeMap<>();
    final Map<String, Integer> verdicts = new TreeMap<>();
    final Map<String, Integer> failuresByKind = new TreeMap<>();
    final Map<String, Integer> observations = new LinkedHashMap<>();
    final List<String> failureSamples = new ArrayList<>();
    int viaStream;
    int sends;
    int replays;
    int wechatRequests;
    int records;
    long failures;
    long caseNanos;
    long checkNanos;
    long slowestNanos;
    String slowest;

    Report(long seed, int cases, PrintStream out) {
      this.seed = seed;
      this.cases = cases;
      this.out = out;
    }

    void count(FuzzCase c, String label, long nanos) {
      byStatus.merge(label, 1, Integer::sum);
      byKind.computeIfAbsent(c.kind(), k -> new TreeMap<>()).merge(label, 1, Integer::sum);
      long[] family = byFamily.computeIfAbsent(c.family(), k -> new long[2]);
      family[0]++;
      family[1] += nanos;
      if (c.viaStream()) viaStream++;
      if (nanos > slowestNanos) {
        slowestNanos = nanos;
        slowest = c.kind() + " (" + c.note() + ")";
      }
    }

    void observe(String what) {
      observations.merge(what, 1, Integer::sum);
    }

    void fail(int index, FuzzCase c, String problem, JsonNode response) {
      failuresByKind.merge(c.kind(), 1, Integer::sum);
      String input = c.rawEvent() != null ? new String(c.rawEvent(), UTF_8)
          : c.event() == null ? "null" : c.event().isObject() ? String.valueOf(c.event().get("body")) : c.event().toString();
      String path = c.event() != null && c.event().isObject()
          ? " path " + c.event().path("pathParameters") + " " + c.event().path("rawPath").asText(c.event().path("path").asText(""))
          : "";
      fail("case #" + index + " " + c.kind() + " [" + c.note() + "]" + (c.viaStream() ? " via handleRequest" : "")
          + ": " + problem + "\n      input body " + FuzzText.truncate(input, 300) + path
          + "\n      response " + (response == null ? "-" : FuzzText.truncate(response.toString(), 400)));
    }

    void fail(String problem) {
      failures++;
      if (failureSamples.size() < MAX_FAILURE_SAMPLES) {
        failureSamples.add(problem);
        out.println("  FAIL " + problem);
      }
    }

    public boolean ok() {
      return failures == 0;
    }

    public long failureCount() {
      return failures;
    }

    public List<String> failures() {
      return List.copyOf(failureSamples);
    }

    public int sends() {
      return sends;
    }

    public int viaStream() {
      return viaStream;
    }

    public Map<String, Integer> verdicts() {
      return Map.copyOf(verdicts);
    }

    public Set<String> families() {
      return Set.copyOf(byFamily.keySet());
    }

    public Set<String> kinds() {
      return Set.copyOf(byKind.keySet());
    }

    public String summary() {
      return String.format("seed %d: %d cases (%d via handleRequest), %d sent, %d replayed, %d WeChat requests %s, "
          + "%d records, %d failures%s", seed, cases, viaStream, sends, replays, wechatRequests, verdicts, records, failures,
          failureSamples.isEmpty() ? "" : "; first: " + failureSamples.get(0));
    }

    public void print(PrintStream out) {
      out.printf("%nHTTP input fuzz, seed %d: %d cases in %.1f s (%.0f cases/s), run checks %.1f s%n", seed, cases,
          caseNanos / 1e9, cases / Math.max(1e-9, caseNanos / 1e9), checkNanos / 1e9);
      out.printf("  via handleRequest: %d, via handle: %d; slowest case %.0f ms: %s%n", viaStream, cases - viaStream,
          slowestNanos / 1e6, slowest);
      out.println("By status/code:");
      byStatus.forEach((label, n) -> out.printf("  %-28s %6d%n", label, n));
      out.println("By family (cases, mean ms):");
      byFamily.forEach((family, v) -> out.printf("  %-10s %6d  %7.2f ms%n", family, v[0], v[1] / 1e6 / Math.max(1, v[0])));
      out.println("By kind:");
      byKind.forEach((kind, labels) -> out.printf("  %-34s %5d  %s%n", kind, labels.values().stream()
          .mapToInt(Integer::intValue).sum(), labels));
      out.printf("WeChat: %d requests, verdicts %s; %d sent, %d replayed; %d records in the table%n", wechatRequests,
          verdicts, sends, replays, records);
      if (!observations.isEmpty()) {
        out.println("Observations (not failures):");
        observations.forEach((what, n) -> out.printf("  %5d × %s%n", n, what));
      }
      if (failures == 0) {
        out.println("RESULT: OK, no failures");
      } else {
        out.printf("RESULT: %d FAILURES, by kind %s%n", failures, failuresByKind);
        failureSamples.forEach(f -> out.println("  - " + f));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The full fuzz
  // ---------------------------------------------------------------------------------------------

  /** {@code [cases (default 10000)] [seed (default random)] [--include-known-bugs]}; exits 0 when clean, 1 otherwise. */
  public static void main(String[] args) throws Exception {
    int cases = 10_000;
    long seed = new Random().nextLong();
    boolean knownBugs = false;
    List<String> positional = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--include-known-bugs")) knownBugs = true; else positional.add(arg);
    }
    if (!positional.isEmpty()) cases = Integer.parseInt(positional.get(0));
    if (positional.size() > 1) seed = Long.parseLong(positional.get(1));

    long started = System.nanoTime();
    URI moto = MotoProcess.shared().endpoint();
    FunctionHarness harness = new FunctionHarness(moto);
    System.out.printf("moto and the harness ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    Report report;
    boolean closed = true;
    try {
      report = new HttpInputFuzzer(harness).includeKnownBugs(knownBugs).run(cases, seed, System.out);
    } finally {
      try {
        harness.close();
      } catch (AssertionError e) {
        System.out.println("FAIL on close: " + e.getMessage());
        closed = false;
      }
    }
    report.print(System.out);
    System.out.printf("total %.1f s%n", (System.nanoTime() - started) / 1e9);
    System.out.flush();
    System.exit(report.ok() && closed ? 0 : 1);
  }
}
