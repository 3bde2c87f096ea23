package payscore.aws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Our SigV4 against the AWS SDK's own signer ({@code AwsV4HttpSigner}), header for header. */
class AwsRequestSignerTest {
  static List<Arguments> requests() {
    AwsCredentialsIdentity basic = AwsCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    AwsCredentialsIdentity session = AwsSessionCredentialsIdentity.create("ASIAEXAMPLE", "c2VjcmV0/key+with/slashes",
        "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==");
    return List.of(
        Arguments.of("dynamodb", "us-east-1", "https://dynamodb.us-east-1.amazonaws.com", "DynamoDB_20120810.UpdateItem",
            "application/x-amz-json-1.0", "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"1900000001#单号-1\"}}}",
            "2025-03-01T08:00:00Z", basic),
        Arguments.of("dynamodb", "ap-southeast-1", "http://127.0.0.1:5055", "DynamoDB_20120810.GetItem",
            "application/x-amz-json-1.0", "{}", "2024-12-31T23:59:59.999Z", session),
        Arguments.of("secretsmanager", "cn-north-1", "https://secretsmanager.cn-north-1.amazonaws.com.cn",
            "secretsmanager.GetSecretValue", "application/x-amz-json-1.1", "{\"SecretId\":\"payscore/merchant\"}",
            "2026-02-28T00:00:00Z", session),
        Arguments.of("sqs", "eu-west-1", "http://localhost:4566", "AmazonSQS.SendMessage",
            "application/x-amz-json-1.0", "", "2026-12-05T12:34:56Z", basic));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void signsAsTheSdkSigns(String service, String region, String endpoint, String target, String contentType,
      String body, String at, AwsCredentialsIdentity credentials) {
    Clock clock = Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
    URI uri = URI.create(endpoint);
    String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    byte[] bytes = body.getBytes(UTF_8);

    Map<String, String> ours = new AwsRequestSigner(service, region, clock).sign(host, contentType, target, bytes,
        credentials);

    SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri.resolve("/"))
        .putHeader("Content-Type", contentType).putHeader("X-Amz-Target", target).build();
    SdkHttpRequest sdk = AwsV4HttpSigner.create().sign(r -> r.identity(credentials).request(request)
        .payload(ContentStreamProvider.fromByteArray(bytes))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock)).request();
    assertEquals(sdk.firstMatchingHeader("Authorization").orElseThrow(), ours.get("Authorization"));
    assertEquals(sdk.firstMatchingHeader("X-Amz-Date").orElseThrow(), ours.get("X-Amz-Date"));
    assertEquals(sdk.firstMatchingHeader("X-Amz-Security-Token").orElse(null), ours.get("X-Amz-Security-Token"));
    assertEquals(sdk.firstMatchingHeader("x-amz-content-sha256").orElseThrow(), ours.get("x-amz-content-sha256"));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void aSecondSignatureOnTheSameDayReusesTheKeyAndStillMatches(String service, String region, String endpoint,
      String target, String contentType, String body, String at, AwsCredentialsIdentity credentials) {
    Instant first = Instant.parse(at);
    MutableClock clock = new MutableClock(first);
    AwsRequestSigner signer = new AwsRequestSigner(service, region, clock);
    URI uri = URI.create(endpoint);
    String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    signer.sign(host, contentType, target, new byte[0], credentials);
    clock.now = first.plusSeconds(86_400); // the next day: a new key

    Map<String, String> next = signer.sign(host, contentType, target, body.getBytes(UTF_8), credentials);

    Map<String, String> fresh = new AwsRequestSigner(service, region, Clock.fixed(clock.now, ZoneOffset.UTC))
        .sign(host, contentType, target, body.getBytes(UTF_8), credentials);
    assertEquals(fresh, next);
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
