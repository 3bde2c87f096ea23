package payscore.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import payscore.fuzz.BodyFields.Field;
import payscore.fuzz.FuzzCase.Expect;
import payscore.fuzz.FuzzText.Flavour;
import payscore.fuzz.FuzzText.Raw;

/**
 * A valid body with exactly one thing broken: a field's value or bound, its text, the JSON's
 * shape, or its syntax and order numbers. Each expects the one error it should cause.
 */
final class BrokenBody extends CaseBuilder {
  private BodyModel m;
  private String order;
  private final Raw raw = new Raw();
  private ObjectNode tree;
  private Expect expect;
  private String note;
  private String text = null;
  private boolean asBase64 = false;
  private String pathOrder;

  BrokenBody(Random random, OrderLedger ledger, String kind) {
    super(random, ledger, kind);
  }

  @Override
  FuzzCase build() {
    m = BodyModel.random(r);
    order = orderForInvalid();
    if (r.nextInt(5) == 0) m.bodyOrderNo = order;
    pathOrder = order;
    switch (kind) {
      case "mutate/wrong-type", "mutate/null", "mutate/missing-required",
          "mutate/too-long", "mutate/too-short" -> breakAValue();
      case "mutate/int-bounds", "mutate/array-bounds", "mutate/bad-date",
          "mutate/dup-discount-name", "mutate/total-off-by-one" -> breakABound();
      case "mutate/four-byte", "mutate/four-byte-escaped", "mutate/control-char", "mutate/lone-surrogate" ->
          breakTheText();
      case "mutate/unknown-field", "mutate/nested-unknown-field", "mutate/renamed-key",
          "mutate/dup-key", "mutate/huge-number", "mutate/float", "mutate/deep-nesting" -> breakTheShape();
      default -> breakTheSyntaxOrOrderNumber();
    }
    if (text == null) text = raw.apply(r.nextInt(5) == 0 ? FuzzText.pretty(tree) : FuzzText.compact(tree));
    ObjectNode event = r.nextInt(4) == 0 ? v1("POST", pathOrder) : post(pathOrder);
    if (asBase64) setBase64(event, text.getBytes(UTF_8)); else event.put("body", text);
    return new FuzzCase(kind, event, null, stream(), expect, order, null, note);
  }

  /** A field's value: of the wrong type, null, missing, too long or too short. */
  private void breakAValue() {
    switch (kind) {
      case "mutate/wrong-type" -> {
        Field f = pickField(m, x -> x.present() || r.nextInt(3) == 0);
        tree = m.node(r, r.nextBoolean());
        JsonNode wrong = wrongValue(f.type());
        FuzzText.set(tree, f.path(), wrong);
        expect = Expect.invalid(f.path());
        note = f.path() + " = " + wrong;
      }
      case "mutate/null" -> {
        Field f = pickField(m, x -> x.present() || r.nextInt(3) == 0);
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), NullNode.getInstance());
        expect = Expect.invalid(f.path());
        note = f.path() + " = null";
      }
      case "mutate/missing-required" -> {
        Field f = pickField(m, x -> x.required() && x.type() != 'O');
        tree = m.node(r, r.nextBoolean());
        FuzzText.remove(tree, f.path());
        expect = Expect.invalid(f.path());
        note = "without " + f.path();
      }
      case "mutate/too-long" -> {
        Field f = pickField(m, x -> x.type() == 'S' && (x.present() || !x.path().equals("out_order_no")));
        tree = m.node(r, r.nextBoolean());
        String value = f.path().equals("prepaid_time") ? m.prepaidTime + r.nextInt(10)
            : f.path().equals("out_order_no") ? FuzzText.orderChars(r, 33)
            : FuzzText.text(r, f.max() + 1, r.nextBoolean() ? Flavour.PLAIN : Flavour.MIXED);
        FuzzText.set(tree, f.path(), TextNode.valueOf(value));
        expect = Expect.invalid(f.path());
        note = f.path() + " of " + value.length() + " characters";
      }
      case "mutate/too-short" -> {
        Field f = pickField(m, x -> x.type() == 'S' && x.min() > 0 && x.present());
        tree = m.node(r, r.nextBoolean());
        String value = f.path().equals("prepaid_time") ? m.prepaidTime.substring(0, 7) : "";
        FuzzText.set(tree, f.path(), TextNode.valueOf(value));
        expect = Expect.invalid(f.path());
        note = f.path() + " = \"" + value + "\"";
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** A bound: an integer's range, an array's size, the date, unique discount names, the total. */
  private void breakABound() {
    switch (kind) {
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
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** A string's text: a 4-byte character (raw or escaped), a lone surrogate escape. */
  private void breakTheText() {
    switch (kind) {
      case "mutate/four-byte", "mutate/four-byte-escaped" -> {
        Field f = pickField(m, x -> x.type() == 'S' && x.present());
        String current = FuzzText.get(m.node(r, false), f.path()).textValue();
        String emoji = pick(FuzzText.FOUR_BYTE);
        int at = current.isEmpty() ? 0 : r.nextInt(current.length() + 1);
        String value = current.substring(0, at) + emoji + current.substring(Math.min(current.length(), at + (r.nextBoolean() ? 1 : 0)));
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), TextNode.valueOf(value));
        if (kind.endsWith("escaped")) text = FuzzText.escaped(tree);
        asBase64 = r.nextInt(4) == 0;
        expect = Expect.invalid(f.path());
        note = f.path() + " with U+" + Integer.toHexString(emoji.codePointAt(0)).toUpperCase(Locale.ROOT);
      }
      case "mutate/control-char" -> {
        Field f = pickField(m, x -> x.type() == 'S' && x.present());
        String current = FuzzText.get(m.node(r, false), f.path()).textValue();
        String character = pick(FuzzText.FORBIDDEN);
        int at = current.isEmpty() ? 0 : r.nextInt(current.length() + 1);
        String value = current.substring(0, at) + character + current.substring(Math.min(current.length(), at + 1));
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), TextNode.valueOf(value));
        if (r.nextBoolean()) text = FuzzText.escaped(tree);
        expect = Expect.invalid(f.path());
        note = f.path() + " with U+" + String.format("%04X", (int) character.charAt(0));
      }
      case "mutate/lone-surrogate" -> {
        Field f = pickField(m, x -> x.type() == 'S' && x.present());
        String current = FuzzText.get(m.node(r, false), f.path()).textValue();
        String escape = pick("\\ud800", "\\udfff", "\\uDC00", "\\ud83d");
        int at = r.nextInt(current.length() + 1);
        String before = FuzzText.quoted(current.substring(0, at));
        String after = FuzzText.quoted(current.substring(at));
        // the two halves quoted on their own, so the escape never lands inside another escape
        String rawValue = before.substring(0, before.length() - 1) + escape + after.substring(1);
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), TextNode.valueOf(raw.token(rawValue)));
        expect = Expect.invalid(f.path());
        note = f.path() + " with a lone surrogate escape " + escape;
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** The JSON's shape: unknown or renamed or repeated keys, numbers out of any range, deep nesting. */
  private void breakTheShape() {
    switch (kind) {
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
        Field f = pickField(m, x -> x.type() == 'I');
        String literal = pick("9223372036854775808", "-9223372036854775809", "18446744073709551616",
            "1" + "0".repeat(30), "1" + "0".repeat(400), "9".repeat(1001), "-" + "9".repeat(5000));
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), TextNode.valueOf(raw.token(literal)));
        expect = Expect.invalid(f.path(), "body");
        note = f.path() + " = a " + literal.length() + "-character integer";
      }
      case "mutate/float" -> {
        Field f = pickField(m, x -> x.type() == 'I');
        String literal = pick("100.0", "1.5", "1e2", "1E+2", "-0.0", "0.0", "4.0e4", "1e400", "-1e-7", "0.1e1", "1.0E0",
            "0123", "+1", "0x10", "NaN", "Infinity", "1_000", ".5", "5.");
        tree = m.node(r, r.nextBoolean());
        FuzzText.set(tree, f.path(), TextNode.valueOf(raw.token(literal)));
        // numbers JSON does not allow at all are a parse error of the body
        expect = Set.of("0123", "+1", "0x10", "NaN", "Infinity", "1_000", ".5", "5.").contains(literal)
            ? Expect.invalid("body") : Expect.invalid(f.path());
        note = f.path() + " = " + literal;
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
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** The text around the JSON (garbage, truncation, size), or the order number in the body or the path. */
  private void breakTheSyntaxOrOrderNumber() {
    switch (kind) {
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
}
