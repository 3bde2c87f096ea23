package payscore.idempotency;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * {@link IdempotencyStore} on a DynamoDB table with partition key {@code pk}. This class only
 * translates: each verb is one conditional request, and a refused claim returns the old item
 * ({@code ALL_OLD}), so a duplicate costs one round trip.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  /** The claim is still the caller's, and still in progress. */
  private static final String HELD = "#token = :token AND #state = :in_progress";
  /** The client's attempt timeout, which a view's budget only ever shortens. */
  private static final Duration MAX_ATTEMPT = Duration.ofSeconds(2);
  /** {@code prior_state} of a claim that created its order. */
  private static final String NO_PRIOR_STATE = "NONE";
  /** The table's TTL attribute, in seconds since the epoch. */
  public static final String EXPIRES_AT = "expires_at";

  private static final String CLAIM_CONDITION = "attribute_not_exists(#pk)"
      + " OR #state = :rejected"
      + " OR (#state = :unknown AND #hash = :hash AND #review = :false)"
      + " OR (#state = :in_progress AND #hash = :hash AND #lease < :now_ms)"
      // DynamoDB deletes expired items only eventually; an expired record counts as gone.
      + " OR (#state = :sent AND #expires < :now_s)";
  /**
   * A claim ends the current resolution (an order claimed again after {@code NOT_SENT} is no longer
   * settled), and leaves the history ({@code resolutions}) as it is.
   */
  private static final String CLAIM_ENDS_CURRENT_RESOLUTION =
      " REMOVE #resolution, #resolution_reason, #resolved_at, #resolved_by, #replaced";
  /**
   * A resolution is appended to the history, oldest first: {@code :this_resolution} is a one-item list
   * of {@code {resolution, reason, resolved_at, resolved_by}}, {@code :no_resolutions} the empty list.
   */
  private static final String RESOLVE_APPENDS_TO_HISTORY =
      "#history = list_append(if_not_exists(#history, :no_resolutions), :this_resolution)";
  /** A resolution keeps the state it replaced, for the audit line (operands read the item before the update). */
  private static final String RESOLVE_KEEPS_REPLACED_STATE = "#replaced = #state";
  // Operands are read from the item as it was before the update: #prior keeps the state this claim
  // replaced, so a claim whose answer was lost can still tell what came before it.
  private static final String CLAIM_UPDATE = "SET #prior = if_not_exists(#state, :none),"
      // sending is sticky: a takeover keeps what the attempts before it may have done; a REJECTED
      // end (nothing was ever taken) and a NOT_SENT resolution clear it.
      + " #prior_sending = if_not_exists(#sending, :true), #sending = if_not_exists(#sending, :false),"
      + " #state = :in_progress, #hash = :hash, #lease = :lease,"
      + " #token = :token, #review = :false, #attempts = if_not_exists(#attempts, :zero) + :one,"
      + " #created = if_not_exists(#created, :now), #updated = :now, #expires = :expires"
      + CLAIM_ENDS_CURRENT_RESOLUTION;

  private static final Map<String, String> NAMES = Map.ofEntries(
      Map.entry("#pk", "pk"),
      Map.entry("#state", "state"),
      Map.entry("#prior", "prior_state"),
      Map.entry("#sending", "sending"),
      Map.entry("#prior_sending", "prior_sending"),
      Map.entry("#hash", "payload_hash"),
      Map.entry("#lease", "lease_until"),
      Map.entry("#token", "lease_token"),
      Map.entry("#review", "needs_review"),
      Map.entry("#attempts", "attempts"),
      Map.entry("#request_id", "wechatpay_request_id"),
      Map.entry("#error", "last_error"),
      Map.entry("#created", "created_at"),
      Map.entry("#updated", "updated_at"),
      Map.entry("#sent", "sent_at"),
      Map.entry("#expires", EXPIRES_AT),
      Map.entry("#resolution", "resolution"),
      Map.entry("#resolution_reason", "resolution_reason"),
      Map.entry("#resolved_at", "resolved_at"),
      Map.entry("#resolved_by", "resolved_by"),
      Map.entry("#replaced", "resolution_replaced_state"),
      Map.entry("#history", "resolutions"));
  private static final String RESOLVE_CONDITION = "attribute_exists(#pk) AND (#state = :unknown"
      + " OR (#state = :in_progress AND #lease < :now_ms))";
  private static final String RESOLVE_UPDATE = "SET #state = :state, #review = :false, #sending = :sent,"
      + " #resolution = :resolution,"
      + " #resolution_reason = :reason, #resolved_at = :now, #resolved_by = :by, #updated = :now,"
      + " " + RESOLVE_KEEPS_REPLACED_STATE + ", " + RESOLVE_APPENDS_TO_HISTORY
      // The token goes: no late write of the request that held the order can follow the operator's.
      + " REMOVE #lease, #token";

  private final DynamoDbClient dynamo;
  private final String table;
  /** How long a request of this view may take in all; null: the client's own timeouts. */
  private final Duration budget;

  public DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table) {
    this(dynamo, table, null);
  }

  private DynamoDbIdempotencyStore(DynamoDbClient dynamo, String table, Duration budget) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    this.budget = budget;
  }

  /** Every request of the view, retries included, ends within {@code budget}: the SDK's call timeout. */
  @Override
  public IdempotencyStore within(Duration budget) {
    return new DynamoDbIdempotencyStore(dynamo, table, budget);
  }

  private void bounded(AwsRequestOverrideConfiguration.Builder request) {
    if (budget == null) return;
    request.apiCallTimeout(budget).apiCallAttemptTimeout(budget.compareTo(MAX_ATTEMPT) < 0 ? budget : MAX_ATTEMPT);
  }

  @Override
  public Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil, long expiresAt) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":rejected", s(State.REJECTED.name()));
    values.put(":unknown", s(State.UNKNOWN.name()));
    values.put(":in_progress", s(State.IN_PROGRESS.name()));
    values.put(":sent", s(State.SENT.name()));
    values.put(":hash", s(payloadHash));
    values.put(":false", AttributeValue.fromBool(false));
    values.put(":now_ms", n(now.toEpochMilli()));
    values.put(":now_s", n(now.getEpochSecond()));
    values.put(":lease", n(leaseUntil.toEpochMilli()));
    values.put(":token", s(token));
    values.put(":zero", n(0));
    values.put(":one", n(1));
    values.put(":now", s(now.toString()));
    values.put(":expires", n(expiresAt));
    values.put(":none", s(NO_PRIOR_STATE));
    values.put(":true", AttributeValue.fromBool(true));
    try {
      UpdateItemResponse response = dynamo.updateItem(request -> request
          .overrideConfiguration(this::bounded)
          .tableName(table)
          .key(Map.of("pk", s(key)))
          .conditionExpression(CLAIM_CONDITION)
          .updateExpression(CLAIM_UPDATE)
          .expressionAttributeNames(names(CLAIM_CONDITION + CLAIM_UPDATE))
          .expressionAttributeValues(values)
          .returnValues(ReturnValue.ALL_OLD)
          .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
      IdempotencyRecord previous = response.hasAttributes() && !response.attributes().isEmpty()
          ? fromItem(response.attributes()) : null;
      return new Claim.Granted(token, previous == null ? 1 : previous.attempts() + 1, previous);
    } catch (ConditionalCheckFailedException e) {
      Map<String, AttributeValue> item = e.item();
      // Without the old item the refusal cannot be explained; the caller treats it as busy.
      if (item == null || !item.containsKey("state")) return new Claim.Refused(null);
      IdempotencyRecord current = fromItem(item);
      if (current.state() == State.IN_PROGRESS && token.equals(current.leaseToken())) {
        // Our own claim: an earlier attempt of this call was applied and its answer lost, and the
        // SDK's retry met it. It is granted, with what it replaced as the earlier attempt did.
        String prior = string(item, "prior_state");
        AttributeValue priorSending = item.get("prior_sending");
        IdempotencyRecord previous = prior == null || prior.equals(NO_PRIOR_STATE) ? null
            : current.withState(State.valueOf(prior), priorSending == null || !Boolean.FALSE.equals(priorSending.bool()));
        return new Claim.Granted(token, current.attempts(), previous);
      }
      return new Claim.Refused(current);
    }
  }

  /**
   * One consistent read of a key no order has (no mchid is {@code snapstart}): loads the SDK's
   * request path and opens a connection, before a SnapStart snapshot and again after a restore.
   */
  public void prime() {
    find("snapstart#priming");
  }

  @Override
  public boolean markSending(String key, String token) {
    Map<String, AttributeValue> values = held(token);
    values.put(":true", AttributeValue.fromBool(true));
    String update = "SET #sending = :true";
    try {
      dynamo.updateItem(request -> request
          .overrideConfiguration(this::bounded)
          .tableName(table)
          .key(Map.of("pk", s(key)))
          .conditionExpression(HELD)
          .updateExpression(update)
          .expressionAttributeNames(names(HELD + update))
          .expressionAttributeValues(values));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  @Override
  public Optional<IdempotencyRecord> find(String key) {
    Map<String, AttributeValue> item = dynamo.getItem(request -> request
        .overrideConfiguration(this::bounded)
        .tableName(table)
        .key(Map.of("pk", s(key)))
        .consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
  }

  @Override
  public Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish,
      Instant now) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":token", s(token));
    values.put(":state", s(finish.state().name()));
    values.put(":review", AttributeValue.fromBool(finish.needsReview()));
    values.put(":now", s(now.toString()));
    StringBuilder set = new StringBuilder("SET #state = :state, #review = :review, #updated = :now");
    if (finish.state() == State.REJECTED) {
      set.append(", #sending = :not_sending"); // refused for good: nothing of this order was taken
      values.put(":not_sending", AttributeValue.fromBool(false));
    }
    // The token stays: a finish whose answer was lost is retried and still matches it. The next
    // claim replaces it.
    StringBuilder remove = new StringBuilder(" REMOVE #lease");
    if (finish.wechatpayRequestId() != null) {
      set.append(", #request_id = :request_id");
      values.put(":request_id", s(finish.wechatpayRequestId()));
    }
    if (finish.lastError() != null) {
      set.append(", #error = :error");
      values.put(":error", lastError(finish.lastError()));
    } else if (finish.state() == State.SENT) {
      remove.append(", #error");
    }
    // The holder's claim, still in progress or already ended so by a write whose answer was lost.
    String condition = "#token = :token AND #state IN (:in_progress, :state)";
    values.put(":in_progress", s(State.IN_PROGRESS.name()));
    if (finish.state() == State.SENT) {
      set.append(", #sent = :now");
      condition = "(" + condition + ") OR (#hash = :hash AND #state IN (:in_progress, :unknown))";
      values.put(":hash", s(payloadHash));
      values.put(":unknown", s(State.UNKNOWN.name()));
    }
    String update = set.append(remove).toString();
    String finalCondition = condition;
    try {
      UpdateItemResponse response = dynamo.updateItem(request -> request
          .overrideConfiguration(this::bounded)
          .tableName(table)
          .key(Map.of("pk", s(key)))
          .conditionExpression(finalCondition)
          .updateExpression(update)
          .expressionAttributeNames(names(finalCondition + update))
          .expressionAttributeValues(values)
          .returnValues(ReturnValue.ALL_NEW));
      return Optional.of(fromItem(response.attributes()));
    } catch (ConditionalCheckFailedException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean abandon(String key, String token) {
    Map<String, AttributeValue> values = held(token);
    values.put(":false", AttributeValue.fromBool(false));
    try {
      deleteClaim(key, HELD + " AND #sending = :false", values);
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  @Override
  public boolean release(String key, String token) {
    try {
      deleteClaim(key, HELD, held(token));
      return true;
    } catch (ConditionalCheckFailedException e) {
      // No item: this delete was applied by an attempt whose answer was lost.
      return e.item() == null || e.item().isEmpty();
    }
  }

  /** One conditional delete of a claim; a refusal carries the item as it is now ({@code ALL_OLD}). */
  private void deleteClaim(String key, String condition, Map<String, AttributeValue> values) {
    dynamo.deleteItem(request -> request
        .overrideConfiguration(this::bounded)
        .tableName(table)
        .key(Map.of("pk", s(key)))
        .conditionExpression(condition)
        .expressionAttributeNames(names(condition))
        .expressionAttributeValues(values)
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
  }

  /** The values of {@link #HELD} for this token, in a map the caller may add to. */
  private static Map<String, AttributeValue> held(String token) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":token", s(token));
    values.put(":in_progress", s(State.IN_PROGRESS.name()));
    return values;
  }

  @Override
  public Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":unknown", s(State.UNKNOWN.name()));
    values.put(":in_progress", s(State.IN_PROGRESS.name()));
    values.put(":now_ms", n(now.toEpochMilli()));
    values.put(":state", s((resolution.sent() ? State.SENT : State.REJECTED).name()));
    values.put(":false", AttributeValue.fromBool(false));
    values.put(":resolution", s(resolution.name()));
    values.put(":sent", AttributeValue.fromBool(resolution.sent()));
    values.put(":reason", s(resolution.reason()));
    values.put(":now", s(now.toString()));
    values.put(":by", s(resolution.resolvedBy()));
    values.put(":no_resolutions", AttributeValue.fromL(List.of()));
    values.put(":this_resolution", AttributeValue.fromL(List.of(resolutionItem(resolution))));
    try {
      UpdateItemResponse response = dynamo.updateItem(request -> request
          .overrideConfiguration(this::bounded)
          .tableName(table)
          .key(Map.of("pk", s(key)))
          .conditionExpression(RESOLVE_CONDITION)
          .updateExpression(RESOLVE_UPDATE)
          .expressionAttributeNames(names(RESOLVE_CONDITION + RESOLVE_UPDATE))
          .expressionAttributeValues(values)
          .returnValues(ReturnValue.ALL_NEW)
          .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
      return new Settlement(true, fromItem(response.attributes()));
    } catch (ConditionalCheckFailedException e) {
      Map<String, AttributeValue> item = e.item();
      if (item == null || !item.containsKey("state")) return new Settlement(false, null);
      IdempotencyRecord current = fromItem(item);
      // This call's own write, applied by an attempt whose answer was lost: it is in the history.
      return new Settlement(current.resolutions().contains(resolution), current);
    }
  }

  /** Only the names an expression uses: DynamoDB refuses unused ones. */
  private static Map<String, String> names(String expression) {
    Map<String, String> used = new HashMap<>();
    NAMES.forEach((alias, name) -> {
      if (expression.contains(alias)) used.put(alias, name);
    });
    return used;
  }

  static IdempotencyRecord fromItem(Map<String, AttributeValue> item) {
    return new IdempotencyRecord(
        string(item, "pk"),
        State.valueOf(string(item, "state")),
        string(item, "payload_hash"),
        item.containsKey("lease_until") ? Instant.ofEpochMilli(number(item, "lease_until")) : null,
        string(item, "lease_token"),
        item.containsKey("needs_review") && Boolean.TRUE.equals(item.get("needs_review").bool()),
        (int) number(item, "attempts"),
        string(item, "wechatpay_request_id"),
        lastError(item.get("last_error")),
        instant(item, "created_at"),
        instant(item, "updated_at"),
        instant(item, "sent_at"),
        number(item, EXPIRES_AT),
        item.containsKey("resolution") ? new IdempotencyRecord.Resolution("SENT".equals(string(item, "resolution")),
            string(item, "resolution_reason"), instant(item, "resolved_at"), string(item, "resolved_by")) : null,
        // A record without the flag was written before it existed: its holder may have sent.
        !item.containsKey("sending") || !Boolean.FALSE.equals(item.get("sending").bool()),
        resolutions(item.get("resolutions")),
        item.containsKey("resolution_replaced_state") ? State.valueOf(string(item, "resolution_replaced_state"))
            : null);
  }

  /** One entry of the history {@code resolutions}: a map of the four resolution fields. */
  private static AttributeValue resolutionItem(IdempotencyRecord.Resolution resolution) {
    return AttributeValue.fromM(Map.of(
        "resolution", s(resolution.name()),
        "reason", s(resolution.reason()),
        "resolved_at", s(resolution.resolvedAt().toString()),
        "resolved_by", s(resolution.resolvedBy())));
  }

  private static List<IdempotencyRecord.Resolution> resolutions(AttributeValue value) {
    if (value == null || !value.hasL()) return List.of();
    List<IdempotencyRecord.Resolution> history = new ArrayList<>();
    for (AttributeValue entry : value.l()) {
      Map<String, AttributeValue> map = entry.m();
      history.add(new IdempotencyRecord.Resolution("SENT".equals(string(map, "resolution")), string(map, "reason"),
          instant(map, "resolved_at"), string(map, "resolved_by")));
    }
    return history;
  }

  private static AttributeValue lastError(LastError error) {
    Map<String, AttributeValue> map = new HashMap<>();
    map.put("status", n(error.status()));
    if (error.code() != null) map.put("code", s(error.code()));
    if (error.message() != null) map.put("message", s(error.message()));
    return AttributeValue.fromM(map);
  }

  private static LastError lastError(AttributeValue value) {
    if (value == null || !value.hasM()) return null;
    Map<String, AttributeValue> map = value.m();
    return new LastError((int) number(map, "status"), string(map, "code"), string(map, "message"));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static String string(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null ? null : value.s();
  }

  private static long number(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
  }

  private static Instant instant(Map<String, AttributeValue> item, String name) {
    String text = string(item, name);
    return text == null ? null : Instant.parse(text);
  }
}
