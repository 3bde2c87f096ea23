package payscore.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import payscore.harness.MotoServer;
import payscore.lambda.SamBuild;

/**
 * The README's first command, end to end: the sandbox serves the template's routes through the local
 * Lambda runtime and its demo passes.
 */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
@Order(6)
class LocalSandboxTest {
  @RegisterExtension
  static final MotoServer MOTO = MotoServer.shared();

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void demoRunsEveryEventsFileThroughTheSandboxAndEndsWell() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(output, true, UTF_8);
    int exit;
    try (LocalSandbox sandbox = LocalSandbox.start(MOTO.endpoint(), freePort(), out, "-demo")) {
      exit = new Demo(sandbox, out).run();
    }

    String printed = output.toString(UTF_8);
    assertEquals(0, exit, printed);
    assertTrue(printed.contains("Demo finished: every step as expected."), printed);
    assertTrue(printed.contains("\"replayed\":true"), printed);
    assertTrue(printed.contains("parked in the DLQ: error_code=INVALID_REQUEST"), printed);
    assertTrue(printed.contains("DynamoDB record: pk=1900000001#1234323JKHDFE1243252 ") && printed.contains(" state=SENT "),
        printed);
    assertTrue(printed.contains("ApiFunction log: "), "the function's own JVM logged: " + printed);
    assertTrue(printed.contains("QueueFunction log: "), printed);
    assertTrue(!printed.contains("\u001b"), "no escape codes");
  }

  @Test
  void aBusyPortIsReportedByNumberBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      IOException refused = assertThrows(IOException.class,
          () -> LocalSandbox.start(MOTO.endpoint(), port, new PrintStream(new ByteArrayOutputStream(), true, UTF_8),
              "-busy"));
      assertTrue(refused.getMessage().contains("port " + port), refused.getMessage());
    }
  }

  @Test
  void servesTheTemplatesRoutesAndAnswersUnknownPathsLikeApiGateway() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (LocalSandbox sandbox = LocalSandbox.start(MOTO.endpoint(), freePort(), new PrintStream(output, true, UTF_8),
        "-routes")) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI base = sandbox.apiUrl();

      HttpResponse<String> unknownOrder = http.send(HttpRequest.newBuilder(
          base.resolve("/service-orders/NEVER-1/pending-message")).GET().build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> noRoute = http.send(HttpRequest.newBuilder(base.resolve("/elsewhere")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> invalid = http.send(HttpRequest.newBuilder(
          base.resolve("/service-orders/BAD-1/pending-message")).POST(HttpRequest.BodyPublishers.ofString("{}"))
          .build(), HttpResponse.BodyHandlers.ofString());

      assertEquals(404, unknownOrder.statusCode());
      assertTrue(unknownOrder.body().contains("NOT_FOUND"), unknownOrder.body());
      assertEquals(404, noRoute.statusCode());
      assertEquals(400, invalid.statusCode());
      assertTrue(invalid.body().contains("\"field\":\"service_id\""), invalid.body());
      assertTrue(sandbox.wechat.requests().isEmpty());
    }
  }
}
