package payscore.request;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.request.RequestBodies.EXAMPLE;
import static payscore.request.RequestBodies.ORDER_NO;
import static payscore.request.RequestBodies.SUB_MCHID;
import static payscore.request.RequestBodies.resource;
import static payscore.request.RequestBodies.utf8;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import payscore.request.RequestBodies.Body;

/**
 * {@link PendingMessage#canonicalBody()} is the exact body signed and sent to WeChat, and
 * {@link PendingMessage#payloadHash()} is what "the same body" means for idempotency: both must
 * depend on the content only, never on key order, whitespace or escaping.
 */
class CanonicalBodyTest {
  private final PendingMessageReader reader = new PendingMessageReader();

  /** The contract's example, written as the function must send it. */
  private static final String EXPECTED_CANONICAL =
      "{\"service_id\":\"2002000000000558128851361561536\","
          + "\"post_payments\":[{\"name\":\"就餐费用\",\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],"
          + "\"post_discounts\":[{\"name\":\"满20减1元\",\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],"
          + "\"total_amount\":39900,"
          + "\"prepaid_time\":\"20231218\"}";

  /** The contract's example as a partner request: {@code sub_mchid} first, the rest unchanged. */
  private static final String EXPECTED_PARTNER_CANONICAL =
      "{\"sub_mchid\":\"1900000109\","
          + "\"service_id\":\"2002000000000558128851361561536\","
          + "\"post_payments\":[{\"name\":\"就餐费用\",\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],"
          + "\"post_discounts\":[{\"name\":\"满20减1元\",\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],"
          + "\"total_amount\":39900,"
          + "\"prepaid_time\":\"20231218\"}";

  private PendingMessage read(byte[] body) throws InvalidRequestException {
    return reader.readHttp(ORDER_NO, body);
  }

  private static String text(byte[] utf8) {
    return new String(utf8, UTF_8);
  }

  private static String sha256Hex(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  // ---------------------------------------------------------------------------------------------
  // The exact form
  // ---------------------------------------------------------------------------------------------

  @Test
  void contractExampleHasTheExactCanonicalBody() throws Exception {
    // given the contract's example, pretty-printed as in the contract (fixture valid.json)
    byte[] body = resource("valid.json");

    // when it is read
    PendingMessage message = read(body);

    // then the canonical body is compact, in WeChat's field order, byte for byte
    assertArrayEquals(utf8(EXPECTED_CANONICAL), message.canonicalBody(),
        () -> "got " + text(message.canonicalBody()));
  }

  @Test
  void canonicalBodyWritesNonAsciiAsRawUtf8() throws Exception {
    // given the example
    byte[] canonical = read(utf8(EXAMPLE)).canonicalBody();

    // when the canonical body is inspected
    String written = text(canonical);

    // then Chinese text is raw UTF-8 (3 bytes a character), never a \\u escape
    assertFalse(written.contains("\\u"), written);
    assertTrue(written.contains("就餐费用"), written);
    assertEquals(utf8(written).length, canonical.length, "valid UTF-8 round trip");
  }

  @Test
  void canonicalBodyReadsBackToAnEqualMessage() throws Exception {
    // given the message read from the example
    PendingMessage original = read(utf8(EXAMPLE));

    // when its canonical body is read again
    PendingMessage again = read(original.canonicalBody());

    // then the message, the canonical body and the hash are all unchanged
    assertEquals(original, again);
    assertArrayEquals(original.canonicalBody(), again.canonicalBody());
    assertEquals(original.payloadHash(), again.payloadHash());
  }

  @Test
  void optionalFieldsThatAreAbsentAreLeftOut() throws Exception {
    // given a payment with a name only and a discount with a name only
    Body body = Body.minimal().set("post_discounts", List.of(Map.of("name", "x")));

    // when it is read
    PendingMessage message = read(body.bytes());

    // then absent fields are not written, not even as null
    assertEquals("{\"service_id\":\"S1\",\"post_payments\":[{\"name\":\"n\"}],"
            + "\"post_discounts\":[{\"name\":\"x\"}],\"total_amount\":0,\"prepaid_time\":\"20240101\"}",
        text(message.canonicalBody()));
  }

  @Test
  void absentAndEmptyDiscountsGiveTheSameCanonicalBody() throws Exception {
    // given the same body once without post_discounts and once with "post_discounts": []
    Body without = Body.example().remove("post_discounts").set("total_amount", 40000);
    Body empty = Body.example().set("post_discounts", List.of()).set("total_amount", 40000);

    // when both are read
    PendingMessage a = read(without.bytes());
    PendingMessage b = read(empty.bytes());

    // then both canonical bodies are identical and leave the discounts out
    assertArrayEquals(a.canonicalBody(), b.canonicalBody());
    assertEquals(a.payloadHash(), b.payloadHash());
    assertEquals(a, b);
    assertFalse(text(a.canonicalBody()).contains("post_discounts"), text(a.canonicalBody()));
  }

  @Test
  void orderNoIsNotPartOfTheWeChatBody() throws Exception {
    // given the same order read from HTTP (path only), HTTP repeating it in the body, and SQS
    PendingMessage http = read(utf8(EXAMPLE));
    PendingMessage httpRepeating = read(Body.example().set("out_order_no", ORDER_NO).bytes());
    PendingMessage queued = reader.readQueued(Body.queued().bytes());

    // when their canonical bodies are compared
    // then out_order_no (it goes in the URL) is not in any of them, and all three are the same
    assertFalse(text(http.canonicalBody()).contains("out_order_no"));
    assertArrayEquals(http.canonicalBody(), httpRepeating.canonicalBody());
    assertArrayEquals(http.canonicalBody(), queued.canonicalBody());
    assertEquals(http, queued);
  }

  @Test
  void amountsAreWrittenAsExactIntegers() throws Exception {
    // given an amount beyond double precision (2^53 + 1)
    Body body = Body.minimal().set("post_payments[0].amount", 9_007_199_254_740_993L)
        .set("total_amount", 9_007_199_254_740_993L);

    // when it is read
    String canonical = text(read(body.bytes()).canonicalBody());

    // then it is written digit for digit, with no fraction or exponent
    assertTrue(canonical.contains("\"amount\":9007199254740993}"), canonical);
    assertTrue(canonical.contains("\"total_amount\":9007199254740993,"), canonical);
  }

  @Test
  void specialCharactersAreEscapedAndReadBack() throws Exception {
    // given a description with a quote, a backslash, a slash, a no-break and an ideographic space
    String description = "a\"b\\c/d\u00a0e\u3000f";
    Body body = Body.example().set("post_payments[0].description", description);

    // when it is read and its canonical body is read again
    PendingMessage message = read(body.bytes());
    PendingMessage again = read(message.canonicalBody());

    // then the text survives unchanged
    assertEquals(description, again.postPayments().get(0).description());
    assertEquals(message, again);
  }

  // ---------------------------------------------------------------------------------------------
  // Partner (服务商) mode
  // ---------------------------------------------------------------------------------------------

  @Test
  void partnerBodyHasSubMchidAsTheFirstFieldOfTheExactCanonicalBody() throws Exception {
    // given the example with sub_mchid between total_amount and prepaid_time (fixture partner-valid.json)
    byte[] body = resource("partner-valid.json");

    // when it is read
    PendingMessage message = read(body);

    // then sub_mchid is written first, and everything after it is the direct canonical body
    assertArrayEquals(utf8(EXPECTED_PARTNER_CANONICAL), message.canonicalBody(),
        () -> "got " + text(message.canonicalBody()));
    String direct = text(read(utf8(EXAMPLE)).canonicalBody());
    assertEquals("{\"sub_mchid\":\"" + SUB_MCHID + "\"," + direct.substring(1), text(message.canonicalBody()));
  }

  @Test
  void partnerBodyFromHttpAndQueueWhereverSubMchidStandsHasOneCanonicalBody() throws Exception {
    // given the partner example from HTTP with sub_mchid last, from the fixture, and from SQS
    PendingMessage last = read(Body.partner().bytes());
    PendingMessage fixture = read(resource("partner-valid.json"));
    PendingMessage queued = reader.readQueued(Body.partner().set("out_order_no", ORDER_NO).bytes());

    // when their canonical forms are compared
    // then they are byte-identical, with the same hash
    assertArrayEquals(utf8(EXPECTED_PARTNER_CANONICAL), last.canonicalBody());
    assertArrayEquals(last.canonicalBody(), fixture.canonicalBody());
    assertArrayEquals(last.canonicalBody(), queued.canonicalBody());
    assertEquals(last.payloadHash(), queued.payloadHash());
  }

  @Test
  void partnerCanonicalBodyReadsBackToAnEqualPartnerMessage() throws Exception {
    // given a partner message
    PendingMessage original = read(Body.partner().bytes());

    // when its canonical body is read again
    PendingMessage again = read(original.canonicalBody());

    // then it is the same partner message, with the same canonical body and hash
    assertEquals(original, again);
    assertEquals(SUB_MCHID, again.subMchid());
    assertArrayEquals(original.canonicalBody(), again.canonicalBody());
  }

  @Test
  void payloadHashCoversTheSubMchid() throws Exception {
    // given the same bill as a direct request and for two sub-merchants
    PendingMessage direct = read(Body.example().bytes());
    PendingMessage partner = read(Body.partner().bytes());
    PendingMessage otherSubMerchant = read(Body.example().set("sub_mchid", "1900000110").bytes());

    // when hashed
    // then the partner hash is SHA-256 of the partner canonical body, and all three differ
    assertEquals(sha256Hex(utf8(EXPECTED_PARTNER_CANONICAL)), partner.payloadHash());
    assertNotEquals(direct.payloadHash(), partner.payloadHash());
    assertNotEquals(partner.payloadHash(), otherSubMerchant.payloadHash());
  }

  @Test
  void directCanonicalBodyHasNoSubMchid() throws Exception {
    // given the contract's example without sub_mchid
    PendingMessage message = read(utf8(EXAMPLE));

    // when its canonical body is written
    // then it starts with service_id, byte for byte as before partner mode
    assertFalse(message.partner());
    assertArrayEquals(utf8(EXPECTED_CANONICAL), message.canonicalBody());
    assertFalse(text(message.canonicalBody()).contains("sub_mchid"));
  }

  // ---------------------------------------------------------------------------------------------
  // Independence from key order, whitespace and escaping
  // ---------------------------------------------------------------------------------------------

  @Test
  void reorderedPrettyPrintedBodyHasTheSameCanonicalBodyAndHash() throws Exception {
    // given the example, and the same content with every object's keys reversed, tabs and spaces,
    // and some Chinese written as \\u escapes (fixture valid-reordered-pretty.json)
    PendingMessage compact = read(utf8(EXAMPLE));
    PendingMessage reordered = read(resource("valid-reordered-pretty.json"));

    // when their canonical forms are compared
    // then they are byte-identical, with the same hash and an equal message
    assertArrayEquals(compact.canonicalBody(), reordered.canonicalBody());
    assertEquals(compact.payloadHash(), reordered.payloadHash());
    assertEquals(compact, reordered);
    assertArrayEquals(utf8(EXPECTED_CANONICAL), reordered.canonicalBody());
  }

  @Test
  void queuedFixtureHasTheSameCanonicalBodyAsTheHttpExample() throws Exception {
    PendingMessage queued = reader.readQueued(resource("queued-valid.json"));
    assertEquals(ORDER_NO, queued.outOrderNo());
    assertArrayEquals(utf8(EXPECTED_CANONICAL), queued.canonicalBody());
  }

  @Test
  void payloadHashIsLowercaseHexSha256OfTheCanonicalBody() throws Exception {
    // given the example
    PendingMessage message = read(utf8(EXAMPLE));

    // when its hash is taken
    String hash = message.payloadHash();

    // then it is 64 lower-case hex digits, SHA-256 of exactly the canonical bytes
    assertTrue(hash.matches("[0-9a-f]{64}"), hash);
    assertEquals(sha256Hex(message.canonicalBody()), hash);
    assertEquals(sha256Hex(utf8(EXPECTED_CANONICAL)), hash);
  }

  @Test
  void canonicalBodyIsAFreshCopyEachTime() throws Exception {
    // given a message
    PendingMessage message = read(utf8(EXAMPLE));

    // when a caller scribbles over one canonical body
    byte[] first = message.canonicalBody();
    first[0] = 'X';

    // then the next one, and the hash, are unaffected
    assertArrayEquals(utf8(EXPECTED_CANONICAL), message.canonicalBody());
    assertEquals(sha256Hex(utf8(EXPECTED_CANONICAL)), message.payloadHash());
  }

  @Test
  void messageListsCannotBeChanged() throws Exception {
    PendingMessage message = read(utf8(EXAMPLE));
    assertThrows(UnsupportedOperationException.class, () -> message.postPayments().clear());
    assertThrows(UnsupportedOperationException.class, () -> message.postDiscounts().clear());
  }

  static Stream<Arguments> contentChanges() {
    return Stream.of(
        Arguments.of("a payment amount (and the total)", (UnaryOperator<Body>) b ->
            b.set("post_payments[0].amount", 40001).set("total_amount", 39901)),
        Arguments.of("the service id", (UnaryOperator<Body>) b -> b.set("service_id", "2002000000000558128851361561537")),
        Arguments.of("a payment name", (UnaryOperator<Body>) b -> b.set("post_payments[0].name", "就餐费")),
        Arguments.of("a payment description", (UnaryOperator<Body>) b -> b.set("post_payments[0].description", "就餐人均100元 ")),
        Arguments.of("a payment count", (UnaryOperator<Body>) b -> b.set("post_payments[0].count", 3)),
        Arguments.of("a missing payment count", (UnaryOperator<Body>) b -> b.remove("post_payments[0].count")),
        Arguments.of("a discount name", (UnaryOperator<Body>) b -> b.set("post_discounts[0].name", "满20减1")),
        Arguments.of("a discount amount (and the total)", (UnaryOperator<Body>) b ->
            b.set("post_discounts[0].amount", 200).set("total_amount", 39800)),
        Arguments.of("the prepaid date", (UnaryOperator<Body>) b -> b.set("prepaid_time", "20231219")),
        Arguments.of("the list of payments", (UnaryOperator<Body>) b -> b
            .set("post_payments", List.of(Map.of("name", "a", "amount", 1), Map.of("name", "b", "amount", 2)))
            .remove("post_discounts").set("total_amount", 3)));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("contentChanges")
  void changedContentGivesADifferentHash(String what, UnaryOperator<Body> change) throws Exception {
    // given the example and a valid copy with one thing changed
    PendingMessage original = read(utf8(EXAMPLE));
    PendingMessage changed = read(change.apply(Body.example()).bytes());

    // when their hashes are compared; then they differ
    assertNotEquals(original.payloadHash(), changed.payloadHash(), what);
  }

  @Test
  void swappingTwoPaymentsChangesTheHash() throws Exception {
    // given the same two payments in two orders (a list is ordered: the bill reads differently)
    Body ab = Body.minimal()
        .set("post_payments", List.of(Map.of("name", "a", "amount", 1), Map.of("name", "b", "amount", 2)))
        .set("total_amount", 3);
    Body ba = Body.minimal()
        .set("post_payments", List.of(Map.of("name", "b", "amount", 2), Map.of("name", "a", "amount", 1)))
        .set("total_amount", 3);

    // when hashed; then they differ
    assertNotEquals(read(ab.bytes()).payloadHash(), read(ba.bytes()).payloadHash());
  }
}
