package payscore.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.wechat.pay.java.core.RSAPublicKeyConfig;
import com.wechat.pay.java.core.http.Constant;
import com.wechat.pay.java.core.http.DefaultHttpClientBuilder;
import com.wechat.pay.java.core.http.HttpClient;
import com.wechat.pay.java.core.http.HttpHeaders;
import com.wechat.pay.java.core.http.HttpMethod;
import com.wechat.pay.java.core.http.HttpRequest;
import com.wechat.pay.java.core.http.JsonRequestBody;
import com.wechat.pay.java.core.http.MediaType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The same first request made by a plain program written the obvious way: the SDK clients with
 * their defaults (the Apache HTTP client, the default credential chain), Gson, and the official
 * WeChat Pay SDK to sign, send and verify. Same work: read the secret, claim the order with a
 * conditional write, send the pending message, record the outcome.
 */
public final class PlainColdStart {
  private PlainColdStart() {}

  public static void main(String[] args) throws Exception {
    JsonObject event = JsonParser.parseString(Files.readString(Path.of(args[0]))).getAsJsonObject();
    String order = event.getAsJsonObject("pathParameters").get("out_order_no").getAsString();
    String body = JsonParser.parseString(event.get("body").getAsString()).toString();

    SecretsManagerClient secrets = SecretsManagerClient.create();
    DynamoDbClient dynamo = DynamoDbClient.create();
    JsonObject secret = JsonParser.parseString(secrets.getSecretValue(r -> r.secretId(
        System.getenv("WECHATPAY_SECRET_ID"))).secretString()).getAsJsonObject();
    String table = System.getenv("IDEMPOTENCY_TABLE");
    String key = secret.get("mchid").getAsString() + "#" + order;
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes("UTF-8")));
    dynamo.putItem(r -> r.tableName(table).conditionExpression("attribute_not_exists(pk)").item(Map.of(
        "pk", AttributeValue.fromS(key), "state", AttributeValue.fromS("IN_PROGRESS"),
        "payload_hash", AttributeValue.fromS(hash))));

    RSAPublicKeyConfig config = new RSAPublicKeyConfig.Builder()
        .merchantId(secret.get("mchid").getAsString())
        .privateKey(secret.get("merchant_private_key").getAsString())
        .merchantSerialNumber(secret.get("merchant_serial_no").getAsString())
        .publicKey(secret.get("wechatpay_public_key").getAsString())
        .publicKeyId(secret.get("wechatpay_public_key_id").getAsString())
        .build();
    HttpClient wechat = new DefaultHttpClientBuilder().config(config)
        .validator(SdkHeaderNames.withWeChatHeaderNames(config.createValidator())).build();
    HttpHeaders headers = new HttpHeaders();
    headers.addHeader(Constant.ACCEPT, MediaType.APPLICATION_JSON.getValue());
    headers.addHeader(Constant.CONTENT_TYPE, MediaType.APPLICATION_JSON.getValue());
    headers.addHeader(Constant.WECHAT_PAY_SERIAL, secret.get("wechatpay_public_key_id").getAsString());
    HttpRequest request = new HttpRequest.Builder()
        .httpMethod(HttpMethod.POST)
        .url(System.getenv("WECHATPAY_BASE_URL") + "/v3/payscore/serviceorder/" + order + "/send-pendingmessage")
        .headers(headers)
        .body(new JsonRequestBody.Builder().body(body).build())
        .build();
    int status = wechat.execute(request, Object.class).getServiceResponse() == null ? 204 : 200;

    dynamo.updateItem(r -> r.tableName(table).key(Map.of("pk", AttributeValue.fromS(key)))
        .updateExpression("SET #s = :s, sent_at = :t")
        .expressionAttributeNames(Map.of("#s", "state"))
        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS("SENT"),
            ":t", AttributeValue.fromS(Instant.now().toString()))));
    ChildReport.print("status=" + (status == 204 ? 200 : status), "cpu_ms=" + ChildReport.processCpuMillis(),
        "classes=" + ChildReport.loadedClasses(), "heap_mib=" + ChildReport.peakHeapMiB(),
        "rss_mib=" + ChildReport.peakRssMiB());
    System.exit(0);
  }
}
