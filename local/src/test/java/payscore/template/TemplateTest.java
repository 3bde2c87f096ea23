package payscore.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static payscore.template.CloudFormationYaml.mentions;
import static payscore.template.CloudFormationYaml.target;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.Configuration;
import payscore.aws.DynamoDbIdempotencyStore;
import payscore.wechatpay.WeChatPayEndpoints;

/**
 * What {@code cfn-lint} cannot see in template.yaml: rules that span resources (queue, functions,
 * DLQ), least-privilege IAM, and agreement between the template, events/env.json and the Java code.
 *
 * <p>The template is read with {@link CloudFormationYaml}, which keeps {@code !Ref}/{@code !GetAtt}
 * as {@code {"Ref": ...}}/{@code {"Fn::GetAtt": [...]}}, so "refers to X" is checked, not guessed.
 * Resources are found through what the code reads (e.g. "the table" is what IDEMPOTENCY_TABLE
 * refers to), not through their logical ids.
 */
class TemplateTest {
  private static final Path ROOT = repositoryRoot();
  private static final ObjectNode TEMPLATE = CloudFormationYaml.read(ROOT.resolve("template.yaml"));
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The contract's environment variables ("Configuration"); AWS_* ones are the SDK's and Lambda's own. */
  private static final Set<String> CONTRACT_VARIABLES = Set.of("WECHATPAY_SECRET_ID", "IDEMPOTENCY_TABLE",
      "WECHATPAY_BASE_URL", "WECHATPAY_BACKUP_BASE_URL", "DEAD_LETTER_QUEUE_URL", "AWS_ENDPOINT_URL");

  private static final String PENDING_MESSAGE_PATH = "/service-orders/{out_order_no}/pending-message";
  private static final long FOURTEEN_DAYS = 14 * 24 * 3600;

  /**
   * The AWS calls each handler's code makes: DynamoDbIdempotencyStore (GetItem, UpdateItem, DeleteItem),
   * SecretsManagerMerchantSource (GetSecretValue) and, for SQS only, SqsHandler parking a message in the DLQ.
   */
  private static final Map<String, Set<String>> AWS_CALLS_BY_HANDLER = Map.of(
      "payscore.ApiFunction",
      Set.of("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "secretsmanager:GetSecretValue"),
      "payscore.QueueFunction",
      Set.of("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "secretsmanager:GetSecretValue",
          "sqs:SendMessage"));

  // ---------------------------------------------------------------- cfn-lint

  @Test
  void cfnLintFindsNothingInTheTemplate() throws Exception {
    // given the repository's template and cfn-lint on the PATH (CI must install it)
    Path output = Files.createTempFile("cfn-lint", ".txt");
    try {
      Process lint;
      try {
        lint = new ProcessBuilder("cfn-lint", "template.yaml").directory(ROOT.toFile())
            .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      } catch (IOException notInstalled) {
        fail("cfn-lint is not installed or not on the PATH (pip install cfn-lint); the template tests need it: "
            + notInstalled.getMessage());
        return;
      }

      // when it lints the template
      boolean finished = lint.waitFor(2, TimeUnit.MINUTES);
      if (!finished) lint.destroyForcibly();

      // then it reports nothing and succeeds
      String report = Files.readString(output, StandardCharsets.UTF_8);
      assertTrue(finished, "cfn-lint did not finish within 2 minutes");
      assertEquals("", report.strip(), "cfn-lint output");
      assertEquals(0, lint.exitValue(), "cfn-lint exit code; output:\n" + report);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  // ---------------------------------------------------------------- functions

  static Stream<String> functions() {
    return ids("AWS::Serverless::Function");
  }

  @Test
  void templateDefinesTheApiAndTheQueueFunction() {
    assertEquals(Set.of("ApiFunction", "QueueFunction"), functions().collect(Collectors.toSet()),
        "events/env.json and the README name these logical ids");
  }

  @ParameterizedTest
  @MethodSource("functions")
  void functionRunsJava21WithSnapStartOnAnAliasRepublishedForEveryChange(String function) {
    // given the function's properties, Globals included
    // then
    assertEquals("java21", property(function, "Runtime").asText(), "Runtime");
    assertEquals("PublishedVersions", property(function, "SnapStart").path("ApplyOn").asText(), "SnapStart.ApplyOn");
    JsonNode alias = property(function, "AutoPublishAlias");
    assertTrue(!alias.isMissingNode() && !(alias.isTextual() && alias.asText().isBlank()), "AutoPublishAlias is set");
    assertTrue(property(function, "AutoPublishAliasAllProperties").asBoolean(false),
        "AutoPublishAliasAllProperties: true, or a Timeout/MemorySize change publishes no new SnapStart version");
  }

  @ParameterizedTest
  @MethodSource("functions")
  void functionLogsJsonAndTracesActively(String function) {
    assertEquals("JSON", property(function, "LoggingConfig").path("LogFormat").asText(), "LoggingConfig.LogFormat");
    assertEquals("Active", property(function, "Tracing").asText(), "Tracing");
  }

  @ParameterizedTest
  @MethodSource("functions")
  void handlerIsALoadableRequestStreamHandlerWithAPublicNoArgConstructor(String function) throws Exception {
    // given the handler the template names
    String handler = property(function, "Handler").asText();
    Matcher parts = Pattern.compile("([\\w.$]+)::(\\w+)").matcher(handler);
    assertTrue(parts.matches(), "Handler must be <class>::handleRequest, is " + handler);

    // when the class is loaded (not initialised, not instantiated)
    Class<?> type = Class.forName(parts.group(1), false, getClass().getClassLoader());

    // then Lambda can construct it and call handleRequest(InputStream, OutputStream, Context)
    assertEquals("handleRequest", parts.group(2), "handler method");
    assertTrue(RequestStreamHandler.class.isAssignableFrom(type), type + " implements RequestStreamHandler");
    assertTrue(Modifier.isPublic(type.getModifiers()) && !Modifier.isAbstract(type.getModifiers()),
        type + " is a public concrete class");
    assertNotNull(type.getConstructor(), type + " has a public no-arg constructor");
  }

  // ---------------------------------------------------------------- queue and dead-letter queue

  @Test
  void queueHidesAMessageForAtLeastSixTimesTheTimeoutOfEveryFunctionItTriggers() {
    // given every SQS event source of every function
    List<SqsEvent> events = sqsEvents();
    assertFalse(events.isEmpty(), "some function is triggered by SQS");

    for (SqsEvent event : events) {
      // when the queue's visibility timeout is compared with the function's timeout
      long visibility = properties(event.queue()).path("VisibilityTimeout").asLong(30);
      long timeout = property(event.function(), "Timeout").asLong(3);

      // then a batch can be retried while throttled without becoming visible twice
      assertTrue(visibility >= 6 * timeout, event.queue() + ".VisibilityTimeout " + visibility
          + " must be at least 6 x " + event.function() + ".Timeout " + timeout);
    }
  }

  @Test
  void queueMovesAMessageToTheCodesDeadLetterQueueAfterAtLeastFiveReceives() {
    for (SqsEvent event : sqsEvents()) {
      // given the queue's redrive policy
      JsonNode redrive = properties(event.queue()).path("RedrivePolicy");

      // then
      assertTrue(redrive.path("maxReceiveCount").asLong(0) >= 5, event.queue() + " RedrivePolicy.maxReceiveCount >= 5");
      assertEquals(deadLetterQueue(), target(redrive.path("deadLetterTargetArn")).orElse(null),
          event.queue() + " redrives into the queue DEAD_LETTER_QUEUE_URL names");
    }
  }

  @Test
  void deadLetterQueueKeepsMessagesFourteenDaysLongerThanTheSourceQueue() {
    long deadLetterRetention = properties(deadLetterQueue()).path("MessageRetentionPeriod").asLong(345_600);
    assertEquals(FOURTEEN_DAYS, deadLetterRetention, "DLQ MessageRetentionPeriod (the maximum, 14 days)");

    for (SqsEvent event : sqsEvents()) {
      long sourceRetention = properties(event.queue()).path("MessageRetentionPeriod").asLong(345_600);
      assertTrue(deadLetterRetention > sourceRetention,
          "a redriven message keeps its original timestamp, so the DLQ must keep messages longer than " + event.queue());
    }
  }

  @Test
  void sqsEventSourceReportsItemFailuresAndCapsConcurrencyWithAParameter() {
    for (SqsEvent event : sqsEvents()) {
      JsonNode responseTypes = event.properties().path("FunctionResponseTypes");
      assertTrue(texts(responseTypes).contains("ReportBatchItemFailures"),
          event.function() + ": without ReportBatchItemFailures the batch response is ignored");

      JsonNode cap = event.properties().path("ScalingConfig").path("MaximumConcurrency");
      String parameter = target(cap).orElse(null);
      assertTrue(cap.has("Ref") && parameters().has(parameter),
          event.function() + ": ScalingConfig.MaximumConcurrency is a Ref to a Parameter, is " + cap);
    }
  }

  // ---------------------------------------------------------------- HTTP API

  @Test
  void httpApiOfEveryRouteRequiresIamSignedRequests() {
    // given every HttpApi event of every function
    List<HttpEvent> events = httpEvents();
    assertFalse(events.isEmpty(), "some function serves an HTTP API");

    for (HttpEvent event : events) {
      // then it belongs to an explicit HTTP API with IAM auth, and no route opts out
      String api = target(event.properties().path("ApiId")).orElse(null);
      assertEquals("AWS::Serverless::HttpApi", type(api), event + ": ApiId refers to an AWS::Serverless::HttpApi");
      JsonNode auth = properties(api).path("Auth");
      assertTrue(auth.path("EnableIamAuthorizer").asBoolean(false), api + ".Auth.EnableIamAuthorizer");
      assertEquals("AWS_IAM", auth.path("DefaultAuthorizer").asText(), api + ".Auth.DefaultAuthorizer");
      JsonNode routeAuthorizer = event.properties().path("Auth").path("Authorizer");
      assertTrue(routeAuthorizer.isMissingNode() || "AWS_IAM".equals(routeAuthorizer.asText()),
          event + " overrides the authorizer with " + routeAuthorizer);
    }
  }

  @Test
  void apiFunctionServesTheContractsThreeRoutes() {
    // given the routes each function serves
    Map<String, Set<String>> routes = new HashMap<>();
    for (HttpEvent event : httpEvents()) {
      routes.computeIfAbsent(event.function(), f -> new TreeSet<>()).add(
          event.properties().path("Method").asText().toUpperCase() + " " + event.properties().path("Path").asText());
    }

    // then the API handler serves the contract's routes; the resolution route is one of its own, so
    // that IAM can grant it to operators alone
    String apiFunction = functions().filter(f -> handlerClass(f).equals("payscore.ApiFunction"))
        .findFirst().orElseThrow(() -> new AssertionError("no function runs ApiGatewayHandler"));
    assertEquals(Set.of("POST " + PENDING_MESSAGE_PATH, "GET " + PENDING_MESSAGE_PATH,
        "POST " + PENDING_MESSAGE_PATH + "/resolution"), routes.get(apiFunction), apiFunction + " routes");
  }

  // ---------------------------------------------------------------- IAM

  @ParameterizedTest
  @MethodSource("functions")
  void everyPolicyStatementAllowsExplicitActionsOnOneResourceOfTheirService(String function) {
    List<JsonNode> statements = statements(function);
    assertFalse(statements.isEmpty(), function + " has inline policy statements");

    for (JsonNode statement : statements) {
      String name = function + " statement " + statement.path("Sid").asText("(no Sid)");
      assertEquals("Allow", statement.path("Effect").asText(), name + ": Effect");
      assertFalse(statement.has("NotAction") || statement.has("NotResource"), name + ": no NotAction/NotResource");

      // explicit actions
      List<String> actions = texts(statement.path("Action"));
      assertFalse(actions.isEmpty(), name + ": Action is a string or a list of strings");
      for (String action : actions) {
        assertFalse(action.contains("*"), name + ": wildcard in action " + action);
        assertTrue(action.matches("[a-z0-9-]+:[A-Za-z0-9]+"), name + ": action " + action + " is service:Name");
      }

      // one resource of this template
      JsonNode resource = statement.path("Resource");
      assertFalse(resource.isMissingNode() || resource.isArray() || resource.isTextual(),
          name + ": Resource is one Ref/GetAtt of this template, not \"*\", a literal or a list: " + resource);
      String resourceId = resourceOf(resource);
      assertNotNull(resourceId, name + ": Resource refers to exactly one resource or parameter: " + resource);
      assertTrue(resources().has(resourceId) || parameters().has(resourceId),
          name + ": " + resourceId + " is a resource or parameter of this template");

      // of the service the actions belong to
      Map<String, String> resourceByService = resourceByService();
      for (String action : actions) {
        String service = action.substring(0, action.indexOf(':'));
        assertTrue(resourceByService.containsKey(service), name + ": no resource of this template for " + action);
        assertEquals(resourceByService.get(service), resourceId, name + ": " + action + " must name its own resource");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("functions")
  void noPolicyTemplateOrManagedPolicyGrantsFullAccess(String function) {
    for (JsonNode policy : policies(function)) {
      if (policy.isTextual()) {
        String managed = policy.asText().substring(policy.asText().lastIndexOf('/') + 1);
        assertFalse(managed.endsWith("FullAccess"), function + " uses managed policy " + managed);
      } else if (!policy.has("Statement")) {
        policy.fieldNames().forEachRemaining(template ->
            assertFalse(template.endsWith("FullAccess"), function + " uses policy template " + template));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("functions")
  void functionIsAllowedEveryAwsCallItsCodeMakes(String function) {
    Set<String> calls = AWS_CALLS_BY_HANDLER.get(handlerClass(function));
    assertNotNull(calls, "the AWS calls of " + handlerClass(function) + " are not listed in this test");

    Set<String> allowed = statements(function).stream()
        .flatMap(statement -> texts(statement.path("Action")).stream()).collect(Collectors.toSet());

    Set<String> missing = new TreeSet<>(calls);
    missing.removeAll(allowed);
    assertEquals(Set.of(), missing, function + " would get AccessDenied for");
  }

  // ---------------------------------------------------------------- idempotency table

  @Test
  void idempotencyTableIsOnDemandKeyedByPkWithTtlOnTheCodesExpiryAttributeAndPointInTimeRecovery() {
    // given the table IDEMPOTENCY_TABLE names
    String table = target(globalVariables().path("IDEMPOTENCY_TABLE")).orElse(null);
    assertEquals("AWS::DynamoDB::Table", type(table), "IDEMPOTENCY_TABLE refers to a table");
    JsonNode properties = properties(table);

    // then
    assertEquals("PAY_PER_REQUEST", properties.path("BillingMode").asText(), "BillingMode");
    assertEquals(List.of("pk HASH"), stream(properties.path("KeySchema"))
        .map(key -> key.path("AttributeName").asText() + " " + key.path("KeyType").asText()).toList(), "KeySchema");
    assertEquals(List.of("pk S"), stream(properties.path("AttributeDefinitions"))
        .map(a -> a.path("AttributeName").asText() + " " + a.path("AttributeType").asText()).toList(),
        "AttributeDefinitions");
    JsonNode ttl = properties.path("TimeToLiveSpecification");
    assertEquals(DynamoDbIdempotencyStore.EXPIRES_AT, ttl.path("AttributeName").asText(), "TTL attribute");
    assertTrue(ttl.path("Enabled").asBoolean(false), "TTL enabled");
    assertTrue(properties.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean(false),
        "point-in-time recovery enabled");
  }

  // ---------------------------------------------------------------- environment

  @Test
  void globalsDeclareExactlyTheContractsEnvironmentVariables() {
    assertEquals(new TreeSet<>(CONTRACT_VARIABLES), names(globalVariables()));
  }

  @Test
  void configurationStartsFromWhatTheTemplateProvides() {
    // given the variables as deployed: a parameter's default where there is one, else a sample value
    Map<String, String> env = new HashMap<>();
    globalVariables().fields().forEachRemaining(variable -> {
      String value = deployedValue(variable);
      if (value != null) env.put(variable.getKey(), value);
    });
    env.put("AWS_REGION", "ap-southeast-1"); // set by Lambda

    // when the function reads its configuration
    Configuration configuration = Configuration.from(env);

    // then it has everything it needs, and the template's defaults are WeChat's hosts
    assertEquals("payscore-pending-messages", configuration.table());
    assertEquals(WeChatPayEndpoints.DEFAULT_PRIMARY, configuration.endpoints().primary());
    assertEquals(WeChatPayEndpoints.DEFAULT_BACKUP, configuration.endpoints().backup());
    assertNotNull(configuration.deadLetterQueueUrl(), "DEAD_LETTER_QUEUE_URL");
  }

  @Test
  void envJsonHasAnEntryForEachFunctionAndNothingElse() {
    assertEquals(functions().collect(Collectors.toCollection(TreeSet::new)), names(envJson()));
  }

  @ParameterizedTest
  @MethodSource("functions")
  void envJsonGivesTheFunctionEveryTemplateVariableWithAUsableLocalValue(String function) {
    // given the function's entry in events/env.json
    JsonNode entry = envJson().path(function);
    Set<String> declared = names(property(function, "Environment").path("Variables"));

    // then it sets every declared variable; any other key may only be the SDK's endpoint override
    Set<String> missing = new TreeSet<>(declared);
    missing.removeAll(names(entry));
    assertEquals(Set.of(), missing, "events/env.json " + function + " lacks");
    Set<String> extra = new TreeSet<>(names(entry));
    extra.removeAll(declared);
    assertTrue(Set.of("AWS_ENDPOINT_URL").containsAll(extra), "events/env.json " + function + " has unknown " + extra);

    // and the function starts from those values
    Map<String, String> env = new HashMap<>();
    entry.fields().forEachRemaining(variable -> {
      assertTrue(variable.getValue().isTextual(), variable.getKey() + " is a string");
      env.put(variable.getKey(), variable.getValue().asText());
    });
    env.put("AWS_REGION", "us-east-1"); // sam local sets it
    Configuration.from(env);
  }

  // ---------------------------------------------------------------- alarms

  @Test
  void deadLetterQueueDepthIsAlarmed() {
    String queue = deadLetterQueue();
    assertTrue(alarmMetrics().anyMatch(metric -> "AWS/SQS".equals(metric.path("Namespace").asText())
            && "ApproximateNumberOfMessagesVisible".equals(metric.path("MetricName").asText())
            && queue.equals(dimension(metric, "QueueName"))),
        "an alarm on ApproximateNumberOfMessagesVisible of " + queue);
  }

  @ParameterizedTest
  @MethodSource("functions")
  void functionErrorsAreAlarmed(String function) {
    assertTrue(alarmMetrics().anyMatch(metric -> "AWS/Lambda".equals(metric.path("Namespace").asText())
            && "Errors".equals(metric.path("MetricName").asText())
            && function.equals(dimension(metric, "FunctionName"))),
        "an alarm on Errors of " + function);
  }

  @Test
  void uncertainOutcomesOfBothTriggersAreAlarmedInTheNamespaceTheCodeEmits() throws IOException {
    // given the EMF namespace OutcomeLog writes (package-private, so read from its source)
    String source = Files.readString(ROOT.resolve("function/src/main/java/payscore/observe/OutcomeLog.java"));
    Matcher declaration = Pattern.compile("NAMESPACE\\s*=\\s*\"([^\"]+)\"").matcher(source);
    assertTrue(declaration.find(), "OutcomeLog declares NAMESPACE = \"...\"");
    String namespace = declaration.group(1);

    // when the alarms' Uncertain metrics are collected
    List<JsonNode> uncertain = alarmMetrics().filter(metric -> namespace.equals(metric.path("Namespace").asText())
        && "Uncertain".equals(metric.path("MetricName").asText())).toList();

    // then they cover both triggers, with the one dimension (Trigger) OutcomeLog emits
    assertFalse(uncertain.isEmpty(), "an alarm on " + namespace + "/Uncertain");
    Set<String> triggers = new TreeSet<>();
    for (JsonNode metric : uncertain) {
      assertEquals(Set.of("Trigger"), names(metric.path("Dimensions"), "Name"), "dimensions of " + metric);
      triggers.add(dimension(metric, "Trigger"));
    }
    assertEquals(Set.of("api", "sqs"), triggers, "Trigger values alarmed");
  }

  // ---------------------------------------------------------------- outputs and parameters

  @Test
  void outputsNameTheApiUrlTheQueueUrlTheTableAndEveryFunction() {
    List<JsonNode> values = stream(TEMPLATE.path("Outputs")).map(output -> output.path("Value")).toList();
    Set<String> mentioned = values.stream().flatMap(value -> mentions(value).stream()).collect(Collectors.toSet());

    for (HttpEvent event : httpEvents()) {
      String api = target(event.properties().path("ApiId")).orElseThrow();
      assertTrue(values.stream().anyMatch(value -> mentions(value).contains(api)
          && value.toString().contains("execute-api")), "an output with the URL of " + api);
    }
    for (SqsEvent event : sqsEvents()) {
      assertTrue(values.stream().anyMatch(value -> value.equals(JSON.createObjectNode().put("Ref", event.queue()))),
          "an output with the URL (Ref) of " + event.queue());
    }
    assertTrue(mentioned.contains(target(globalVariables().path("IDEMPOTENCY_TABLE")).orElseThrow()), "table output");
    functions().forEach(function -> assertTrue(mentioned.contains(function), "an output for " + function));
  }

  @Test
  void parametersCoverTheSecretTheTwoWeChatHostsAndTheConcurrencyCap() {
    // the merchant secret: a required ARN
    JsonNode secret = parameter(globalVariables().path("WECHATPAY_SECRET_ID"));
    assertFalse(secret.has("Default"), "the secret ARN has no default");
    assertTrue("arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payscore/merchant-AbCdEf"
        .matches(secret.path("AllowedPattern").asText(".*")), "a secret ARN passes AllowedPattern");

    // WeChat's hosts, overridable for a simulator
    assertEquals("https://api.mch.weixin.qq.com",
        parameter(globalVariables().path("WECHATPAY_BASE_URL")).path("Default").asText());
    assertEquals("https://api2.mch.weixin.qq.com",
        parameter(globalVariables().path("WECHATPAY_BACKUP_BASE_URL")).path("Default").asText());

    // the concurrency cap of every SQS event source: a number within what SQS accepts (2 to 1000)
    for (SqsEvent event : sqsEvents()) {
      JsonNode cap = parameter(event.properties().path("ScalingConfig").path("MaximumConcurrency"));
      assertEquals("Number", cap.path("Type").asText(), "concurrency cap Type");
      long byDefault = cap.path("Default").asLong(0);
      assertTrue(byDefault >= 2 && byDefault <= 1000, "concurrency cap default " + byDefault + " within 2..1000");
    }
  }

  @Test
  void weChatPayHostParametersAcceptOnlyHttpsSoNoSignedRequestTravelsInClear() {
    JsonNode primary = parameter(globalVariables().path("WECHATPAY_BASE_URL"));
    JsonNode backup = parameter(globalVariables().path("WECHATPAY_BACKUP_BASE_URL"));
    String primaryPattern = primary.path("AllowedPattern").asText(".*");
    String backupPattern = backup.path("AllowedPattern").asText(".*");

    // CloudFormation matches AllowedPattern against the whole value, as String.matches does
    for (String url : List.of("https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com",
        "https://wechatpay-proxy.internal.example.com:8443/", "https://10.0.0.12/wechatpay")) {
      assertTrue(url.matches(primaryPattern), url + " is allowed as WeChatPayBaseUrl");
      assertTrue(url.matches(backupPattern), url + " is allowed as WeChatPayBackupBaseUrl");
    }
    for (String url : List.of("http://api.mch.weixin.qq.com", "HTTP://api.mch.weixin.qq.com", "api.mch.weixin.qq.com",
        "https://", "ftp://api.mch.weixin.qq.com", "https://api.mch.weixin.qq.com http://evil", " https://a.b")) {
      assertFalse(url.matches(primaryPattern), url + " is refused as WeChatPayBaseUrl");
      assertFalse(url.matches(backupPattern), url + " is refused as WeChatPayBackupBaseUrl");
    }
    assertFalse("".matches(primaryPattern), "the primary host is required");
    assertTrue("".matches(backupPattern), "an empty backup disables failover");
    assertTrue(primary.path("Default").asText().matches(primaryPattern), "the default passes");
    assertTrue(backup.path("Default").asText().matches(backupPattern), "the default passes");
  }

  @Test
  void httpApiThrottlesEveryRouteWithParametersOfSensibleDefaults() {
    for (String api : httpApis()) {
      JsonNode settings = properties(api).path("DefaultRouteSettings");
      JsonNode rate = parameter(settings.path("ThrottlingRateLimit"));
      JsonNode burst = parameter(settings.path("ThrottlingBurstLimit"));

      assertEquals("Number", rate.path("Type").asText(), api + " rate limit parameter Type");
      assertEquals("Number", burst.path("Type").asText(), api + " burst limit parameter Type");
      long rateDefault = rate.path("Default").asLong(0);
      long burstDefault = burst.path("Default").asLong(0);
      // Within an account's default API Gateway quota (10,000 requests/s, burst 5,000), far below it.
      assertTrue(rateDefault >= 1 && rateDefault <= 1000, api + " rate default " + rateDefault);
      assertTrue(burstDefault >= rateDefault && burstDefault <= 5000,
          api + " burst default " + burstDefault + " at least one second of the rate");
      assertTrue(rate.path("MinValue").asLong(0) >= 1, "a rate of 0 would refuse every request");
      assertTrue(burst.path("MinValue").asLong(0) >= 1, "a burst of 0 would refuse every request");
    }
  }

  @Test
  void httpApiWritesAccessLogsNamingTheCallerKeptAsLongAsTheFunctionLogs() throws IOException {
    for (String api : httpApis()) {
      JsonNode access = properties(api).path("AccessLogSettings");
      String group = target(access.path("DestinationArn")).orElse(null);
      assertEquals("AWS::Logs::LogGroup", type(group), api + " AccessLogSettings.DestinationArn is a log group here");
      JsonNode retention = properties(group).path("RetentionInDays");
      for (String function : functions().toList()) {
        String functionGroup = target(property(function, "LoggingConfig").path("LogGroup")).orElseThrow();
        assertEquals(properties(functionGroup).path("RetentionInDays"), retention,
            group + " keeps access logs as long as " + functionGroup + " keeps the function's");
      }

      // One JSON object per request, with the route, the status and the IAM caller
      JsonNode format = JSON.readTree(access.path("Format").asText());
      Set<String> variables = new TreeSet<>();
      format.forEach(value -> variables.add(value.asText()));
      for (String variable : List.of("$context.requestId", "$context.routeKey", "$context.status",
          "$context.identity.userArn", "$context.identity.accountId", "$context.identity.sourceIp")) {
        assertTrue(variables.contains(variable), api + " access log format has " + variable + ": " + format);
      }
    }
  }

  // ================================================================ helpers

  /** Every HTTP API a route of a function belongs to. */
  private static List<String> httpApis() {
    List<String> apis = httpEvents().stream().map(event -> target(event.properties().path("ApiId")).orElseThrow())
        .distinct().toList();
    assertFalse(apis.isEmpty(), "some function serves an HTTP API");
    return apis;
  }

  private record SqsEvent(String function, String queue, JsonNode properties) {}

  private record HttpEvent(String function, String name, JsonNode properties) {
    @Override
    public String toString() {
      return function + "." + name;
    }
  }

  /** The folder holding template.yaml: the working directory (function/ under Maven) or a parent. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("template.yaml"))) return dir;
    }
    throw new IllegalStateException("no template.yaml in " + Path.of("").toAbsolutePath() + " or its parents");
  }

  private static JsonNode envJson() {
    try {
      return JSON.readTree(ROOT.resolve("events/env.json").toFile());
    } catch (IOException e) {
      throw new AssertionError("events/env.json is not valid JSON", e);
    }
  }

  private static JsonNode resources() {
    return TEMPLATE.path("Resources");
  }

  private static JsonNode parameters() {
    return TEMPLATE.path("Parameters");
  }

  private static Stream<String> ids(String type) {
    List<String> ids = new ArrayList<>();
    resources().fields().forEachRemaining(e -> {
      if (type.equals(e.getValue().path("Type").asText())) ids.add(e.getKey());
    });
    return ids.stream();
  }

  private static String type(String id) {
    return id == null ? null : resources().path(id).path("Type").asText(null);
  }

  private static JsonNode properties(String id) {
    assertTrue(resources().has(id), "resource " + id + " exists");
    return resources().path(id).path("Properties");
  }

  /** The parameter a value is a Ref to. */
  private static JsonNode parameter(JsonNode ref) {
    String id = target(ref).orElse(null);
    assertTrue(ref.has("Ref") && parameters().has(id), "a Ref to a Parameter: " + ref);
    return parameters().path(id);
  }

  /**
   * A function property as SAM sees it: Globals.Function merged with the function's own (maps merge
   * key by key, lists concatenate, anything else the function's own wins), as SAM's Globals do.
   */
  private static JsonNode property(String function, String name) {
    return merge(TEMPLATE.path("Globals").path("Function").path(name), properties(function).path(name));
  }

  private static JsonNode merge(JsonNode global, JsonNode own) {
    if (own.isMissingNode()) return global;
    if (global.isObject() && own.isObject() && !isIntrinsic(global) && !isIntrinsic(own)) {
      ObjectNode merged = global.deepCopy();
      own.fields().forEachRemaining(e -> merged.set(e.getKey(), merge(merged.path(e.getKey()), e.getValue())));
      return merged;
    }
    if (global.isArray() && own.isArray()) return ((ArrayNode) global.deepCopy()).addAll((ArrayNode) own);
    return own;
  }

  private static boolean isIntrinsic(JsonNode node) {
    if (node.size() != 1) return false;
    String key = node.fieldNames().next();
    return key.equals("Ref") || key.startsWith("Fn::");
  }

  private static JsonNode globalVariables() {
    return TEMPLATE.path("Globals").path("Function").path("Environment").path("Variables");
  }

  private static String handlerClass(String function) {
    String handler = property(function, "Handler").asText();
    return handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
  }

  /** The queue the code parks messages in: what DEAD_LETTER_QUEUE_URL refers to. */
  private static String deadLetterQueue() {
    String queue = target(globalVariables().path("DEAD_LETTER_QUEUE_URL")).orElse(null);
    assertEquals("AWS::SQS::Queue", type(queue), "DEAD_LETTER_QUEUE_URL refers to a queue of this template");
    return queue;
  }

  /** The one template resource each service's actions may name: the ones the code is configured with. */
  private static Map<String, String> resourceByService() {
    Map<String, String> byService = new HashMap<>();
    byService.put("dynamodb", target(globalVariables().path("IDEMPOTENCY_TABLE")).orElse(null));
    byService.put("secretsmanager", target(globalVariables().path("WECHATPAY_SECRET_ID")).orElse(null));
    byService.put("sqs", deadLetterQueue());
    return byService;
  }

  private static List<SqsEvent> sqsEvents() {
    List<SqsEvent> events = new ArrayList<>();
    functions().forEach(function -> properties(function).path("Events").forEach(event -> {
      if ("SQS".equals(event.path("Type").asText())) {
        String queue = target(event.path("Properties").path("Queue")).orElse(null);
        assertEquals("AWS::SQS::Queue", type(queue), function + ": the SQS event's Queue refers to a queue here");
        events.add(new SqsEvent(function, queue, event.path("Properties")));
      }
    }));
    return events;
  }

  private static List<HttpEvent> httpEvents() {
    List<HttpEvent> events = new ArrayList<>();
    functions().forEach(function -> properties(function).path("Events").fields().forEachRemaining(event -> {
      if ("HttpApi".equals(event.getValue().path("Type").asText())) {
        events.add(new HttpEvent(function, event.getKey(), event.getValue().path("Properties")));
      }
    }));
    return events;
  }

  /** The function's policies: managed names, policy templates and inline documents. */
  private static List<JsonNode> policies(String function) {
    JsonNode policies = properties(function).path("Policies");
    if (policies.isMissingNode()) return List.of();
    return policies.isArray() ? stream(policies).toList() : List.of(policies);
  }

  private static List<JsonNode> statements(String function) {
    List<JsonNode> statements = new ArrayList<>();
    for (JsonNode policy : policies(function)) {
      JsonNode statement = policy.path("Statement");
      if (statement.isArray()) statement.forEach(statements::add);
      else if (statement.isObject()) statements.add(statement);
    }
    return statements;
  }

  /** The one resource or parameter a statement's Resource names: a Ref, a GetAtt, or a Sub naming one id. */
  private static String resourceOf(JsonNode resource) {
    if (target(resource).isPresent()) return target(resource).get();
    if (resource.has("Fn::Sub") && !resource.toString().contains("*")) {
      Set<String> ids = new LinkedHashSet<>(mentions(resource));
      ids.removeIf(id -> id.startsWith("AWS::"));
      if (ids.size() == 1) return ids.iterator().next();
    }
    return null;
  }

  /** The value a variable has once deployed: its parameter's default, a literal, or a sample. */
  private static String deployedValue(Map.Entry<String, JsonNode> variable) {
    JsonNode value = variable.getValue();
    if (value.isValueNode()) return value.asText();
    String id = target(value).orElse(null);
    if (value.has("Ref") && parameters().path(id).has("Default")) return parameters().path(id).path("Default").asText();
    return switch (variable.getKey()) {
      case "WECHATPAY_SECRET_ID" -> "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:payscore/merchant-AbCdEf";
      case "IDEMPOTENCY_TABLE" -> "payscore-pending-messages";
      case "DEAD_LETTER_QUEUE_URL" -> "https://sqs.ap-southeast-1.amazonaws.com/123456789012/payscore-pending-messages-dlq";
      case "AWS_ENDPOINT_URL" -> null; // AWS::NoValue when deployed: the SDK's own endpoints

      default -> throw new AssertionError("no sample value for " + variable.getKey() + " = " + value);
    };
  }

  /** Every metric an alarm watches: the alarm's own, or each MetricStat of its Metrics. */
  private static Stream<JsonNode> alarmMetrics() {
    return ids("AWS::CloudWatch::Alarm").map(TemplateTest::properties).flatMap(alarm -> alarm.has("MetricName")
        ? Stream.of(alarm)
        : stream(alarm.path("Metrics")).map(metric -> metric.path("MetricStat").path("Metric"))
            .filter(metric -> !metric.isMissingNode()));
  }

  /** A dimension's value: the logical id it refers to, else its literal. */
  private static String dimension(JsonNode metric, String name) {
    for (JsonNode dimension : metric.path("Dimensions")) {
      if (name.equals(dimension.path("Name").asText())) {
        JsonNode value = dimension.path("Value");
        return target(value).orElse(value.asText());
      }
    }
    return null;
  }

  private static Stream<JsonNode> stream(JsonNode node) {
    return StreamSupport.stream(node.spliterator(), false);
  }

  private static List<String> texts(JsonNode node) {
    if (node.isTextual()) return List.of(node.asText());
    List<String> texts = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) return List.of();
      texts.add(item.asText());
    }
    return texts;
  }

  private static Set<String> names(JsonNode object) {
    Set<String> names = new TreeSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Set<String> names(JsonNode array, String field) {
    Set<String> names = new HashSet<>();
    array.forEach(item -> names.add(item.path(field).asText()));
    return names;
  }
}
