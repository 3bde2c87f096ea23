package payscore.fuzz;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import payscore.fuzz.FuzzText.Flavour;

/**
 * A request body that satisfies every rule of the contract's request table, as plain fields, so
 * that generators can vary it and break exactly one thing. {@link #wechatTree()} is what WeChat
 * must receive for it: the same fields, without {@code out_order_no} and without an empty
 * {@code post_discounts}.
 */
final class BodyModel {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A post_payments or post_discounts item; null fields are absent. */
  static final class Item {
    String name;
    Long amount;
    String description;
    Long count;

    Item copy() {
      Item item = new Item();
      item.name = name;
      item.amount = amount;
      item.description = description;
      item.count = count;
      return item;
    }
  }

  String serviceId;
  final List<Item> payments = new ArrayList<>();
  /** Null when absent; may be empty. */
  List<Item> discounts;
  long total;
  String prepaidTime;
  /** Null when absent; when present it equals the path's order number unless a mutation says otherwise. */
  String bodyOrderNo;

  static BodyModel random(Random r) {
    BodyModel m = new BodyModel();
    Flavour flavour = r.nextInt(10) == 0 ? Flavour.SPECIAL : r.nextInt(3) == 0 ? Flavour.MIXED : Flavour.PLAIN;
    m.serviceId = r.nextInt(10) < 8 ? FuzzText.digits(r, 31) : r.nextBoolean() ? FuzzText.digits(r, 1 + r.nextInt(32))
        : FuzzText.text(r, 1 + r.nextInt(32), flavour);
    int payments = r.nextInt(10) < 4 ? 1 : r.nextInt(10) < 9 ? 2 + r.nextInt(4) : 6 + r.nextInt(15);
    for (int i = 0; i < payments; i++) m.payments.add(randomPayment(r, flavour));
    int shape = r.nextInt(20);
    if (shape < 8) {
      m.discounts = null;
    } else if (shape < 9) {
      m.discounts = new ArrayList<>();
    } else {
      m.discounts = new ArrayList<>();
      int n = r.nextInt(10) == 0 ? 4 + r.nextInt(5) : 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) m.addDiscount(r, flavour);
    }
    m.prepaidTime = randomDate(r);
    m.fixTotal(r);
    return m;
  }

  static Item randomPayment(Random r, Flavour flavour) {
    Item p = new Item();
    p.name = FuzzText.text(r, r.nextInt(4) == 0 ? 1 + r.nextInt(20) : 2 + r.nextInt(7), flavour);
    if (r.nextInt(100) < 85) p.amount = r.nextInt(5) == 0 ? (long) r.nextInt(101) : 100L + r.nextInt(200_000);
    if (r.nextBoolean()) p.description = FuzzText.text(r, r.nextInt(5) == 0 ? r.nextInt(31) : 4 + r.nextInt(8), flavour);
    if (r.nextBoolean()) p.count = r.nextInt(4) == 0 ? 1L + r.nextInt(100) : 1L + r.nextInt(5);
    return p;
  }

  /** Appends a discount with a name no other discount has; its amount keeps the total non-negative. */
  Item addDiscount(Random r, Flavour flavour) {
    if (discounts == null) discounts = new ArrayList<>();
    Item d = new Item();
    d.name = uniqueDiscountName(r, 2 + r.nextInt(8), flavour);
    if (r.nextInt(100) < 80) {
      long room = headroom();
      d.amount = room <= 0 ? 0L : (long) r.nextInt((int) Math.min(room, 5_000L) + 1);
    }
    if (r.nextBoolean()) d.description = FuzzText.text(r, r.nextInt(5) == 0 ? r.nextInt(31) : 4 + r.nextInt(8), flavour);
    if (r.nextBoolean()) d.count = 1L + r.nextInt(10);
    discounts.add(d);
    return d;
  }

  String uniqueDiscountName(Random r, int length, Flavour flavour) {
    Set<String> taken = new HashSet<>();
    if (discounts != null) for (Item d : discounts) taken.add(d.name);
    for (int attempt = 0; ; attempt++) {
      String name = FuzzText.text(r, attempt < 20 ? length : Math.min(20, length + 1 + attempt / 20), flavour);
      if (!taken.contains(name)) return name;
    }
  }

  static String randomDate(Random r) {
    return LocalDate.of(2000, 1, 1).plusDays(r.nextInt(12_000)).format(DateTimeFormatter.BASIC_ISO_DATE);
  }

  /** Σ payment amounts − Σ discount amounts so far (only meaningful when every payment has an amount). */
  long headroom() {
    BigInteger sum = sum();
    return sum.signum() < 0 ? 0 : sum.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
  }

  BigInteger sum() {
    BigInteger sum = BigInteger.ZERO;
    for (Item p : payments) if (p.amount != null) sum = sum.add(BigInteger.valueOf(p.amount));
    if (discounts != null) for (Item d : discounts) if (d.amount != null) sum = sum.subtract(BigInteger.valueOf(d.amount));
    return sum;
  }

  /** The contract checks the total only when every payment states its amount. */
  boolean totalChecked() {
    for (Item p : payments) if (p.amount == null) return false;
    return true;
  }

  /**
   * Makes the total consistent: the exact difference where it is checked (dropping discount
   * amounts until it is not negative), otherwise any non-negative number.
   */
  void fixTotal(Random r) {
    if (!totalChecked()) {
      total = r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000);
      return;
    }
    while (sum().signum() < 0) {
      for (Item d : discounts) {
        if (d.amount != null && d.amount > 0) {
          d.amount = null;
          break;
        }
      }
    }
    total = sum().longValueExact();
  }

  /** Gives every payment an amount (so the total is checked) and fixes the total. */
  void makeTotalChecked(Random r) {
    for (Item p : payments) if (p.amount == null) p.amount = (long) r.nextInt(10_000);
    fixTotal(r);
  }

  BodyModel copy() {
    BodyModel m = new BodyModel();
    m.serviceId = serviceId;
    for (Item p : payments) m.payments.add(p.copy());
    if (discounts != null) {
      m.discounts = new ArrayList<>();
      for (Item d : discounts) m.discounts.add(d.copy());
    }
    m.total = total;
    m.prepaidTime = prepaidTime;
    m.bodyOrderNo = bodyOrderNo;
    return m;
  }

  /** The request body as a tree; with {@code shuffle}, keys come in a random order at every level. */
  ObjectNode node(Random r, boolean shuffle) {
    List<Runnable> puts = new ArrayList<>();
    ObjectNode root = NODES.objectNode();
    if (bodyOrderNo != null) puts.add(() -> root.put("out_order_no", bodyOrderNo));
    puts.add(() -> root.put("service_id", serviceId));
    puts.add(() -> root.set("post_payments", items(payments, r, shuffle, true)));
    if (discounts != null) puts.add(() -> root.set("post_discounts", items(discounts, r, shuffle, false)));
    puts.add(() -> root.put("total_amount", total));
    puts.add(() -> root.put("prepaid_time", prepaidTime));
    if (shuffle) Collections.shuffle(puts, r);
    puts.forEach(Runnable::run);
    return root;
  }

  private static ArrayNode items(List<Item> items, Random r, boolean shuffle, boolean payment) {
    ArrayNode array = NODES.arrayNode();
    for (Item item : items) {
      ObjectNode node = array.addObject();
      List<Runnable> puts = new ArrayList<>();
      puts.add(() -> node.put("name", item.name));
      if (item.amount != null) puts.add(() -> node.put("amount", item.amount));
      if (item.description != null) puts.add(() -> node.put("description", item.description));
      if (item.count != null) puts.add(() -> node.put("count", item.count));
      if (shuffle) Collections.shuffle(puts, r);
      puts.forEach(Runnable::run);
    }
    return array;
  }

  /** What WeChat must receive for this body (compared as a tree, so key order does not matter). */
  ObjectNode wechatTree() {
    ObjectNode root = NODES.objectNode();
    root.put("service_id", serviceId);
    root.set("post_payments", items(payments, null, false, true));
    if (discounts != null && !discounts.isEmpty()) root.set("post_discounts", items(discounts, null, false, false));
    root.put("total_amount", total);
    root.put("prepaid_time", prepaidTime);
    return root;
  }
}
