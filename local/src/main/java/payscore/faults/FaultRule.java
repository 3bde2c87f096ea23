package payscore.faults;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Which requests get a {@link Fault}: an operation (the {@code X-Amz-Target} value such as
 * {@code DynamoDB_20120810.UpdateItem}, or only its part after the dot, {@code UpdateItem}, or
 * {@code *} for any), optionally only requests whose body contains a text (an item's key such as
 * {@code "1900000001#ORDER-1"}, or a value being written such as {@code {"S":"SENT"}}), and how
 * many of them: the next {@code times} matching requests, or all.
 *
 * @param bodyContains texts the body must all contain; empty to match every request of the operation
 * @param times how many matching requests get the fault; {@link #ALWAYS} for every one
 */
public record FaultRule(String operation, List<String> bodyContains, int times, Fault fault) {

  public static final int ALWAYS = -1;

  public FaultRule {
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(fault, "fault");
    bodyContains = List.copyOf(bodyContains);
    if (times < 1 && times != ALWAYS) {
      throw new IllegalArgumentException("times must be at least 1, or ALWAYS: " + times);
    }
  }

  /** The next {@code times} requests of {@code operation} get {@code fault}. */
  public static FaultRule next(int times, String operation, Fault fault) {
    return new FaultRule(operation, List.of(), times, fault);
  }

  /** Every request of {@code operation} gets {@code fault} until the rule is removed. */
  public static FaultRule always(String operation, Fault fault) {
    return new FaultRule(operation, List.of(), ALWAYS, fault);
  }

  /** The same rule, limited to requests whose body also contains {@code text} (compared as UTF-8 text). */
  public FaultRule whereBodyContains(String text) {
    return new FaultRule(operation, Stream.concat(bodyContains.stream(), Stream.of(Objects.requireNonNull(text, "text")))
        .toList(), times, fault);
  }

  boolean matches(AwsOperation requested, String body) {
    boolean operationMatches = operation.equals("*") || operation.equals(requested.target())
        || operation.equals(requested.name());
    return operationMatches && bodyContains.stream().allMatch(body::contains);
  }
}
