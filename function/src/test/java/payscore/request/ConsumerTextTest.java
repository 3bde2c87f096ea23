package payscore.request;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static payscore.request.RequestBodies.ORDER_NO;
import static payscore.request.RequestBodies.assertOnlyError;
import static payscore.request.RequestBodies.errorsOf;
import static payscore.request.RequestBodies.fields;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import payscore.request.RequestBodies.Body;

/**
 * The contract's character rule (v3) for every string of a request: no C0, DEL or C1 control
 * characters and no invisible or bidirectional formatting characters (U+200B–U+200F,
 * U+2028–U+202E, U+2060–U+2069, U+FEFF), each refused with an error for its field; the
 * characters around each range, and ordinary text, pass.
 */
class ConsumerTextTest {
  private final PendingMessageReader reader = new PendingMessageReader();

  /** Every forbidden character, range by range. */
  static IntStream forbidden() {
    return Stream.of(
        IntStream.rangeClosed(0x00, 0x1F), IntStream.of(0x7F), IntStream.rangeClosed(0x80, 0x9F),
        IntStream.rangeClosed(0x200B, 0x200F), IntStream.rangeClosed(0x2028, 0x202E),
        IntStream.rangeClosed(0x2060, 0x2069), IntStream.of(0xFEFF)).flatMapToInt(range -> range);
  }

  /** The neighbours of each range, and characters a consumer can see that look like spaces or marks. */
  static IntStream allowedNeighbours() {
    return IntStream.of(0x20, 0x7E, 0xA0, 0xAD, 0x200A, 0x2010, 0x2027, 0x202F, 0x205F, 0x206A, 0x3000, 0xFEFE,
        0xFF01);
  }

  @ParameterizedTest(name = "code point {0}")
  @MethodSource("forbidden")
  void aForbiddenCharacterInAPaymentNameIsRefusedNamingItsCodePoint(int codePoint) {
    String name = "停车" + (char) codePoint + "费";

    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO,
        Body.example().set("post_payments[0].name", name).bytes()));

    assertOnlyError(errors, "post_payments[0].name", String.format("U+%04X at character 3", codePoint));
  }

  @ParameterizedTest(name = "code point {0}")
  @MethodSource("allowedNeighbours")
  void theNeighboursOfEachRangePass(int codePoint) {
    String name = "停车" + (char) codePoint + "费";

    assertDoesNotThrow(() -> reader.readHttp(ORDER_NO, Body.example().set("post_payments[0].name", name).bytes()));
  }

  static Stream<Arguments> everyStringField() {
    return Stream.of(
        Arguments.of("service_id", "2002000000\u200e"),
        Arguments.of("post_payments[0].name", "就餐\u202e费用"),
        Arguments.of("post_payments[0].description", "就餐人均\u0007100元"),
        Arguments.of("post_discounts[0].name", "满20减1元\u2066"),
        Arguments.of("post_discounts[0].description", "\ufeff不与其他优惠叠加"),
        Arguments.of("prepaid_time", "2023121\u0085"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyStringField")
  void everyStringFieldFollowsTheRule(String field, String value) {
    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, Body.example().set(field, value).bytes()));

    assertOnlyError(errors, field, "control or invisible formatting characters");
  }

  @Test
  void theQueuedBodysOrderNumberFollowsTheRuleToo() {
    List<FieldError> errors = errorsOf(() -> reader.readQueued(Body.queued().set("out_order_no", "ORDER\u20281").bytes()));

    assertOnlyError(errors, "out_order_no", "control or invisible formatting characters");
  }

  @Test
  void eachBrokenFieldHasAnErrorOfItsOwn() {
    Body body = Body.example()
        .set("post_payments[0].name", "就餐\u202e费用")
        .set("post_payments[0].description", "人均\t100元")
        .set("post_discounts[0].name", "满20\u200b减1元");

    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, body.bytes()));

    assertEquals(List.of("post_payments[0].name", "post_payments[0].description", "post_discounts[0].name"),
        fields(errors));
  }

  @Test
  void aJsonEscapeIsReadAsTheCharacterItStandsFor() {
    byte[] body = RequestBodies.EXAMPLE.replace("就餐费用", "就餐\\u202E费用").getBytes(StandardCharsets.UTF_8);

    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, body));

    assertOnlyError(errors, "post_payments[0].name", "U+202E");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"ticket 4711\u202e1174", "checked\nby phone", "bom\ufeff", "zero\u200bwidth", "c1\u0085"})
  void aResolutionReasonFollowsTheRule(String reason) throws Exception {
    String body = RequestBodies.JSON.createObjectNode().put("resolution", "SENT").put("reason", reason).toString();

    List<FieldError> errors = errorsOf(() -> reader.readResolution(ORDER_NO, RequestBodies.utf8(body)));

    assertOnlyError(errors, "reason", "control or invisible formatting characters");
  }

  @Test
  void anOrdinaryReasonPasses() {
    String body = "{\"resolution\":\"NOT_SENT\",\"reason\":\"微信支付客服确认未收到, ticket #4711 (2024-05-01)\"}";

    assertDoesNotThrow(() -> reader.readResolution(ORDER_NO, RequestBodies.utf8(body)));
  }
}
