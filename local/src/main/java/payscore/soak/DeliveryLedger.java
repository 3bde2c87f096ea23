package payscore.soak;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import payscore.soak.SoakMessage.Delivery;

/** Each receive of a batch's messages as a delivery SQS hands to Lambda, and which message each delivery is. */
final class DeliveryLedger {
  private final Map<String, SoakMessage> messagesByDelivery = new HashMap<>();

  /** One receive of each message of the batch; one that repeats an earlier one (same order, same body) is marked so. */
  List<Delivery> deliver(List<SoakMessage> batch, int round, boolean outage) {
    List<Delivery> deliveries = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      SoakMessage message = batch.get(i);
      Delivery delivery = message.deliver(round, outage);
      messagesByDelivery.put(delivery.deliveryId, message);
      // The function shares the outcome of an earlier message of the batch with the same order and body.
      for (int j = 0; j < i; j++) {
        SoakMessage earlier = batch.get(j);
        if (message.valid && earlier.valid && earlier.order == message.order && earlier.hash.equals(message.hash)) {
          delivery.repeatInBatch = true;
        }
      }
      deliveries.add(delivery);
    }
    return deliveries;
  }

  SoakMessage messageOf(Delivery delivery) {
    return messagesByDelivery.get(delivery.deliveryId);
  }
}
