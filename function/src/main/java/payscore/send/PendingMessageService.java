package payscore.send;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import payscore.idempotency.Claim;
import payscore.idempotency.Finish;
import payscore.idempotency.IdempotencyRecord;
import payscore.idempotency.IdempotencyRecord.LastError;
import payscore.idempotency.IdempotencyRecord.State;
import payscore.idempotency.IdempotencyStore;
import payscore.merchant.Merchant;
import payscore.merchant.MerchantSecretException;
import payscore.merchant.MerchantSource;
import payscore.request.PendingMessage;
import payscore.wechatpay.SendOutcome;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Claim, sign and send, record: one pending message, at most once per order. The store's
 * conditional writes decide who may send; this class decides what each WeChat outcome means for
 * the record (the contract's invariants 2 to 5) and for the caller.
 */
public final class PendingMessageService {
  /** Lease beyond the invocation's end, for clock differences between instances and DynamoDB. */
  static final Duration LEASE_SKEW = Duration.ofSeconds(2);

  private final IdempotencyStore store;
  private final MerchantSource merchants;
  private final Clock clock;
  private final Duration recordLifetime;
  private final Duration finishReserve;
  private final Supplier<String> leaseTokens;

  /**
   * @param recordLifetime how long a record is kept (the TTL); at least 30 days
   * @param finishReserve time kept back from the invocation for writing the outcome after sending
   * @param leaseTokens unique per claim, across every instance (random, never from a snapshot)
   */
  public PendingMessageService(IdempotencyStore store, MerchantSource merchants, Clock clock, Duration recordLifetime,
      Duration finishReserve, Supplier<String> leaseTokens) {
    this.store = Objects.requireNonNull(store, "store");
    this.merchants = Objects.requireNonNull(merchants, "merchants");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (recordLifetime.compareTo(Duration.ofDays(30)) < 0) {
      throw new IllegalArgumentException("records must be kept at least 30 days");
    }
    this.recordLifetime = recordLifetime;
    this.finishReserve = Objects.requireNonNull(finishReserve, "finishReserve");
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
    Merchant merchant;
    try {
      merchant = merchants.current();
    } catch (MerchantSecretException e) {
      return new SendResult.InternalError(e.getMessage());
    }
    String key = key(merchant.mchid(), message.subMchid(), message.outOrderNo());
    byte[] body = message.canonicalBody();
    String hash = PendingMessage.hashOf(body);
    Instant now = clock.instant();
    Claim claim;
    try {
      claim = store.claim(key, hash, leaseTokens.get(), now, invocationEnd.plus(LEASE_SKEW),
          now.plus(recordLifetime).getEpochSecond());
    } catch (SdkException e) {
      return dependencyFailure("claim the order in DynamoDB", e);
    }
    Claim.Granted granted;
    switch (claim) {
      case Claim.Refused refused -> {
        return existing(refused.current(), hash, now);
      }
      case Claim.Granted won -> granted = won;
    }

    Instant sendDeadline = invocationEnd.minus(finishReserve);
    SendOutcome outcome = merchant.wechatpay().sendPendingMessage(message.subMchid(), message.outOrderNo(), body,
        sendDeadline);
    if (outcome instanceof SendOutcome.NotProcessed && outcome.status() == 401) {
      Merchant reread = rereadAfterSignError(merchant);
      if (reread != merchant) {
        outcome = reread.wechatpay().sendPendingMessage(message.subMchid(), message.outOrderNo(), body, sendDeadline);
      }
    }
    return finish(key, hash, granted, outcome);
  }

  /** The record of an order, for the status query; {@code subMchid} is null for a direct merchant's order. */
  public Optional<IdempotencyRecord> find(String subMchid, String outOrderNo) {
    return store.find(key(merchants.current().mchid(), subMchid, outOrderNo));
  }

  private Merchant rereadAfterSignError(Merchant refused) {
    try {
      return merchants.refreshAfterSignError(refused);
    } catch (MerchantSecretException e) {
      return refused;
    }
  }

  private SendResult finish(String key, String hash, Claim.Granted claim, SendOutcome outcome) {
    boolean maybeSentBefore = claim.mayHaveBeenSentBefore();
    LastError error = new LastError(outcome.status(), outcome.code(), outcome.message());
    Instant now = clock.instant();
    try {
      return switch (outcome) {
        case SendOutcome.Accepted accepted -> store.finish(key, hash, claim.token(), Finish.sent(accepted.requestId()), now)
            .<SendResult>map(record -> new SendResult.Sent(record, false))
            .orElseGet(() -> new SendResult.InternalError("WeChat took the message but the record had already "
                + "ended in another state; check order " + key));
        // An earlier attempt may have been taken; WeChat's refusal of the retry may mean exactly that.
        case SendOutcome.Rejected rejected when maybeSentBefore ->
            store.finish(key, hash, claim.token(), Finish.outcomeUnknown(rejected.requestId(), error), now)
                .<SendResult>map(SendResult.OutcomeUnknown::new)
                .orElseGet(() -> new SendResult.UpstreamError(rejected));
        case SendOutcome.Rejected rejected -> {
          store.finish(key, hash, claim.token(), Finish.rejected(rejected.requestId(), error), now);
          yield new SendResult.Rejected(rejected);
        }
        case SendOutcome.NotProcessed notProcessed -> {
          notSentThisTime(key, hash, claim, outcome, error, now);
          yield notProcessed.status() == 401
              ? new SendResult.InternalError("WeChat Pay refused the request signature (401 " + notProcessed.code()
                  + ") after the merchant secret was re-read: check merchant_serial_no and merchant_private_key")
              : new SendResult.UpstreamError(notProcessed);
        }
        case SendOutcome.DeadlinePassed deadlinePassed -> {
          notSentThisTime(key, hash, claim, outcome, error, now);
          yield new SendResult.UpstreamTimeout(deadlinePassed);
        }
        case SendOutcome.TimedOut timedOut -> {
          store.finish(key, hash, claim.token(), Finish.unknown(null, error), now);
          yield new SendResult.UpstreamTimeout(timedOut);
        }
        case SendOutcome.Uncertain uncertain -> {
          store.finish(key, hash, claim.token(), Finish.unknown(uncertain.requestId(), error), now);
          yield new SendResult.UpstreamError(uncertain);
        }
      };
    } catch (SdkException e) {
      // The outcome could not be recorded. The claim's lease runs out and the next request takes
      // the order over as "may have reached WeChat", so nothing is sent twice by accident.
      if (outcome instanceof SendOutcome.Accepted) {
        return new SendResult.InternalError("WeChat took the message but DynamoDB could not record it ("
            + e.getClass().getSimpleName() + "); a retry of the same request will end OUTCOME_UNKNOWN");
      }
      return dependencyFailure("record the outcome in DynamoDB", e);
    }
  }

  /** Nothing reached WeChat this time; what earlier attempts may have done still stands. */
  private void notSentThisTime(String key, String hash, Claim.Granted claim, SendOutcome outcome, LastError error,
      Instant now) {
    if (claim.mayHaveBeenSentBefore()) {
      store.finish(key, hash, claim.token(), Finish.unknown(outcome.requestId(), error), now);
    } else {
      store.release(key, claim.token());
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

  private static SendResult dependencyFailure(String what, SdkException e) {
    return new SendResult.InternalError("could not " + what + " (" + e.getClass().getSimpleName() + ")");
  }
}
