package payscore.fuzz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import payscore.fuzz.FuzzCase.Expect;

/** GET of an order's record: sent, unknown, invalid, only refused before, through either payload version. */
final class StatusQuery extends CaseBuilder {
  StatusQuery(Random random, OrderLedger ledger, String kind) {
    super(random, ledger, kind);
  }

  @Override
  FuzzCase build() {
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
        expect = Expect.invalid("out_order_no");
        order = null;
        note = "GET with the order only in the raw path, which is never read";
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
}
