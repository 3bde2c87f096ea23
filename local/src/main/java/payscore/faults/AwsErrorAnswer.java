package payscore.faults;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * An error answer as the service itself gives it in its JSON protocol: {@code __type} (DynamoDB
 * prefixes it with its namespace) and {@code message}, so that the SDK classifies it exactly as it
 * would the real one (throttling, retryable 5xx, or final).
 */
record AwsErrorAnswer(int status, Map<String, String> headers, byte[] body) {

  static AwsErrorAnswer forFault(Fault fault, AwsOperation operation, String contentType) {
    Service service = Service.of(operation);
    if (fault instanceof Fault.Throttle throttle) {
      if (throttle.provisionedThroughput()) {
        return of(400, service, "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.", contentType);
      }
      return of(400, service, service.throttlingType, "Rate exceeded", contentType);
    }
    if (fault instanceof Fault.ServerError serverError) {
      return serverError.status() == 500
          ? of(500, service, service.internalErrorType, "Internal server error", contentType)
          : of(serverError.status(), service, "ServiceUnavailable", "Service unavailable", contentType);
    }
    if (fault instanceof Fault.ErrorAnswer error) {
      return of(error.status(), service, error.type(), error.message(), contentType);
    }
    throw new IllegalArgumentException("not an answering fault: " + fault);
  }

  private static AwsErrorAnswer of(int status, Service service, String type, String message, String contentType) {
    String json = "{\"__type\":\"" + service.typePrefix + type + "\",\"message\":\"" + message + "\"}";
    String requestId = UUID.randomUUID().toString();
    Map<String, String> headers = service == Service.SQS
        // SQS's JSON protocol also names the error the way its old query protocol did.
        ? Map.of("Content-Type", contentType, "x-amzn-RequestId", requestId,
            "x-amzn-query-error", type + ";" + (status < 500 ? "Sender" : "Receiver"))
        : Map.of("Content-Type", contentType, "x-amzn-RequestId", requestId);
    return new AwsErrorAnswer(status, headers, json.getBytes(StandardCharsets.UTF_8));
  }

  private enum Service {
    DYNAMODB("com.amazonaws.dynamodb.v20120810#", "ThrottlingException", "InternalServerError"),
    SECRETS_MANAGER("", "ThrottlingException", "InternalServiceError"),
    SQS("com.amazonaws.sqs#", "RequestThrottled", "InternalError"),
    OTHER("", "ThrottlingException", "InternalFailure");

    private final String typePrefix;
    private final String throttlingType;
    private final String internalErrorType;

    Service(String typePrefix, String throttlingType, String internalErrorType) {
      this.typePrefix = typePrefix;
      this.throttlingType = throttlingType;
      this.internalErrorType = internalErrorType;
    }

    static Service of(AwsOperation operation) {
      String service = operation.service();
      if (service.startsWith("DynamoDB_")) {
        return DYNAMODB;
      }
      if (service.equals("secretsmanager")) {
        return SECRETS_MANAGER;
      }
      if (service.equals("AmazonSQS")) {
        return SQS;
      }
      return OTHER;
    }
  }
}
