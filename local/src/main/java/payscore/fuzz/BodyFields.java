package payscore.fuzz;

import java.util.ArrayList;
import java.util.List;
import payscore.fuzz.BodyModel.Item;

/** The fields of a body model with the contract's rule for each: what a broken body breaks. */
final class BodyFields {
  private BodyFields() {}

  /**
   * A field by path: its JSON type (S string, I integer, A array, O object), length or count
   * bounds, whether the contract requires it and whether this body has it.
   */
  record Field(String path, char type, int min, int max, boolean required, boolean present) {}

  static List<Field> of(BodyModel m) {
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
}
