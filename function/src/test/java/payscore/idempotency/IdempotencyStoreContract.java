package payscore.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;

/**
 * The rules of an {@link IdempotencyStore}, each proved once. Every store runs these same tests:
 * {@code InMemoryIdempotencyStoreTest} in the fast suite, {@code DynamoDbIdempotencyStoreTest} on
 * moto, so the in-memory store that the service tests use is known to behave as DynamoDB does.
 * Time is passed in as instants; nothing waits.
 */
public abstract class IdempotencyStoreContract {
  static final Instant T0 = Instant.parse("2025-03-01T08:00:00.250Z");
  static final Duration LEASE = Duration.ofSeconds(30);
  static final Duration LIFETIME = Duration.ofDays(30);
  static final String BODY_A = "9f2c0a6ad3b1e0c5a7f4d2b8e6c1a3f5d7b9e2c4a6f8d0b2e4c6a8f0d2b4e6c8";
  static final String BODY_B = "1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b3d";
  static final LastError TIMEOUT = new LastError(0, "TIMEOUT", "no answer from api.mch.weixin.qq.com within 3000 ms");
  static final LastError SYSTEM_ERROR = new LastError(500, "SYSTEM_ERROR", "系统错误");
  static final LastError INVALID_REQUEST = new LastError(400, "INVALID_REQUEST", "订单状态不正确");

  private IdempotencyStore store;
  private String key;

  /** A store to test; each test uses a key of its own, so stores may share a table. */
  protected abstract IdempotencyStore newStore();

  @BeforeEach
  void newStoreAndKey(TestInfo test) {
    store = newStore();
    key = "1900000001#" + test.getTestMethod().orElseThrow().getName() + "-" + UUID.randomUUID();
  }

  @Test
  void aNewOrderIsGrantedAndRecordedInProgress() {
    Claim.Granted granted = granted(claim(BODY_A, "token-1", T0));

    assertNull(granted.previous());
    assertEquals(1, granted.attempt());
    assertEquals("token-1", granted.token());
    IdempotencyRecord record = record();
    assertEquals(key, record.key());
    assertEquals(State.IN_PROGRESS, record.state());
    assertEquals(BODY_A, record.payloadHash());
    assertEquals(T0.plus(LEASE), record.leaseUntil());
    assertEquals("token-1", record.leaseToken());
    assertFalse(record.needsReview());
    assertEquals(1, record.attempts());
    assertEquals(T0, record.createdAt());
    assertEquals(T0, record.updatedAt());
    assertNull(record.sentAt());
    assertNull(record.wechatpayRequestId());
    assertNull(record.lastError());
    assertEquals(expiresFrom(T0), record.expiresAt());
  }

  @Test
  void aLiveLeaseRefusesEveryBodyWithTheHoldersRecord() {
    claim(BODY_A, "holder", T0);
    IdempotencyRecord held = record();

    Claim.Refused otherBody = refused(claim(BODY_B, "second", T0.plusSeconds(1)));
    // The lease's last instant still belongs to the holder: it must have passed.
    Claim.Refused sameBody = refused(claim(BODY_A, "third", T0.plus(LEASE)));

    assertEquals(held, sameBody.current());
    assertEquals(held, otherBody.current());
    assertEquals(held, record());
  }

  @Test
  void theSameBodyTakesOverOnceTheLeaseHasPassedAndCountsAsMaybeSent() {
    claim(BODY_A, "crashed", T0); // the claim is the mark that the request leaves; then the holder died
    Instant afterLease = T0.plus(LEASE).plusMillis(1);

    Claim.Granted takeover = granted(claim(BODY_A, "successor", afterLease));

    assertEquals(State.IN_PROGRESS, takeover.previous().state());
    assertEquals("crashed", takeover.previous().leaseToken());
    assertTrue(takeover.mayHaveBeenSentBefore());
    assertEquals(2, takeover.attempt());
    IdempotencyRecord record = record();
    assertEquals("successor", record.leaseToken());
    assertEquals(afterLease.plus(LEASE), record.leaseUntil());
    assertEquals(2, record.attempts());
    assertEquals(T0, record.createdAt());
    assertEquals(afterLease, record.updatedAt());
  }

  @Test
  void aDifferentBodyIsRefusedEvenAfterTheLeaseHasPassed() {
    claim(BODY_A, "crashed", T0);
    IdempotencyRecord held = record();

    Claim.Refused refused = refused(claim(BODY_B, "other", T0.plus(LEASE).plusSeconds(60)));

    assertEquals(held, refused.current());
    assertEquals(held, record());
  }

  @Test
  void aRejectedOrderIsClaimableAgainWithAnyBody() {
    claim(BODY_A, "first", T0);
    finish(BODY_A, "first", Finish.rejected("req-rejected", INVALID_REQUEST), T0.plusSeconds(1));

    Claim.Granted corrected = granted(claim(BODY_B, "corrected", T0.plusSeconds(2)));

    assertEquals(State.REJECTED, corrected.previous().state());
    assertFalse(corrected.mayHaveBeenSentBefore());
    assertEquals(2, corrected.attempt());
    IdempotencyRecord record = record();
    assertEquals(State.IN_PROGRESS, record.state());
    assertEquals(BODY_B, record.payloadHash());
    assertEquals("corrected", record.leaseToken());
  }

  @Test
  void anUnknownOutcomeIsRetriedWithTheSameBodyAndRefusedWithAnother() {
    claim(BODY_A, "first", T0);
    IdempotencyRecord unknown = finish(BODY_A, "first", Finish.unknown(null, TIMEOUT), T0.plusSeconds(3)).orElseThrow();

    Claim.Refused otherBody = refused(claim(BODY_B, "other", T0.plusSeconds(4)));
    Claim.Granted retry = granted(claim(BODY_A, "retry", T0.plusSeconds(5)));

    assertEquals(unknown, otherBody.current());
    assertEquals(unknown, retry.previous());
    assertTrue(retry.mayHaveBeenSentBefore());
    assertEquals(2, retry.attempt());
    assertEquals("retry", record().leaseToken());
  }

  @Test
  void anOrderUnderReviewRefusesEveryBody() {
    claim(BODY_A, "first", T0);
    IdempotencyRecord review = finish(BODY_A, "first", Finish.outcomeUnknown("req-refused", INVALID_REQUEST),
        T0.plusSeconds(1)).orElseThrow();

    Claim.Refused sameBody = refused(claim(BODY_A, "retry", T0.plus(Duration.ofDays(1))));
    Claim.Refused otherBody = refused(claim(BODY_B, "other", T0.plus(Duration.ofDays(1))));

    assertTrue(review.needsReview());
    assertEquals(State.UNKNOWN, review.state());
    assertEquals(review, sameBody.current());
    assertEquals(review, otherBody.current());
    assertEquals(review, record());
  }

  @Test
  void aSentOrderRefusesEveryBodyWithWhatAReplayNeeds() {
    claim(BODY_A, "first", T0);
    finish(BODY_A, "first", Finish.sent("req-sent"), T0.plusSeconds(1));

    Claim.Refused sameBody = refused(claim(BODY_A, "again", T0.plusSeconds(2)));
    Claim.Refused otherBody = refused(claim(BODY_B, "other", T0.plusSeconds(2)));

    IdempotencyRecord sent = sameBody.current();
    assertEquals(State.SENT, sent.state());
    assertEquals(BODY_A, sent.payloadHash());
    assertEquals("req-sent", sent.wechatpayRequestId());
    assertEquals(T0.plusSeconds(1), sent.sentAt());
    assertEquals(sent, otherBody.current());
    assertEquals(sent, record());
  }

  @Test
  void aSentOrderIsClaimableAgainOnlyOnceItsExpiryHasPassed() {
    claim(BODY_A, "first", T0);
    finish(BODY_A, "first", Finish.sent("req-sent"), T0.plusSeconds(1));
    long expiresAt = record().expiresAt();
    Instant lastSecond = Instant.ofEpochSecond(expiresAt).plusMillis(999);
    Instant expired = Instant.ofEpochSecond(expiresAt + 1);

    refused(claim(BODY_B, "too-early", lastSecond));
    Claim.Granted reused = granted(claim(BODY_B, "reused", expired));

    assertEquals(State.SENT, reused.previous().state());
    assertEquals(2, reused.attempt());
    IdempotencyRecord record = record();
    assertEquals(State.IN_PROGRESS, record.state());
    assertEquals(BODY_B, record.payloadHash());
    assertEquals(expiresFrom(expired), record.expiresAt());
    assertEquals(T0, record.createdAt());
  }

  @Test
  void theHolderFinishesItsClaimAndTheLeaseIsRemoved() {
    claim(BODY_A, "holder", T0);

    Optional<IdempotencyRecord> written = finish(BODY_A, "holder", Finish.sent("req-1"), T0.plusSeconds(2));

    IdempotencyRecord sent = written.orElseThrow();
    assertEquals(State.SENT, sent.state());
    assertNull(sent.leaseUntil());
    assertEquals("holder", sent.leaseToken(), "the token stays, for a retried finish to match");
    assertFalse(sent.needsReview());
    assertEquals("req-1", sent.wechatpayRequestId());
    assertEquals(T0.plusSeconds(2), sent.sentAt());
    assertEquals(T0.plusSeconds(2), sent.updatedAt());
    assertEquals(T0, sent.createdAt());
    assertEquals(1, sent.attempts());
    assertEquals(sent, record());
  }

  @Test
  void aFinishWithAnotherTokenChangesNothing() {
    claim(BODY_A, "holder", T0);
    IdempotencyRecord held = record();

    Optional<IdempotencyRecord> rejected =
        finish(BODY_A, "stranger", Finish.rejected("req-x", INVALID_REQUEST), T0.plusSeconds(1));
    Optional<IdempotencyRecord> unknown = finish(BODY_A, "stranger", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1));
    Optional<IdempotencyRecord> sentOtherBody = finish(BODY_B, "stranger", Finish.sent("req-y"), T0.plusSeconds(1));

    assertEquals(Optional.empty(), rejected);
    assertEquals(Optional.empty(), unknown);
    assertEquals(Optional.empty(), sentOtherBody);
    assertEquals(held, record());
  }

  @Test
  void aFinishOfAnOrderNeverClaimedWritesNothing() {
    Optional<IdempotencyRecord> written = finish(BODY_A, "nobody", Finish.sent("req-1"), T0);

    assertEquals(Optional.empty(), written);
    assertEquals(Optional.empty(), store.find(key));
  }

  @Test
  void aSentFinishIsWrittenOverALostClaimOfTheSameBody() {
    claim(BODY_A, "slow", T0);
    claim(BODY_A, "successor", T0.plus(LEASE).plusSeconds(1));

    Optional<IdempotencyRecord> slowSent = finish(BODY_A, "slow", Finish.sent("req-slow"), T0.plus(LEASE).plusSeconds(2));
    Optional<IdempotencyRecord> successorUnknown =
        finish(BODY_A, "successor", Finish.unknown(null, TIMEOUT), T0.plus(LEASE).plusSeconds(3));

    assertEquals(State.SENT, slowSent.orElseThrow().state());
    assertEquals("req-slow", slowSent.orElseThrow().wechatpayRequestId());
    assertEquals(Optional.empty(), successorUnknown, "the successor's claim ended with the SENT finish");
    assertEquals(slowSent.orElseThrow(), record());
  }

  @Test
  void aSentFinishIsWrittenOverAnUnknownOfTheSameBody() {
    claim(BODY_A, "slow", T0);
    claim(BODY_A, "successor", T0.plus(LEASE).plusSeconds(1));
    finish(BODY_A, "successor", Finish.unknown(null, TIMEOUT), T0.plus(LEASE).plusSeconds(2));

    Optional<IdempotencyRecord> slowSent = finish(BODY_A, "slow", Finish.sent("req-slow"), T0.plus(LEASE).plusSeconds(3));

    assertEquals(State.SENT, slowSent.orElseThrow().state());
    assertNull(slowSent.orElseThrow().lastError());
    assertEquals(slowSent.orElseThrow(), record());
  }

  @Test
  void aSentFinishOfALostClaimLeavesAnOrderThatEndedOtherwise() {
    claim(BODY_A, "slow", T0);
    claim(BODY_A, "successor", T0.plus(LEASE).plusSeconds(1));
    finish(BODY_A, "successor", Finish.rejected("req-rejected", INVALID_REQUEST), T0.plus(LEASE).plusSeconds(2));
    IdempotencyRecord rejected = record();

    Optional<IdempotencyRecord> slowSent = finish(BODY_A, "slow", Finish.sent("req-slow"), T0.plus(LEASE).plusSeconds(3));

    assertEquals(Optional.empty(), slowSent);
    assertEquals(rejected, record());
  }

  @Test
  void aSentFinishOfALostClaimLeavesAnEarlierSent() {
    claim(BODY_A, "slow", T0);
    claim(BODY_A, "successor", T0.plus(LEASE).plusSeconds(1));
    finish(BODY_A, "successor", Finish.sent("req-successor"), T0.plus(LEASE).plusSeconds(2));
    IdempotencyRecord sent = record();

    Optional<IdempotencyRecord> slowSent = finish(BODY_A, "slow", Finish.sent("req-slow"), T0.plus(LEASE).plusSeconds(3));

    assertEquals(Optional.empty(), slowSent);
    assertEquals(sent, record());
  }

  @Test
  void finishKeepsTheLastRequestIdAndASentFinishClearsTheLastError() {
    claim(BODY_A, "first", T0);
    IdempotencyRecord failed = finish(BODY_A, "first", Finish.unknown("req-500", SYSTEM_ERROR), T0.plusSeconds(1))
        .orElseThrow();
    claim(BODY_A, "second", T0.plusSeconds(2));
    IdempotencyRecord retrying = record();
    IdempotencyRecord timedOut = finish(BODY_A, "second", Finish.unknown(null, TIMEOUT), T0.plusSeconds(3))
        .orElseThrow();
    claim(BODY_A, "third", T0.plusSeconds(4));
    IdempotencyRecord sent = finish(BODY_A, "third", Finish.sent("req-204"), T0.plusSeconds(5)).orElseThrow();

    assertEquals("req-500", failed.wechatpayRequestId());
    assertEquals(SYSTEM_ERROR, failed.lastError());
    assertEquals("req-500", retrying.wechatpayRequestId(), "a claim keeps what WeChat said last");
    assertEquals(SYSTEM_ERROR, retrying.lastError(), "a claim keeps what WeChat said last");
    assertEquals("req-500", timedOut.wechatpayRequestId(), "no Request-ID came with the timeout");
    assertEquals(TIMEOUT, timedOut.lastError());
    assertEquals("req-204", sent.wechatpayRequestId());
    assertNull(sent.lastError());
  }

  @Test
  void onlyTheHolderReleasesAClaimAndTheOrderIsNewAgain() {
    claim(BODY_A, "holder", T0);

    boolean byStranger = store.release(key, "stranger");
    IdempotencyRecord afterStranger = record();
    boolean byHolder = store.release(key, "holder");
    Optional<IdempotencyRecord> afterHolder = store.find(key);
    boolean twice = store.release(key, "holder");
    Claim.Granted next = granted(claim(BODY_B, "next", T0.plusSeconds(1)));

    assertFalse(byStranger);
    assertEquals("holder", afterStranger.leaseToken());
    assertTrue(byHolder);
    assertEquals(Optional.empty(), afterHolder);
    assertTrue(twice, "a release that finds nothing was applied by an attempt whose answer was lost");
    assertNull(next.previous());
    assertEquals(1, next.attempt());
  }

  @Test
  void aFinishedClaimCannotBeReleased() {
    claim(BODY_A, "holder", T0);
    IdempotencyRecord unknown = finish(BODY_A, "holder", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1)).orElseThrow();

    boolean released = store.release(key, "holder");

    assertFalse(released);
    assertEquals(unknown, record());
  }

  @Test
  void everyClaimCountsAsAnAttemptAndTheFirstClaimStaysTheCreation() {
    for (int attempt = 1; attempt <= 3; attempt++) {
      Instant now = T0.plus(Duration.ofMinutes(attempt));
      Claim.Granted granted = granted(claim(BODY_A, "token-" + attempt, now));
      assertEquals(attempt, granted.attempt());
      assertEquals(attempt, record().attempts());
      finish(BODY_A, "token-" + attempt, Finish.unknown(null, TIMEOUT), now.plusSeconds(1));
    }

    IdempotencyRecord record = record();
    assertEquals(3, record.attempts());
    assertEquals(T0.plus(Duration.ofMinutes(1)), record.createdAt());
    assertEquals(expiresFrom(T0.plus(Duration.ofMinutes(3))), record.expiresAt());
  }

  @Test
  void findKnowsNothingOfAnOrderNeverClaimed() {
    assertEquals(Optional.empty(), store.find(key));
  }

  private Claim claim(String payloadHash, String token, Instant now) {
    return store.claim(key, payloadHash, token, now, now.plus(LEASE), expiresFrom(now));
  }

  private Optional<IdempotencyRecord> finish(String payloadHash, String token, Finish finish, Instant now) {
    return store.finish(key, payloadHash, token, finish, now);
  }

  private IdempotencyRecord record() {
    return find().orElseThrow(() -> new AssertionError("no record for " + key));
  }

  private Optional<IdempotencyRecord> find() {
    return store.find(key);
  }

  private static long expiresFrom(Instant now) {
    return now.plus(LIFETIME).getEpochSecond();
  }

  private static Claim.Granted granted(Claim claim) {
    return assertInstanceOf(Claim.Granted.class, claim);
  }

  private static Claim.Refused refused(Claim claim) {
    return assertInstanceOf(Claim.Refused.class, claim);
  }

  // ------------------------------------------------------------ writes whose answer was lost (invariant 6)

  @Test
  void aClaimMetAgainByItsOwnRetryIsGrantedWithWhatItReplaced() {
    claim(BODY_A, "first", T0);
    finish(BODY_A, "first", Finish.rejected("req-1", TIMEOUT), T0.plusSeconds(1));
    Claim.Granted applied = granted(claim(BODY_B, "retrying", T0.plusSeconds(2)));

    // The SDK retries the same request after its answer was lost: the condition now fails on itself.
    Claim.Granted again = granted(claim(BODY_B, "retrying", T0.plusSeconds(3)));

    assertEquals(applied.attempt(), again.attempt());
    assertEquals(State.REJECTED, again.previous().state(), "what the claim replaced is still known");
    assertFalse(again.mayHaveBeenSentBefore(), "a rejected order proves nothing was sent");
    assertEquals(State.IN_PROGRESS, record().state());
  }

  @Test
  void aNewOrdersClaimMetAgainByItsOwnRetryHasNoPrevious() {
    claim(BODY_A, "retrying", T0);

    Claim.Granted again = granted(claim(BODY_A, "retrying", T0.plusMillis(10)));

    assertNull(again.previous());
    assertEquals(1, again.attempt());
  }

  @Test
  void aFinishRetriedAfterItWasAppliedWritesTheSameEnd() {
    claim(BODY_A, "holder", T0);
    IdempotencyRecord first = finish(BODY_A, "holder", Finish.rejected("req-1", TIMEOUT), T0.plusSeconds(1))
        .orElseThrow();

    Optional<IdempotencyRecord> retried =
        finish(BODY_A, "holder", Finish.rejected("req-1", TIMEOUT), T0.plusSeconds(1));

    assertEquals(Optional.of(first), retried);
    assertEquals(State.REJECTED, record().state());
  }

  @Test
  void aFinishedClaimIsNeitherReleasedNorFinishedAnotherWay() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.sent("req-1"), T0.plusSeconds(1));

    boolean released = store.release(key, "holder");
    Optional<IdempotencyRecord> late = finish(BODY_A, "holder", Finish.unknown(null, TIMEOUT), T0.plusSeconds(2));

    assertFalse(released);
    assertEquals(Optional.empty(), late);
    assertEquals(State.SENT, record().state());
  }

  // ------------------------------------------------------------ an operator's resolution

  @Test
  void anUnknownOrderIsSettledOnceAndKeepsTheResolution() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.outcomeUnknown("req-1", TIMEOUT), T0.plusSeconds(1));
    IdempotencyRecord.Resolution sent =
        new IdempotencyRecord.Resolution(true, "seen on the platform", T0.plusSeconds(60), "arn:operator");
    IdempotencyRecord.Resolution notSent =
        new IdempotencyRecord.Resolution(false, "not there", T0.plusSeconds(61), "arn:other");

    IdempotencyStore.Settlement first = store.resolve(key, sent, T0.plusSeconds(60));
    IdempotencyStore.Settlement second = store.resolve(key, notSent, T0.plusSeconds(61));
    IdempotencyStore.Settlement retried = store.resolve(key, sent, T0.plusSeconds(60));

    assertTrue(first.applied());
    assertEquals(State.SENT, first.record().state());
    assertEquals(sent, first.record().resolution());
    assertNull(first.record().leaseToken(), "no late write of the holder can follow");
    assertFalse(second.applied(), "two operators racing settle it once");
    assertEquals(State.SENT, second.record().state());
    assertTrue(retried.applied(), "the first operator's own write, met again by a retry");
    assertEquals(first.record(), record());
  }

  @Test
  void notSentMakesTheOrderFreeForAnyBody() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1));

    store.resolve(key, new IdempotencyRecord.Resolution(false, "not there", T0.plusSeconds(60), "arn:operator"),
        T0.plusSeconds(60));
    Claim.Granted next = granted(claim(BODY_B, "next", T0.plusSeconds(61)));

    assertFalse(next.mayHaveBeenSentBefore());
  }

  @Test
  void onlyUnknownOrAbandonedOrdersCanBeSettled() {
    IdempotencyRecord.Resolution resolution =
        new IdempotencyRecord.Resolution(true, "checked", T0.plusSeconds(1), "arn:operator");
    assertEquals(new IdempotencyStore.Settlement(false, null), store.resolve(key, resolution, T0),
        "an order never seen");

    claim(BODY_A, "holder", T0);
    IdempotencyStore.Settlement live = store.resolve(key, resolution, T0.plusSeconds(1));
    IdempotencyStore.Settlement abandoned = store.resolve(key, resolution, T0.plus(LEASE).plusSeconds(1));

    assertFalse(live.applied(), "a live lease: the holder may still be at WeChat");
    assertEquals(State.IN_PROGRESS, live.record().state());
    assertTrue(abandoned.applied(), "a dead holder's claim past its lease");
    assertFalse(store.resolve(key, new IdempotencyRecord.Resolution(false, "x", T0.plusSeconds(99), "arn:b"),
        T0.plus(LEASE).plusSeconds(2)).applied(), "a SENT order is settled already");
  }

  // ------------------------------------------------------------ the history of resolutions (v3 audit)

  @Test
  void aResolutionIsAppendedToTheHistoryAndKeepsTheStateItReplaced() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.outcomeUnknown("req-1", TIMEOUT), T0.plusSeconds(1));
    IdempotencyRecord.Resolution sent =
        new IdempotencyRecord.Resolution(true, "seen on the platform", T0.plusSeconds(60), "arn:operator");

    IdempotencyRecord written = store.resolve(key, sent, T0.plusSeconds(60)).record();

    assertEquals(sent, written.resolution());
    assertEquals(List.of(sent), written.resolutions());
    assertEquals(State.UNKNOWN, written.resolutionReplaced());
    assertEquals(written, record(), "as stored");
  }

  @Test
  void anAbandonedClaimSettledByAnOperatorReplacedInProgress() {
    claim(BODY_A, "died", T0);

    IdempotencyRecord written = store.resolve(key,
        new IdempotencyRecord.Resolution(false, "not there", T0.plus(LEASE).plusSeconds(1), "arn:operator"),
        T0.plus(LEASE).plusSeconds(1)).record();

    assertEquals(State.IN_PROGRESS, written.resolutionReplaced());
  }

  @Test
  void aClaimAfterNotSentEndsTheCurrentResolutionAndKeepsTheHistory() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1));
    IdempotencyRecord.Resolution notSent =
        new IdempotencyRecord.Resolution(false, "not there", T0.plusSeconds(60), "arn:operator");
    store.resolve(key, notSent, T0.plusSeconds(60));

    granted(claim(BODY_B, "next", T0.plusSeconds(61)));
    IdempotencyRecord claimed = record();
    IdempotencyRecord sent = finish(BODY_B, "next", Finish.sent("req-2"), T0.plusSeconds(62)).orElseThrow();

    for (IdempotencyRecord record : List.of(claimed, sent)) {
      assertNull(record.resolution(), "no longer current: " + record);
      assertNull(record.resolutionReplaced(), record.toString());
      assertEquals(List.of(notSent), record.resolutions(), "the history stays: " + record);
    }
  }

  @Test
  void laterResolutionsFollowTheEarlierOnesOldestFirst() {
    claim(BODY_A, "first", T0);
    finish(BODY_A, "first", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1));
    IdempotencyRecord.Resolution notSent =
        new IdempotencyRecord.Resolution(false, "not there", T0.plusSeconds(60), "arn:a");
    store.resolve(key, notSent, T0.plusSeconds(60));
    claim(BODY_B, "second", T0.plusSeconds(61));
    finish(BODY_B, "second", Finish.outcomeUnknown("req-2", SYSTEM_ERROR), T0.plusSeconds(62));
    IdempotencyRecord.Resolution sent =
        new IdempotencyRecord.Resolution(true, "there after all", T0.plusSeconds(120), "arn:b");

    IdempotencyRecord written = store.resolve(key, sent, T0.plusSeconds(120)).record();

    assertEquals(List.of(notSent, sent), written.resolutions());
    assertEquals(sent, written.resolution());
  }

  @Test
  void aResolutionMetAgainByItsOwnRetryAfterANewClaimIsStillItsOwn() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.unknown(null, TIMEOUT), T0.plusSeconds(1));
    IdempotencyRecord.Resolution notSent =
        new IdempotencyRecord.Resolution(false, "not there", T0.plusSeconds(60), "arn:operator");
    store.resolve(key, notSent, T0.plusSeconds(60));
    claim(BODY_B, "next", T0.plusSeconds(61));

    IdempotencyStore.Settlement retried = store.resolve(key, notSent, T0.plusSeconds(61));

    assertTrue(retried.applied(), "the history holds it, though it is no longer current");
    assertEquals(State.IN_PROGRESS, retried.record().state(), "and nothing was written again");
    assertEquals(1, record().resolutions().size());
  }

  // ------------------------------------------------------------ the claim as the sending mark

  @Test
  void aHolderThatDiedAfterClaimingCountsAsMaybeSent() {
    claim(BODY_A, "claimed-and-died", T0);

    Claim.Granted takeover = granted(claim(BODY_A, "successor", T0.plus(LEASE).plusMillis(1)));

    assertEquals(State.IN_PROGRESS, takeover.previous().state());
    assertTrue(takeover.mayHaveBeenSentBefore(), "everything was ready before the claim: the request may have left");
    assertTrue(record().sending());
  }

  @Test
  void aClaimMetAgainByItsOwnRetryKeepsWhetherWhatItReplacedWasSending() {
    claim(BODY_A, "dead", T0);
    Instant afterLease = T0.plus(LEASE).plusMillis(1);
    granted(claim(BODY_A, "retrying", afterLease));

    Claim.Granted again = granted(claim(BODY_A, "retrying", afterLease.plusMillis(5)));

    assertTrue(again.mayHaveBeenSentBefore(), "the dead holder may have sent");
  }

  @Test
  void aClaimMetAgainByItsOwnRetryOverARejectionStillSaysNothingWasSent() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.rejected("req-1", INVALID_REQUEST), T0.plusSeconds(1));
    granted(claim(BODY_B, "corrected", T0.plusSeconds(2)));

    Claim.Granted again = granted(claim(BODY_B, "corrected", T0.plusSeconds(2).plusMillis(5)));

    assertEquals(State.REJECTED, again.previous().state());
    assertFalse(again.mayHaveBeenSentBefore(), "a refusal for good: nothing of the order was taken");
  }

  @Test
  void aRejectionClearsWhatEarlierAttemptsMayHaveDone() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.rejected("req-1", TIMEOUT), T0.plusSeconds(1));

    Claim.Granted corrected = granted(claim(BODY_B, "corrected", T0.plusSeconds(2)));

    assertFalse(corrected.mayHaveBeenSentBefore(), "WeChat refused the first body for good");
  }

  @Test
  void anAbandonedClaimIsDeletedOnlyWhenNothingOfTheOrderMayHaveBeenSent() {
    claim(BODY_A, "fresh", T0);
    boolean freshAbandoned = store.abandon(key, "fresh");
    boolean goneAlready = find().isEmpty();
    claim(BODY_A, "sent-and-died", T0.plusSeconds(1));
    claim(BODY_A, "taker", T0.plusSeconds(1).plus(LEASE).plusMillis(1));

    boolean takerAbandoned = store.abandon(key, "taker");
    boolean byStranger = store.abandon(key, "stranger");

    assertTrue(freshAbandoned);
    assertTrue(goneAlready, "a new order's claim whose answer never came leaves nothing behind");
    assertFalse(takerAbandoned, "deleting it would forget the request that may have arrived");
    assertFalse(byStranger);
    assertEquals("taker", record().leaseToken());
  }

  @Test
  void aClaimOverARejectionIsAbandonedToNothing() {
    claim(BODY_A, "holder", T0);
    finish(BODY_A, "holder", Finish.rejected("req-1", INVALID_REQUEST), T0.plusSeconds(1));
    claim(BODY_B, "corrected", T0.plusSeconds(2));

    boolean abandoned = store.abandon(key, "corrected");

    assertTrue(abandoned, "nothing of the order was ever taken: the next request starts afresh");
    assertTrue(find().isEmpty());
  }
}
