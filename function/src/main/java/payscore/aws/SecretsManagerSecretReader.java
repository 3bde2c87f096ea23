package payscore.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Objects;
import payscore.json.JsonTrees;
import payscore.merchant.CachingMerchantSource;
import payscore.merchant.MerchantSecretException;

/** The merchant secret's {@code AWSCURRENT} version from AWS Secrets Manager ({@code GetSecretValue}). */
public final class SecretsManagerSecretReader implements CachingMerchantSource.SecretReader {
  /** Retries included; the first request of an environment waits at most this long for the secret. */
  private static final Duration BUDGET = Duration.ofSeconds(5);

  private final AwsJsonClient secrets;
  private final String secretId;

  public SecretsManagerSecretReader(AwsJsonClient secrets, String secretId) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.secretId = Objects.requireNonNull(secretId, "secretId");
  }

  @Override
  public CachingMerchantSource.SecretVersion read() {
    ObjectNode request = JsonTrees.object();
    request.put("SecretId", secretId);
    JsonNode answer;
    try {
      answer = secrets.call("GetSecretValue", request, BUDGET);
    } catch (AwsCallException e) {
      throw MerchantSecretException.unavailable("could not read the merchant secret from Secrets Manager ("
          + e.reason() + ")");
    }
    JsonNode text = answer.get("SecretString");
    if (text == null || !text.isTextual()) {
      throw new MerchantSecretException("the merchant secret has no SecretString: store the JSON as the secret's text");
    }
    return new CachingMerchantSource.SecretVersion(answer.path("VersionId").asText(null), text.asText());
  }
}
