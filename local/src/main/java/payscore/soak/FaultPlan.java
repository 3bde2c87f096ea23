package payscore.soak;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import payscore.harness.SampleRequest;
import payscore.request.InvalidRequestException;
import payscore.request.PendingMessageReader;
import payscore.simulator.Behaviour;

/**
 * What the soak sends: for each order a fault script for the simulator and the SQS messages
 * (bodies, duplicates, second bodies, invalid bodies), all drawn from one seeded {@link Random}.
 * Every body's validity is decided here and cross-checked with the function's reader, so a label
 * can never silently disagree with what the function will do.
 */
final class FaultPlan {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PendingMessageReader READER = new PendingMessageReader();
  static final String SERVICE_ID = SampleRequest.SERVICE_ID;

  /** How an order misbehaves at WeChat; each kind has a predicted end for a lone message. */
  enum Kind {
    /** No script: WeChat takes it at once. */
    CLEAN,
    /** A short delay, then a normal answer. */
    DELAY,
    /** 1 to 3 answers that prove nothing or leave it uncertain without taking it (5xx, 429, 401), then normal. */
    TRANSIENT,
    /** Possibly one transient answer, then WeChat takes it and answers 5xx or an unverifiable 204. */
    PROCESSED,
    /** WeChat takes it and never answers: the client times out. */
    HANG,
    /** A definitive refusal, possibly after a 429: nothing was sent. */
    REJECT,
    /** A 5xx that did not take it, then a definitive refusal of the retry: a person must check. */
    REJECT_AFTER_5XX,
    /** Five failures in a row: the message outlives maxReceiveCount. */
    PERSISTENT,
    /** Only an invalid body: WeChat is never called. */
    INVALID,
    /**
     * Claimed and waiting for a slow answer when moto goes down: WeChat takes it, the function
     * cannot record that, and the retry must take the claim over and end OUTCOME_UNKNOWN.
     */
    IN_FLIGHT
  }

  /** How long WeChat takes to answer an {@link Kind#IN_FLIGHT} order, while moto restarts. */
  static final Duration IN_FLIGHT_DELAY = Duration.ofMillis(2_000);

  /** The soak's quota of each kind, as a share of the orders (CLEAN takes the rest). */
  private static final Map<Kind, Double> SHARE = new EnumMap<>(Map.of(
      Kind.INVALID, 0.06,
      Kind.DELAY, 0.08,
      Kind.TRANSIENT, 0.20,
      Kind.PROCESSED, 0.06,
      Kind.HANG, 0.02,
      Kind.REJECT, 0.04,
      Kind.REJECT_AFTER_5XX, 0.02,
      Kind.PERSISTENT, 0.02,
      Kind.IN_FLIGHT, 0.02));

  /** One scripted answer, with a short name for the report. */
  record Step(String name, Behaviour behaviour) {}

  /** One order: its number, its kind, its script, and its messages. */
  static final class Order {
    final String orderNo;
    final Kind kind;
    final List<Step> script;
    final List<SoakMessage> messages = new ArrayList<>();
    /** Bodies the order was sent with: how many distinct valid requests. */
    int validBodies;

    Order(String orderNo, Kind kind, List<Step> script) {
      this.orderNo = orderNo;
      this.kind = kind;
      this.script = script;
    }

    boolean scriptRejects() {
      return script.stream().anyMatch(step -> step.name.startsWith("reject"));
    }

    boolean scriptHangs() {
      return script.stream().anyMatch(step -> step.name.equals("accept+hang"));
    }

    boolean scriptUnauthorized() {
      return script.stream().anyMatch(step -> step.name.equals("401"));
    }

    List<SoakMessage> validMessages() {
      return messages.stream().filter(m -> m.valid).toList();
    }

    String describe() {
      return kind + (script.isEmpty() ? "" : " " + script.stream().map(Step::name).toList());
    }
  }

  final List<Order> orders = new ArrayList<>();
  final List<SoakMessage> messages = new ArrayList<>();
  final Map<String, Integer> modifiers = new LinkedHashMap<>();
  private final Random random;
  private final String prefix;
  private int nextMessage;

  private FaultPlan(Random random, String prefix) {
    this.random = random;
    this.prefix = prefix;
  }

  /** What is sent for an order besides its one valid body. */
  enum Extra {
    NONE, DUPLICATES, SECOND_BODY, INVALID_COMPANION;

    /** Single-message kinds keep their one message; a second body needs an order that gets sent. */
    boolean fits(Kind kind) {
      return switch (this) {
        case NONE -> true;
        case SECOND_BODY -> kind == Kind.CLEAN || kind == Kind.DELAY || kind == Kind.TRANSIENT;
        case DUPLICATES, INVALID_COMPANION -> kind != Kind.INVALID && kind != Kind.PERSISTENT
            && kind != Kind.IN_FLIGHT;
      };
    }
  }

  /** The share of orders with each extra; quotas like the kinds, so every seed meets each of them. */
  private static final Map<Extra, Double> EXTRA_SHARE = new EnumMap<>(Map.of(
      Extra.SECOND_BODY, 0.04,
      Extra.INVALID_COMPANION, 0.03,
      Extra.DUPLICATES, 0.15));

  /** The plan for {@code count} orders; the same seed gives the same plan. */
  static FaultPlan create(int count, Random random) {
    FaultPlan plan = new FaultPlan(random, "SOAK-");
    List<Kind> kinds = new ArrayList<>();
    // Quotas, not independent draws: even a small soak meets every fault at least once.
    SHARE.forEach((kind, share) -> {
      int n = (int) Math.round(share * count);
      if (count >= 30) n = Math.max(1, n);
      for (int i = 0; i < n; i++) kinds.add(kind);
    });
    while (kinds.size() > count) kinds.remove(kinds.size() - 1);
    while (kinds.size() < count) kinds.add(Kind.CLEAN);
    Collections.shuffle(kinds, random);

    List<Extra> extras = new ArrayList<>(Collections.nCopies(count, Extra.NONE));
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < count; i++) positions.add(i);
    Collections.shuffle(positions, random);
    EXTRA_SHARE.forEach((extra, share) -> {
      int n = (int) Math.round(share * count);
      if (count >= 30) n = Math.max(2, n);
      for (Iterator<Integer> it = positions.iterator(); it.hasNext() && n > 0; ) {
        int i = it.next();
        if (extra.fits(kinds.get(i))) {
          extras.set(i, extra);
          it.remove();
          n--;
        }
      }
    });
    for (int i = 0; i < count; i++) plan.order(String.format("%s%05d", plan.prefix, i + 1), kinds.get(i), extras.get(i));
    Collections.shuffle(plan.messages, random); // the queue's initial order
    return plan;
  }

  private void order(String orderNo, Kind kind, Extra extra) {
    Order order = new Order(orderNo, kind, script(kind));
    orders.add(order);
    if (kind == Kind.INVALID) {
      order.messages.add(message(order, invalidBody(orderNo), false, 0, "invalid"));
      return;
    }
    ObjectNode body = validBody(orderNo);
    order.validBodies = 1;
    order.messages.add(message(order, compact(body), true, 0, "original"));
    switch (extra) {
      case NONE -> { }
      case DUPLICATES -> {
        // The same request again: 1 or 2 more copies, some with reordered keys or pretty-printed,
        // some arriving with the original and some later (after it was sent, retried or parked).
        int copies = 1 + random.nextInt(2);
        for (int i = 0; i < copies; i++) {
          boolean late = random.nextDouble() < 0.4;
          String text = switch (random.nextInt(3)) {
            case 0 -> compact(body);
            case 1 -> reordered(body);
            default -> pretty(reorderedNode(body));
          };
          order.messages.add(message(order, text, true, late ? 1 + random.nextInt(3) : 0, "duplicate"));
          count("duplicate deliveries");
        }
      }
      case SECOND_BODY -> {
        // A second, different request for the same order.
        order.validBodies = 2;
        order.messages.add(message(order, compact(otherBody(body)), true, random.nextInt(2), "second body"));
        count("orders sent with two bodies");
      }
      case INVALID_COMPANION -> {
        // A broken message for an order that also has a valid one: it must not touch the order.
        order.messages.add(message(order, brokenTotal(body), false, random.nextInt(2), "invalid companion"));
        count("invalid companions of valid orders");
      }
    }
  }

  private void count(String modifier) {
    modifiers.merge(modifier, 1, Integer::sum);
  }

  private SoakMessage message(Order order, String body, boolean valid, int arrivalRound, String role) {
    String hash = null;
    try {
      hash = READER.readQueued(body.getBytes(UTF_8)).payloadHash();
      if (!valid) throw new IllegalStateException("the reader accepts a body the soak made invalid: " + body);
    } catch (InvalidRequestException e) {
      if (valid) throw new IllegalStateException("the reader refuses a body the soak made valid: " + body + ": "
          + e.getMessage());
    }
    SoakMessage message = new SoakMessage(String.format("M%05d", ++nextMessage), order, body, valid, hash,
        arrivalRound, role);
    messages.add(message);
    return message;
  }

  // ---------------------------------------------------------------- scripts

  private List<Step> script(Kind kind) {
    List<Step> steps = new ArrayList<>();
    switch (kind) {
      case CLEAN, INVALID -> { }
      case DELAY -> {
        int millis = 50 + random.nextInt(250);
        steps.add(new Step("delay " + millis + "ms", Behaviour.delay(Duration.ofMillis(millis))));
      }
      case TRANSIENT -> {
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) steps.add(transientStep(true));
      }
      case PROCESSED -> {
        if (random.nextBoolean()) steps.add(transientStep(false));
        steps.add(switch (random.nextInt(5)) {
          case 0 -> new Step("500 taken", Behaviour.serverError(500, true));
          case 1 -> new Step("502 taken", Behaviour.serverError(502, true));
          case 2 -> new Step("503 taken", Behaviour.serverError(503, true));
          case 3 -> new Step("signtest 204", Behaviour.signTest());
          default -> new Step("unsigned 204", Behaviour.unsigned());
        });
      }
      case HANG -> steps.add(new Step("accept+hang", Behaviour.acceptThenHang()));
      case REJECT -> {
        if (random.nextBoolean()) steps.add(new Step("429", Behaviour.rateLimited()));
        steps.add(rejection());
      }
      case REJECT_AFTER_5XX -> {
        steps.add(new Step("503", Behaviour.serverError(503, false)));
        steps.add(rejection());
      }
      case PERSISTENT -> {
        for (int i = 0; i < 5; i++) steps.add(transientStep(false));
      }
      case IN_FLIGHT -> steps.add(new Step("delay " + IN_FLIGHT_DELAY.toMillis() + "ms across the moto restart",
          Behaviour.delay(IN_FLIGHT_DELAY)));
    }
    return List.copyOf(steps);
  }

  /** A failure that does not take the message; {@code mayBe401} allows a spurious 401 SIGN_ERROR. */
  private Step transientStep(boolean mayBe401) {
    int pick = random.nextInt(mayBe401 ? 9 : 8);
    return switch (pick) {
      case 0, 1 -> new Step("500", Behaviour.serverError(500, false));
      case 2 -> new Step("502", Behaviour.serverError(502, false));
      case 3, 4 -> new Step("503", Behaviour.serverError(503, false));
      case 5, 6, 7 -> new Step("429", Behaviour.rateLimited());
      default -> new Step("401", Behaviour.unauthorized());
    };
  }

  private Step rejection() {
    return switch (random.nextInt(3)) {
      case 0 -> new Step("reject 403", Behaviour.reject(403, "NO_AUTH", "商户无权限"));
      case 1 -> new Step("reject 404", Behaviour.reject(404, "ORDER_NOT_EXIST", "订单不存在"));
      default -> new Step("reject 400", Behaviour.reject(400, "ORDER_DONE", "订单已完成"));
    };
  }

  // ---------------------------------------------------------------- bodies

  private static final String[] PAYMENT_NAMES = {"就餐费用", "停车费", "充电宝租借费", "Parking fee", "Room service",
      "超时占用费", "清洁费", "Late return"};
  private static final String[] PAYMENT_DESCRIPTIONS = {"就餐人均100元", "2小时", "按小时计费", "per hour",
      "Overnight stay, 1 room", "含税"};
  private static final String[] DISCOUNT_NAMES = {"满20减1元", "会员折扣", "新客立减", "Coupon", "Weekend deal"};
  private static final DateTimeFormatter YYYYMMDD = DateTimeFormatter.BASIC_ISO_DATE;

  private ObjectNode validBody(String orderNo) {
    ObjectNode body = JSON.createObjectNode();
    body.put("out_order_no", orderNo);
    body.put("service_id", SERVICE_ID);
    ArrayNode payments = body.putArray("post_payments");
    long total = 0;
    int paymentCount = 1 + random.nextInt(3);
    for (int i = 0; i < paymentCount; i++) {
      ObjectNode payment = payments.addObject();
      payment.put("name", PAYMENT_NAMES[random.nextInt(PAYMENT_NAMES.length)]);
      long amount = 100 + random.nextInt(50_000);
      payment.put("amount", amount);
      total += amount;
      if (random.nextBoolean()) payment.put("description", PAYMENT_DESCRIPTIONS[random.nextInt(PAYMENT_DESCRIPTIONS.length)]);
      if (random.nextBoolean()) payment.put("count", 1 + random.nextInt(10));
    }
    int discountCount = random.nextInt(3);
    if (discountCount > 0) {
      ArrayNode discounts = body.putArray("post_discounts");
      List<String> names = new ArrayList<>(List.of(DISCOUNT_NAMES));
      Collections.shuffle(names, random);
      for (int i = 0; i < discountCount; i++) {
        ObjectNode discount = discounts.addObject();
        discount.put("name", names.get(i));
        if (random.nextBoolean()) discount.put("description", "不与其他优惠叠加");
        long amount = 1 + random.nextInt(99);
        discount.put("amount", amount);
        total -= amount;
        discount.put("count", 1);
      }
    }
    body.put("total_amount", total);
    body.put("prepaid_time", LocalDate.of(2024, 1, 1).plusDays(random.nextInt(700)).format(YYYYMMDD));
    return body;
  }

  /** The same order with one more fen charged: a different request. */
  private static ObjectNode otherBody(ObjectNode body) {
    ObjectNode other = body.deepCopy();
    ObjectNode payment = (ObjectNode) other.get("post_payments").get(0);
    payment.put("amount", payment.get("amount").asLong() + 1);
    other.put("total_amount", other.get("total_amount").asLong() + 1);
    return other;
  }

  private static String brokenTotal(ObjectNode body) {
    ObjectNode broken = body.deepCopy();
    broken.put("total_amount", broken.get("total_amount").asLong() + 7);
    return compact(broken);
  }

  /** One of a dozen ways to break the contract's request rules. */
  private String invalidBody(String orderNo) {
    ObjectNode body = validBody(orderNo);
    ObjectNode payment = (ObjectNode) body.get("post_payments").get(0);
    switch (random.nextInt(12)) {
      case 0 -> body.put("total_amount", body.get("total_amount").asLong() - 1);
      case 1 -> body.put("prepaid_time", "20230230");
      case 2 -> payment.put("name", "超长的服务费用名称超过了二十个字符的限制了吧");
      case 3 -> payment.put("description", "按小时计费\uD83D\uDE00");
      case 4 -> body.put("remark", "not a field of this API");
      case 5 -> body.putNull("post_discounts");
      case 6 -> {
        return "out_order_no=" + orderNo + "&total_amount=100";
      }
      case 7 -> body.remove("out_order_no");
      case 8 -> body.put("out_order_no", orderNo + "#1");
      case 9 -> {
        ArrayNode discounts = body.putArray("post_discounts");
        for (int i = 0; i < 2; i++) discounts.addObject().put("name", "会员折扣").put("amount", 1);
        long payments = 0;
        for (JsonNode each : body.get("post_payments")) payments += each.get("amount").asLong();
        body.put("total_amount", payments - 2); // the total is right; only the names repeat
      }
      case 10 -> payment.put("count", 0);
      default -> {
        body.putArray("post_payments");
        body.remove("post_discounts");
        body.put("total_amount", 0);
      }
    }
    return compact(body);
  }

  private static String compact(JsonNode body) {
    return body.toString();
  }

  private ObjectNode reorderedNode(ObjectNode body) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) names.add(it.next());
    Collections.shuffle(names, random);
    ObjectNode copy = JSON.createObjectNode();
    for (String name : names) copy.set(name, body.get(name).deepCopy());
    return copy;
  }

  private String reordered(ObjectNode body) {
    return compact(reorderedNode(body));
  }

  private static String pretty(JsonNode body) {
    return body.toPrettyString();
  }
}
