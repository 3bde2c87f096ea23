package payscore.send;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import payscore.idempotency.Claim;
import payscore.idempotency.Finish;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.idempotency.IdempotencyStore;
import payscore.idempotency.StoreUnavailableException;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecretException;
import payscore.merchant.MerchantSource;
import payscore.request.PendingMessage;
import payscore.request.ResolutionRequest;
import payscore.wechatpay.SendOutcome;
import payscore.wechatpay.SignedTransport;

/**
 * Claim, sign and send, record: one pending message, at most once per order. The store's
 * conditional writes decide who may send; this class decides what each WeChat outcome means for
 * the record (the contract's invariants 2 to 5) and for the caller.
 */
public final class PendingMessageService {

  private final IdempotencyStore store;
  private final MerchantSource merchants;
  private final Clock clock;
  private final Duration recordLifetime;
  private final InvocationBudget budget;
  private final Supplier<String> leaseTokens;
  private final Consumer<Duration> pause;

  /**
   * @param recordLifetime how long a record is kept (the TTL); at least 30 days
   * @param budget how each invocation's time is split between WeChat, the writes and the answer
   * @param leaseTokens unique per claim, across every instance (random, never from a snapshot)
   */
  public PendingMessageService(IdempotencyStore store, MerchantSource merchants, Clock clock, Duration recordLifetime,
      InvocationBudget budget, Supplier<String> leaseTokens) {
    this(store, merchants, clock, recordLifetime, budget, leaseTokens, PendingMessageService::sleep);
  }

  /** @param pause waits between retries of a record write; tests pass one that steps their clock */
  public PendingMessageService(IdempotencyStore store, MerchantSource merchants, Clock clock, Duration recordLifetime,
      InvocationBudget budget, Supplier<String> leaseTokens, Consumer<Duration> pause) {
    this.pause = Objects.requireNonNull(pause, "pause");
    this.store = Objects.requireNonNull(store, "store");
    this.merchants = Objects.requireNonNull(merchants, "merchants");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (recordLifetime.compareTo(Duration.ofDays(30)) < 0) {
      throw new IllegalArgumentException("records must be kept at least 30 days");
    }
    this.recordLifetime = recordLifetime;
    this.budget = Objects.requireNonNull(budget, "budget");
    this.leaseTokens = Objects.requireNonNull(leaseTokens, "leaseTokens");
  }

  /**
   * The idempotency key of an order: {@code <mchid>#<out_order_no>} for a direct merchant,
   * {@code <mchid>#<sub_mchid>#<out_order_no>} for a service provider's sub-merchant.
   */
  public static String key(String mchid, String subMchid, String outOrderNo) {
    return subMchid == null ? mchid + "#" + outOrderNo : mchid + "#" + subMchid + "#" + outOrderNo;
  }

  /**
   * Sends {@code message} unless the record says it must not be.
   *
   * @param invocationEnd when the Lambda invocation will be stopped; nothing outlives it
   */
  public SendResult send(PendingMessage message, Instant invocationEnd) {
    return send(message, invocationEnd, () -> { });
  }

  /**
   * As {@link #send(PendingMessage, Instant)}, telling {@code beforeWeChat} when the request is
   * about to leave for WeChat: from then on it may have arrived, whatever happens to this call.
   */
  public SendResult send(PendingMessage message, Instant invocationEnd, Runnable beforeWeChat) {
    Merchant merchant;
    try {
      merchant = merchants.current();
    } catch (MerchantSecretException e) {
      return e.unavailable() ? new SendResult.DependencyUnavailable(e.getMessage())
          : new SendResult.InternalError(e.getMessage());
    }
    String key = key(merchant.mchid(), message.subMchid(), message.outOrderNo());
    byte[] body = message.canonicalBody();
    String hash = PendingMessage.hashOf(body);
    Instant sendDeadline = budget.sendDeadline(invocationEnd);
    // Invariant 7: nothing is claimed or sent unless a 204 could be verified (platform certificates).
    if (!merchant.wechatpay().ready(sendDeadline)) {
      return new SendResult.UpstreamError(new SendOutcome.NotProcessed(0, "CERTIFICATES_UNAVAILABLE",
          "the WeChat Pay platform certificates could not be loaded; nothing was sent", null));
    }
    // Everything the request needs is made before the claim, which is also the mark that the request
    // leaves: after it, only the request itself happens.
    SignedTransport.Signed request = merchant.wechatpay().prepare(message.subMchid(), message.outOrderNo(), body);
    Instant now = clock.instant();
    String token = leaseTokens.get();
    Claim claim;
    try {
      // Bounded by the send deadline: a claim answered later than that could not be used anyway.
      claim = store.within(budget.writeTime(now, sendDeadline))
          .claim(key, hash, token, now, budget.leaseUntil(invocationEnd), now.plus(recordLifetime).getEpochSecond());
    } catch (StoreUnavailableException e) {
      if (e.mayHaveBeenApplied()) abandon(key, token, budget.writeBy(invocationEnd));
      return new SendResult.DependencyUnavailable(e.getMessage() + "; nothing was sent");
    }
    Claim.Granted granted;
    switch (claim) {
      case Claim.Refused refused -> {
        return existing(refused.current(), hash, now);
      }
      case Claim.Granted won -> granted = won;
    }

    beforeWeChat.run();
    SendOutcome outcome = merchant.wechatpay().send(request, sendDeadline);
    if (outcome instanceof SendOutcome.NotProcessed && outcome.status() == 401) {
      Merchant reread = rereadAfterSignError(merchant);
      if (reread != merchant) {
        outcome = reread.wechatpay().sendPendingMessage(message.subMchid(), message.outOrderNo(), body, sendDeadline);
      }
    }
    return finish(key, hash, granted, outcome, budget.writeBy(invocationEnd));
  }

  /** The record of an order, for the status query; {@code subMchid} is null for a direct merchant's order. */
  public Optional<IdempotencyRecord> find(String subMchid, String outOrderNo) {
    return store.find(key(merchants.current().mchid(), subMchid, outOrderNo));
  }

  /**
   * Settles an order whose outcome is unknown, as an operator decided after checking with WeChat.
   *
   * @param resolvedBy the caller's IAM identity from the request context; a request without one is
   *     refused before it gets here
   */
  public ResolveResult resolve(String subMchid, ResolutionRequest request, String resolvedBy, Instant invocationEnd) {
    Objects.requireNonNull(resolvedBy, "resolvedBy");
    Merchant merchant;
    try {
      merchant = merchants.current();
    } catch (MerchantSecretException e) {
      return e.unavailable() ? new ResolveResult.Unavailable(e.getMessage())
          : new ResolveResult.InternalError(e.getMessage());
    }
    String key = key(merchant.mchid(), subMchid, request.outOrderNo());
    Instant now = clock.instant();
    IdempotencyRecord.Resolution resolution =
        new IdempotencyRecord.Resolution(request.sent(), request.reason(), now, resolvedBy);
    try {
      IdempotencyStore.Settlement settlement =
          retried(view -> view.resolve(key, resolution, now), budget.writeBy(invocationEnd));
      if (settlement.applied()) return new ResolveResult.Resolved(settlement.record());
      return settlement.record() == null ? new ResolveResult.NotFound()
          : new ResolveResult.NotResolvable(settlement.record());
    } catch (StoreUnavailableException e) {
      return new ResolveResult.Unavailable(e.getMessage());
    }
  }

  private Merchant rereadAfterSignError(Merchant refused) {
    try {
      return merchants.refreshAfterSignError(refused);
    } catch (MerchantSecretException e) {
      return refused;
    }
  }

  private SendResult finish(String key, String hash, Claim.Granted claim, SendOutcome outcome, Instant writeBy) {
    boolean maybeSentBefore = claim.mayHaveBeenSentBefore();
    LastError error = new LastError(outcome.status(), outcome.code(), outcome.message());
    try {
      return switch (outcome) {
        // WeChat has the message: the SENT record is written with retries until the deadline.
        case SendOutcome.Accepted accepted -> {
          try {
            yield retried(view -> view.finish(key, hash, claim.token(), Finish.sent(accepted.requestId()),
                clock.instant()), writeBy)
                .<SendResult>map(record -> new SendResult.Sent(record, false))
                .orElseGet(() -> new SendResult.SentUnrecorded(accepted.requestId(), clock.instant()));
          } catch (StoreUnavailableException e) {
            yield new SendResult.SentUnrecorded(accepted.requestId(), clock.instant());
          }
        }
        // An earlier attempt may have been taken; WeChat's refusal of the retry may mean exactly that.
        case SendOutcome.Rejected rejected when maybeSentBefore ->
            retried(view -> view.finish(key, hash, claim.token(), Finish.outcomeUnknown(rejected.requestId(), error),
                clock.instant()), writeBy)
                .<SendResult>map(SendResult.OutcomeUnknown::new)
                .orElseGet(() -> new SendResult.UpstreamError(rejected));
        case SendOutcome.Rejected rejected -> {
          retried(view -> view.finish(key, hash, claim.token(), Finish.rejected(rejected.requestId(), error),
              clock.instant()), writeBy);
          yield new SendResult.Rejected(rejected);
        }
        case SendOutcome.NotProcessed notProcessed -> {
          notSentThisTime(key, hash, claim, outcome, error, writeBy);
          yield notProcessed.status() == 401
              ? new SendResult.InternalError("WeChat Pay refused the request signature (401 " + notProcessed.code()
                  + ") after the merchant secret was re-read: check merchant_serial_no and merchant_private_key")
              : new SendResult.UpstreamError(notProcessed);
        }
        case SendOutcome.DeadlinePassed deadlinePassed -> {
          notSentThisTime(key, hash, claim, outcome, error, writeBy);
          yield new SendResult.UpstreamTimeout(deadlinePassed);
        }
        case SendOutcome.TimedOut timedOut -> {
          retried(view -> view.finish(key, hash, claim.token(), Finish.unknown(null, error), clock.instant()), writeBy);
          yield new SendResult.UpstreamTimeout(timedOut);
        }
        case SendOutcome.Uncertain uncertain -> {
          retried(view -> view.finish(key, hash, claim.token(), Finish.unknown(uncertain.requestId(), error),
              clock.instant()), writeBy);
          yield new SendResult.UpstreamError(uncertain);
        }
      };
    } catch (StoreUnavailableException e) {
      // The outcome could not be recorded even with retries. The claim's lease runs out and the next
      // request takes the order over as "may have reached WeChat", so nothing is sent twice by accident.
      return new SendResult.Unrecorded(outcome, maybeSentBefore, e.reason());
    }
  }

  /** Nothing reached WeChat this time; what earlier attempts may have done still stands. */
  private void notSentThisTime(String key, String hash, Claim.Granted claim, SendOutcome outcome, LastError error,
      Instant writeBy) {
    if (claim.mayHaveBeenSentBefore()) {
      retried(view -> view.finish(key, hash, claim.token(), Finish.unknown(outcome.requestId(), error),
          clock.instant()), writeBy);
    } else {
      retried(view -> view.release(key, claim.token()), writeBy);
    }
  }

  /**
   * A write retried on AWS failures until {@code until}: each write here is conditional on this
   * request's lease token, so a retry of a write that was applied but whose answer was lost meets
   * its own write and changes nothing more.
   */
  private <T> T retried(Function<IdempotencyStore, T> write, Instant until) {
    long backoffMillis = 50;
    while (true) {
      // Each attempt is bounded by what is left, so the last one never outlives the invocation; the
      // first is made however little is left, as the write is the only way to leave a true record.
      try {
        return write.apply(store.within(budget.writeTime(clock.instant(), until)));
      } catch (StoreUnavailableException e) {
        if (!budget.roomToRetry(clock.instant().plusMillis(backoffMillis), until)) throw e;
        pause.accept(Duration.ofMillis(backoffMillis));
        backoffMillis = Math.min(backoffMillis * 2, 800);
      }
    }
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry a record write", e);
    }
  }

  /**
   * A claim whose answer never came may still have been applied: it is given back, retried as the
   * outcome's writes are until {@code until}. The claim is the mark that the request leaves, so one
   * left behind would count as "may have reached WeChat" although this request never sent it.
   */
  private void abandon(String key, String token, Instant until) {
    try {
      retried(view -> view.abandon(key, token), until);
    } catch (StoreUnavailableException e) {
      // DynamoDB stayed unreachable: the claim, if applied, ends with its lease and counts as
      // "may have reached WeChat" then (README, Known limits).
    }
  }

  /** A refused claim: what the record says this request gets. */
  private static SendResult existing(IdempotencyRecord record, String hash, Instant now) {
    if (record == null) return new SendResult.InProgress(1);
    boolean sameBody = hash.equals(record.payloadHash());
    if (record.leaseActive(now)) {
      long seconds = Math.max(1, Duration.between(now, record.leaseUntil()).toSeconds());
      return new SendResult.InProgress(Math.min(seconds, 30));
    }
    if (!sameBody) return new SendResult.PayloadMismatch(record);
    if (record.state() == State.SENT) return new SendResult.Sent(record, true);
    if (record.state() == State.UNKNOWN && record.needsReview()) return new SendResult.OutcomeUnknown(record);
    // Unreachable while the store keeps its condition; say so rather than guess.
    return new SendResult.InternalError("the idempotency record is in an unexpected state: " + record.state());
  }

}
