package payscore.lambda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The artifact is laid out as sam build lays out a Maven function: classes at the root, runtime jars in lib/. */
@Tag(SamBuild.RUNS_THE_ARTIFACT)
class SamBuildTest {
  @Test
  void theStandaloneBuildLaysOutClassesAndRuntimeJarsOnly() throws Exception {
    FunctionConfig function = SamTemplate.read().function("ApiFunction");

    Path root = SamBuild.artifact(function).taskRoot();

    assertTrue(Files.exists(root.resolve("payscore/ApiFunction.class")));
    assertTrue(Files.exists(root.resolve("payscore/QueueFunction.class")));
    List<String> jars;
    try (Stream<Path> lib = Files.list(root.resolve("lib"))) {
      jars = lib.map(p -> p.getFileName().toString()).toList();
    }
    assertTrue(jars.stream().anyMatch(j -> j.startsWith("aws-lambda-java-core-")), jars.toString());
    assertTrue(jars.stream().anyMatch(j -> j.startsWith("http-auth-aws-")), jars.toString());
    // The function makes its own AWS calls: no service client, no SDK HTTP client.
    assertFalse(jars.stream().anyMatch(j -> j.matches("(dynamodb|secretsmanager|sqs|url-connection-client)-.*")),
        jars.toString());
    assertFalse(jars.stream().anyMatch(j -> j.matches("(junit|wechatpay-java|apache-client|netty).*")), jars.toString());
    assertFalse(Files.exists(root.resolve("payscore/simulator")), "nothing of local/ in the artifact");
  }
}
