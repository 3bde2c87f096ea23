package payscore.simulator;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The unit WeChat allows one pending message for: a direct merchant's order, or a sub-merchant's
 * order sent by its service provider. The same {@code out_order_no} under two sub-merchants, or
 * as a direct order, names three independent orders.
 *
 * @param subMchid the sub-merchant for a partner (服务商) order, null for a direct order
 */
public record ServiceOrder(String subMchid, String outOrderNo) {

  private static final Pattern SUB_MCHID = Pattern.compile("[0-9]{1,32}");

  public ServiceOrder {
    Objects.requireNonNull(outOrderNo, "outOrderNo");
    if (subMchid != null && !SUB_MCHID.matcher(subMchid).matches()) {
      throw new IllegalArgumentException("sub_mchid must be 1 to 32 digits: " + subMchid);
    }
  }

  public static ServiceOrder direct(String outOrderNo) {
    return new ServiceOrder(null, outOrderNo);
  }

  public static ServiceOrder partner(String subMchid, String outOrderNo) {
    return new ServiceOrder(Objects.requireNonNull(subMchid, "subMchid"), outOrderNo);
  }

  public boolean isPartner() {
    return subMchid != null;
  }

  static boolean isSubMchid(String text) {
    return SUB_MCHID.matcher(text).matches();
  }
}
