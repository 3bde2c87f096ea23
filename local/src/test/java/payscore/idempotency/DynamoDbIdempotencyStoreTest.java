package payscore.idempotency;

import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import java.time.Clock;
import payscore.harness.MotoClients;
import payscore.harness.MotoServer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** The store contract on DynamoDB (moto): each conditional request keeps the same rules as the in-memory store. */
class DynamoDbIdempotencyStoreTest extends IdempotencyStoreContract {
  @RegisterExtension static final MotoServer MOTO = MotoServer.shared();

  private static final String TABLE = "idempotency-contract-" + UUID.randomUUID();
  private static DynamoDbClient dynamo;

  @BeforeAll
  static void createTable() {
    dynamo = MotoClients.dynamo(MOTO.endpoint());
    dynamo.createTable(r -> r.tableName(TABLE)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
        .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S)));
  }

  @Override
  protected IdempotencyStore newStore() {
    return MotoClients.adapters(MOTO.endpoint(), Clock.systemUTC()).store(TABLE);
  }
}
