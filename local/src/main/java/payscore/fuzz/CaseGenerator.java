package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import payscore.fuzz.BodyModel.Item;
import payscore.fuzz.FuzzCase.Expect;
import payscore.fuzz.FuzzText.Flavour;
import payscore.fuzz.FuzzText.Raw;
import payscore.harness.FunctionHarness;

/**
 * Makes the fuzz cases: valid bodies (which should reach WeChat once), valid bodies with exactly
 * one thing broken, random bytes and values, odd paths and odd API Gateway events, and status
 * queries. Each case says what it expects; the ledger of earlier outcomes decides whether a valid
 * body for a repeated order is a new send, a replay or a mismatch.
 */
final class CaseGenerator {
  /**
   * Input kinds that expose known bugs, left out of the suite's runs so that it stays green and
   * put back with {@code includeKnownBugs}. None at present: the discount count above 2^31 and
   * payment sums past the range of a long are read correctly since they were found here.
   */
  static final Set<String> KNOWN_BUGS = Set.of();

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectNode V2_POST = FunctionHarness.event("http-api-send.json");
  private static final ObjectNode V1_POST = FunctionHarness.event("rest-api-send.json");
  private static final ObjectNode V2_GET = FunctionHarness.event("http-api-get-status.json");
  private static final Set<String> TOP_LEVEL =
      Set.of("out_order_no", "service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time");
  private static final Set<String> ITEM_FIELDS = Set.of("name", "amount", "description", "count");

  private record Weighted(String name, int weight) {}

  private static final Map<String, Integer> FAMILIES = new LinkedHashMap<>();
  private static final Map<String, List<Weighted>> KINDS = new LinkedHashMap<>();

  static {
    FAMILIES.put("valid", 7);
    FAMILIES.put("mutate", 44);
    FAMILIES.put("random", 27);
    FAMILIES.put("event", 17);
    FAMILIES.put("get", 5);
    KINDS.put("valid", List.of(
        new Weighted("valid/plain", 14), new Weighted("valid/pretty", 5), new Weighted("valid/shuffled", 5),
        new Weighted("valid/escaped", 5), new Weighted("valid/body-order-no", 4), new Weighted("valid/max-lengths", 4),
        new Weighted("valid/min-lengths", 3), new Weighted("valid/100-payments", 1), new Weighted("valid/30-discounts", 2),
        new Weighted("valid/empty-discounts", 3), new Weighted("valid/count-bounds", 4), new Weighted("valid/zero-amounts", 3),
        new Weighted("valid/huge-amount", 3), new Weighted("valid/leap-day", 2), new Weighted("valid/whitespace", 4),
        new Weighted("valid/exactly-64KiB", 1), new Weighted("valid/base64", 5), new Weighted("valid/special-chars", 4),
        new Weighted("valid/no-amounts", 3), new Weighted("valid/replay", 8), new Weighted("valid/mismatch", 5),
        new Weighted("valid/after-refusal", 4), new Weighted("valid/discount-count-over-int", 2),
        new Weighted("valid/sum-overflow", 2)));
    KINDS.put("mutate", List.of(
        new Weighted("mutate/wrong-type", 40), new Weighted("mutate/null", 30), new Weighted("mutate/missing-required", 30),
        new Weighted("mutate/too-long", 30), new Weighted("mutate/too-short", 15), new Weighted("mutate/int-bounds", 30),
        new Weighted("mutate/array-bounds", 8), new Weighted("mutate/bad-date", 25),
        new Weighted("mutate/dup-discount-name", 20), new Weighted("mutate/total-off-by-one", 20),
        new Weighted("mutate/four-byte", 25), new Weighted("mutate/four-byte-escaped", 10),
        new Weighted("mutate/lone-surrogate", 8), new Weighted("mutate/unknown-field", 20),
        new Weighted("mutate/nested-unknown-field", 20), new Weighted("mutate/renamed-key", 10),
        new Weighted("mutate/dup-key", 20), new Weighted("mutate/huge-number", 15), new Weighted("mutate/float", 15),
        new Weighted("mutate/deep-nesting", 10), new Weighted("mutate/trailing-garbage", 15),
        new Weighted("mutate/leading-garbage", 6), new Weighted("mutate/truncated", 25),
        new Weighted("mutate/over-64KiB", 8), new Weighted("mutate/body-order-no-differs", 12),
        new Weighted("mutate/path-order-invalid", 15)));
    KINDS.put("random", List.of(
        new Weighted("random/bytes", 15), new Weighted("random/json-value", 15),
        new Weighted("random/json-known-keys", 15), new Weighted("random/utf8-text", 10),
        new Weighted("random/invalid-utf8", 15), new Weighted("random/byte-flips", 12),
        new Weighted("random/base64-invalid", 10), new Weighted("random/base64-random", 8),
        new Weighted("random/base64-flag-false", 5)));
    KINDS.put("event", List.of(
        new Weighted("event/path-param", 20), new Weighted("event/raw-path", 20), new Weighted("event/raw-path-loose", 4), new Weighted("event/payload-1.0", 6),
        new Weighted("event/version-odd", 6), new Weighted("event/method", 14), new Weighted("event/body-not-string", 10),
        new Weighted("event/headers", 6), new Weighted("event/not-object", 8), new Weighted("event/null-event", 2),
        new Weighted("event/huge-body", 2), new Weighted("event/base64-flag-odd", 4), new Weighted("event/extra-fields", 3)));
    KINDS.put("get", List.of(
        new Weighted("get/sent", 30), new Weighted("get/unknown", 20), new Weighted("get/invalid", 20),
        new Weighted("get/unclaimed", 12), new Weighted("get/v1", 8), new Weighted("get/raw-path", 5),
        new Weighted("get/with-body", 5)));
  }

  private final Random r;
  private final OrderLedger ledger;
  private final boolean includeKnownBugs;

  CaseGenerator(Random random, OrderLedger ledger, boolean includeKnownBugs) {
    this.r = random;
    this.ledger = ledger;
    this.includeKnownBugs = includeKnownBugs;
  }

  /** Every kind the generator can make, for coverage checks. */
  static List<String> allKinds() {
    List<String> all = new ArrayList<>();
    KINDS.values().forEach(list -> list.forEach(w -> all.add(w.name())));
    return all;
  }

  FuzzCase next() {
    while (true) {
      String kind = pickKind();
      if (!includeKnownBugs && KNOWN_BUGS.contains(kind)) continue;
      FuzzCase c = generate(kind);
      if (c != null) return c;
    }
  }

  private String pickKind() {
    int total = FAMILIES.values().stream().mapToInt(Integer::intValue).sum();
    int pick = r.nextInt(total);
    String family = null;
    for (Map.Entry<String, Integer> e : FAMILIES.entrySet()) {
      pick -= e.getValue();
      if (pick < 0) {
        family = e.getKey();
        break;
      }
    }
    List<Weighted> kinds = KINDS.get(family);
    int sum = kinds.stream().mapToInt(Weighted::weight).sum();
    int k = r.nextInt(sum);
    for (Weighted w : kinds) {
      k -= w.weight();
      if (k < 0) return w.name();
    }
    throw new IllegalStateException();
  }

  private FuzzCase generate(String kind) {
    String family = kind.substring(0, kind.indexOf('/'));
    return switch (family) {
      case "valid" -> valid(kind);
      case "mutate" -> mutate(kind);
      case "random" -> random(kind);
      case "event" -> event(kind);
      case "get" -> get(kind);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Valid bodies
  // ---------------------------------------------------------------------------------------------

  private FuzzCase valid(String kind) {
    BodyModel m = BodyModel.random(r);
    String order = ledger.fresh(r);
    String text = null;
    byte[] base64 = null;
    String note = "";
    switch (kind) {
      case "valid/plain" -> text = FuzzText.compact(m.node(r, false));
      case "valid/pretty" -> text = FuzzText.pretty(m.node(r, r.nextBoolean()));
      case "valid/shuffled" -> text = FuzzText.compact(m.node(r, true));
      case "valid/escaped" -> text = FuzzText.escaped(m.node(r, r.nextBoolean()));
      case "valid/body-order-no" -> {
        m.bodyOrderNo = order;
        text = FuzzText.compact(m.node(r, true));
      }
      case "valid/max-lengths" -> {
        m.serviceId = FuzzText.text(r, 32, Flavour.PLAIN);
        for (Item p : m.payments) {
          p.name = FuzzText.text(r, 20, Flavour.PLAIN);
          p.description = FuzzText.text(r, 30, Flavour.MIXED);
        }
        if (m.discounts != null) {
          for (Item d : m.discounts) d.name = null;
          for (Item d : m.discounts) {
            d.name = m.uniqueDiscountName(r, 20, Flavour.PLAIN);
            d.description = FuzzText.text(r, 30, Flavour.PLAIN);
          }
        }
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/min-lengths" -> {
        m.serviceId = FuzzText.text(r, 1, Flavour.MIXED);
        for (Item p : m.payments) {
          p.name = FuzzText.text(r, 1, Flavour.MIXED);
          if (p.description != null) p.description = "";
        }
        if (m.discounts != null) {
          for (Item d : m.discounts) d.name = null;
          for (Item d : m.discounts) {
            d.name = m.uniqueDiscountName(r, 1, Flavour.MIXED);
            if (d.description != null) d.description = "";
          }
        }
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/100-payments" -> {
        m.payments.clear();
        for (int i = 0; i < 100; i++) m.payments.add(BodyModel.randomPayment(r, Flavour.PLAIN));
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/30-discounts" -> {
        m.makeTotalChecked(r);
        m.payments.get(0).amount = 1_000_000L;
        m.discounts = new ArrayList<>();
        for (int i = 0; i < 30; i++) m.addDiscount(r, Flavour.PLAIN);
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/empty-discounts" -> {
        m.discounts = new ArrayList<>();
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, r.nextBoolean()));
      }
      case "valid/count-bounds" -> {
        for (Item p : m.payments) p.count = r.nextBoolean() ? 1L : 100L;
        if (m.discounts == null || m.discounts.isEmpty()) m.addDiscount(r, Flavour.PLAIN);
        for (Item d : m.discounts) d.count = r.nextBoolean() ? 1L : (long) Integer.MAX_VALUE;
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/zero-amounts" -> {
        for (Item p : m.payments) p.amount = 0L;
        if (m.discounts != null) for (Item d : m.discounts) if (d.amount != null) d.amount = 0L;
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/huge-amount" -> {
        for (Item p : m.payments) p.amount = 0L;
        m.payments.get(r.nextInt(m.payments.size())).amount = Long.MAX_VALUE - r.nextInt(3);
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
        note = "amounts up to Long.MAX_VALUE";
      }
      case "valid/leap-day" -> {
        m.prepaidTime = List.of("20240229", "20000229", "20960229", "20201231", "20230101").get(r.nextInt(5));
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/whitespace" -> {
        String[] ws = {" ", "\n", "\t", "\r\n", "  \n\t "};
        text = ws[r.nextInt(ws.length)] + FuzzText.pretty(m.node(r, false)) + ws[r.nextInt(ws.length)];
      }
      case "valid/exactly-64KiB" -> {
        String compact = FuzzText.compact(m.node(r, false));
        text = "{" + " ".repeat(65536 - FuzzText.utf8Length(compact)) + compact.substring(1);
        note = "padded to exactly 65536 bytes";
      }
      case "valid/base64" -> base64 = FuzzText.compact(m.node(r, r.nextBoolean())).getBytes(UTF_8);
      case "valid/special-chars" -> {
        for (Item p : m.payments) p.name = FuzzText.text(r, 1 + r.nextInt(20), Flavour.SPECIAL);
        m.serviceId = FuzzText.text(r, 1 + r.nextInt(32), Flavour.SPECIAL);
        text = FuzzText.compact(m.node(r, false));
      }
      case "valid/no-amounts" -> {
        m.payments.get(r.nextInt(m.payments.size())).amount = null;
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
        note = "a payment without amount: the total is not checked";
      }
      case "valid/replay" -> {
        order = ledger.pickSentWithModel(r);
        if (order == null) return null;
        m = ledger.sent.get(order).model().copy();
        if (r.nextBoolean()) m.bodyOrderNo = order;
        int style = r.nextInt(4);
        if (style == 3) {
          base64 = FuzzText.pretty(m.node(r, true)).getBytes(UTF_8);
        } else {
          text = style == 0 ? FuzzText.pretty(m.node(r, true)) : style == 1 ? FuzzText.escaped(m.node(r, true))
              : FuzzText.compact(m.node(r, true));
        }
        note = "the same body again, rendered differently";
      }
      case "valid/mismatch" -> {
        order = ledger.pickSentWithModel(r);
        if (order == null) return null;
        m = ledger.sent.get(order).model().copy();
        switch (r.nextInt(4)) {
          case 0 -> m.prepaidTime = m.prepaidTime.equals("20240229") ? "20240228" : "20240229";
          case 1 -> m.serviceId = m.serviceId.length() < 32 ? m.serviceId + "9" : m.serviceId.substring(1);
          case 2 -> m.payments.get(0).name = m.payments.get(0).name.length() < 20 ? m.payments.get(0).name + "x" : "x";
          default -> {
            Item p = m.payments.get(0);
            p.count = p.count == null || p.count < 100 ? (p.count == null ? 2L : p.count + 1) : 1L;
          }
        }
        text = FuzzText.compact(m.node(r, false));
        note = "a different valid body for a sent order";
      }
      case "valid/after-refusal" -> {
        order = ledger.pickUnclaimed(r);
        if (order == null) return null;
        text = FuzzText.compact(m.node(r, false));
        note = "an order that was only refused or looked up before";
      }
      case "valid/discount-count-over-int" -> {
        if (m.discounts == null || m.discounts.isEmpty()) m.addDiscount(r, Flavour.PLAIN);
        m.fixTotal(r);
        m.discounts.get(0).count = r.nextBoolean() ? Integer.MAX_VALUE + 1L : Long.MAX_VALUE;
        text = FuzzText.compact(m.node(r, false));
        note = "post_discounts[0].count = " + m.discounts.get(0).count;
      }
      case "valid/sum-overflow" -> {
        m.payments.clear();
        Item a = new Item();
        a.name = "服务费";
        a.amount = Long.MAX_VALUE;
        Item b = new Item();
        b.name = "附加费";
        b.amount = 1L + r.nextInt(100);
        m.payments.add(a);
        m.payments.add(b);
        m.discounts = new ArrayList<>();
        Item d = new Item();
        d.name = "优惠";
        d.amount = b.amount + r.nextInt(100);
        m.discounts.add(d);
        m.total = Long.MAX_VALUE + b.amount - d.amount;
        text = FuzzText.compact(m.node(r, false));
        note = "Σ payments exceeds Long.MAX_VALUE, the total does not";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    ObjectNode event = post(order);
    if (base64 != null) setBase64(event, base64); else event.put("body", text);
    return new FuzzCase(kind, event, null, stream(), expectValid(order, m), order, m, note);
  }

  /** What a valid body for {@code order} gets, given what earlier cases did with the order. */
  private Expect expectValid(String order, BodyModel m) {
    OrderLedger.Sent sent = ledger.sent.get(order);
    if (sent == null) return Expect.sent();
    if (sent.model() == null) return Expect.any();
    return sent.model().wechatTree().equals(m.wechatTree()) ? Expect.replay() : Expect.status(409, "PAYLOAD_MISMATCH");
  }

  // ---------------------------------------------------------------------------------------------
  // Valid bodies with exactly one thing broken
  // ---------------------------------------------------------------------------------------------

  private record Field(String path, char type, int min, int max, boolean required, boolean present) {}

  private static List<Field> fields(BodyModel m) {
    List<Field> fields = new ArrayList<>();
    fields.add(new Field("service_id", 'S', 1, 32, true, true));
    fields.add(new Field("post_payments", 'A', 1, 100, true, true));
    fields.add(new Field("post_discounts", 'A', 0, 30, false, m.discounts != null));
    fields.add(new Field("total_amount", 'I', 0, 0, true, true));
    fields.add(new Field("prepaid_time", 'S', 8, 8, true, true));
    fields.add(new Field("out_order_no", 'S', 1, 32, false, m.bodyOrderNo != null));
    for (int i = 0; i < m.payments.size(); i++) {
      Item p = m.payments.get(i);
      String path = "post_payments[" + i + "]";
      fields.add(new Field(path, 'O', 0, 0, true, true));
      fields.add(new Field(path + ".name", 'S', 1, 20, true, true));
      fields.add(new Field(path + ".amount", 'I', 0, 0, false, p.amount != null));
      fields.add(new Field(path + ".description", 'S', 0, 30, false, p.description != null));
      fields.add(new Field(path + ".count", 'I', 1, 100, false, p.count != null));
    }
    if (m.discounts != null) {
      for (int i = 0; i < m.discounts.size(); i++) {
        Item d = m.discounts.get(i);
        String path = "post_discounts[" + i + "]";
        fields.add(new Field(path, 'O', 0, 0, true, true));
        fields.add(new Field(path + ".name", 'S', 1, 20, true, true));
        fields.add(new Field(path + ".description", 'S', 0, 30, false, d.description != null));
        fields.add(new Field(path + ".amount", 'I', 0, 0, false, d.amount != null));
        fields.add(new Field(path + ".count", 'I', 1, 0, false, d.count != null));
      }
    }
    return fields;
  }

  private <T> T pick(List<T> list) {
    return list.get(r.nextInt(list.size()));
  }

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[r.nextInt(values.length)];
  }

  private Field pickField(BodyModel m, java.util.function.Predicate<Field> filter) {
    List<Field> candidates = fields(m).stream().filter(filter).toList();
    return candidates.isEmpty() ? null : pick(candidates);
  }

  /** An order for a broken body: mostly fresh, sometimes one already sent or already refused. */
  private String orderForInvalid() {
    int pick = r.nextInt(10);
    if (pick == 0) {
      String sent = ledger.pickSent(r);
      if (sent != null) return sent;
    } else if (pick == 1) {
      String unclaimed = ledger.pickUnclaimed(r);
      if (unclaimed != null) return unclaimed;
    }
    return ledger.fresh(r);
  }

  private FuzzCase mutate(String kind) {
    BodyModel m = BodyModel.random(r);
    String order = orderForInvalid();
    if (r.nextInt(5) == 0) m.bodyOrderNo = order;
    Raw raw = new Raw();
    ObjectNode tree;
    Expect expect;
    String note;
    String text = null;
    boolean asBase64 = false;
    String pathOrder = order;
    switch (kind) {
      case "mutate/wrong-type" -> {
        Field f = pickField(m, x -> x.present || r.nextInt(3) == 0);
        tree = m.node(r, r.nextBoolean());
        JsonNode wrong = wrongValue(f.type);
        FuzzText.set(tree, f.path, wrong);
        expect = Expect.invalid(f.path);
        note = f.path + " = " + wrong;
      }
      case "mutate/null" -> {
        Field f = pickField(m, x -> x.present || r.nextInt(3) == 0);
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path, NullNode.getInstance());
        expect = Expect.invalid(f.path);
        note = f.path + " = null";
      }
      case "mutate/missing-required" -> {
        Field f = pickField(m, x -> x.required && x.type != 'O');
        tree = m.node(r, r.nextBoolean());
        FuzzText.remove(tree, f.path);
        expect = Expect.invalid(f.path);
        note = "without " + f.path;
      }
      case "mutate/too-long" -> {
        Field f = pickField(m, x -> x.type == 'S' && (x.present || !x.path.equals("out_order_no")));
        tree = m.node(r, r.nextBoolean());
        String value = f.path.equals("prepaid_time") ? m.prepaidTime + r.nextInt(10)
            : f.path.equals("out_order_no") ? FuzzText.orderChars(r, 33)
            : FuzzText.text(r, f.max + 1, r.nextBoolean() ? Flavour.PLAIN : Flavour.MIXED);
        FuzzText.set(tree, f.path, TextNode.valueOf(value));
        expect = Expect.invalid(f.path);
        note = f.path + " of " + value.length() + " characters";
      }
      case "mutate/too-short" -> {
        Field f = pickField(m, x -> x.type == 'S' && x.min > 0 && x.present);
        tree = m.node(r, r.nextBoolean());
        String value = f.path.equals("prepaid_time") ? m.prepaidTime.substring(0, 7) : "";
        FuzzText.set(tree, f.path, TextNode.valueOf(value));
        expect = Expect.invalid(f.path);
        note = f.path + " = \"" + value + "\"";
      }
      case "mutate/int-bounds" -> {
        if (m.discounts == null || m.discounts.isEmpty()) {
          m.addDiscount(r, Flavour.PLAIN);
          m.fixTotal(r);
        }
        int p = r.nextInt(m.payments.size());
        int d = r.nextInt(m.discounts.size());
        String path;
        long value;
        switch (r.nextInt(5)) {
          case 0 -> {
            path = "post_payments[" + p + "].count";
            value = pick(0L, 101L, -1L, (long) Integer.MIN_VALUE, 1000L, (long) Integer.MAX_VALUE + 1);
          }
          case 1 -> {
            path = "post_discounts[" + d + "].count";
            value = pick(0L, -1L, Long.MIN_VALUE);
          }
          case 2 -> {
            path = "post_payments[" + p + "].amount";
            value = pick(-1L, Long.MIN_VALUE);
          }
          case 3 -> {
            path = "post_discounts[" + d + "].amount";
            value = pick(-1L, -100L);
          }
          default -> {
            path = "total_amount";
            value = pick(-1L, Long.MIN_VALUE);
          }
        }
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, path, LongNode.valueOf(value));
        expect = Expect.invalid(path);
        note = path + " = " + value;
      }
      case "mutate/array-bounds" -> {
        switch (r.nextInt(3)) {
          case 0 -> {
            m.payments.clear();
            m.fixTotal(r);
            expect = Expect.invalid("post_payments");
            note = "no payments";
          }
          case 1 -> {
            while (m.payments.size() < 101) m.payments.add(BodyModel.randomPayment(r, Flavour.PLAIN));
            m.fixTotal(r);
            expect = Expect.invalid("post_payments");
            note = "101 payments";
          }
          default -> {
            m.makeTotalChecked(r);
            m.payments.get(0).amount = 10_000_000L;
            m.discounts = new ArrayList<>();
            for (int i = 0; i < 31; i++) m.addDiscount(r, Flavour.PLAIN);
            m.fixTotal(r);
            expect = Expect.invalid("post_discounts");
            note = "31 discounts";
          }
        }
        tree = m.node(r, false);
      }
      case "mutate/bad-date" -> {
        int year = pick(2023, 2021, 1900, 2100, 2019);
        String value = pick(year + "0229", "20231301", "20230001", "20231200", "20231232", "20230431", "20230631",
            "00000000", "99999999", "2023121a", "\uff12\uff10\uff12\uff13\uff11\uff12\uff11\uff18", "2023-1-1",
            " 2023121", "+2023121", "\u0662\u0660\u0662\u0663\u0661\u0662\u0661\u0668", "20231218 ", "2023-12-18",
            "", "1218", "18122023", "20231318");
        tree = m.node(r, r.nextBoolean());
        tree.put("prepaid_time", value);
        expect = Expect.invalid("prepaid_time");
        note = "prepaid_time = \"" + value + "\"";
      }
      case "mutate/dup-discount-name" -> {
        int want = 2 + r.nextInt(3);
        while (m.discounts == null || m.discounts.size() < want) m.addDiscount(r, Flavour.MIXED);
        m.fixTotal(r);
        int j = 1 + r.nextInt(m.discounts.size() - 1);
        int k = r.nextInt(j);
        m.discounts.get(j).name = m.discounts.get(k).name;
        tree = m.node(r, r.nextBoolean());
        expect = Expect.invalid("post_discounts[" + j + "].name");
        note = "post_discounts[" + j + "].name repeats post_discounts[" + k + "].name";
      }
      case "mutate/total-off-by-one" -> {
        m.makeTotalChecked(r);
        long off = m.total == 0 || r.nextBoolean() ? 1 : -1;
        m.total += off;
        tree = m.node(r, r.nextBoolean());
        expect = Expect.invalid("total_amount");
        note = "total_amount off by " + off;
      }
      case "mutate/four-byte", "mutate/four-byte-escaped" -> {
        Field f = pickField(m, x -> x.type == 'S' && x.present);
        String current = FuzzText.get(m.node(r, false), f.path).textValue();
        String emoji = pick(FuzzText.FOUR_BYTE);
        int at = current.isEmpty() ? 0 : r.nextInt(current.length() + 1);
        String value = current.substring(0, at) + emoji + current.substring(Math.min(current.length(), at + (r.nextBoolean() ? 1 : 0)));
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path, TextNode.valueOf(value));
        if (kind.endsWith("escaped")) text = FuzzText.escaped(tree);
        asBase64 = r.nextInt(4) == 0;
        expect = Expect.invalid(f.path);
        note = f.path + " with U+" + Integer.toHexString(emoji.codePointAt(0)).toUpperCase(Locale.ROOT);
      }
      case "mutate/lone-surrogate" -> {
        Field f = pickField(m, x -> x.type == 'S' && x.present);
        String current = FuzzText.get(m.node(r, false), f.path).textValue();
        String escape = pick("\\ud800", "\\udfff", "\\uDC00", "\\ud83d");
        int at = r.nextInt(current.length() + 1);
        String before = FuzzText.quoted(current.substring(0, at));
        String after = FuzzText.quoted(current.substring(at));
        // the two halves quoted on their own, so the escape never lands inside another escape
        String rawValue = before.substring(0, before.length() - 1) + escape + after.substring(1);
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path, TextNode.valueOf(raw.token(rawValue)));
        expect = Expect.invalid(f.path);
        note = f.path + " with a lone surrogate escape " + escape;
      }
      case "mutate/unknown-field" -> {
        tree = m.node(r, r.nextBoolean());
        if (r.nextInt(8) == 0) {
          // a key with a lone surrogate: the error echoes it, and the response must still be written
          String escape = pick("\\ud800", "\\udc00x", "a\\udbff");
          tree.set(raw.token("\"" + escape + "\""), randomJson(1));
          expect = Expect.invalidSome();
          note = "unknown field \"" + escape + "\"";
        } else {
          String name = unknownName(TOP_LEVEL, true);
          tree.set(name, randomJson(3));
          expect = Expect.invalid(name);
          note = "unknown field " + FuzzText.quoted(name);
        }
      }
      case "mutate/nested-unknown-field" -> {
        boolean discount = m.discounts != null && !m.discounts.isEmpty() && r.nextBoolean();
        int index = r.nextInt(discount ? m.discounts.size() : m.payments.size());
        String path = (discount ? "post_discounts[" : "post_payments[") + index + "]";
        String name = unknownName(ITEM_FIELDS, false);
        tree = m.node(r, r.nextBoolean());
        ((ObjectNode) FuzzText.get(tree, path)).set(name, randomJson(3));
        expect = Expect.invalid(path + "." + name);
        note = "unknown field " + path + "." + name;
      }
      case "mutate/renamed-key" -> {
        tree = m.node(r, false);
        String[][] renames = {{"service_id", "serviceId"}, {"service_id", "SERVICE_ID"}, {"service_id", "service-id"},
            {"total_amount", "totalAmount"}, {"prepaid_time", "prepaidTime"}, {"post_payments", "postPayments"},
            {"post_payments", "post_payment"}, {"prepaid_time", "Prepaid_Time"}, {"post_payments[0].name", "post_payments[0].Name"},
            {"post_payments[0].name", "post_payments[0].title"}};
        String[] rename = pick(renames);
        JsonNode value = FuzzText.get(tree, rename[0]);
        FuzzText.remove(tree, rename[0]);
        if (rename[1].startsWith("post_payments[0].")) {
          ((ObjectNode) FuzzText.get(tree, "post_payments[0]")).set(rename[1].substring("post_payments[0].".length()), value);
        } else {
          tree.set(rename[1], value);
        }
        expect = Expect.invalidAll(rename[0], rename[1]);
        note = rename[0] + " renamed " + rename[1];
      }
      case "mutate/dup-key" -> {
        tree = m.node(r, r.nextBoolean());
        ObjectNode target = tree;
        String where = "the body";
        if (r.nextBoolean()) {
          int index = r.nextInt(m.payments.size());
          target = (ObjectNode) tree.get("post_payments").get(index);
          where = "post_payments[" + index + "]";
        }
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        String name = pick(names);
        JsonNode again = r.nextBoolean() ? target.get(name).deepCopy() : name.equals("total_amount") ? LongNode.valueOf(m.total + 1)
            : TextNode.valueOf("again");
        target.set(raw.token(FuzzText.quoted(name)), again);
        expect = Expect.invalid("body");
        note = "\"" + name + "\" twice in " + where;
      }
      case "mutate/huge-number" -> {
        Field f = pickField(m, x -> x.type == 'I');
        String literal = pick("9223372036854775808", "-9223372036854775809", "18446744073709551616",
            "1" + "0".repeat(30), "1" + "0".repeat(400), "9".repeat(1001), "-" + "9".repeat(5000));
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path, TextNode.valueOf(raw.token(literal)));
        expect = Expect.invalid(f.path, "body");
        note = f.path + " = a " + literal.length() + "-character integer";
      }
      case "mutate/float" -> {
        Field f = pickField(m, x -> x.type == 'I');
        String literal = pick("100.0", "1.5", "1e2", "1E+2", "-0.0", "0.0", "4.0e4", "1e400", "-1e-7", "0.1e1", "1.0E0",
            "0123", "+1", "0x10", "NaN", "Infinity", "1_000", ".5", "5.");
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path, TextNode.valueOf(raw.token(literal)));
        // numbers JSON does not allow at all are a parse error of the body
        expect = Set.of("0123", "+1", "0x10", "NaN", "Infinity", "1_000", ".5", "5.").contains(literal)
            ? Expect.invalid("body") : Expect.invalid(f.path);
        note = f.path + " = " + literal;
      }
      case "mutate/deep-nesting" -> {
        int depth = pick(20, 500, 999, 1000, 1001, 5000, 20000);
        boolean objects = r.nextBoolean();
        String nested = objects ? "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "]".repeat(depth);
        tree = m.node(r, r.nextBoolean());
        String path;
        switch (r.nextInt(4)) {
          case 0 -> {
            path = "nested";
            tree.put(path, raw.token(nested));
          }
          case 1 -> {
            path = "service_id";
            tree.put(path, raw.token(nested));
          }
          case 2 -> {
            // arrays only: nested objects here would be an item with an unknown field and no name
            path = "post_payments[0]";
            FuzzText.set(tree, path, TextNode.valueOf(raw.token("[".repeat(depth) + "]".repeat(depth))));
          }
          default -> {
            path = "post_payments[0].extra";
            ((ObjectNode) FuzzText.get(tree, "post_payments[0]")).put("extra", raw.token(nested));
          }
        }
        expect = Expect.invalid(path, "body");
        note = path + " nested " + depth + (objects ? " objects" : " arrays") + " deep";
      }
      case "mutate/trailing-garbage" -> {
        String garbage = pick("x", "}", "]", "{}", ",", ",{}", "\u0000", "//", "/* */", "null", "{\"a\":1}", "\"", "0",
            "\ufeff", ";", "\\", "\u00a0", "\u2028", "\u3000", "\u001e", "\n}", " {");
        text = FuzzText.compact(m.node(r, false)) + garbage;
        tree = null;
        expect = Expect.invalid("body");
        note = "trailing " + FuzzText.quoted(garbage);
      }
      case "mutate/leading-garbage" -> {
        String garbage = pick("x", "\ufeff", ")]}'\n", "[", "\u00a0", "\u0000", ",", "//c\n", "\u3000", "{");
        text = garbage + FuzzText.compact(m.node(r, false));
        tree = null;
        expect = Expect.invalid("body");
        note = "leading " + FuzzText.quoted(garbage);
      }
      case "mutate/truncated" -> {
        String full = r.nextBoolean() ? FuzzText.compact(m.node(r, false)) : FuzzText.pretty(m.node(r, false));
        int at = r.nextInt(full.length());
        text = full.substring(0, at);
        tree = null;
        expect = Expect.invalid("body");
        note = "truncated to " + at + " of " + full.length() + " characters";
      }
      case "mutate/over-64KiB" -> {
        String compact = FuzzText.compact(m.node(r, false));
        int target = pick(65537, 65537, 65537 + r.nextInt(1000), 131072, 1 << 20);
        if (r.nextBoolean()) {
          text = "{" + " ".repeat(target - FuzzText.utf8Length(compact)) + compact.substring(1);
        } else {
          // the same size reached with 3-byte characters in an unknown field
          String padding = "费".repeat((target - FuzzText.utf8Length(compact) - 10) / 3);
          text = "{\"pad\":\"" + padding + "\"," + compact.substring(1);
          while (FuzzText.utf8Length(text) < target) text = " " + text;
        }
        tree = null;
        expect = Expect.invalid("body");
        note = FuzzText.utf8Length(text) + " bytes";
      }
      case "mutate/body-order-no-differs" -> {
        String other = switch (r.nextInt(4)) {
          case 0 -> order.toLowerCase(Locale.ROOT).equals(order) ? order + "X" : order.toLowerCase(Locale.ROOT);
          case 1 -> order.length() < 32 ? order + " " : order.substring(1) + " ";
          case 2 -> order.length() > 1 ? order.substring(0, order.length() - 1) : order + "0";
          default -> ledger.fresh(r);
        };
        if (other.equals(order)) other = order + "_";
        m.bodyOrderNo = other;
        tree = m.node(r, r.nextBoolean());
        expect = Expect.invalid("out_order_no");
        note = "body out_order_no " + FuzzText.quoted(other) + " vs path " + order;
      }
      case "mutate/path-order-invalid" -> {
        m.bodyOrderNo = null;
        pathOrder = badOrder();
        order = null;
        tree = m.node(r, r.nextBoolean());
        expect = Expect.invalid("out_order_no");
        note = "path out_order_no " + FuzzText.quoted(pathOrder);
      }
      default -> throw new IllegalArgumentException(kind);
    }
    if (text == null) text = raw.apply(r.nextInt(5) == 0 ? FuzzText.pretty(tree) : FuzzText.compact(tree));
    ObjectNode event = r.nextInt(4) == 0 ? v1("POST", pathOrder) : post(pathOrder);
    if (asBase64) setBase64(event, text.getBytes(UTF_8)); else event.put("body", text);
    return new FuzzCase(kind, event, null, stream(), expect, order, null, note);
  }

  private JsonNode wrongValue(char type) {
    return switch (type) {
      case 'S' -> pick(IntNode.valueOf(123), BooleanNode.TRUE, BooleanNode.FALSE, array(TextNode.valueOf("x")),
          NODES.objectNode().put("a", 1), DoubleNode.valueOf(1.5), IntNode.valueOf(20231218));
      case 'I' -> pick(TextNode.valueOf("100"), BooleanNode.TRUE, array(IntNode.valueOf(1)), NODES.objectNode(),
          TextNode.valueOf(""), TextNode.valueOf("1e2"), TextNode.valueOf("0"));
      case 'A' -> pick(NODES.objectNode(), TextNode.valueOf("[]"), IntNode.valueOf(1), BooleanNode.TRUE,
          NODES.objectNode().put("name", "x"));
      default -> pick(TextNode.valueOf("x"), IntNode.valueOf(1), NODES.arrayNode(), BooleanNode.TRUE,
          array(NODES.objectNode().put("name", "x")));
    };
  }

  private static ArrayNode array(JsonNode item) {
    ArrayNode array = NODES.arrayNode();
    array.add(item);
    return array;
  }

  private String unknownName(Set<String> known, boolean topLevel) {
    while (true) {
      String name = switch (r.nextInt(topLevel ? 13 : 9)) {
        case 0 -> FuzzText.text(r, 1 + r.nextInt(10), Flavour.MIXED);
        case 12 -> r.nextBoolean() ? "" : " ";
        case 1 -> "\uD83D\uDE00";
        case 2 -> "__proto__";
        case 3 -> "$ref";
        case 4 -> "null";
        case 5 -> topLevel ? "Service_id" : "Name";
        case 6 -> topLevel ? "service_id " : "count ";
        case 7 -> topLevel ? "post_discount" : "price";
        case 8 -> topLevel ? "appid" : "unit";
        case 9 -> "mchid";
        case 10 -> "notify_url";
        default -> "attach";
      };
      if (!known.contains(name)) return name;
    }
  }

  /** Any JSON value, at most {@code depth} levels deep. */
  private JsonNode randomJson(int depth) {
    int pick = r.nextInt(depth <= 0 ? 6 : 8);
    return switch (pick) {
      case 0 -> NullNode.getInstance();
      case 1 -> BooleanNode.valueOf(r.nextBoolean());
      case 2 -> LongNode.valueOf(r.nextLong() >> r.nextInt(64));
      case 3 -> DoubleNode.valueOf(r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
      case 4, 5 -> TextNode.valueOf(FuzzText.text(r, r.nextInt(12), Flavour.SPECIAL));
      case 6 -> {
        ArrayNode array = NODES.arrayNode();
        for (int i = r.nextInt(4); i > 0; i--) array.add(randomJson(depth - 1));
        yield array;
      }
      default -> {
        ObjectNode object = NODES.objectNode();
        for (int i = r.nextInt(4); i > 0; i--) {
          String key = r.nextInt(3) == 0 ? pick(List.copyOf(TOP_LEVEL)) : FuzzText.text(r, r.nextInt(8), Flavour.MIXED);
          object.set(key, randomJson(depth - 1));
        }
        yield object;
      }
    };
  }

  /** Order numbers the contract refuses. */
  private String badOrder() {
    return switch (r.nextInt(17)) {
      case 0 -> "";
      case 1 -> FuzzText.orderChars(r, 33);
      case 2 -> "ORDER " + r.nextInt(1000);
      case 3 -> "订单" + r.nextInt(1000);
      case 4 -> "A.B";
      case 5 -> "..";
      case 6 -> "../x";
      // Path parameters are decoded once: %25 stays a literal %, which no order number holds.
      case 7 -> "A%25" + FuzzText.orderChars(r, 4);
      case 8 -> "A\tB";
      case 9 -> "\uD83D\uDE00";
      case 10 -> "A/B";
      case 11 -> "A+B";
      case 12 -> "A%2FB";
      case 13 -> FuzzText.orderChars(r, 1000);
      case 14 -> "A\u0000B";
      case 15 -> "\uff21\uff22\uff23";
      default -> " " + FuzzText.orderChars(r, 5);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Random bodies
  // ---------------------------------------------------------------------------------------------

  private static final int[][] INVALID_UTF8 = {
      {0xFF}, {0xFE}, {0xC0, 0xAF}, {0xE0, 0x80, 0xAF}, {0xED, 0xA0, 0x80}, {0xF8, 0x88, 0x80, 0x80, 0x80}, {0x80},
      {0xC3}, {0xE4, 0xB8}, {0xF4, 0x90, 0x80, 0x80}, {0xC1, 0xBF}, {0xED, 0xBF, 0xBF}, {0xF0, 0x9F, 0x98}};

  private static final String JSONISH = "{}[]\":,0123456789-.etrufalsn ";

  private FuzzCase random(String kind) {
    String order = ledger.fresh(r);
    ObjectNode event = r.nextInt(4) == 0 ? v1("POST", order) : post(order);
    Expect expect;
    String note;
    switch (kind) {
      case "random/bytes" -> {
        byte[] bytes = new byte[r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(400)];
        r.nextBytes(bytes);
        setBase64(event, bytes);
        expect = Expect.invalidSome();
        note = bytes.length + " random bytes";
      }
      case "random/json-value" -> {
        String text = FuzzText.compact(randomJson(4));
        event.put("body", text);
        expect = Expect.invalidSome();
        note = FuzzText.truncate(text, 80);
      }
      case "random/json-known-keys" -> {
        ObjectNode tree = BodyModel.random(r).node(r, true);
        List<String> keys = new ArrayList<>();
        tree.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) if (r.nextInt(3) == 0) tree.set(key, randomJson(2));
        if (r.nextBoolean()) tree.set(pick(List.copyOf(TOP_LEVEL)), randomJson(3));
        event.put("body", FuzzText.compact(tree));
        expect = Expect.any();
        note = "known keys with random values";
      }
      case "random/utf8-text" -> {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(200); i > 0; i--) {
          int cp = switch (r.nextInt(5)) {
            case 0 -> r.nextInt(0x80);
            case 1 -> JSONISH.charAt(r.nextInt(JSONISH.length()));
            case 2 -> 0x80 + r.nextInt(0x800 - 0x80);
            case 3 -> 0x4E00 + r.nextInt(0x5000);
            default -> 0x10000 + r.nextInt(0x100000);
          };
          s.appendCodePoint(cp);
        }
        event.put("body", s.toString());
        expect = Expect.invalidSome();
        note = s.length() + " random characters";
      }
      case "random/invalid-utf8" -> {
        byte[] body = FuzzText.compact(BodyModel.random(r).node(r, false)).getBytes(UTF_8);
        int[] bad = INVALID_UTF8[r.nextInt(INVALID_UTF8.length)];
        int at = r.nextInt(body.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        for (int b : bad) out.write(b);
        out.write(body, at, body.length - at);
        setBase64(event, out.toByteArray());
        expect = Expect.invalid("body");
        note = "invalid UTF-8 " + hex(bad) + " at byte " + at;
      }
      case "random/byte-flips" -> {
        BodyModel m = BodyModel.random(r);
        byte[] bytes = FuzzText.compact(m.node(r, false)).getBytes(UTF_8);
        int flips = 1 + r.nextInt(4);
        StringBuilder what = new StringBuilder();
        for (int i = 0; i < flips && bytes.length > 0; i++) {
          int at = r.nextInt(bytes.length);
          switch (r.nextInt(3)) {
            case 0 -> {
              bytes[at] ^= (byte) (1 << r.nextInt(8));
              what.append(" flip@").append(at);
            }
            case 1 -> {
              byte[] shorter = new byte[bytes.length - 1];
              System.arraycopy(bytes, 0, shorter, 0, at);
              System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
              bytes = shorter;
              what.append(" delete@").append(at);
            }
            default -> {
              byte[] longer = new byte[bytes.length + 1];
              System.arraycopy(bytes, 0, longer, 0, at);
              longer[at] = (byte) r.nextInt(256);
              System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
              bytes = longer;
              what.append(" insert@").append(at);
            }
          }
        }
        setBase64(event, bytes);
        expect = Expect.any();
        note = "byte edits:" + what;
      }
      case "random/base64-invalid" -> {
        String text = pick(FuzzText.compact(BodyModel.random(r).node(r, false)), "!!!!", "a", "YWJj\nZGVm", "-_-_", "YQ===",
            " YWJj", "YWJj ", "eyJ9*", "====", "YW\u00e9J");
        event.put("body", text);
        event.put("isBase64Encoded", true);
        expect = Expect.invalid("body");
        note = "isBase64Encoded with " + FuzzText.truncate(FuzzText.quoted(text), 40);
      }
      case "random/base64-random" -> {
        byte[] bytes = new byte[1 + r.nextInt(300)];
        r.nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) if (r.nextBoolean()) bytes[i] = (byte) JSONISH.charAt(r.nextInt(JSONISH.length()));
        setBase64(event, bytes);
        expect = Expect.invalidSome();
        note = bytes.length + " random bytes, base64";
      }
      case "random/base64-flag-false" -> {
        event.put("body", Base64.getEncoder().encodeToString(FuzzText.compact(BodyModel.random(r).node(r, false))
            .getBytes(UTF_8)));
        event.put("isBase64Encoded", false);
        expect = Expect.invalid("body");
        note = "a base64 body without isBase64Encoded";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    // Random bodies may, by chance, be valid: such an order is then sent once, like any other.
    return new FuzzCase(kind, event, null, stream(), expect, order, null, note);
  }

  private static String hex(int[] bytes) {
    StringBuilder s = new StringBuilder();
    for (int b : bytes) s.append(String.format("%02X", b));
    return s.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Paths, methods, headers and the event itself
  // ---------------------------------------------------------------------------------------------

  private FuzzCase event(String kind) {
    BodyModel m = BodyModel.random(r);
    String body = FuzzText.compact(m.node(r, r.nextBoolean()));
    String order = ledger.fresh(r);
    boolean v1 = r.nextInt(3) == 0;
    ObjectNode event = v1 ? v1("POST", order) : post(order);
    event.put("body", body);
    Expect expect = Expect.sent();
    BodyModel model = m;
    String note;
    byte[] rawEvent = null;
    JsonNode replacement = null;
    switch (kind) {
      case "event/path-param" -> {
        ObjectNode params = (ObjectNode) event.get("pathParameters");
        switch (r.nextInt(9)) {
          case 0 -> {
            order = ledger.freshOdd(r);
            event = v1 ? v1("POST", order) : post(order);
            event.put("body", body);
            note = "order with '|' and '*': " + order;
          }
          case 1 -> {
            order = ledger.fresh(r, r.nextBoolean() ? 32 : 1);
            event = v1 ? v1("POST", order) : post(order);
            event.put("body", body);
            note = order.length() + "-character order " + order;
          }
          case 2 -> {
            params.putNull("out_order_no");
            note = "out_order_no null: taken from the path";
          }
          case 3 -> {
            if (r.nextBoolean()) event.remove("pathParameters"); else event.set("pathParameters", r.nextBoolean()
                ? NODES.objectNode() : NullNode.getInstance());
            note = "pathParameters " + event.get("pathParameters") + ": taken from the path";
          }
          case 4 -> {
            long number = 100_000_000_000L + (r.nextLong() & 0xFFFFFFFFFL);
            order = Long.toString(number);
            if (!ledger.claimName(order)) return null;
            params.put("out_order_no", number);
            expect = Expect.any();
            note = "out_order_no as a JSON number " + number;
          }
          case 5 -> {
            params.set("out_order_no", r.nextBoolean() ? NODES.objectNode() : array(TextNode.valueOf(order)));
            expect = Expect.invalid("out_order_no");
            note = "out_order_no " + params.get("out_order_no");
            order = null;
          }
          default -> {
            String bad = badOrder();
            event = v1 ? v1("POST", bad) : post(bad);
            event.put("body", body);
            expect = Expect.invalid("out_order_no");
            note = "path out_order_no " + FuzzText.quoted(bad);
            order = null;
          }
        }
      }
      case "event/raw-path" -> {
        String segment;
        String prefix = "/service-orders/";
        String suffix = "/pending-message";
        switch (r.nextInt(12)) {
          case 0 -> {
            segment = URLEncoder.encode(order, UTF_8);
            note = "path " + segment;
          }
          case 1 -> {
            order = ledger.freshOdd(r);
            segment = encodeAll(order, r.nextBoolean());
            note = "every character percent-encoded";
          }
          case 2 -> {
            segment = URLEncoder.encode(order, UTF_8).replace("%7C", "%7c").replace("*", "%2A");
            suffix = r.nextBoolean() ? "/pending-message/" : suffix;
            note = "lower-case escapes";
          }
          case 3 -> {
            segment = URLEncoder.encode(order, UTF_8);
            prefix = pick("/prod/service-orders/", "//service-orders/", "/v1/service-orders/");
            expect = Expect.any();
            note = "prefix " + prefix;
          }
          case 4 -> {
            segment = pick("", " ", "%20", "A%20B", "A+B", "%ZZ", "%", "%E8%AE%A2%E5%8D%95", "a%2Fb", "..", ".",
                "%2E%2E", "A%00B", "%25", "%257C", "%F0%9F%98%80", "%C0%AF", FuzzText.orderChars(r, 33));
            expect = Expect.invalid("out_order_no");
            note = "path segment " + FuzzText.quoted(segment);
            order = null;
          }
          case 5 -> {
            segment = null;
            String path = pick("/pending-message", "", "/", "/service-orders", "/service-orders/", "/service-orders/a/b",
                "service-orders/x/pending", "/SERVICE-ORDERS/ABC/PENDING-MESSAGE", "\u0000", "/service-orders/\n/pending-message");
            event.put(v1 ? "path" : "rawPath", path);
            expect = Expect.clientError();
            note = "path " + FuzzText.quoted(path);
            order = null;
          }
          case 6 -> {
            segment = null;
            event.remove(v1 ? "path" : "rawPath");
            expect = Expect.invalid("out_order_no");
            note = "no path at all";
            order = null;
          }
          case 7 -> {
            segment = null;
            event.set(v1 ? "path" : "rawPath", pick(IntNode.valueOf(42), NullNode.getInstance(), NODES.objectNode(),
                array(TextNode.valueOf("/service-orders/" + order + "/pending-message"))));
            expect = Expect.clientError();
            note = "path " + event.get(v1 ? "path" : "rawPath");
            order = null;
          }
          default -> {
            segment = URLEncoder.encode(order, UTF_8);
            note = "path " + segment;
          }
        }
        if (segment != null) event.put(v1 ? "path" : "rawPath", prefix + segment + suffix);
        if (r.nextBoolean()) event.remove("pathParameters"); else event.set("pathParameters", NullNode.getInstance());
      }
      case "event/raw-path-loose" -> {
        // Not the route, yet matched by ApiRequest's unanchored pattern when there are no path
        // parameters (only possible behind a catch-all route, which template.yaml does not have).
        String path = pick("/service-orders/%s/pending-messages", "/service-orders/%s/pending-message/extra",
            "/service-orders/%s/pending-message.json", "/admin/service-orders/%s/pending-message",
            "/service-orders/%s/pending-message/../../other", "/x/service-orders/%s/pending-message?y");
        path = String.format(path, URLEncoder.encode(order, UTF_8));
        event.put(v1 ? "path" : "rawPath", path);
        event.remove("pathParameters");
        expect = Expect.any();
        note = "path " + path;
      }
      case "event/payload-1.0" -> {
        event = v1("POST", order);
        if (r.nextBoolean()) event.put("version", "1.0");
        if (r.nextBoolean()) setBase64(event, body.getBytes(UTF_8)); else event.put("body", body);
        if (r.nextBoolean()) event.set("multiValueHeaders", NODES.objectNode().set("X", array(NullNode.getInstance())));
        note = "REST API payload";
      }
      case "event/version-odd" -> {
        JsonNode version = pick(NullNode.getInstance(), TextNode.valueOf("1.0"), TextNode.valueOf("3.0"),
            TextNode.valueOf("2"), TextNode.valueOf(" 2.0"), MissingNode.getInstance(), DoubleNode.valueOf(2.0));
        event = post(order);
        event.put("body", body);
        if (version.isMissingNode()) event.remove("version"); else event.set("version", version);
        expect = version.isNumber() ? Expect.any() : Expect.clientError();
        note = "version " + version;
      }
      case "event/method" -> {
        JsonNode method = pick(TextNode.valueOf("post"), TextNode.valueOf("Post"), TextNode.valueOf("pOsT"),
            TextNode.valueOf("PUT"), TextNode.valueOf("DELETE"), TextNode.valueOf("PATCH"), TextNode.valueOf("OPTIONS"),
            TextNode.valueOf("HEAD"), TextNode.valueOf(""), TextNode.valueOf("POST "), TextNode.valueOf("P0ST"),
            TextNode.valueOf("\uff30\uff2f\uff33\uff34"), IntNode.valueOf(42), NODES.objectNode(), NullNode.getInstance(),
            MissingNode.getInstance(), TextNode.valueOf("get"), TextNode.valueOf("GeT"));
        ObjectNode holder = v1 ? event : (ObjectNode) event.get("requestContext").get("http");
        String field = v1 ? "httpMethod" : "method";
        if (method.isMissingNode()) holder.remove(field); else holder.set(field, method);
        String upper = method.isTextual() ? method.textValue().toUpperCase(Locale.ROOT) : "";
        if (upper.equals("POST")) {
          expect = Expect.sent();
        } else if (upper.equals("GET")) {
          expect = Expect.status(404, "NOT_FOUND");
          model = null;
        } else {
          expect = Expect.clientError();
          model = null;
        }
        note = "method " + (method.isMissingNode() ? "missing" : method.toString());
      }
      case "event/body-not-string" -> {
        JsonNode value = pick(MissingNode.getInstance(), NullNode.getInstance(), IntNode.valueOf(42),
            m.node(r, false), array(m.node(r, false)), BooleanNode.TRUE, TextNode.valueOf(""));
        if (value.isMissingNode()) event.remove("body"); else event.set("body", value);
        if (r.nextBoolean()) event.put("isBase64Encoded", r.nextBoolean());
        expect = Expect.invalid("body");
        model = null;
        note = "body " + (value.isMissingNode() ? "missing" : value.getNodeType().toString());
      }
      case "event/headers" -> {
        switch (r.nextInt(8)) {
          case 0 -> event.remove("headers");
          case 1 -> event.set("headers", NullNode.getInstance());
          case 2 -> event.set("headers", NODES.arrayNode().add("content-type: application/json"));
          case 3 -> event.set("headers", NODES.objectNode().put("content-type", "text/plain"));
          case 4 -> event.set("headers", NODES.objectNode().put("CONTENT-TYPE", "application/json; charset=GBK")
              .put("Content-Length", "-1"));
          case 5 -> event.set("headers", NODES.objectNode().put("Content-Type", 42).putNull("Host"));
          case 6 -> {
            ObjectNode headers = NODES.objectNode();
            for (int i = 0; i < 200; i++) headers.put("x-h" + i + FuzzText.text(r, 3, Flavour.MIXED), FuzzText.text(r, 20,
                Flavour.SPECIAL));
            event.set("headers", headers);
          }
          default -> event.set("headers", NODES.objectNode().put("content-type", "application/json\r\nX-Injected: 1")
              .put("x-forwarded-for", "\u0000"));
        }
        expect = Expect.any();
        note = "headers " + FuzzText.truncate(String.valueOf(event.get("headers")), 60);
      }
      case "event/not-object" -> {
        model = null;
        order = null;
        expect = Expect.clientError();
        if (r.nextBoolean()) {
          String text = pick("[]", "[1,2,3]", "\"POST\"", "42", "null", "true", "{}", "", "   ", "[" + FuzzText.compact(event)
              + "]", FuzzText.quoted(body));
          rawEvent = text.getBytes(UTF_8);
          note = "event " + FuzzText.truncate(text, 40);
        } else {
          replacement = pick(NODES.arrayNode(), array(event), TextNode.valueOf("POST"), IntNode.valueOf(42),
              NullNode.getInstance(), BooleanNode.TRUE, NODES.objectNode(), MissingNode.getInstance(), TextNode.valueOf(body));
          note = "event " + replacement.getNodeType();
        }
      }
      case "event/null-event" -> {
        // handle() only: the stream entry always parses something
        return new FuzzCase(kind, null, null, false, Expect.clientError(), null, null, "handle(null, end)");
      }
      case "event/huge-body" -> {
        int size = (1 << 20) * (1 + r.nextInt(3));
        event.put("body", "{" + " ".repeat(size) + body.substring(1));
        expect = Expect.invalid("body");
        model = null;
        note = size + " spaces in the body";
      }
      case "event/base64-flag-odd" -> {
        JsonNode flag = pick(TextNode.valueOf("true"), IntNode.valueOf(1), TextNode.valueOf("yes"), NullNode.getInstance(),
            NODES.objectNode(), TextNode.valueOf("false"), IntNode.valueOf(0));
        if (r.nextBoolean()) event.put("body", Base64.getEncoder().encodeToString(body.getBytes(UTF_8)));
        event.set("isBase64Encoded", flag);
        expect = Expect.any();
        note = "isBase64Encoded " + flag + (event.get("body").asText().startsWith("{") ? " with JSON" : " with base64");
      }
      case "event/extra-fields" -> {
        event.put("cookies", 42);
        event.set("queryStringParameters", NODES.arrayNode().add("x"));
        event.put("stageVariables", "x");
        event.putNull("rawQueryString");
        event.set("multiValueQueryStringParameters", NODES.objectNode().set("a", NODES.objectNode()));
        event.putNull("routeKey");
        ((ObjectNode) event.get("requestContext")).set("authorizer", randomJson(3));
        note = "fields the function does not read, with odd values";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    if (model != null && order != null && expect.type() == Expect.Type.SENT) expect = expectValid(order, model);
    boolean viaStream = rawEvent != null || stream();
    JsonNode finalEvent = kind.equals("event/not-object") && rawEvent == null ? replacement : event;
    return new FuzzCase(kind, finalEvent, rawEvent, viaStream, expect, order, model, note);
  }

  private static String encodeAll(String text, boolean lower) {
    StringBuilder s = new StringBuilder();
    for (byte b : text.getBytes(UTF_8)) s.append(String.format(lower ? "%%%02x" : "%%%02X", b & 0xFF));
    return s.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Status queries
  // ---------------------------------------------------------------------------------------------

  private FuzzCase get(String kind) {
    String order;
    Expect expect;
    String note;
    String sent = ledger.pickSent(r);
    ObjectNode event;
    switch (kind) {
      case "get/sent" -> {
        if (sent == null) return null;
        order = sent;
        event = getEvent(order);
        expect = Expect.recordSent();
        note = "GET of a sent order";
      }
      case "get/unknown" -> {
        order = ledger.fresh(r);
        event = getEvent(order);
        expect = Expect.status(404, "NOT_FOUND");
        note = "GET of an order never seen";
      }
      case "get/invalid" -> {
        String bad = badOrder();
        order = null;
        event = getEvent(bad);
        expect = Expect.invalid("out_order_no");
        note = "GET of " + FuzzText.quoted(bad);
      }
      case "get/unclaimed" -> {
        order = ledger.pickUnclaimed(r);
        if (order == null) return null;
        event = getEvent(order);
        expect = Expect.status(404, "NOT_FOUND");
        note = "GET of an order only ever refused or looked up";
      }
      case "get/v1" -> {
        order = sent != null && r.nextBoolean() ? sent : ledger.fresh(r);
        event = v1("GET", order);
        expect = ledger.isSent(order) ? Expect.recordSent() : Expect.status(404, "NOT_FOUND");
        note = "REST API GET";
      }
      case "get/raw-path" -> {
        order = sent != null && r.nextBoolean() ? sent : ledger.fresh(r);
        event = getEvent(order);
        event.remove("pathParameters");
        event.put("rawPath", "/service-orders/" + encodeAll(order, r.nextBoolean()) + "/pending-message");
        expect = ledger.isSent(order) ? Expect.recordSent() : Expect.status(404, "NOT_FOUND");
        note = "GET with the order only in the raw path";
      }
      case "get/with-body" -> {
        order = sent != null && r.nextBoolean() ? sent : ledger.fresh(r);
        event = getEvent(order);
        event.put("body", FuzzText.compact(BodyModel.random(r).node(r, false)));
        ((ObjectNode) event.get("requestContext").get("http")).put("method", pick("GET", "get", "Get"));
        expect = ledger.isSent(order) ? Expect.recordSent() : Expect.status(404, "NOT_FOUND");
        note = "GET with a body";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return new FuzzCase(kind, event, null, stream(), expect, order, null, note);
  }

  // ---------------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------------

  private boolean stream() {
    return r.nextInt(10) < 3;
  }

  /** An HTTP API (2.0) POST for this order, without a body. */
  private static ObjectNode post(String order) {
    ObjectNode event = V2_POST.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("rawPath", path);
    ObjectNode http = (ObjectNode) event.get("requestContext").get("http");
    http.put("path", path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.remove("body");
    return event;
  }

  private static ObjectNode getEvent(String order) {
    ObjectNode event = V2_GET.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("rawPath", path);
    ((ObjectNode) event.get("requestContext").get("http")).put("path", path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    return event;
  }

  /** A REST API (1.0) event for this order, without a body. */
  private static ObjectNode v1(String method, String order) {
    ObjectNode event = V1_POST.deepCopy();
    String path = "/service-orders/" + URLEncoder.encode(order, UTF_8) + "/pending-message";
    event.put("httpMethod", method);
    event.put("path", path);
    ObjectNode context = (ObjectNode) event.get("requestContext");
    context.put("httpMethod", method);
    context.put("path", "/prod" + path);
    ((ObjectNode) event.get("pathParameters")).put("out_order_no", order);
    event.remove("body");
    event.put("isBase64Encoded", false);
    if (method.equals("GET")) {
      event.remove("multiValueHeaders");
      ((ObjectNode) event.get("headers")).remove("Content-Type");
    }
    return event;
  }

  private static void setBase64(ObjectNode event, byte[] body) {
    event.put("body", Base64.getEncoder().encodeToString(body));
    event.put("isBase64Encoded", true);
  }
}
