package payscore.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import payscore.harness.LambdaContext;

/**
 * One cold invocation of the API function, as Lambda makes it: the handler class built by its
 * no-argument constructor from the process environment, then one event. Prints the response
 * status, the process CPU time and memory at the moment the first response is ready.
 */
public final class FunctionColdStart {
  private FunctionColdStart() {}

  public static void main(String[] args) throws Exception {
    byte[] event = Files.readAllBytes(Path.of(args[0]));
    payscore.ApiFunction handler = new payscore.ApiFunction();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event), out, new LambdaContext(Duration.ofSeconds(15)));
    String response = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    ChildReport.print("status=" + response.replaceAll(".*\"statusCode\":(\\d+).*", "$1"),
        "cpu_ms=" + ChildReport.processCpuMillis(), "classes=" + ChildReport.loadedClasses(),
        "heap_mib=" + ChildReport.peakHeapMiB(), "rss_mib=" + ChildReport.peakRssMiB());
    System.exit(0);
  }
}
