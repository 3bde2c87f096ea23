package payscore.faults;

/**
 * The AWS API operation of a JSON-protocol request, from its {@code X-Amz-Target} header.
 *
 * @param target the header's value, e.g. {@code DynamoDB_20120810.PutItem}, {@code
 *     secretsmanager.GetSecretValue}, {@code AmazonSQS.SendMessage}; {@code unknown} without one
 */
record AwsOperation(String target) {

  static final AwsOperation UNKNOWN = new AwsOperation("unknown");

  static AwsOperation of(String amzTarget) {
    return amzTarget == null || amzTarget.isBlank() ? UNKNOWN : new AwsOperation(amzTarget.trim());
  }

  /** The part after the dot, e.g. {@code PutItem}. */
  String name() {
    int dot = target.lastIndexOf('.');
    return dot < 0 ? target : target.substring(dot + 1);
  }

  /** The part before the dot, e.g. {@code DynamoDB_20120810}. */
  String service() {
    int dot = target.lastIndexOf('.');
    return dot < 0 ? "" : target.substring(0, dot);
  }
}
