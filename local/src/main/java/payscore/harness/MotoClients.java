package payscore.harness;

import java.net.URI;
import java.time.Clock;
import java.util.Map;
import payscore.aws.AwsAdapters;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** SDK clients for tests and tools to set up and inspect what the function sees in moto. */
public final class MotoClients {
  private static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

  private MotoClients() {}

  public static DynamoDbClient dynamo(URI moto) {
    return DynamoDbClient.builder().endpointOverride(moto).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
        .httpClient(UrlConnectionHttpClient.create()).build();
  }

  public static SecretsManagerClient secrets(URI moto) {
    return SecretsManagerClient.builder().endpointOverride(moto).region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS).httpClient(UrlConnectionHttpClient.create()).build();
  }

  /** The function's own AWS adapters (store, secret, dead-letter sender) on moto, with {@code clock}. */
  public static AwsAdapters adapters(URI moto, Clock clock) {
    return new AwsAdapters(Map.of("AWS_ENDPOINT_URL", moto.toString(), "AWS_ACCESS_KEY_ID", "test",
        "AWS_SECRET_ACCESS_KEY", "test"), "us-east-1", clock, () -> 0.5);
  }

  public static SqsClient sqs(URI moto) {
    return SqsClient.builder().endpointOverride(moto).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
        .httpClient(UrlConnectionHttpClient.create()).build();
  }
}
