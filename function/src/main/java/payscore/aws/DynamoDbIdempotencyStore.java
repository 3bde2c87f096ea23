package payscore.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import payscore.idempotency.Claim;
import payscore.idempotency.Finish;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.idempotency.IdempotencyStore;
import payscore.idempotency.StoreUnavailableException;
import payscore.json.JsonTrees;

/**
 * {@link IdempotencyStore} on a DynamoDB table with partition key {@code pk}. This class only
 * translates: each verb is one conditional request, and a refused claim returns the old item
 * ({@code ALL_OLD}), so a duplicate costs one round trip. A failure to reach DynamoDB becomes a
 * {@link StoreUnavailableException} that says whether the write may have been applied.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  /** The claim is still the caller's, and still in progress. */
  private static final String HELD = "#token = :token AND #state = :in_progress";
  /** A call without a budget of its own: the longest a single write may take, retries included. */
  private static final Duration DEFAULT_BUDGET = Duration.ofSeconds(5);
  /** {@code prior_state} of a claim that created its order. */
  private static final String NO_PRIOR_STATE = "NONE";
  /** The table's TTL attribute, in seconds since the epoch. */
  public static final String EXPIRES_AT = "expires_at";
  private static final String CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException";

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
  // Operands are read from the item as it was before the update: #prior and #prior_sending keep
  // what this claim replaced, so a claim whose answer was lost can still tell what came before it.
  // The claim is the sending mark: everything the request needs is ready before it is written, so
  // from here on only the request itself happens, and a holder that dies counts as having sent.
  private static final String CLAIM_UPDATE = "SET #prior = if_not_exists(#state, :none),"
      + " #prior_sending = if_not_exists(#sending, :true), #sending = :true,"
      + " #state = :in_progress, #hash = :hash, #lease = :lease,"
      + " #token = :token, #review = :false, #attempts = if_not_exists(#attempts, :zero) + :one,"
      + " #created = if_not_exists(#created, :now), #updated = :now, #expires = :expires"
      + CLAIM_ENDS_CURRENT_RESOLUTION;
  /** Our claim, over nothing that may have reached WeChat: deleting it forgets nothing. */
  private static final String ABANDONABLE = HELD + " AND (#prior = :none OR #prior_sending = :false)";

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

  private final AwsJsonClient dynamo;
  private final String table;
  /** How long a request of this view may take in all, retries included. */
  private final Duration budget;

  public DynamoDbIdempotencyStore(AwsJsonClient dynamo, String table) {
    this(dynamo, table, DEFAULT_BUDGET);
  }

  private DynamoDbIdempotencyStore(AwsJsonClient dynamo, String table, Duration budget) {
    this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    this.table = Objects.requireNonNull(table, "table");
    this.budget = budget;
  }

  /** Every request of the view, retries included, ends within {@code budget}. */
  @Override
  public IdempotencyStore within(Duration budget) {
    return new DynamoDbIdempotencyStore(dynamo, table, budget);
  }

  @Override
  public Claim claim(String key, String payloadHash, String token, Instant now, Instant leaseUntil, long expiresAt) {
    ObjectNode values = JsonTrees.object();
    values.set(":rejected", s(State.REJECTED.name()));
    values.set(":unknown", s(State.UNKNOWN.name()));
    values.set(":in_progress", s(State.IN_PROGRESS.name()));
    values.set(":sent", s(State.SENT.name()));
    values.set(":hash", s(payloadHash));
    values.set(":false", bool(false));
    values.set(":now_ms", n(now.toEpochMilli()));
    values.set(":now_s", n(now.getEpochSecond()));
    values.set(":lease", n(leaseUntil.toEpochMilli()));
    values.set(":token", s(token));
    values.set(":zero", n(0));
    values.set(":one", n(1));
    values.set(":now", s(now.toString()));
    values.set(":expires", n(expiresAt));
    values.set(":none", s(NO_PRIOR_STATE));
    values.set(":true", bool(true));
    ObjectNode request = update(key, CLAIM_CONDITION, CLAIM_UPDATE, values);
    request.put("ReturnValues", "ALL_OLD");
    request.put("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    JsonNode answer;
    try {
      answer = dynamo.call("UpdateItem", request, budget);
    } catch (AwsCallException e) {
      JsonNode item = refusedItem(e, "claim the order");
      // Without the old item the refusal cannot be explained; the caller treats it as busy.
      if (item == null || !item.has("state")) return new Claim.Refused(null);
      IdempotencyRecord current = fromItem(item);
      if (current.state() == State.IN_PROGRESS && token.equals(current.leaseToken())) {
        // Our own claim: an earlier attempt of this call was applied and its answer lost, and the
        // retry met it. It is granted, with what it replaced as the earlier attempt saw it.
        String prior = string(item, "prior_state");
        JsonNode priorSending = item.get("prior_sending");
        IdempotencyRecord previous = prior == null || prior.equals(NO_PRIOR_STATE) ? null
            : current.withState(State.valueOf(prior), priorSending == null || bool(priorSending, true));
        return new Claim.Granted(token, current.attempts(), previous);
      }
      return new Claim.Refused(current);
    }
    JsonNode old = answer.get("Attributes");
    IdempotencyRecord previous = old != null && old.size() > 0 ? fromItem(old) : null;
    return new Claim.Granted(token, previous == null ? 1 : previous.attempts() + 1, previous);
  }

  /**
   * One consistent read of a key no order has (no mchid is {@code snapstart}): loads the request
   * path and opens a connection, before a SnapStart snapshot and again after a restore.
   */
  public void prime() {
    find("snapstart#priming");
  }

  @Override
  public Optional<IdempotencyRecord> find(String key) {
    ObjectNode request = JsonTrees.object();
    request.put("TableName", table);
    request.set("Key", key(key));
    request.put("ConsistentRead", true);
    JsonNode item;
    try {
      item = dynamo.call("GetItem", request, budget).get("Item");
    } catch (AwsCallException e) {
      throw unavailable("read the record", e);
    }
    return item == null || item.size() == 0 ? Optional.empty() : Optional.of(fromItem(item));
  }

  @Override
  public Optional<IdempotencyRecord> finish(String key, String payloadHash, String token, Finish finish,
      Instant now) {
    ObjectNode values = JsonTrees.object();
    values.set(":token", s(token));
    values.set(":state", s(finish.state().name()));
    values.set(":review", bool(finish.needsReview()));
    values.set(":now", s(now.toString()));
    StringBuilder set = new StringBuilder("SET #state = :state, #review = :review, #updated = :now");
    if (finish.state() == State.REJECTED) {
      set.append(", #sending = :not_sending"); // refused for good: nothing of this order was taken
      values.set(":not_sending", bool(false));
    }
    // The token stays: a finish whose answer was lost is retried and still matches it. The next
    // claim replaces it.
    StringBuilder remove = new StringBuilder(" REMOVE #lease");
    if (finish.wechatpayRequestId() != null) {
      set.append(", #request_id = :request_id");
      values.set(":request_id", s(finish.wechatpayRequestId()));
    }
    if (finish.lastError() != null) {
      set.append(", #error = :error");
      values.set(":error", lastError(finish.lastError()));
    } else if (finish.state() == State.SENT) {
      remove.append(", #error");
    }
    // The holder's claim, still in progress or already ended so by a write whose answer was lost.
    String condition = "#token = :token AND #state IN (:in_progress, :state)";
    values.set(":in_progress", s(State.IN_PROGRESS.name()));
    if (finish.state() == State.SENT) {
      set.append(", #sent = :now");
      condition = "(" + condition + ") OR (#hash = :hash AND #state IN (:in_progress, :unknown))";
      values.set(":hash", s(payloadHash));
      values.set(":unknown", s(State.UNKNOWN.name()));
    }
    ObjectNode request = update(key, condition, set.append(remove).toString(), values);
    request.put("ReturnValues", "ALL_NEW");
    try {
      return Optional.of(fromItem(dynamo.call("UpdateItem", request, budget).get("Attributes")));
    } catch (AwsCallException e) {
      refusedItem(e, "record the outcome");
      return Optional.empty();
    }
  }

  @Override
  public boolean abandon(String key, String token) {
    ObjectNode values = held(token);
    values.set(":false", bool(false));
    values.set(":none", s(NO_PRIOR_STATE));
    try {
      deleteClaim(key, ABANDONABLE, values);
      return true;
    } catch (AwsCallException e) {
      refusedItem(e, "give the claim back");
      return false;
    }
  }

  @Override
  public boolean release(String key, String token) {
    try {
      deleteClaim(key, HELD, held(token));
      return true;
    } catch (AwsCallException e) {
      JsonNode item = refusedItem(e, "release the claim");
      // No item: this delete was applied by an attempt whose answer was lost.
      return item == null || item.size() == 0;
    }
  }

  /** One conditional delete of a claim; a refusal carries the item as it is now ({@code ALL_OLD}). */
  private void deleteClaim(String key, String condition, ObjectNode values) {
    ObjectNode request = JsonTrees.object();
    request.put("TableName", table);
    request.set("Key", key(key));
    request.put("ConditionExpression", condition);
    request.set("ExpressionAttributeNames", names(condition));
    request.set("ExpressionAttributeValues", values);
    request.put("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    dynamo.call("DeleteItem", request, budget);
  }

  /** The values of {@link #HELD} for this token, in a map the caller may add to. */
  private static ObjectNode held(String token) {
    ObjectNode values = JsonTrees.object();
    values.set(":token", s(token));
    values.set(":in_progress", s(State.IN_PROGRESS.name()));
    return values;
  }

  @Override
  public Settlement resolve(String key, IdempotencyRecord.Resolution resolution, Instant now) {
    ObjectNode values = JsonTrees.object();
    values.set(":unknown", s(State.UNKNOWN.name()));
    values.set(":in_progress", s(State.IN_PROGRESS.name()));
    values.set(":now_ms", n(now.toEpochMilli()));
    values.set(":state", s((resolution.sent() ? State.SENT : State.REJECTED).name()));
    values.set(":false", bool(false));
    values.set(":resolution", s(resolution.name()));
    values.set(":sent", bool(resolution.sent()));
    values.set(":reason", s(resolution.reason()));
    values.set(":now", s(now.toString()));
    values.set(":by", s(resolution.resolvedBy()));
    values.set(":no_resolutions", list());
    ObjectNode thisResolution = list();
    ((com.fasterxml.jackson.databind.node.ArrayNode) thisResolution.get("L")).add(resolutionItem(resolution));
    values.set(":this_resolution", thisResolution);
    ObjectNode request = update(key, RESOLVE_CONDITION, RESOLVE_UPDATE, values);
    request.put("ReturnValues", "ALL_NEW");
    request.put("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    try {
      return new Settlement(true, fromItem(dynamo.call("UpdateItem", request, budget).get("Attributes")));
    } catch (AwsCallException e) {
      JsonNode item = refusedItem(e, "write the resolution");
      if (item == null || !item.has("state")) return new Settlement(false, null);
      IdempotencyRecord current = fromItem(item);
      // This call's own write, applied by an attempt whose answer was lost: it is in the history.
      return new Settlement(current.resolutions().contains(resolution), current);
    }
  }

  /** An {@code UpdateItem} request of this table's key, with only the names its expressions use. */
  private ObjectNode update(String key, String condition, String update, ObjectNode values) {
    ObjectNode request = JsonTrees.object();
    request.put("TableName", table);
    request.set("Key", key(key));
    request.put("ConditionExpression", condition);
    request.put("UpdateExpression", update);
    request.set("ExpressionAttributeNames", names(condition + update));
    request.set("ExpressionAttributeValues", values);
    return request;
  }

  /**
   * The item a conditional write was refused over ({@code ALL_OLD}; null when the service sent
   * none, or there is no item); any other failure is the store being unavailable.
   */
  private static JsonNode refusedItem(AwsCallException e, String what) {
    if (!CONDITIONAL_CHECK_FAILED.equals(e.code())) throw unavailable(what, e);
    return e.body() == null ? null : e.body().get("Item");
  }

  private static StoreUnavailableException unavailable(String what, AwsCallException e) {
    return new StoreUnavailableException("could not " + what + " in DynamoDB (" + e.reason() + ")", e.reason(),
        e.mayHaveBeenApplied(), e);
  }

  private static ObjectNode key(String key) {
    ObjectNode item = JsonTrees.object();
    item.set("pk", s(key));
    return item;
  }

  /** Only the names an expression uses: DynamoDB refuses unused ones. */
  private static ObjectNode names(String expression) {
    ObjectNode used = JsonTrees.object();
    NAMES.forEach((alias, name) -> {
      if (expression.contains(alias)) used.put(alias, name);
    });
    return used;
  }

  /** A record from a DynamoDB item in its JSON form ({@code {"state": {"S": "SENT"}, …}}). */
  public static IdempotencyRecord fromItem(JsonNode item) {
    return new IdempotencyRecord(
        string(item, "pk"),
        State.valueOf(string(item, "state")),
        string(item, "payload_hash"),
        item.has("lease_until") ? Instant.ofEpochMilli(number(item, "lease_until")) : null,
        string(item, "lease_token"),
        item.has("needs_review") && bool(item.get("needs_review"), false),
        (int) number(item, "attempts"),
        string(item, "wechatpay_request_id"),
        lastError(item.get("last_error")),
        instant(item, "created_at"),
        instant(item, "updated_at"),
        instant(item, "sent_at"),
        number(item, EXPIRES_AT),
        item.has("resolution") ? new IdempotencyRecord.Resolution("SENT".equals(string(item, "resolution")),
            string(item, "resolution_reason"), instant(item, "resolved_at"), string(item, "resolved_by")) : null,
        // A record without the flag was written before it existed: its holder may have sent.
        !item.has("sending") || bool(item.get("sending"), true),
        resolutions(item.get("resolutions")),
        item.has("resolution_replaced_state") ? State.valueOf(string(item, "resolution_replaced_state")) : null);
  }

  /** One entry of the history {@code resolutions}: a map of the four resolution fields. */
  private static ObjectNode resolutionItem(IdempotencyRecord.Resolution resolution) {
    ObjectNode map = JsonTrees.object();
    map.set("resolution", s(resolution.name()));
    map.set("reason", s(resolution.reason()));
    map.set("resolved_at", s(resolution.resolvedAt().toString()));
    map.set("resolved_by", s(resolution.resolvedBy()));
    ObjectNode value = JsonTrees.object();
    value.set("M", map);
    return value;
  }

  private static java.util.List<IdempotencyRecord.Resolution> resolutions(JsonNode value) {
    if (value == null || !value.has("L")) return java.util.List.of();
    java.util.List<IdempotencyRecord.Resolution> history = new java.util.ArrayList<>();
    for (JsonNode entry : value.get("L")) {
      JsonNode map = entry.path("M");
      history.add(new IdempotencyRecord.Resolution("SENT".equals(string(map, "resolution")), string(map, "reason"),
          instant(map, "resolved_at"), string(map, "resolved_by")));
    }
    return history;
  }

  private static ObjectNode list() {
    ObjectNode node = JsonTrees.object();
    node.putArray("L");
    return node;
  }

  private static ObjectNode lastError(LastError error) {
    ObjectNode map = JsonTrees.object();
    map.set("status", n(error.status()));
    if (error.code() != null) map.set("code", s(error.code()));
    if (error.message() != null) map.set("message", s(error.message()));
    ObjectNode value = JsonTrees.object();
    value.set("M", map);
    return value;
  }

  private static LastError lastError(JsonNode value) {
    if (value == null || !value.has("M")) return null;
    JsonNode map = value.get("M");
    return new LastError((int) number(map, "status"), string(map, "code"), string(map, "message"));
  }

  private static ObjectNode s(String value) {
    ObjectNode node = JsonTrees.object();
    node.put("S", value);
    return node;
  }

  private static ObjectNode n(long value) {
    ObjectNode node = JsonTrees.object();
    node.put("N", Long.toString(value));
    return node;
  }

  private static ObjectNode bool(boolean value) {
    ObjectNode node = JsonTrees.object();
    node.put("BOOL", value);
    return node;
  }

  private static boolean bool(JsonNode value, boolean otherwise) {
    JsonNode flag = value.get("BOOL");
    return flag == null || !flag.isBoolean() ? otherwise : flag.booleanValue();
  }

  private static String string(JsonNode item, String name) {
    JsonNode value = item.get(name);
    return value == null || !value.has("S") ? null : value.get("S").asText();
  }

  private static long number(JsonNode item, String name) {
    JsonNode value = item.get(name);
    return value == null || !value.has("N") ? 0 : Long.parseLong(value.get("N").asText());
  }

  private static Instant instant(JsonNode item, String name) {
    String text = string(item, name);
    return text == null ? null : Instant.parse(text);
  }
}
