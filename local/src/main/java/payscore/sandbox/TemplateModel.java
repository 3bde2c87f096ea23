package payscore.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the local sandbox needs from template.yaml: the routes and the functions behind them, the function
 * timeouts, the queue settings, the table's key and TTL, and the environment variables. The YAML
 * reader drops CloudFormation's short tags ({@code !Ref X} reads as {@code X}), which is all the
 * sandbox needs.
 */
record TemplateModel(
    List<Route> routes,
    String apiFunction,
    int apiTimeoutSeconds,
    String queueFunction,
    int queueTimeoutSeconds,
    int queueVisibilitySeconds,
    int maxReceiveCount,
    int batchSize,
    String tableKey,
    String ttlAttribute,
    List<String> environment) {

  record Route(String method, String path) {
    /** Matches a request path; returns the path parameters or null. */
    Map<String, String> match(String method, String requestPath) {
      if (!this.method.equalsIgnoreCase(method)) return null;
      String[] want = path.split("/");
      String[] got = requestPath.split("/");
      if (want.length != got.length) return null;
      Map<String, String> parameters = new java.util.HashMap<>();
      for (int i = 0; i < want.length; i++) {
        if (want[i].startsWith("{") && want[i].endsWith("}")) {
          parameters.put(want[i].substring(1, want[i].length() - 1), got[i]);
        } else if (!want[i].equals(got[i])) {
          return null;
        }
      }
      return parameters;
    }
  }

  static TemplateModel read(Path template) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(template));
    JsonNode globals = root.path("Globals").path("Function");
    JsonNode resources = root.path("Resources");
    List<Route> routes = new ArrayList<>();
    String apiFunction = null;
    int apiTimeout = 0;
    String queueFunction = null;
    int queueTimeout = 0;
    String queueName = null;
    int batchSize = 10;
    for (Iterator<Map.Entry<String, JsonNode>> it = resources.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode resource = entry.getValue();
      if (!"AWS::Serverless::Function".equals(resource.path("Type").asText())) continue;
      JsonNode properties = resource.path("Properties");
      int timeout = properties.path("Timeout").asInt(globals.path("Timeout").asInt(3));
      for (JsonNode event : properties.path("Events")) {
        JsonNode eventProperties = event.path("Properties");
        if ("HttpApi".equals(event.path("Type").asText()) || "Api".equals(event.path("Type").asText())) {
          routes.add(new Route(eventProperties.path("Method").asText(), eventProperties.path("Path").asText()));
          apiFunction = entry.getKey();
          apiTimeout = timeout;
        } else if ("SQS".equals(event.path("Type").asText())) {
          queueFunction = entry.getKey();
          queueTimeout = timeout;
          queueName = eventProperties.path("Queue").asText().replace(".Arn", "");
          batchSize = eventProperties.path("BatchSize").asInt(10);
        }
      }
    }
    JsonNode queue = resources.path(queueName).path("Properties");
    JsonNode table = resources.path("IdempotencyTable").path("Properties");
    List<String> environment = new ArrayList<>();
    globals.path("Environment").path("Variables").fieldNames().forEachRemaining(environment::add);
    return new TemplateModel(routes, apiFunction, apiTimeout, queueFunction, queueTimeout,
        queue.path("VisibilityTimeout").asInt(30), queue.path("RedrivePolicy").path("maxReceiveCount").asInt(5),
        batchSize, table.path("KeySchema").get(0).path("AttributeName").asText(),
        table.path("TimeToLiveSpecification").path("AttributeName").asText(), environment);
  }

  static Path locate() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("template.yaml"))) return dir.resolve("template.yaml");
    }
    throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
  }
}
