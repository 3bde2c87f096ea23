package payscore.request;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A validated service-fee pending message for one order. Only {@link PendingMessageReader}
 * makes these, so every instance satisfies the contract's request rules.
 *
 * <p>{@link #canonicalBody()} is the exact WeChat request body: compact, fields in the order of
 * WeChat's documentation, absent optional fields and empty {@code post_discounts} left out,
 * amounts as JSON integers. A partner (服务商) message has a {@code subMchid} and writes it first;
 * a direct-merchant message has none. Two bodies that differ only in key order or whitespace have
 * the same canonical form, and so the same {@link #payloadHash()}.
 */
public record PendingMessage(
    String outOrderNo,
    String subMchid,
    String serviceId,
    List<PostPayment> postPayments,
    List<PostDiscount> postDiscounts,
    long totalAmount,
    String prepaidTime) {

  private static final JsonFactory JSON = new JsonFactory();

  public PendingMessage {
    postPayments = List.copyOf(postPayments);
    postDiscounts = List.copyOf(postDiscounts);
  }

  /** Whether a service provider sends this for its sub-merchant {@link #subMchid()}. */
  public boolean partner() {
    return subMchid != null;
  }

  /** The WeChat request body as UTF-8 bytes; sign these bytes and send these bytes. */
  public byte[] canonicalBody() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      json.writeStartObject();
      if (subMchid != null) json.writeStringField("sub_mchid", subMchid);
      json.writeStringField("service_id", serviceId);
      json.writeArrayFieldStart("post_payments");
      for (PostPayment payment : postPayments) {
        json.writeStartObject();
        json.writeStringField("name", payment.name());
        if (payment.amount() != null) json.writeNumberField("amount", payment.amount());
        if (payment.description() != null) json.writeStringField("description", payment.description());
        if (payment.count() != null) json.writeNumberField("count", payment.count());
        json.writeEndObject();
      }
      json.writeEndArray();
      if (!postDiscounts.isEmpty()) {
        json.writeArrayFieldStart("post_discounts");
        for (PostDiscount discount : postDiscounts) {
          json.writeStartObject();
          json.writeStringField("name", discount.name());
          if (discount.description() != null) json.writeStringField("description", discount.description());
          if (discount.amount() != null) json.writeNumberField("amount", discount.amount());
          if (discount.count() != null) json.writeNumberField("count", discount.count());
          json.writeEndObject();
        }
        json.writeEndArray();
      }
      json.writeNumberField("total_amount", totalAmount);
      json.writeStringField("prepaid_time", prepaidTime);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory JSON write failed", e);
    }
    return bytes.toByteArray();
  }

  /** Lower-case hex SHA-256 of {@link #canonicalBody()}: what "the same body" means for idempotency. */
  public String payloadHash() {
    return hashOf(canonicalBody());
  }

  /** {@link #payloadHash()} of a canonical body already in hand, so it is not serialized twice. */
  public static String hashOf(byte[] canonicalBody) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonicalBody));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
