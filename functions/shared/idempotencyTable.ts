/**
 * The Powertools idempotency table, described once for both runtimes (the stack and the embedded
 * runtime); kept free of SDK imports so the infrastructure program can read it.
 */
export const IDEMPOTENCY_KEY = 'id';
/** Powertools writes the record's expiry here (epoch seconds): the stack turns TTL on for it. */
export const IDEMPOTENCY_EXPIRY_ATTRIBUTE = 'expiration';

/** CreateTable input for the idempotency table. */
export function idempotencyCreateTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_KEY, AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: IDEMPOTENCY_KEY, KeyType: 'HASH' as const }],
  };
}
