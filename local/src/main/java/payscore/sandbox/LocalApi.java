package payscore.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import payscore.lambda.FunctionError;
import payscore.lambda.LocalLambda;

/**
 * The template's HTTP API routes on a local port, as {@code sam local start-api} serves them:
 * each request becomes an HTTP API payload 2.0 event for the function, run by the local Lambda
 * runtime. A function error or timeout is answered as API Gateway answers it: 500 or 503.
 */
final class LocalApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<TemplateModel.Route> routes;
  private final LocalLambda function;

  LocalApi(int port, List<TemplateModel.Route> routes, LocalLambda function) throws IOException {
    this.routes = routes;
    this.function = function;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
    server.createContext("/", this::serve);
    server.setExecutor(Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "local-api");
      thread.setDaemon(true);
      return thread;
    }));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      for (TemplateModel.Route route : routes) {
        Map<String, String> parameters = route.match(method, path);
        if (parameters != null) {
          invoke(exchange, route, parameters);
          return;
        }
      }
      reply(exchange, 404, Map.of("Content-Type", "application/json"), "{\"message\":\"Not Found\"}");
    }
  }

  private void invoke(HttpExchange exchange, TemplateModel.Route route, Map<String, String> parameters)
      throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    ObjectNode event = JSON.createObjectNode();
    event.put("version", "2.0");
    event.put("routeKey", route.method() + " " + route.path());
    event.put("rawPath", exchange.getRequestURI().getRawPath());
    String rawQuery = exchange.getRequestURI().getRawQuery();
    event.put("rawQueryString", rawQuery == null ? "" : rawQuery);
    if (rawQuery != null && !rawQuery.isEmpty()) {
      // As HTTP API passes them: decoded, a repeated name's values joined by commas.
      ObjectNode query = event.putObject("queryStringParameters");
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) continue;
        int equals = pair.indexOf('=');
        String name = java.net.URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), UTF_8);
        String value = equals < 0 ? "" : java.net.URLDecoder.decode(pair.substring(equals + 1), UTF_8);
        query.put(name, query.has(name) ? query.get(name).asText() + "," + value : value);
      }
    }
    ObjectNode headers = event.putObject("headers");
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), String.join(",", values)));
    ObjectNode context = event.putObject("requestContext");
    context.put("accountId", "123456789012");
    context.put("apiId", "local");
    context.put("requestId", UUID.randomUUID().toString());
    context.put("routeKey", route.method() + " " + route.path());
    context.put("stage", "$default");
    context.put("timeEpoch", Instant.now().toEpochMilli());
    ObjectNode http = context.putObject("http");
    http.put("method", exchange.getRequestMethod());
    http.put("path", exchange.getRequestURI().getRawPath());
    http.put("protocol", exchange.getProtocol());
    http.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
    http.put("userAgent", exchange.getRequestHeaders().getFirst("User-Agent"));
    ObjectNode pathParameters = event.putObject("pathParameters");
    parameters.forEach((name, value) -> pathParameters.put(name, java.net.URLDecoder.decode(value, UTF_8)));
    if (body.length > 0) {
      String text = utf8(body);
      event.put("body", text == null ? Base64.getEncoder().encodeToString(body) : text);
      event.put("isBase64Encoded", text == null);
    } else {
      event.put("isBase64Encoded", false);
    }

    JsonNode response;
    try {
      response = JSON.readTree(function.invoke(JSON.writeValueAsString(event)));
    } catch (FunctionError e) {
      boolean timedOut = e.kind() == FunctionError.Kind.TIMEOUT;
      reply(exchange, timedOut ? 503 : 500, Map.of("Content-Type", "application/json"),
          timedOut ? "{\"message\":\"Service Unavailable\"}" : "{\"message\":\"Internal Server Error\"}");
      return;
    }
    Map<String, String> responseHeaders = new java.util.LinkedHashMap<>();
    response.path("headers").fields().forEachRemaining(h -> responseHeaders.put(h.getKey(), h.getValue().asText()));
    reply(exchange, response.path("statusCode").asInt(500), responseHeaders, response.path("body").asText(""));
  }

  private static String utf8(byte[] bytes) {
    try {
      return UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static void reply(HttpExchange exchange, int status, Map<String, String> headers, String body)
      throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
