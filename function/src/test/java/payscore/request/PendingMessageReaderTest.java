package payscore.request;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.request.RequestBodies.EMOJI;
import static payscore.request.RequestBodies.HAN;
import static payscore.request.RequestBodies.ORDER_NO;
import static payscore.request.RequestBodies.SUB_MCHID;
import static payscore.request.RequestBodies.assertError;
import static payscore.request.RequestBodies.assertOnlyError;
import static payscore.request.RequestBodies.errorsOf;
import static payscore.request.RequestBodies.fields;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import payscore.request.RequestBodies.Body;

/**
 * The contract's request table, rule by rule: each rule has valid boundary examples and failing
 * examples that name the exact field path. Body-level rules (size, JSON, UTF-8, unknown fields,
 * nulls) are in {@link RequestBodyTest}; the canonical form in {@link CanonicalBodyTest}.
 */
class PendingMessageReaderTest {
  private final PendingMessageReader reader = new PendingMessageReader();

  private PendingMessage readHttp(Body body) throws InvalidRequestException {
    return reader.readHttp(ORDER_NO, body.bytes());
  }

  private List<FieldError> httpErrors(Body body) {
    return errorsOf(() -> reader.readHttp(ORDER_NO, body.bytes()));
  }

  private List<FieldError> queuedErrors(Body body) {
    return errorsOf(() -> reader.readQueued(body.bytes()));
  }

  private void assertAccepted(Body body) {
    assertDoesNotThrow(() -> readHttp(body), () -> "should be accepted: " + body);
  }

  private static String chars(String unit, int n) {
    return unit.repeat(n);
  }

  // ---------------------------------------------------------------------------------------------
  // The baseline
  // ---------------------------------------------------------------------------------------------

  @Test
  void contractExampleIsReadIntoItsFields() throws Exception {
    // given the contract's example body
    Body body = Body.example();

    // when it is read as an HTTP request
    PendingMessage message = readHttp(body);

    // then every field is carried over as given
    PendingMessage expected = new PendingMessage(
        ORDER_NO,
        null,
        "2002000000000558128851361561536",
        List.of(new PostPayment("就餐费用", 40000L, "就餐人均100元", 4)),
        List.of(new PostDiscount("满20减1元", "不与其他优惠叠加", 100L, 1L)),
        39900L,
        "20231218");
    assertEquals(expected, message);
  }

  @Test
  void smallestBodyWithOnlyRequiredFieldsIsAccepted() throws Exception {
    // given a body with one nameless-amount payment, no discounts and no optional fields
    Body body = Body.minimal();

    // when it is read
    PendingMessage message = readHttp(body);

    // then optional fields are null and the discounts are empty
    assertEquals(List.of(new PostPayment("n", null, null, null)), message.postPayments());
    assertEquals(List.of(), message.postDiscounts());
  }

  // ---------------------------------------------------------------------------------------------
  // out_order_no
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"1", "Az09_-|*", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "a-b_c|d*e", "____", "***|||---"})
  void orderNoOfAllowedCharactersIsAcceptedAsHttpPathAndInQueuedBody(String orderNo) throws Exception {
    // given an order number of 1 to 32 characters from A-Z a-z 0-9 _ - | *
    // when it is the HTTP path parameter, or the SQS body's field
    PendingMessage fromHttp = reader.readHttp(orderNo, Body.example().bytes());
    PendingMessage fromQueue = reader.readQueued(Body.example().set("out_order_no", orderNo).bytes());

    // then it is accepted and kept unchanged
    assertEquals(orderNo, fromHttp.outOrderNo());
    assertEquals(orderNo, fromQueue.outOrderNo());
  }

  static Stream<Arguments> orderNumbersOfWrongLength() {
    return Stream.of(
        Arguments.of("empty", ""),
        Arguments.of("33 characters", "A".repeat(33)),
        Arguments.of("64 characters", "1".repeat(64)));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("orderNumbersOfWrongLength")
  void orderNoOfWrongLengthIsRejectedAsHttpPath(String label, String orderNo) {
    // given a path parameter that is empty or longer than 32 characters
    // when the request is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp(orderNo, Body.example().bytes()));

    // then out_order_no alone is reported
    assertOnlyError(errors, "out_order_no", "required", "32");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("orderNumbersOfWrongLength")
  void orderNoOfWrongLengthIsRejectedInQueuedBody(String label, String orderNo) {
    // given an SQS body whose out_order_no is empty or longer than 32 characters
    Body body = Body.queued().set("out_order_no", orderNo);

    // when it is read
    List<FieldError> errors = queuedErrors(body);

    // then out_order_no alone is reported, naming the limit
    assertOnlyError(errors, "out_order_no", "1 to 32");
  }

  static Stream<Arguments> orderNumbersWithBadCharacters() {
    return Stream.of(
        Arguments.of("a space", "ORDER 1"),
        Arguments.of("a hash", "ORDER#1"),
        Arguments.of("a Chinese character", "订单1"),
        Arguments.of("a slash", "ORDER/1"),
        Arguments.of("a dot", "ORDER.1"),
        Arguments.of("a plus", "ORDER+1"),
        Arguments.of("a percent escape", "ORDER%201"),
        Arguments.of("a newline", "ORDER\n1"),
        Arguments.of("a trailing space", "ORDER1 "),
        Arguments.of("a fullwidth digit", "ORDER１"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("orderNumbersWithBadCharacters")
  void orderNoWithCharacterOutsideTheAlphabetIsRejectedAsHttpPath(String label, String orderNo) {
    // given a path parameter with a character outside A-Z a-z 0-9 _ - | *
    // when the request is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp(orderNo, Body.example().bytes()));

    // then out_order_no is reported with the allowed alphabet
    assertOnlyError(errors, "out_order_no", "A-Z a-z 0-9 _ - | *");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("orderNumbersWithBadCharacters")
  void orderNoWithCharacterOutsideTheAlphabetIsRejectedInQueuedBody(String label, String orderNo) {
    // given an SQS body whose out_order_no has a character outside the alphabet
    Body body = Body.queued().set("out_order_no", orderNo);

    // when it is read
    List<FieldError> errors = queuedErrors(body);

    // then out_order_no is reported, with the allowed alphabet or, for a control character, the character rule
    assertOnlyError(errors, "out_order_no", "A-Z a-z 0-9 _ - | *", "control or invisible formatting characters");
  }

  @Test
  void orderNoWithEmojiIsRejectedAsHttpPath() {
    // given a path parameter with a 4-byte character
    // when the request is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp("ORDER" + EMOJI, Body.example().bytes()));

    // then out_order_no is reported
    assertOnlyError(errors, "out_order_no", "A-Z a-z 0-9");
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP vs SQS
  // ---------------------------------------------------------------------------------------------

  @Test
  void httpBodyMayRepeatThePathOrderNo() throws Exception {
    // given an HTTP body that repeats the path's order number
    Body body = Body.example().set("out_order_no", ORDER_NO);

    // when it is read
    PendingMessage message = reader.readHttp(ORDER_NO, body.bytes());

    // then it is accepted for that order
    assertEquals(ORDER_NO, message.outOrderNo());
  }

  @Test
  void httpBodyWithDifferentOrderNoIsRejected() {
    // given an HTTP body naming a different order than the path
    Body body = Body.example().set("out_order_no", "OTHER-ORDER");

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then out_order_no is reported as differing from the path
    assertOnlyError(errors, "out_order_no", "differ", "path");
  }

  @Test
  void httpBodyWithOrderNoDifferingOnlyInCaseIsRejected() {
    // given an HTTP body whose out_order_no differs from the path only in letter case
    Body body = Body.example().set("out_order_no", ORDER_NO.toLowerCase());

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then it is a different order
    assertOnlyError(errors, "out_order_no", "differ");
  }

  @Test
  void httpBodyWithNullOrderNoIsRejected() {
    // given an HTTP body with "out_order_no": null
    Body body = Body.example().set("out_order_no", null);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the null is reported
    assertOnlyError(errors, "out_order_no", "null");
  }

  @Test
  void httpBodyWithNonStringOrderNoIsRejectedEvenWhenItsTextMatchesThePath() {
    // given path "12345" and a body carrying "out_order_no": 12345 (a number, not a string)
    byte[] body = Body.example().set("out_order_no", 12345).bytes();

    // when it is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp("12345", body));

    // then out_order_no is reported as not a string
    assertOnlyError(errors, "out_order_no", "string");
  }

  @Test
  void httpRequestWithoutPathOrderNoIsRejectedEvenIfTheBodyNamesOne() {
    // given no path parameter and a body that names an order
    byte[] body = Body.queued().bytes();

    // when it is read as HTTP
    List<FieldError> errors = errorsOf(() -> reader.readHttp(null, body));

    // then the missing order number is reported
    assertError(errors.get(0), "out_order_no", "required");
  }

  @Test
  void queuedBodyCarriesTheOrderNo() throws Exception {
    // given an SQS body with out_order_no
    Body body = Body.queued();

    // when it is read
    PendingMessage message = reader.readQueued(body.bytes());

    // then the order number comes from the body
    assertEquals(ORDER_NO, message.outOrderNo());
  }

  @Test
  void queuedBodyWithoutOrderNoIsRejected() {
    // given an SQS body without out_order_no (a valid HTTP body)
    Body body = Body.example();

    // when it is read from the queue
    List<FieldError> errors = queuedErrors(body);

    // then out_order_no is required
    assertOnlyError(errors, "out_order_no", "required");
  }

  @Test
  void queuedBodyWithNonStringOrderNoIsRejected() {
    // given an SQS body whose out_order_no is a number
    Body body = Body.queued().set("out_order_no", 12345);

    // when it is read
    List<FieldError> errors = queuedErrors(body);

    // then out_order_no must be a string
    assertOnlyError(errors, "out_order_no", "string");
  }

  @Test
  void queuedBodyWithNullOrderNoIsRejected() {
    // given an SQS body with "out_order_no": null
    Body body = Body.queued().set("out_order_no", null);

    // when it is read
    List<FieldError> errors = queuedErrors(body);

    // then the null is reported
    assertOnlyError(errors, "out_order_no", "null");
  }

  // ---------------------------------------------------------------------------------------------
  // sub_mchid (partner mode)
  // ---------------------------------------------------------------------------------------------

  @Test
  void bodyWithoutSubMchidIsADirectRequest() throws Exception {
    // given the contract's example, which has no sub_mchid
    // when it is read from HTTP and from SQS
    PendingMessage fromHttp = readHttp(Body.example());
    PendingMessage fromQueue = reader.readQueued(Body.queued().bytes());

    // then both are direct-merchant requests
    assertNull(fromHttp.subMchid());
    assertFalse(fromHttp.partner());
    assertNull(fromQueue.subMchid());
    assertFalse(fromQueue.partner());
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"1", "0", "1900000109", "0019000001", "12345678901234567890123456789012"})
  void subMchidOfOneTo32DigitsMakesAPartnerRequestFromHttpAndQueue(String subMchid) throws Exception {
    // given a sub_mchid of 1 to 32 ASCII digits, leading zeros included
    // when it is in an HTTP body and in an SQS body
    PendingMessage fromHttp = readHttp(Body.example().set("sub_mchid", subMchid));
    PendingMessage fromQueue = reader.readQueued(Body.queued().set("sub_mchid", subMchid).bytes());

    // then both are partner requests for that sub-merchant, digit for digit
    assertEquals(subMchid, fromHttp.subMchid());
    assertTrue(fromHttp.partner());
    assertEquals(subMchid, fromQueue.subMchid());
    assertTrue(fromQueue.partner());
    assertEquals(fromHttp, fromQueue);
  }

  static Stream<Arguments> invalidSubMchids() {
    return Stream.of(
        Arguments.of("a JSON number", Body.partner().setRaw("sub_mchid", "1900000109"), "string"),
        Arguments.of("a JSON number in exponent form", Body.partner().setRaw("sub_mchid", "19e8"), "string"),
        Arguments.of("a boolean", Body.partner().setRaw("sub_mchid", "true"), "string"),
        Arguments.of("an array", Body.partner().setRaw("sub_mchid", "[\"1900000109\"]"), "string"),
        Arguments.of("an object", Body.partner().setRaw("sub_mchid", "{\"id\":\"1900000109\"}"), "string"),
        Arguments.of("null", Body.partner().set("sub_mchid", null), "null"),
        Arguments.of("empty", Body.partner().set("sub_mchid", ""), "1 to 32 digits"),
        Arguments.of("33 digits", Body.partner().set("sub_mchid", "1".repeat(33)), "1 to 32 digits"),
        Arguments.of("a letter", Body.partner().set("sub_mchid", "19000001O9"), "1 to 32 digits"),
        Arguments.of("a sign", Body.partner().set("sub_mchid", "-1900000109"), "1 to 32 digits"),
        Arguments.of("a space", Body.partner().set("sub_mchid", "1900000109 "), "1 to 32 digits"),
        Arguments.of("a fullwidth digit", Body.partner().set("sub_mchid", "190000010９"), "1 to 32 digits"),
        Arguments.of("an Arabic-Indic digit", Body.partner().set("sub_mchid", "190000010\u0669"), "1 to 32 digits"),
        Arguments.of("an emoji", Body.partner().set("sub_mchid", "1900" + EMOJI), "1 to 32 digits"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidSubMchids")
  void invalidSubMchidIsRejectedInHttpBody(String label, Body body, String fragment) {
    // given an HTTP body whose sub_mchid is not a string of 1 to 32 ASCII digits
    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then sub_mchid alone is reported, saying what is expected
    assertOnlyError(errors, "sub_mchid", fragment);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidSubMchids")
  void invalidSubMchidIsRejectedInQueuedBody(String label, Body body, String fragment) {
    // given the same body as an SQS message
    // when it is read
    List<FieldError> errors = queuedErrors(body.set("out_order_no", ORDER_NO));

    // then sub_mchid alone is reported
    assertOnlyError(errors, "sub_mchid", fragment);
  }

  @Test
  void invalidSubMchidIsReportedAlongsideEveryOtherViolation() {
    // given an SQS body with an unknown field, a bad order number, an empty sub_mchid, an empty
    // service_id and Feb 30
    Body body = Body.queued()
        .set("sub_mchid", "")
        .set("out_order_no", "bad order")
        .set("service_id", "")
        .set("prepaid_time", "20230230")
        .set("sub_merchant", SUB_MCHID);

    // when it is read
    List<FieldError> errors = queuedErrors(body);

    // then all are reported: unknown fields first, then sub_mchid right after out_order_no
    assertEquals(List.of("sub_merchant", "out_order_no", "sub_mchid", "service_id", "prepaid_time"), fields(errors));
  }

  @Test
  void subMchidDoesNotExcuseOtherRules() {
    // given a valid partner body whose total does not add up
    Body body = Body.partner().set("total_amount", 1);

    // when it is read; then the total is reported as for a direct request
    assertOnlyError(httpErrors(body), "total_amount", "sum");
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"1", "1900000109", "12345678901234567890123456789012"})
  void queryStringSubMchidOfOneTo32DigitsPassesTheCheck(String subMchid) {
    assertEquals(List.of(), PendingMessageReader.checkSubMchid(subMchid));
  }

  @Test
  void absentQueryStringSubMchidMeansADirectOrderAndPassesTheCheck() {
    assertEquals(List.of(), PendingMessageReader.checkSubMchid(null));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"", "1234567890123456789012345678901234", "abc", "19000001%209", " 1900000109", "1900000109,1"})
  void queryStringSubMchidThatIsNotOneTo32DigitsIsNamedInTheErrors(String subMchid) {
    // given ?sub_mchid= with an empty value, too many digits or other characters
    // when it is checked
    List<FieldError> errors = PendingMessageReader.checkSubMchid(subMchid);

    // then sub_mchid alone is reported
    assertOnlyError(errors, "sub_mchid", "1 to 32 digits");
  }

  @Test
  void aQuerySubMchidThatTheBodyRepeatsIsAPartnerRequest() throws Exception {
    // given ?sub_mchid= and the same sub_mchid in the body
    // when read
    PendingMessage message = reader.readHttp(ORDER_NO, SUB_MCHID, Body.partner().bytes());

    // then it is that sub-merchant's order
    assertEquals(SUB_MCHID, message.subMchid());
  }

  @Test
  void aQuerySubMchidWithoutOneInTheBodyIsRefusedNamingBoth() {
    // given ?sub_mchid= and a direct body (which would otherwise be sent as a direct order)
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> reader.readHttp(ORDER_NO, SUB_MCHID, Body.example().bytes()));

    // then sub_mchid is reported, naming the query's value and the body's absence; the body is direct
    assertOnlyError(e.errors(), "sub_mchid", "in the query and absent from the body");
    assertTrue(e.errors().get(0).message().contains(SUB_MCHID));
    assertFalse(e.partner());
  }

  @Test
  void aQuerySubMchidOtherThanTheBodysIsRefusedNamingBoth() {
    // given ?sub_mchid=1900000110 and sub_mchid 1900000109 in the body
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> reader.readHttp(ORDER_NO, "1900000110", Body.partner().bytes()));

    // then sub_mchid is reported with both values; the exception names the body's sub-merchant
    assertOnlyError(e.errors(), "sub_mchid", "in the body and 1900000110 in the query");
    assertTrue(e.errors().get(0).message().contains(SUB_MCHID));
    assertTrue(e.partner());
    assertEquals(SUB_MCHID, e.subMchid());
  }

  @Test
  void aMalformedQuerySubMchidIsReportedAsSuch() {
    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, "abc", Body.partner().bytes()));

    assertOnlyError(errors, "sub_mchid", "1 to 32 digits");
  }

  // ---------------------------------------------------------------------------------------------
  // service_id
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"1", "2002000000000558128851361561536", "20020000000005581288513615615360"})
  void serviceIdOfOneTo32CharactersIsAccepted(String serviceId) {
    // given a service_id of 1, 31 or 32 characters; when read; then accepted
    assertAccepted(Body.example().set("service_id", serviceId));
  }

  @Test
  void missingServiceIdIsRejected() {
    // given a body without service_id
    Body body = Body.example().remove("service_id");

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then service_id is required
    assertOnlyError(errors, "service_id", "required");
  }

  @ParameterizedTest(name = "[{index}] {0} characters")
  @ValueSource(ints = {0, 33, 100})
  void serviceIdOfWrongLengthIsRejected(int length) {
    // given a service_id that is empty or longer than 32 characters
    Body body = Body.example().set("service_id", "2".repeat(length));

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then service_id is reported with its limits
    assertOnlyError(errors, "service_id", "1 to 32");
  }

  @Test
  void numericServiceIdIsRejected() {
    // given a service_id given as a JSON number
    Body body = Body.example().setRaw("service_id", "2002000000000558128851361561536");

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then service_id must be a string
    assertOnlyError(errors, "service_id", "string");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"true", "[\"S1\"]", "{\"id\":\"S1\"}"})
  void nonStringServiceIdIsRejected(String raw) {
    // given a service_id that is a boolean, array or object
    Body body = Body.example().setRaw("service_id", raw);

    // when it is read; then service_id must be a string
    assertOnlyError(httpErrors(body), "service_id", "string");
  }

  // ---------------------------------------------------------------------------------------------
  // post_payments
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] {0} items")
  @ValueSource(ints = {1, 2, 99, 100})
  void oneTo100PaymentsAreAccepted(int n) throws Exception {
    // given n payments of 1 fen each and a matching total
    Body body = Body.example().payments(n);

    // when it is read
    PendingMessage message = readHttp(body);

    // then every payment is kept, in order
    assertEquals(n, message.postPayments().size());
    assertEquals("item " + (n - 1), message.postPayments().get(n - 1).name());
  }

  @Test
  void missingPaymentsAreRejected() {
    // given a body without post_payments
    Body body = Body.example().remove("post_payments");

    // when it is read; then post_payments is required
    assertOnlyError(httpErrors(body), "post_payments", "required");
  }

  @Test
  void emptyPaymentsAreRejected() {
    // given "post_payments": []
    Body body = Body.example().set("post_payments", List.of());

    // when it is read; then post_payments must have 1 to 100 items
    assertOnlyError(httpErrors(body), "post_payments", "1 to 100");
  }

  @Test
  void over100PaymentsAreRejected() {
    // given 101 payments with a matching total
    Body body = Body.example().payments(101);

    // when it is read; then post_payments must have 1 to 100 items
    assertOnlyError(httpErrors(body), "post_payments", "1 to 100");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"\"就餐费用\"", "{\"name\":\"就餐费用\",\"amount\":40000}", "40000", "true"})
  void paymentsThatAreNotAnArrayAreRejected(String raw) {
    // given post_payments as a string, a single object, a number or a boolean
    Body body = Body.example().setRaw("post_payments", raw);

    // when it is read; then post_payments must be an array
    assertOnlyError(httpErrors(body), "post_payments", "array");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"\"就餐费用\"", "40000", "[]"})
  void paymentItemThatIsNotAnObjectIsRejectedAtItsIndex(String raw) {
    // given a second payment that is not an object
    Body body = Body.example().setRaw("post_payments[1]", raw);

    // when it is read; then that item is reported by index
    assertOnlyError(httpErrors(body), "post_payments[1]", "object");
  }

  @Test
  void paymentItemThatIsNullIsRejectedAtItsIndex() {
    // given a second payment that is null
    Body body = Body.example().set("post_payments[1]", null);

    // when it is read; then that item is reported by index
    assertOnlyError(httpErrors(body), "post_payments[1]", "null");
  }

  // --- post_payments[].name

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"a", "就", "12345678901234567890", "就餐费用就餐费用就餐费用就餐费用就餐费用", "满20减1元"})
  void paymentNameOfOneTo20CharactersIsAccepted(String name) {
    // given a payment name of 1 to 20 characters (a Chinese character counts as one)
    // when read; then accepted
    assertAccepted(Body.example().set("post_payments[0].name", name));
  }

  @Test
  void missingPaymentNameIsRejectedAtItsIndex() {
    // given four payments, the fourth without a name
    Body body = Body.example().payments(4).remove("post_payments[3].name");

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_payments[3].name is required
    assertOnlyError(errors, "post_payments[3].name", "required");
  }

  static Stream<Arguments> paymentNamesOfWrongLength() {
    return Stream.of(
        Arguments.of("empty", ""),
        Arguments.of("21 ASCII characters", "x".repeat(21)),
        Arguments.of("21 Chinese characters", HAN.repeat(21)),
        Arguments.of("20 Chinese and 1 ASCII", HAN.repeat(20) + "x"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("paymentNamesOfWrongLength")
  void paymentNameOfWrongLengthIsRejectedAtItsIndex(String label, String name) {
    // given four payments, the fourth with a name that is empty or longer than 20 characters
    Body body = Body.example().payments(4).set("post_payments[3].name", name);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_payments[3].name is reported with its limits
    assertOnlyError(errors, "post_payments[3].name", "1 to 20");
  }

  @Test
  void nonStringPaymentNameIsRejected() {
    // given a payment name that is a number
    Body body = Body.example().set("post_payments[0].name", 42);

    // when it is read; then the name must be a string
    assertOnlyError(httpErrors(body), "post_payments[0].name", "string");
  }

  // --- post_payments[].amount

  @Test
  void paymentAmountIsOptional() throws Exception {
    // given a payment without amount (total_amount then is not checked)
    Body body = Body.example().remove("post_payments[0].amount");

    // when it is read
    PendingMessage message = readHttp(body);

    // then the amount is absent
    assertEquals(null, message.postPayments().get(0).amount());
  }

  @Test
  void zeroPaymentAmountIsAccepted() {
    // given a free item: amount 0, and a total that accounts for it
    Body body = Body.example().set("post_payments[1]", Map.of("name", "赠品", "amount", 0));

    // when read; then accepted
    assertAccepted(body);
  }

  @Test
  void negativePaymentAmountIsRejected() {
    // given three payments, the third with a negative amount
    Body body = Body.example().payments(3).set("post_payments[2].amount", -1);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_payments[2].amount is reported (and total_amount is not, since the amounts are broken)
    assertOnlyError(errors, "post_payments[2].amount", "at least 0");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"1.5", "1e3", "4e4", "40000.0", "-0.0", "\"40000\"", "true", "[40000]"})
  void paymentAmountThatIsNotAJsonIntegerIsRejected(String raw) {
    // given a payment amount that is a fraction, an exponent, a string, a boolean or an array
    Body body = Body.example().setRaw("post_payments[0].amount", raw);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the amount must be an integer
    assertOnlyError(errors, "post_payments[0].amount", "integer");
  }

  @Test
  void paymentAmountBeyond64BitsIsRejected() {
    // given a payment amount larger than any long
    Body body = Body.example().setRaw("post_payments[0].amount", "99999999999999999999999");

    // when it is read; then the amount is out of range
    assertOnlyError(httpErrors(body), "post_payments[0].amount", "range");
  }

  // --- post_payments[].description

  @ParameterizedTest(name = "[{index}] {0} characters")
  @ValueSource(ints = {0, 1, 29, 30})
  void paymentDescriptionOfAtMost30CharactersIsAccepted(int length) {
    // given a description of up to 30 Chinese characters; when read; then accepted
    assertAccepted(Body.example().set("post_payments[0].description", HAN.repeat(length)));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("descriptionsOf31Characters")
  void paymentDescriptionOf31CharactersIsRejected(String description, String label) {
    // given a description of 31 characters
    Body body = Body.example().set("post_payments[0].description", description);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_payments[0].description is reported with its limit
    assertOnlyError(errors, "post_payments[0].description", "at most 30");
  }

  static Stream<Arguments> descriptionsOf31Characters() {
    return Stream.of(
        Arguments.of("d".repeat(31), "31 ASCII"),
        Arguments.of(HAN.repeat(31), "31 Chinese"),
        Arguments.of("就餐人均100元".repeat(3) + "一二三四五六七", "mixed"));
  }

  @Test
  void nonStringPaymentDescriptionIsRejected() {
    // given a description that is a number; when read; then it must be a string
    assertOnlyError(httpErrors(Body.example().set("post_payments[0].description", 100)),
        "post_payments[0].description", "string");
  }

  // --- post_payments[].count

  @ParameterizedTest(name = "[{index}] count {0}")
  @ValueSource(ints = {1, 2, 99, 100})
  void paymentCountFrom1To100IsAccepted(int count) {
    // given a payment count in 1..100 (it does not multiply the amount); when read; then accepted
    assertAccepted(Body.example().set("post_payments[0].count", count));
  }

  @ParameterizedTest(name = "[{index}] count {0}")
  @ValueSource(ints = {0, 101, -1, 1000})
  void paymentCountOutside1To100IsRejected(int count) {
    // given two payments, the second with a count outside 1..100
    Body body = Body.example().payments(2).set("post_payments[1].count", count);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_payments[1].count is reported with its range
    assertOnlyError(errors, "post_payments[1].count", "1 to 100");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"1.5", "4.0", "1e1", "\"4\""})
  void paymentCountThatIsNotAJsonIntegerIsRejected(String raw) {
    // given a count that is a fraction, an exponent or a string
    Body body = Body.example().setRaw("post_payments[0].count", raw);

    // when it is read; then it must be an integer
    assertOnlyError(httpErrors(body), "post_payments[0].count", "integer");
  }

  // ---------------------------------------------------------------------------------------------
  // post_discounts
  // ---------------------------------------------------------------------------------------------

  @Test
  void discountsAreOptional() throws Exception {
    // given a body without post_discounts and a total without the discount
    Body body = Body.example().remove("post_discounts").set("total_amount", 40000);

    // when it is read
    PendingMessage message = readHttp(body);

    // then there are no discounts
    assertEquals(List.of(), message.postDiscounts());
  }

  @Test
  void emptyDiscountsAreAccepted() throws Exception {
    // given "post_discounts": []
    Body body = Body.example().set("post_discounts", List.of()).set("total_amount", 40000);

    // when it is read; then there are no discounts
    assertEquals(List.of(), readHttp(body).postDiscounts());
  }

  @ParameterizedTest(name = "[{index}] {0} items")
  @ValueSource(ints = {1, 29, 30})
  void upTo30DiscountsAreAccepted(int n) throws Exception {
    // given up to 30 discounts with distinct names; when read; then all are kept
    assertEquals(n, readHttp(Body.example().discounts(n)).postDiscounts().size());
  }

  @Test
  void over30DiscountsAreRejected() {
    // given 31 discounts with distinct names
    Body body = Body.example().discounts(31);

    // when it is read; then post_discounts must have at most 30 items
    assertOnlyError(httpErrors(body), "post_discounts", "at most 30");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"\"满20减1元\"", "{\"name\":\"满20减1元\",\"amount\":100}", "100"})
  void discountsThatAreNotAnArrayAreRejected(String raw) {
    // given post_discounts that is a string, a single object or a number
    Body body = Body.example().setRaw("post_discounts", raw);

    // when it is read; then post_discounts must be an array
    assertOnlyError(httpErrors(body), "post_discounts", "array");
  }

  @Test
  void duplicateDiscountNameIsReportedAtTheSecondOccurrence() {
    // given three discounts where the third repeats the first one's name
    Body body = Body.example()
        .set("post_discounts[1]", Map.of("name", "会员折扣"))
        .set("post_discounts[2]", Map.of("name", "满20减1元"));

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the repeat is reported at its own index, pointing at the first
    assertOnlyError(errors, "post_discounts[2].name", "post_discounts[0]");
    assertError(errors.get(0), "post_discounts[2].name", "unique");
  }

  @Test
  void eachRepeatOfADiscountNameIsReported() {
    // given a discount name used three times
    Body body = Body.example()
        .set("post_discounts[1]", Map.of("name", "满20减1元"))
        .set("post_discounts[2]", Map.of("name", "满20减1元"));

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then the second and third uses are both reported
    assertEquals(List.of("post_discounts[1].name", "post_discounts[2].name"), fields(errors));
  }

  @Test
  void discountNamesDifferingOnlyInCaseAreDistinct() {
    // given discounts "VIP" and "vip"; when read; then accepted
    assertAccepted(Body.example().discounts(2)
        .set("post_discounts[0].name", "VIP")
        .set("post_discounts[1].name", "vip"));
  }

  @Test
  void missingDiscountNameIsRejectedAtItsIndex() {
    // given two discounts, the second without a name
    Body body = Body.example().set("post_discounts[1]", Map.of("amount", 0));

    // when it is read; then post_discounts[1].name is required
    assertOnlyError(httpErrors(body), "post_discounts[1].name", "required");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("paymentNamesOfWrongLength")
  void discountNameOfWrongLengthIsRejectedAtItsIndex(String label, String name) {
    // given two discounts, the second with a name that is empty or longer than 20 characters
    Body body = Body.example().discounts(2).set("post_discounts[1].name", name);

    // when it is read; then post_discounts[1].name is reported with its limits
    assertOnlyError(httpErrors(body), "post_discounts[1].name", "1 to 20");
  }

  @Test
  void discountNameOf20ChineseCharactersIsAccepted() {
    assertAccepted(Body.example().set("post_discounts[0].name", HAN.repeat(20)));
  }

  @Test
  void discountDescriptionOf31CharactersIsRejected() {
    // given a discount description of 31 characters
    Body body = Body.example().set("post_discounts[0].description", HAN.repeat(31));

    // when it is read; then post_discounts[0].description is reported
    assertOnlyError(httpErrors(body), "post_discounts[0].description", "at most 30");
  }

  @Test
  void discountDescriptionOf30CharactersIsAccepted() {
    assertAccepted(Body.example().set("post_discounts[0].description", HAN.repeat(30)));
  }

  @Test
  void negativeDiscountAmountIsRejected() {
    // given a discount with a negative amount
    Body body = Body.example().set("post_discounts[0].amount", -100);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then post_discounts[0].amount is reported (and total_amount is not)
    assertOnlyError(errors, "post_discounts[0].amount", "at least 0");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"0.5", "1e2", "\"100\""})
  void discountAmountThatIsNotAJsonIntegerIsRejected(String raw) {
    assertOnlyError(httpErrors(Body.example().setRaw("post_discounts[0].amount", raw)),
        "post_discounts[0].amount", "integer");
  }

  @ParameterizedTest(name = "[{index}] count {0}")
  @ValueSource(ints = {0, -1})
  void discountCountBelowOneIsRejected(int count) {
    // given two discounts, the second with count below 1
    Body body = Body.example().discounts(2).set("post_discounts[1].count", count);

    // when it is read; then post_discounts[1].count is reported
    assertOnlyError(httpErrors(body), "post_discounts[1].count", "at least 1");
  }

  @ParameterizedTest(name = "[{index}] count {0}")
  @ValueSource(ints = {1, 101, 1000})
  void discountCountHasNoUpperLimitOf100(int count) {
    // given a discount count of 1 or more (the contract gives no upper bound); when read; then accepted
    assertAccepted(Body.example().set("post_discounts[0].count", count));
  }

  @Test
  void discountCountThatIsNotAJsonIntegerIsRejected() {
    assertOnlyError(httpErrors(Body.example().setRaw("post_discounts[0].count", "1.5")),
        "post_discounts[0].count", "integer");
  }

  // ---------------------------------------------------------------------------------------------
  // total_amount
  // ---------------------------------------------------------------------------------------------

  @Test
  void missingTotalIsRejected() {
    assertOnlyError(httpErrors(Body.example().remove("total_amount")), "total_amount", "required");
  }

  @Test
  void negativeTotalIsRejected() {
    // given payments without amounts (so the sum is not checked) and a negative total
    Body body = Body.example().remove("post_payments[0].amount").set("total_amount", -1);

    // when it is read; then total_amount must be at least 0
    assertOnlyError(httpErrors(body), "total_amount", "at least 0");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"39900.0", "3.99e4", "\"39900\"", "null"})
  void totalThatIsNotAJsonIntegerIsRejected(String raw) {
    // given a total that is a fraction, an exponent, a string or null
    Body body = Body.example().setRaw("total_amount", raw);

    // when it is read; then total_amount is reported
    assertOnlyError(httpErrors(body), "total_amount", "integer", "null");
  }

  @Test
  void totalNotEqualToPaymentsMinusDiscountsIsRejectedWithTheExpectedSum() {
    // given payments of 40000 and a discount of 100, and a total of 40000
    Body body = Body.example().set("total_amount", 40000);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then total_amount is reported, naming the sum it should be
    assertOnlyError(errors, "total_amount", "39900");
  }

  @Test
  void countIsNotMultipliedIntoTheTotal() {
    // given a payment of 40000 with count 4 and a total of 4 × 40000 − 100
    Body body = Body.example().set("total_amount", 4 * 40000 - 100);

    // when it is read; then the total is wrong: count is informational only
    assertOnlyError(httpErrors(body), "total_amount", "39900");
  }

  @Test
  void totalIsSumOfAllPaymentsMinusAllDiscounts() {
    // given payments 100 + 200 + 300 and discounts 50 + 25
    Body body = Body.minimal()
        .set("post_payments", List.of(
            Map.of("name", "a", "amount", 100), Map.of("name", "b", "amount", 200), Map.of("name", "c", "amount", 300)))
        .set("post_discounts", List.of(Map.of("name", "x", "amount", 50), Map.of("name", "y", "amount", 25)));

    // when the total is 525 it is accepted; 600 is rejected
    assertAccepted(body.set("total_amount", 525));
    assertOnlyError(httpErrors(body.set("total_amount", 600)), "total_amount", "525");
  }

  @Test
  void totalIsNotCheckedWhenSomePaymentHasNoAmount() throws Exception {
    // given two payments, one of them without amount, and an arbitrary total
    Body body = Body.example()
        .set("post_payments[1]", Map.of("name", "服务费"))
        .set("total_amount", 12345);

    // when it is read
    PendingMessage message = readHttp(body);

    // then it is accepted as given
    assertEquals(12345L, message.totalAmount());
  }

  @Test
  void discountWithoutAmountCountsAsZero() {
    // given a payment of 40000 and a discount without amount
    Body body = Body.example().remove("post_discounts[0].amount");

    // when the total is 40000 it is accepted; 39900 is rejected naming 40000
    assertAccepted(body.set("total_amount", 40000));
    assertOnlyError(httpErrors(body.set("total_amount", 39900)), "total_amount", "40000");
  }

  @Test
  void totalWhenDiscountsExceedPaymentsCannotMatch() {
    // given a payment of 100 and a discount of 200; the sum is negative
    Body body = Body.minimal()
        .set("post_payments[0].amount", 100)
        .set("post_discounts", List.of(Map.of("name", "x", "amount", 200)))
        .set("total_amount", 0);

    // when it is read; then total_amount is reported
    assertOnlyError(httpErrors(body), "total_amount", "-100");
  }

  @Test
  void totalOfZeroWithFreeItemsIsAccepted() {
    assertAccepted(Body.minimal().set("post_payments[0].amount", 0).set("total_amount", 0));
  }

  @Test
  void sumBeyond64BitsIsReportedNotThrown() {
    // given two payments of Long.MAX_VALUE each
    Body body = Body.minimal()
        .set("post_payments", List.of(
            Map.of("name", "a", "amount", Long.MAX_VALUE), Map.of("name", "b", "amount", Long.MAX_VALUE)))
        .set("total_amount", 1);

    // when it is read; then the sum is computed exactly and total_amount named with it
    assertOnlyError(httpErrors(body), "total_amount", "18446744073709551614");
  }

  @Test
  void largeAmountsAreCheckedExactly() throws Exception {
    // given amounts beyond double precision (2^53 + 1)
    long big = 9_007_199_254_740_993L;
    Body body = Body.minimal().set("post_payments[0].amount", big).set("total_amount", big);

    // when it is read; then the exact value is kept and one fen less is rejected
    assertEquals(big, readHttp(body).totalAmount());
    assertOnlyError(httpErrors(body.set("total_amount", big - 1)), "total_amount", String.valueOf(big));
  }

  // ---------------------------------------------------------------------------------------------
  // prepaid_time
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"20231218", "20240229", "20000229", "19991231", "20230101", "20231231"})
  void prepaidTimeThatIsARealDateIsAccepted(String date) throws Exception {
    assertEquals(date, readHttp(Body.example().set("prepaid_time", date)).prepaidTime());
  }

  @Test
  void missingPrepaidTimeIsRejected() {
    assertOnlyError(httpErrors(Body.example().remove("prepaid_time")), "prepaid_time", "required");
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"2023-12-18", "2023121", "202312180", "", "abcdefgh", "2023121a", "20231218 ",
      " 2023121", "+2023121", "-2023121", "２０２３１２１８", "2023/1/8", "20231218000000"})
  void prepaidTimeNotInYyyymmddFormIsRejected(String text) {
    // given a prepaid_time that is not 8 ASCII digits
    Body body = Body.example().set("prepaid_time", text);

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then prepaid_time is reported, naming the expected form
    assertOnlyError(errors, "prepaid_time", "YYYYMMDD", "8 characters");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"20230230", "20231301", "20230229", "21000229", "20231200", "20230001", "20230431",
      "00000000"})
  void prepaidTimeThatIsNotARealDateIsRejected(String text) {
    // given eight digits that name no calendar date (Feb 30, month 13, Feb 29 of a common year, day 0)
    Body body = Body.example().set("prepaid_time", text);

    // when it is read; then prepaid_time is reported as not a real date
    assertOnlyError(httpErrors(body), "prepaid_time", "real calendar date");
  }

  @Test
  void leapDayIsValidOnlyInLeapYears() throws Exception {
    // given Feb 29 of 2024 (leap) and of 2023 (common)
    // then 2024 is accepted and 2023 rejected
    assertEquals("20240229", readHttp(Body.example().set("prepaid_time", "20240229")).prepaidTime());
    assertOnlyError(httpErrors(Body.example().set("prepaid_time", "20230229")), "prepaid_time", "real calendar date");
  }

  @Test
  void numericPrepaidTimeIsRejected() {
    assertOnlyError(httpErrors(Body.example().setRaw("prepaid_time", "20231218")), "prepaid_time", "string");
  }

  // ---------------------------------------------------------------------------------------------
  // All violations at once
  // ---------------------------------------------------------------------------------------------

  @Test
  void threeBrokenFieldsGiveThreeErrorsInDocumentOrder() {
    // given a body with an empty service_id, a payment count of 0 and Feb 30
    Body body = Body.example()
        .set("service_id", "")
        .set("post_payments[0].count", 0)
        .set("prepaid_time", "20230230");

    // when it is read
    List<FieldError> errors = httpErrors(body);

    // then all three are reported, in the order they appear
    assertEquals(List.of("service_id", "post_payments[0].count", "prepaid_time"), fields(errors));
  }

  @Test
  void everyBrokenFieldIsReportedAcrossItems() {
    // given a bad path order number and breaks in several items and top-level fields
    Body body = Body.example().payments(3)
        .set("post_payments[0].name", "")
        .set("post_payments[2].amount", -5)
        .set("post_payments[2].count", 101)
        .set("post_discounts", List.of(Map.of("name", "a"), Map.of("name", "a", "count", 0)))
        .set("total_amount", -1)
        .remove("prepaid_time");

    // when it is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp("bad order", body.bytes()));

    // then each violation is reported once, with its own path
    assertEquals(List.of(
        "out_order_no",
        "post_payments[0].name",
        "post_payments[2].amount",
        "post_payments[2].count",
        "post_discounts[1].count",
        "post_discounts[1].name",
        "total_amount",
        "prepaid_time"), fields(errors));
  }

  @Test
  void exceptionMessageSummarisesEveryError() {
    // given two broken fields
    Body body = Body.example().set("service_id", "").set("prepaid_time", "2023");

    // when it is read
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> readHttp(body));

    // then the exception message names both fields, and the error list cannot be changed
    assertTrue(e.getMessage().contains("service_id"), e.getMessage());
    assertTrue(e.getMessage().contains("prepaid_time"), e.getMessage());
    assertThrows(UnsupportedOperationException.class, () -> e.errors().add(new FieldError("x", "y")));
  }

  @Test
  void errorsComeUnknownFieldsFirstThenInTheContractsRuleOrderWhateverTheKeyOrder() {
    // given a body whose keys are in an unusual order: prepaid_time, an unknown field, then service_id
    String json = """
        {"prepaid_time":"20230230","foo":1,"service_id":"",\
        "post_payments":[{"name":"就餐费用","amount":40000}],"total_amount":40000}""";

    // when it is read
    List<FieldError> errors = errorsOf(() -> reader.readHttp(ORDER_NO, RequestBodies.utf8(json)));

    // then unknown fields come first, then the rules in the order of the contract's table
    assertEquals(List.of("foo", "service_id", "prepaid_time"), fields(errors));
  }
}
