package payscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static payscore.FunctionGraph.BODY;
import static payscore.FunctionGraph.DLQ_URL;
import static payscore.FunctionGraph.MCHID;
import static payscore.FunctionGraph.ORDER;
import static payscore.FunctionGraph.batchItemFailures;
import static payscore.LoopbackWeChatPay.accepted;
import static payscore.LoopbackWeChatPay.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import payscore.Events.Message;
import payscore.FaultyIdempotencyStore.Fault;
import payscore.FaultyIdempotencyStore.Verb;
import payscore.FunctionGraph.Counted;
import payscore.RecordingDeadLetterSender.Parked;
import payscore.SendRow.Left;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.observe.OutcomeLog.Metric;
import payscore.send.Outcome.Disposition;
import payscore.send.PendingMessageService;
import payscore.trigger.SqsHandler;
import payscore.wechatpay.WeChatPayClient;

/**
 * The queue function's whole graph, driven through {@code function.sqs().handle(event, end)} with
 * real-shaped SQS batches: for each row of the outcome table, the batch response (which messages
 * SQS delivers again), what is parked in the DLQ and how, what reaches WeChat Pay, what the store
 * keeps, and the one metric each message counts under.
 */
@ExtendWith(NativeCryptoForTheClass.class)
class QueueTriggerGraphTest {
  static final String MESSAGE_ID = "0b5e3c2a-1111-4c5e-9b7a-000000000001";

  FunctionGraph graph;

  @BeforeEach
  void build() throws IOException {
    graph = FunctionGraph.start();
  }

  @AfterEach
  void close() {
    graph.close();
  }

  // ---- Every row of the outcome table.

  @ParameterizedTest(name = "{0}")
  @EnumSource(SendRow.class)
  void givenHowASendEnds_whenQueued_thenBatchResponseDeadLetterQueueWeChatStoreAndMetricFollowItsRow(SendRow row) {
    // given
    row.given.accept(graph);
    SendRow.Expect expect = row.expect;
    String body = Events.queued(ORDER, row.body);

    // when
    ObjectNode response = graph.sqs(Events.sqsBatch(new Message(MESSAGE_ID, body)), row.invocation);

    // then: SQS delivers again exactly what the row retries
    assertEquals(expect.disposition() == Disposition.RETRY ? List.of(MESSAGE_ID) : List.of(),
        batchItemFailures(response));

    // then: what the row parks is in the DLQ unchanged, with the row's code and message
    List<Parked> parked = graph.deadLetters.parked();
    if (expect.disposition() == Disposition.PARK) {
      assertEquals(1, parked.size(), parked::toString);
      Parked only = parked.get(0);
      assertEquals(DLQ_URL, only.queueUrl());
      assertEquals(body, only.body(), "parked unchanged");
      assertEquals(expect.code(), only.attribute("error_code"));
      assertFalse(only.attribute("error_message").isBlank());
      FunctionGraph.assertNoKeyMaterial(only.attribute("error_message"));
      assertEquals(MESSAGE_ID, only.attribute("source_message_id"));
    } else {
      assertEquals(0, graph.deadLetters.attempts(), parked::toString);
    }

    // then: what reached WeChat Pay
    List<LoopbackWeChatPay.Request> requests = graph.wechat.requests();
    assertEquals(expect.wechatCalls(), requests.size(), requests::toString);
    for (LoopbackWeChatPay.Request request : requests) {
      assertEquals(WeChatPayClient.pendingMessagePath(ORDER), request.rawPath());
      assertEquals(BODY, request.bodyText(), "out_order_no is in the path, not the body");
      assertTrue(request.signedBy(FunctionGraph.MERCHANT_PUBLIC_KEY));
    }

    // then: the record
    assertEquals(expect.left(), Left.of(graph.record().orElse(null)));

    // then: one metric for the message, and its log line
    assertEquals(1, graph.counted().size(), () -> graph.lines().toString());
    Counted counted = graph.countedFor(MESSAGE_ID, expect.metric());
    assertEquals(expect.warn() ? "WARN" : "INFO", counted.line().path("level").asText());
    assertEquals(expect.sqsResult(), counted.line().path("result").asText());
    assertEquals(expect.errorCode(), counted.line().path("error_code").asText(null));
    assertEquals(ORDER, counted.line().path("out_order_no").asText());
  }

  // ---- Batches.

  @Test
  void givenTheSampleBatch_whenHandled_thenTheFirstIsSentItsDuplicateReplayedAndTheInvalidOneParked() {
    ObjectNode batch = Events.sqsBatchFile();
    JsonNode records = batch.get("Records");
    String sent = records.get(0).get("messageId").asText();
    String duplicate = records.get(1).get("messageId").asText();
    String invalid = records.get(2).get("messageId").asText();
    graph.wechat.answer(accepted());

    ObjectNode response = graph.sqs(batch);

    assertEquals(List.of(), batchItemFailures(response));
    assertEquals(List.of(WeChatPayClient.pendingMessagePath("ORDER-SQS-0001")),
        graph.wechat.requests().stream().map(LoopbackWeChatPay.Request::rawPath).toList());
    assertEquals("SENT", graph.countedFor(sent, Metric.Sent).line().path("result").asText());
    // A repeat inside one batch counts as Replayed: one acceptance is one Sent.
    assertEquals("REPLAYED", graph.countedFor(duplicate, Metric.Replayed).line().path("result").asText());
    assertEquals("PARKED", graph.countedFor(invalid, Metric.Invalid).line().path("result").asText());
    assertEquals(3, graph.counted().size());
    Parked parked = graph.deadLetters.parked().get(0);
    assertEquals(1, graph.deadLetters.parked().size());
    assertEquals(records.get(2).get("body").asText(), parked.body());
    assertEquals("INVALID_REQUEST", parked.attribute("error_code"));
    assertTrue(parked.attribute("error_message").contains("prepaid_time"), parked.attribute("error_message"));
    assertEquals(State.SENT,
        graph.store.record(PendingMessageService.key(MCHID, null, "ORDER-SQS-0001")).orElseThrow().state());
  }

  @Test
  void givenAMessageSent_whenSqsDeliversItAgain_thenItIsReplayedAndAcknowledged() {
    String body = Events.queued(ORDER, BODY);
    graph.wechat.answer(accepted());
    graph.sqs(Events.sqsBatch(new Message(MESSAGE_ID, body)));
    graph.forget();

    ObjectNode response = graph.sqs(Events.sqsBatch(new Message(MESSAGE_ID, body)));

    assertEquals(List.of(), batchItemFailures(response));
    assertEquals("REPLAYED", graph.countedFor(MESSAGE_ID, Metric.Replayed).line().path("result").asText());
    assertEquals(List.of(), graph.wechat.requests());
  }

  @Test
  void givenOrdersThatEndDifferently_whenInOneBatch_thenEachMessageGetsItsOwnRowAndMetric() {
    graph.wechat.answer(WeChatPayClient.pendingMessagePath("ORDER-A"), accepted());
    graph.wechat.answer(WeChatPayClient.pendingMessagePath("ORDER-B"), error(400, "PARAM_ERROR", "参数错误"));
    graph.wechat.answer(WeChatPayClient.pendingMessagePath("ORDER-C"), error(429, "FREQUENCY_LIMITED", "频率超限"));

    ObjectNode response = graph.sqs(Events.sqsBatch(new Message("a", Events.queued("ORDER-A", BODY)),
        new Message("b", Events.queued("ORDER-B", BODY)), new Message("c", Events.queued("ORDER-C", BODY))));

    assertEquals(List.of("c"), batchItemFailures(response));
    assertEquals(List.of("b"), graph.deadLetters.parked().stream().map(p -> p.attribute("source_message_id")).toList());
    assertEquals(3, graph.wechat.requests().size());
    graph.countedFor("a", Metric.Sent);
    graph.countedFor("b", Metric.Rejected);
    graph.countedFor("c", Metric.Failed);
    assertEquals(3, graph.counted().size());
  }

  @Test
  void givenAPartnerMessage_thenItIsSentOnThePartnerPathAndRecordedUnderItsSubMerchant() {
    String body = "{\"sub_mchid\":\"1900000109\"," + Events.queued(ORDER, BODY).substring(1);
    graph.wechat.answer(accepted());

    ObjectNode response = graph.sqs(Events.sqsBatch(new Message(MESSAGE_ID, body)));

    assertEquals(List.of(), batchItemFailures(response));
    LoopbackWeChatPay.Request request = graph.wechat.requests().get(0);
    assertEquals(WeChatPayClient.pendingMessagePath("1900000109", ORDER), request.rawPath());
    assertEquals("{\"sub_mchid\":\"1900000109\"," + BODY.substring(1), request.bodyText());
    assertEquals(State.SENT,
        graph.store.record(PendingMessageService.key(MCHID, "1900000109", ORDER)).orElseThrow().state());
    assertTrue(graph.record().isEmpty(), "not under the direct merchant's key");
    Counted counted = graph.countedFor(MESSAGE_ID, Metric.Sent);
    assertEquals("partner", counted.line().path("mode").asText());
    assertEquals("1900000109", counted.line().path("sub_mchid").asText());
    assertEquals("partner", counted.metric().path("Mode").asText());
  }

  // ---- Parking.

  @Test
  void givenAMessageWithAttributes_whenParked_thenItsAttributesAreKeptBesideTheErrorOnes() {
    graph.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));
    ObjectNode batch = Events.sqsBatch(new Message(MESSAGE_ID, Events.queued(ORDER, BODY)));
    ObjectNode attributes = ((ObjectNode) batch.get("Records").get(0)).putObject("messageAttributes");
    attributes.putObject("tenant").put("stringValue", "t-42").put("dataType", "String");
    attributes.putObject("error_code").put("stringValue", "FROM_THE_SENDER").put("dataType", "String");

    graph.sqs(batch);

    Parked parked = graph.deadLetters.parked().get(0);
    assertEquals("t-42", parked.attribute("tenant"));
    assertEquals("WECHATPAY_REJECTED", parked.attribute("error_code"), "the function's own attribute wins");
    assertTrue(parked.attribute("error_message").contains("PARAM_ERROR"), parked.attribute("error_message"));
    assertEquals(Set.of("tenant", "error_code", "error_message", "source_message_id"), parked.attributes().keySet());
  }

  @Test
  void givenTheDeadLetterQueueFails_whenAMessageIsParked_thenItGoesBackToTheQueueStillCountedOnce() {
    graph.wechat.answer(error(400, "PARAM_ERROR", "参数错误"));
    graph.deadLetters.failEverySend();

    ObjectNode response = graph.sqs(Events.sqsBatch(new Message(MESSAGE_ID, Events.queued(ORDER, BODY))));

    assertEquals(List.of(MESSAGE_ID), batchItemFailures(response));
    assertEquals(1, graph.deadLetters.attempts());
    Counted counted = graph.countedFor(MESSAGE_ID, Metric.Rejected);
    assertEquals("RETRY", counted.line().path("result").asText());
    assertEquals(List.of("park_failed"),
        graph.problems().stream().map(line -> line.path("event").asText()).toList());
  }

  @Test
  void givenNoDeadLetterQueueConfigured_thenEveryMessageGoesBackAndNothingIsSent() throws IOException {
    graph.close();
    graph = FunctionGraph.start(env -> env.remove("DEAD_LETTER_QUEUE_URL"));

    ObjectNode response = graph.sqs(Events.sqsBatchFile());

    assertEquals(3, batchItemFailures(response).size());
    assertEquals(List.of(), graph.wechat.requests());
    assertEquals(List.of(), graph.store.calls());
    assertEquals(List.of(), graph.counted());
    assertTrue(graph.problems().get(0).path("message").asText().contains("DEAD_LETTER_QUEUE_URL"));
  }

  // ---- The invocation's end.

  @Test
  void givenOrdersStillRunningWhenTheResponseIsDue_thenTheyGoBackAsUnfinishedCountedByWhetherTheyReachedWeChat()
      throws Exception {
    // given: B waits on its claim, C on WeChat; A's answer comes only then, and takes the rest of the invocation
    String pathC = WeChatPayClient.pendingMessagePath("ORDER-C");
    String keyB = PendingMessageService.key(MCHID, null, "ORDER-B");
    CountDownLatch releaseB = new CountDownLatch(1);
    graph.store.failNext(keyB, Verb.CLAIM, Fault.heldUntil(releaseB));
    graph.wechat.answer(pathC, LoopbackWeChatPay.stall());
    graph.wechat.answer(WeChatPayClient.pendingMessagePath("ORDER-A"), accepted().before(() -> {
      try {
        assertTrue(graph.wechat.awaitRequest(pathC, 5_000), "C reached WeChat");
        long waited = 0;
        while (graph.store.calls().stream().noneMatch(c -> c.key().equals(keyB)) && waited < 5_000) {
          Thread.sleep(5);
          waited += 5;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      graph.clock.advance(FunctionGraph.INVOCATION);
    }));
    ObjectNode batch = Events.sqsBatch(new Message("a", Events.queued("ORDER-A", BODY)),
        new Message("b", Events.queued("ORDER-B", BODY)), new Message("c", Events.queued("ORDER-C", BODY)),
        new Message("c-again", Events.queued("ORDER-C", BODY)));

    try {
      // when
      ObjectNode response = graph.sqs(batch);

      // then
      assertEquals(List.of("b", "c", "c-again"), batchItemFailures(response));
      assertEquals("SENT", graph.countedFor("a", Metric.Sent).line().path("result").asText());
      Counted b = graph.countedFor("b", Metric.Failed);
      assertEquals("UNFINISHED", b.line().path("error_code").asText());
      assertEquals("RETRY", b.line().path("result").asText());
      Counted c = graph.countedFor("c", Metric.Uncertain);
      assertEquals("UNFINISHED", c.line().path("error_code").asText());
      // A repeat inside the batch shares its first message's end, counted as Replayed.
      assertEquals("UNFINISHED", graph.countedFor("c-again", Metric.Replayed).line().path("error_code").asText());
      assertEquals(4, graph.counted().size());
      assertEquals(Set.of("order ORDER-B", "order ORDER-C"), graph.problems().stream()
          .filter(line -> line.path("event").asText().equals("order_unfinished"))
          .map(line -> line.path("message").asText().replaceAll(" did not finish.*", ""))
          .collect(Collectors.toSet()));
      assertEquals(List.of(), graph.deadLetters.parked());
    } finally {
      releaseB.countDown();
    }
  }

  // ---- A function that could not be built.

  @Test
  void givenTheFunctionCouldNotBeBuilt_thenEveryMessageGoesBackToTheQueue() {
    ObjectNode batch = Events.sqsBatchFile();

    ObjectNode response = SqsHandler.unavailable(batch);

    List<String> ids = batch.findValuesAsText("messageId");
    assertEquals(ids, batchItemFailures(response));
    assertEquals(3, ids.size());
  }
}
