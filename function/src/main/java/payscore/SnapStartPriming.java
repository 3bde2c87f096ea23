package payscore;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import org.crac.Context;
import org.crac.Resource;
import payscore.idempotency.DynamoDbIdempotencyStore;
import payscore.observe.OutcomeLog;
import payscore.request.PendingMessage;
import payscore.trigger.ApiGatewayHandler;
import payscore.wechatpay.RequestSigner;
import payscore.wechatpay.ResponseVerifier;
import payscore.wechatpay.WeChatPayClient;
import payscore.wechatpay.WeChatPayPublicKey;

/**
 * SnapStart hooks. Before the snapshot: runs the whole request path once (JSON, validation, the
 * canonical body, signing with a throwaway key, verifying, the HTTP request, the response
 * mapping, one DynamoDB read of a key no order has) so its classes are loaded and initialized in
 * the snapshot, without ever calling WeChat or reading the merchant secret. After a restore:
 * fresh randomness, the secret read again, and DynamoDB connected again.
 */
public final class SnapStartPriming implements Resource {
  /** A key no order has: order numbers never contain {@code #}. */
  static final String PRIMING_KEY = "snapstart#priming";
  private static final String SAMPLE = "{\"service_id\":\"2002000000000558128851361561536\",\"post_payments\":"
      + "[{\"name\":\"就餐费用\",\"amount\":40000,\"description\":\"就餐人均100元\",\"count\":4}],\"post_discounts\":"
      + "[{\"name\":\"满20减1元\",\"description\":\"不与其他优惠叠加\",\"amount\":100,\"count\":1}],"
      + "\"total_amount\":39900,\"prepaid_time\":\"20231218\"}";

  private final PendingMessageFunction function;
  private final DynamoDbIdempotencyStore store;

  SnapStartPriming(PendingMessageFunction function) {
    this.function = function;
    this.store = new DynamoDbIdempotencyStore(function.dynamo, function.configuration.table());
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
    PendingMessage message = function.reader.readHttp("PRIMING-0001", SAMPLE.getBytes(UTF_8));
    byte[] body = message.canonicalBody();
    message.payloadHash();

    KeyPair throwaway = throwawayKey();
    Clock clock = function.clock;
    RequestSigner signer = new RequestSigner("1900000001", "PRIMING", throwaway.getPrivate(), clock, () -> "PRIMING");
    String path = WeChatPayClient.pendingMessagePath(message.outOrderNo());
    signer.authorization("POST", path, body);
    new ResponseVerifier(new WeChatPayPublicKey("PUB_KEY_ID_PRIMING", throwaway.getPublic()), clock)
        .verify(java.net.http.HttpHeaders.of(java.util.Map.of(), (name, value) -> true), body);
    HttpRequest.newBuilder(URI.create(function.configuration.endpoints().primary() + path))
        .timeout(Duration.ofSeconds(1))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();

    ApiGatewayHandler.prime();
    new OutcomeLog(new PrintStream(java.io.OutputStream.nullOutputStream(), false, UTF_8), clock)
        .outcome(new OutcomeLog.Entry("api", "PRIMING-0001", null, "SENT", "SENT", 1, "PRIMING", 204, null, null, 0,
            OutcomeLog.Metric.Sent));
    try {
      store.find(PRIMING_KEY);
    } catch (RuntimeException e) {
      // A snapshot without this read is still good; failing the checkpoint would fail the deployment.
      function.log.problem("snapstart_priming", "the priming DynamoDB read failed (" + e.getClass().getSimpleName()
          + ")");
    }

    // Nothing of the merchant may be in the snapshot: it is read again after each restore.
    function.merchants.forget();
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    function.random.renew();
    function.merchants.forget();
    try {
      function.merchants.current();
      store.find(PRIMING_KEY);
    } catch (RuntimeException e) {
      // The first request reads the secret and connects again and reports any failure itself.
      function.log.problem("snapstart_restore", "could not prepare after restore (" + e.getClass().getSimpleName()
          + ")");
    }
  }

  private static KeyPair throwawayKey() throws NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }
}
