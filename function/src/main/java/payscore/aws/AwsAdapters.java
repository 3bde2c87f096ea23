package payscore.aws;

import java.time.Clock;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Builds the AWS-backed adapters (the DynamoDB store, the Secrets Manager secret, the SQS
 * dead-letter sender) from the environment, as the SDK reads it: region, endpoint variables and
 * credentials. One per execution environment.
 */
public final class AwsAdapters {
  private final Map<String, String> env;
  private final String region;
  private final Supplier<? extends AwsCredentialsIdentity> credentials;
  private final Clock clock;
  private final DoubleSupplier jitter;

  /** @param jitter uniform in [0, 1), for retry backoff */
  public AwsAdapters(Map<String, String> env, String region, Clock clock, DoubleSupplier jitter) {
    this.env = Map.copyOf(env);
    this.region = region;
    this.credentials = credentials(env);
    this.clock = clock;
    this.jitter = jitter;
  }

  public DynamoDbIdempotencyStore store(String table) {
    return new DynamoDbIdempotencyStore(client(AwsJsonClient.Service.DYNAMODB), table);
  }

  public SecretsManagerSecretReader secret(String secretId) {
    return new SecretsManagerSecretReader(client(AwsJsonClient.Service.SECRETS_MANAGER), secretId);
  }

  public SqsDeadLetterSender deadLetters() {
    return new SqsDeadLetterSender(client(AwsJsonClient.Service.SQS));
  }

  private AwsJsonClient client(AwsJsonClient.Service service) {
    return new AwsJsonClient(service, AwsJsonClient.endpoint(service, env, region), region, credentials, clock,
        jitter);
  }

  /**
   * Lambda's role credentials: in the environment for an on-demand start; from the container
   * endpoint for SnapStart (refreshed by the provider); otherwise the SDK's default chain, for
   * running elsewhere.
   */
  private static Supplier<? extends AwsCredentialsIdentity> credentials(Map<String, String> env) {
    String id = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
      String token = env.get("AWS_SESSION_TOKEN");
      AwsCredentialsIdentity fixed = token == null || token.isBlank()
          ? AwsCredentialsIdentity.create(id, secret)
          : AwsSessionCredentialsIdentity.create(id, secret, token);
      return () -> fixed;
    }
    if (env.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        || env.containsKey("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      ContainerCredentialsProvider container = ContainerCredentialsProvider.builder().build();
      return container::resolveCredentials;
    }
    DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
    return chain::resolveCredentials;
  }
}
