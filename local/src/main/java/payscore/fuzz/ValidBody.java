package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import payscore.fuzz.BodyModel.Item;
import payscore.fuzz.FuzzText.Flavour;

/**
 * A valid body, which should reach WeChat once: rendered in one of many ways, at the contract's
 * bounds, or repeating an earlier order (a replay, a mismatch, an order only refused before).
 */
final class ValidBody extends CaseBuilder {
  private BodyModel m;
  private String order;
  private String text = null;
  private byte[] base64 = null;
  private String note = "";

  ValidBody(Random random, OrderLedger ledger, String kind) {
    super(random, ledger, kind);
  }

  @Override
  FuzzCase build() {
    m = BodyModel.random(r);
    order = ledger.fresh(r);
    switch (kind) {
      case "valid/replay", "valid/mismatch", "valid/after-refusal" -> {
        if (!repeat()) return null;
      }
      case "valid/plain", "valid/pretty", "valid/shuffled", "valid/escaped",
          "valid/body-order-no", "valid/whitespace", "valid/exactly-64KiB", "valid/base64",
          "valid/special-chars" -> render();
      default -> bound();
    }
    ObjectNode event = post(order);
    if (base64 != null) setBase64(event, base64); else event.put("body", text);
    return new FuzzCase(kind, event, null, stream(), expectValid(order, m), order, m, note);
  }

  /** The model's body written in one of several ways: compact, pretty, shuffled, escaped, padded, base64. */
  private void render() {
    switch (kind) {
      case "valid/plain" -> text = FuzzText.compact(m.node(r, false));
      case "valid/pretty" -> text = FuzzText.pretty(m.node(r, r.nextBoolean()));
      case "valid/shuffled" -> text = FuzzText.compact(m.node(r, true));
      case "valid/escaped" -> text = FuzzText.escaped(m.node(r, r.nextBoolean()));
      case "valid/body-order-no" -> {
        m.bodyOrderNo = order;
        text = FuzzText.compact(m.node(r, true));
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
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** A body at the contract's bounds (lengths, counts, amounts, dates). */
  private void bound() {
    switch (kind) {
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
      case "valid/no-amounts" -> {
        m.payments.get(r.nextInt(m.payments.size())).amount = null;
        m.fixTotal(r);
        text = FuzzText.compact(m.node(r, false));
        note = "a payment without amount: the total is not checked";
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
  }

  /** A valid body for an order seen before; false when there is none yet. */
  private boolean repeat() {
    switch (kind) {
      case "valid/replay" -> {
        order = ledger.pickSentWithModel(r);
        if (order == null) return false;
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
        if (order == null) return false;
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
        if (order == null) return false;
        text = FuzzText.compact(m.node(r, false));
        note = "an order that was only refused or looked up before";
      }
      default -> throw new IllegalArgumentException(kind);
    }
    return true;
  }
}
