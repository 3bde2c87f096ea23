package payscore.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The functions of template.yaml as SAM resolves them: each property from the function, else from
 * {@code Globals.Function}, else SAM's default. The YAML reader drops CloudFormation's short tags,
 * so {@code !Ref X} reads as {@code X}: variable values here are names, not resolved values.
 */
public record SamTemplate(Path file, Map<String, FunctionConfig> functions) {

  public static SamTemplate read() {
    return read(locate());
  }

  public static SamTemplate read(Path file) {
    try {
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
      JsonNode globals = root.path("Globals").path("Function");
      Map<String, FunctionConfig> functions = new LinkedHashMap<>();
      root.path("Resources").fields().forEachRemaining(resource -> {
        if (!"AWS::Serverless::Function".equals(resource.getValue().path("Type").asText())) return;
        functions.put(resource.getKey(), function(file.getParent(), resource.getKey(), globals,
            resource.getValue().path("Properties")));
      });
      return new SamTemplate(file, Map.copyOf(functions));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public FunctionConfig function(String name) {
    FunctionConfig function = functions.get(name);
    if (function == null) throw new IllegalArgumentException("template.yaml has no function " + name);
    return function;
  }

  /** The repository root: the folder holding template.yaml. */
  public Path root() {
    return file.getParent();
  }

  private static FunctionConfig function(Path root, String name, JsonNode globals, JsonNode properties) {
    Map<String, String> variables = new LinkedHashMap<>();
    globals.path("Environment").path("Variables").fields()
        .forEachRemaining(v -> variables.put(v.getKey(), v.getValue().asText()));
    properties.path("Environment").path("Variables").fields()
        .forEachRemaining(v -> variables.put(v.getKey(), v.getValue().asText()));
    JsonNode logging = property(properties, globals, "LoggingConfig");
    return new FunctionConfig(
        name,
        property(properties, globals, "Handler").asText(),
        property(properties, globals, "Runtime").asText(),
        root.resolve(property(properties, globals, "CodeUri").asText()).normalize(),
        property(properties, globals, "MemorySize").asInt(128),
        Duration.ofSeconds(property(properties, globals, "Timeout").asInt(3)),
        "PublishedVersions".equals(property(properties, globals, "SnapStart").path("ApplyOn").asText()),
        Map.copyOf(variables),
        logging.path("LogFormat").asText("Text"),
        logging.path("ApplicationLogLevel").asText(""));
  }

  private static JsonNode property(JsonNode properties, JsonNode globals, String name) {
    return properties.has(name) ? properties.get(name) : globals.path(name);
  }

  public static Path locate() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("template.yaml"))) return dir.resolve("template.yaml");
    }
    throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
  }
}
