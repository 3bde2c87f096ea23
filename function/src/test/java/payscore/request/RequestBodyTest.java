package payscore.request;

import static java.nio.charset.StandardCharsets.UTF_16BE;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.request.RequestBodies.EMOJI;
import static payscore.request.RequestBodies.EXAMPLE;
import static payscore.request.RequestBodies.ORDER_NO;
import static payscore.request.RequestBodies.assertOnlyError;
import static payscore.request.RequestBodies.assertOnlyInvalidRequestEscapes;
import static payscore.request.RequestBodies.bytes;
import static payscore.request.RequestBodies.concat;
import static payscore.request.RequestBodies.errorsOf;
import static payscore.request.RequestBodies.fields;
import static payscore.request.RequestBodies.utf8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import payscore.request.RequestBodies.Body;

/**
 * The body as a whole: size, JSON syntax, UTF-8, 4-byte characters, unknown fields, nulls, and
 * robustness (nothing but {@link InvalidRequestException} ever escapes for malformed input).
 */
class RequestBodyTest {
  private final PendingMessageReader reader = new PendingMessageReader();

  private List<FieldError> httpErrors(byte[] body) {
    return errorsOf(() -> reader.readHttp(ORDER_NO, body));
  }

  private List<FieldError> httpErrors(String body) {
    return httpErrors(utf8(body));
  }

  /** The example with {@code bytes} spliced into the first payment's name, after "就餐". */
  private static byte[] exampleWithNameBytes(byte[] inserted) {
    String[] halves = EXAMPLE.split("就餐费用", 2);
    return concat(utf8(halves[0] + "就餐"), inserted, utf8("费用" + halves[1]));
  }

  // ---------------------------------------------------------------------------------------------
  // Size
  // ---------------------------------------------------------------------------------------------

  @Test
  void bodyOfExactly64KiBIsAccepted() {
    // given a valid body padded with whitespace to exactly 65536 bytes
    byte[] example = utf8(EXAMPLE);
    byte[] body = concat(example, utf8(" ".repeat(PendingMessageReader.MAX_BODY_BYTES - example.length)));
    assertEquals(65536, body.length);

    // when it is read; then it is accepted
    assertDoesNotThrow(() -> reader.readHttp(ORDER_NO, body));
  }

  @Test
  void bodyOfOneByteOver64KiBIsRejected() {
    // given a valid body padded with whitespace to 65537 bytes
    byte[] example = utf8(EXAMPLE);
    byte[] body = concat(example, utf8(" ".repeat(65537 - example.length)));

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the body is reported, naming the limit
    assertOnlyError(errors, "body", "65536");
  }

  @Test
  void bodySizeIsCountedInUtf8BytesNotCharacters() {
    // given 30000 Chinese characters (90000 bytes, but fewer than 65536 characters) in a body
    String json = "{\"padding\":\"" + "费".repeat(30000) + "\"," + EXAMPLE.substring(1);
    assertTrue(json.length() < 65536 && utf8(json).length > 65536, "test setup");

    // when it is read
    List<FieldError> errors = httpErrors(utf8(json));

    // then only the size is reported: the body is not parsed at all
    assertOnlyError(errors, "body", "65536");
  }

  // ---------------------------------------------------------------------------------------------
  // Not a JSON object
  // ---------------------------------------------------------------------------------------------

  @Test
  void emptyBodyIsRejected() {
    assertOnlyError(httpErrors(new byte[0]), "body", "required");
  }

  @Test
  void nullBodyIsRejected() {
    assertOnlyError(errorsOf(() -> reader.readHttp(ORDER_NO, null)), "body", "required");
    assertOnlyError(errorsOf(() -> reader.readQueued(null)), "body", "required");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"[]", "[" + EXAMPLE + "]", "\"就餐费用\"", "39900", "true", "null", " ", "\n\t "})
  void bodyThatIsNotAJsonObjectIsRejected(String json) {
    // given a body that is an array, a string, a number, a literal or blank
    // when it is read
    List<FieldError> errors = httpErrors(json);

    // then the body must be a JSON object
    assertOnlyError(errors, "body", "JSON object");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "{",
      "}",
      "{\"service_id\":}",
      "{\"service_id\" \"S1\"}",
      "{'service_id':'S1'}",
      "{service_id:\"S1\"}",
      "{\"service_id\":\"S1\",}",
      "{\"post_payments\":[{\"name\":\"x\"},]}",
      "{\"total_amount\":NaN}",
      "{\"total_amount\":Infinity}",
      "{\"total_amount\":0x10}",
      "{\"total_amount\":010}",
      "{\"total_amount\":+1}",
      "{\"service_id\":\"S1\" /* comment */}",
      "{\"service_id\":\"unterminated}",
      "{\"service_id\":\"bad \\x escape\"}",
      "{\"service_id\":\"tab\tinside\"}"})
  void bodyThatIsNotValidJsonIsRejected(String json) {
    // given text that is not strict JSON (no lenient extensions are enabled)
    // when it is read
    List<FieldError> errors = httpErrors(json);

    // then the body is reported as invalid JSON
    assertOnlyError(errors, "body", "JSON");
  }

  // ---------------------------------------------------------------------------------------------
  // UTF-8
  // ---------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidUtf8() {
    return Stream.of(
        Arguments.of("a lone continuation byte 0x80", bytes(0x80)),
        Arguments.of("byte 0xFF", bytes(0xFF)),
        Arguments.of("byte 0xFE", bytes(0xFE)),
        Arguments.of("a truncated 2-byte sequence", bytes(0xC3)),
        Arguments.of("a truncated 3-byte sequence", bytes(0xE8, 0xB4)),
        Arguments.of("a 2-byte lead followed by ASCII", bytes(0xC3, 0x41)),
        Arguments.of("an encoded surrogate (CESU-8)", bytes(0xED, 0xA0, 0xBD)),
        Arguments.of("a 5-byte lead", bytes(0xF8, 0x88, 0x80, 0x80, 0x80)),
        Arguments.of("Latin-1 é", bytes(0xE9)));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidUtf8")
  void invalidUtf8InAStringIsRejected(String label, byte[] invalid) {
    // given the example with invalid UTF-8 bytes inside the first payment's name
    byte[] body = exampleWithNameBytes(invalid);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the body is reported, saying it is not valid UTF-8 JSON
    assertOnlyError(errors, "body", "UTF-8");
  }

  @Test
  void invalidUtf8OutsideStringsIsRejected() {
    // given a 0xFF byte between tokens, and one inside a key
    byte[] betweenTokens = concat(utf8("{"), bytes(0xFF), utf8(EXAMPLE.substring(1)));
    byte[] inKey = concat(utf8("{\"service"), bytes(0xFF), utf8(EXAMPLE.substring(9)));

    // when they are read; then the body is reported
    assertEquals(List.of("body"), fields(httpErrors(betweenTokens)));
    assertEquals(List.of("body"), fields(httpErrors(inKey)));
  }

  static Stream<Arguments> overlongUtf8() {
    return Stream.of(
        Arguments.of("C0 AF, an overlong '/'", bytes(0xC0, 0xAF)),
        Arguments.of("C1 BF, an overlong DEL", bytes(0xC1, 0xBF)),
        Arguments.of("E0 80 AF, an overlong '/'", bytes(0xE0, 0x80, 0xAF)));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("overlongUtf8")
  void overlongUtf8IsRejected(String label, byte[] overlong) {
    // given the example with an overlong (invalid) UTF-8 encoding in a name
    byte[] body = exampleWithNameBytes(overlong);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the body is reported as invalid UTF-8
    assertOnlyError(errors, "body", "UTF-8");
  }

  @Test
  void utf16BodyIsRejected() {
    // given the example encoded as UTF-16 (big and little endian)
    // when read; then the body is reported
    assertEquals(List.of("body"), fields(httpErrors(EXAMPLE.getBytes(UTF_16BE))));
    assertEquals(List.of("body"), fields(httpErrors(EXAMPLE.getBytes(UTF_16LE))));
  }

  @Test
  void threeByteCharactersAreAccepted() throws Exception {
    // given names using 3-byte UTF-8 characters (CJK, the euro sign, a fullwidth digit)
    Body body = Body.example().set("post_payments[0].name", "就餐€１");

    // when read; then accepted as given
    assertEquals("就餐€１", reader.readHttp(ORDER_NO, body.bytes()).postPayments().get(0).name());
  }

  // ---------------------------------------------------------------------------------------------
  // 4-byte characters, in any string
  // ---------------------------------------------------------------------------------------------

  static Stream<Arguments> fourByteCharacters() {
    List<String> paths = List.of(
        "service_id",
        "post_payments[0].name",
        "post_payments[0].description",
        "post_discounts[0].name",
        "post_discounts[0].description",
        "prepaid_time");
    List<Arguments> cases = new ArrayList<>();
    for (String path : paths) {
      cases.add(Arguments.of(path, "raw UTF-8 F0 9F 98 80", false));
      cases.add(Arguments.of(path, "JSON escape \\ud83d\\ude00", true));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}, {1}")
  @MethodSource("fourByteCharacters")
  void stringWithFourByteCharacterIsRejected(String path, String form, boolean escaped) {
    // given a short string containing 😀, either as raw UTF-8 or as a JSON surrogate-pair escape
    Body body = Body.example();
    if (escaped) body.setRaw(path, "\"a\\ud83d\\ude00\"");
    else body.set(path, "a" + EMOJI);

    // when it is read
    List<FieldError> errors = httpErrors(body.bytes());

    // then that field is reported for its 4-byte character
    assertOnlyError(errors, path, "4-byte");
  }

  @Test
  void emojiAloneInAShortNameIsStillRejected() {
    // given a payment name that is a single emoji: short enough, but a 4-byte character
    Body body = Body.example().set("post_payments[0].name", EMOJI);

    // when read; then rejected for the 4-byte character, not for the length
    assertOnlyError(httpErrors(body.bytes()), "post_payments[0].name", "4-byte");
  }

  @Test
  void emojiInQueuedOrderNoIsRejected() {
    // given an SQS body whose out_order_no has an emoji
    Body body = Body.queued().set("out_order_no", "ORDER" + EMOJI);

    // when read; then out_order_no is reported
    assertOnlyError(errorsOf(() -> reader.readQueued(body.bytes())), "out_order_no", "4-byte", "A-Z");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"\\ud83d", "\\ude00", "\\ude00\\ud83d"})
  void loneOrReversedSurrogateEscapeIsRejected(String escape) {
    // given a name with a lone or reversed surrogate escape (not even a valid character)
    Body body = Body.example().setRaw("post_payments[0].name", "\"a" + escape + "\"");

    // when read; then the name is reported
    assertOnlyError(httpErrors(body.bytes()), "post_payments[0].name", "4-byte");
  }

  @Test
  void emojiInSeveralFieldsIsReportedForEach() {
    // given emoji in a payment name and a discount description
    Body body = Body.example()
        .set("post_payments[0].name", "就餐" + EMOJI)
        .set("post_discounts[0].description", EMOJI + "优惠");

    // when read; then both are reported
    assertEquals(List.of("post_payments[0].name", "post_discounts[0].description"), fields(httpErrors(body.bytes())));
  }

  // ---------------------------------------------------------------------------------------------
  // Duplicate keys and trailing content
  // ---------------------------------------------------------------------------------------------

  @Test
  void duplicateTopLevelKeyIsRejected() {
    // given a body with service_id twice (a parser might keep either value)
    String json = EXAMPLE.replace("{\"service_id\":", "{\"service_id\":\"OTHER\",\"service_id\":");

    // when read; then the body is reported, naming the duplicate
    assertOnlyError(httpErrors(json), "body", "duplicate");
  }

  @Test
  void duplicateNestedKeyIsRejected() {
    // given a payment with "amount" twice
    String json = EXAMPLE.replace("\"amount\":40000", "\"amount\":40000,\"amount\":0");

    // when read; then the body is reported, naming the duplicate
    assertOnlyError(httpErrors(json), "body", "duplicate");
  }

  @Test
  void duplicateOrderNoInQueuedBodyIsRejected() {
    // given an SQS body carrying out_order_no twice with different values
    String json = "{\"out_order_no\":\"A1\",\"out_order_no\":\"B2\"," + EXAMPLE.substring(1);

    // when read; then the body is reported
    assertOnlyError(errorsOf(() -> reader.readQueued(utf8(json))), "body", "duplicate");
  }

  @ParameterizedTest(name = "[{index}] followed by \"{0}\"")
  @ValueSource(strings = {" x", "{}", EXAMPLE, "]", "}", ",", "\"\"", "0", "null", "//", "\u0000"})
  void trailingContentAfterTheObjectIsRejected(String trailing) {
    // given a valid body followed by more content
    String json = EXAMPLE + trailing;

    // when read; then the body is reported
    assertOnlyError(httpErrors(json), "body", "JSON");
  }

  @Test
  void trailingWhitespaceIsFine() {
    assertDoesNotThrow(() -> reader.readHttp(ORDER_NO, utf8(EXAMPLE + " \r\n\t")));
  }

  // ---------------------------------------------------------------------------------------------
  // Unknown fields
  // ---------------------------------------------------------------------------------------------

  @Test
  void unknownTopLevelFieldIsRejected() {
    // given a body with an extra field WeChat does not know
    Body body = Body.example().set("notify_url", "https://example.com/cb");

    // when read; then that field is reported by name
    assertOnlyError(httpErrors(body.bytes()), "notify_url", "not a known field");
  }

  @Test
  void unknownTopLevelFieldWithNullValueIsRejected() {
    assertOnlyError(httpErrors(Body.example().set("extra", null).bytes()), "extra", "not a known field");
  }

  @Test
  void misspelledFieldIsReportedAlongsideTheMissingOne() {
    // given "serviceId" instead of "service_id"
    Body body = Body.example().remove("service_id").set("serviceId", "2002000000000558128851361561536");

    // when read; then both the unknown and the missing field are reported
    assertEquals(List.of("serviceId", "service_id"), fields(httpErrors(body.bytes())));
  }

  @Test
  void unknownPaymentFieldIsRejectedWithItsPath() {
    // given a payment with a "price" field
    Body body = Body.example().set("post_payments[0].price", 40000);

    // when read; then post_payments[0].price is reported
    assertOnlyError(httpErrors(body.bytes()), "post_payments[0].price", "not a known field");
  }

  @Test
  void unknownDiscountFieldIsRejectedWithItsPath() {
    // given a second discount with a "type" field
    Body body = Body.example().discounts(2).set("post_discounts[1].type", "coupon");

    // when read; then post_discounts[1].type is reported
    assertOnlyError(httpErrors(body.bytes()), "post_discounts[1].type", "not a known field");
  }

  @Test
  void outOrderNoIsNotAKnownPaymentField() {
    assertOnlyError(httpErrors(Body.example().set("post_payments[0].out_order_no", ORDER_NO).bytes()),
        "post_payments[0].out_order_no", "not a known field");
  }

  // ---------------------------------------------------------------------------------------------
  // null values
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] {0}: null")
  @ValueSource(strings = {
      "service_id",
      "post_payments",
      "post_discounts",
      "total_amount",
      "prepaid_time",
      "post_payments[0].name",
      "post_payments[0].amount",
      "post_payments[0].description",
      "post_payments[0].count",
      "post_discounts[0].name",
      "post_discounts[0].description",
      "post_discounts[0].amount",
      "post_discounts[0].count",
      "post_payments[0]",
      "post_discounts[0]"})
  void nullValueIsRejectedWithItsPath(String path) {
    // given the example with one value, required or optional, set to null
    Body body = Body.example().set(path, null);

    // when read
    List<FieldError> errors = httpErrors(body.bytes());

    // then that path is reported for the null (an optional field must be left out, not null)
    assertOnlyError(errors, path, "null");
  }

  @Test
  void nullOrderNoInQueuedBodyIsRejected() {
    assertOnlyError(errorsOf(() -> reader.readQueued(Body.queued().set("out_order_no", null).bytes())),
        "out_order_no", "null");
  }

  // ---------------------------------------------------------------------------------------------
  // Nothing but InvalidRequestException escapes
  // ---------------------------------------------------------------------------------------------

  static Stream<Arguments> nastyBodies() {
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("null bytes", null));
    cases.add(Arguments.of("no bytes", new byte[0]));
    cases.add(Arguments.of("one NUL", new byte[1]));
    cases.add(Arguments.of("UTF-8 BOM only", bytes(0xEF, 0xBB, 0xBF)));
    cases.add(Arguments.of("UTF-16 BOM only", bytes(0xFE, 0xFF)));
    cases.add(Arguments.of("UTF-32 BOM only", bytes(0x00, 0x00, 0xFE, 0xFF)));
    cases.add(Arguments.of("4 NULs", new byte[4]));
    cases.add(Arguments.of("high bytes", bytes(0xFF, 0xFE, 0xFD, 0xFC, 0xFB)));
    cases.add(Arguments.of("deep arrays", utf8("[".repeat(50_000))));
    cases.add(Arguments.of("deep closed arrays", utf8("[".repeat(900) + "]".repeat(900))));
    cases.add(Arguments.of("deep objects", utf8("{\"a\":".repeat(10_000))));
    cases.add(Arguments.of("deep payment", utf8(EXAMPLE.replace("\"count\":4", "\"count\":" + "[".repeat(900) + "]".repeat(900)))));
    cases.add(Arguments.of("deep unknown field", utf8(EXAMPLE.replace("{\"service_id\"", "{\"x\":" + "{\"a\":".repeat(900) + "1" + "}".repeat(900) + ",\"service_id\""))));
    cases.add(Arguments.of("long number", utf8("{\"total_amount\":" + "9".repeat(60_000) + "}")));
    cases.add(Arguments.of("long fraction", utf8("{\"total_amount\":0." + "1".repeat(60_000) + "}")));
    cases.add(Arguments.of("huge exponent", utf8("{\"total_amount\":1e999999999}")));
    cases.add(Arguments.of("tiny exponent", utf8("{\"total_amount\":1e-999999999}")));
    cases.add(Arguments.of("negative zero total", utf8(EXAMPLE.replace("39900", "-0"))));
    cases.add(Arguments.of("long string", utf8("{\"service_id\":\"" + "s".repeat(65_000) + "\"}")));
    cases.add(Arguments.of("long key", utf8("{\"" + "k".repeat(65_000) + "\":1}")));
    cases.add(Arguments.of("many keys", utf8(manyKeys(5_000))));
    cases.add(Arguments.of("many payments", utf8(Body.example().payments(5_000).json())));
    cases.add(Arguments.of("many discounts", utf8(Body.example().discounts(2_000).json())));
    cases.add(Arguments.of("unpaired escapes", utf8("{\"service_id\":\"\\ud800\\ud800\\udfff\"}")));
    cases.add(Arguments.of("escaped NUL", utf8(EXAMPLE.replace("就餐费用", "\\u0000"))));
    cases.add(Arguments.of("many errors", utf8(manyBrokenPayments(100))));
    cases.add(Arguments.of("UTF-16 body", EXAMPLE.getBytes(UTF_16LE)));
    cases.add(Arguments.of("UTF-32 looking", bytes(0, 0, 0, '{', 0, 0, 0, '}')));
    cases.add(Arguments.of("all byte values", allByteValues()));
    cases.add(Arguments.of("example truncated", Arrays.copyOf(utf8(EXAMPLE), utf8(EXAMPLE).length / 2)));
    return cases.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("nastyBodies")
  void malformedBodyGivesOnlyInvalidRequestException(String label, byte[] body) {
    // given a hostile or broken body
    // when it is read over HTTP and from SQS
    // then the reader either returns or throws InvalidRequestException with errors, nothing else
    assertOnlyInvalidRequestEscapes(label + " (HTTP)", () -> reader.readHttp(ORDER_NO, body));
    assertOnlyInvalidRequestEscapes(label + " (SQS)", () -> reader.readQueued(body));
  }

  static Stream<String> nastyPathOrderNumbers() {
    return Stream.of("", " ", "\u0000", "a".repeat(10_000), EMOJI, "\uD83D", "../../etc", "%00", "订单", "A\r\nB");
  }

  @ParameterizedTest(name = "[{index}] path \"{0}\"")
  @MethodSource("nastyPathOrderNumbers")
  void malformedPathOrderNoGivesOnlyInvalidRequestException(String orderNo) {
    assertOnlyInvalidRequestEscapes("path " + orderNo, () -> reader.readHttp(orderNo, Body.example().bytes()));
    assertEquals(List.of("out_order_no"), fields(errorsOf(() -> reader.readHttp(orderNo, Body.example().bytes()))));
  }

  static Stream<Arguments> everyFieldWithEveryOddValue() {
    List<String> paths = List.of(
        "out_order_no", "service_id", "post_payments", "post_discounts", "total_amount", "prepaid_time",
        "post_payments[0]", "post_payments[0].name", "post_payments[0].amount", "post_payments[0].description",
        "post_payments[0].count", "post_discounts[0]", "post_discounts[0].name", "post_discounts[0].description",
        "post_discounts[0].amount", "post_discounts[0].count");
    List<String> values = List.of(
        "null", "true", "false", "0", "-1", "1.5", "-0.0", "1e400", "-1e400", "99999999999999999999999999",
        "-9223372036854775808", "9223372036854775807", "2147483648", "\"\"", "\" \"", "\"\\u0000\"",
        "\"" + "x".repeat(1000) + "\"", "\"\\ud83d\\ude00\"", "[]", "[null]", "[[]]", "[{}]", "{}", "{\"name\":{}}");
    List<Arguments> cases = new ArrayList<>();
    for (String path : paths) {
      for (String value : values) cases.add(Arguments.of(path, value));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "[{index}] {0} = {1}")
  @MethodSource("everyFieldWithEveryOddValue")
  void oddValueAnywhereGivesOnlyInvalidRequestException(String path, String raw) {
    // given the SQS example with one field replaced by an odd JSON value
    byte[] queued = Body.queued().setRaw(path, raw).bytes();
    byte[] http = Body.example().setRaw(path, raw).bytes();

    // when it is read; then only a result or an InvalidRequestException comes out
    assertOnlyInvalidRequestEscapes(path + "=" + raw + " (SQS)", () -> reader.readQueued(queued));
    assertOnlyInvalidRequestEscapes(path + "=" + raw + " (HTTP)", () -> reader.readHttp(ORDER_NO, http));
  }

  @Test
  void everyPrefixOfAValidBodyIsRejectedCleanly() {
    // given each proper prefix of the example's bytes (cut mid-token and mid-character too)
    byte[] full = utf8(EXAMPLE);
    for (int length = 0; length < full.length; length++) {
      byte[] prefix = Arrays.copyOf(full, length);

      // when read; then it is an InvalidRequestException naming the body
      List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, prefix));
      assertEquals(List.of("body"), fields(errors), "prefix of " + length + " bytes");
    }
  }

  @Test
  void randomlyCorruptedBodiesGiveOnlyInvalidRequestException() {
    // given 3000 copies of the example, each with a few bytes changed, inserted or deleted (fixed seed)
    Random random = new Random(20231218);
    byte[] original = utf8(Body.queued().json());
    for (int round = 0; round < 3000; round++) {
      byte[] body = mutate(original, random);

      // when read; then only a result or an InvalidRequestException comes out
      String label = "round " + round + ": " + new String(body, UTF_8);
      assertOnlyInvalidRequestEscapes(label, () -> reader.readQueued(body));
      assertOnlyInvalidRequestEscapes(label, () -> reader.readHttp(ORDER_NO, body));
    }
  }

  @Test
  void randomBytesGiveOnlyInvalidRequestException() {
    Random random = new Random(42);
    for (int round = 0; round < 1000; round++) {
      byte[] body = new byte[random.nextInt(200)];
      random.nextBytes(body);
      if (body.length > 0) body[0] = '{';
      assertOnlyInvalidRequestEscapes("round " + round, () -> reader.readQueued(body));
    }
  }

  private static final String JSON_CHARS = "{}[]\",:0123456789-.eE \\nultrfase";

  private static byte[] mutate(byte[] original, Random random) {
    byte[] body = original.clone();
    int edits = 1 + random.nextInt(3);
    for (int i = 0; i < edits; i++) {
      int at = random.nextInt(body.length);
      byte value = (byte) (random.nextBoolean() ? JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length()))
          : random.nextInt(256));
      switch (random.nextInt(3)) {
        case 0 -> body[at] = value;
        case 1 -> {
          byte[] longer = new byte[body.length + 1];
          System.arraycopy(body, 0, longer, 0, at);
          longer[at] = value;
          System.arraycopy(body, at, longer, at + 1, body.length - at);
          body = longer;
        }
        default -> {
          if (body.length > 1) {
            byte[] shorter = new byte[body.length - 1];
            System.arraycopy(body, 0, shorter, 0, at);
            System.arraycopy(body, at + 1, shorter, at, body.length - at - 1);
            body = shorter;
          }
        }
      }
    }
    return body;
  }

  private static String manyKeys(int n) {
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < n; i++) json.append("\"k").append(i).append("\":").append(i).append(',');
    return json.append("\"service_id\":\"S\"}").toString();
  }

  private static String manyBrokenPayments(int n) {
    StringBuilder json = new StringBuilder("{\"post_payments\":[");
    for (int i = 0; i < n; i++) {
      if (i > 0) json.append(',');
      json.append("{\"name\":\"\",\"amount\":-1,\"count\":0,\"description\":\"").append("d".repeat(31)).append("\",\"x\":1}");
    }
    return json.append("]}").toString();
  }

  private static byte[] allByteValues() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) all[i] = (byte) i;
    return all;
  }
}
