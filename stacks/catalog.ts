import landfall from '../landfall.config.ts';
import { tableNames } from '../config/defineConfig.ts';
import { catalogCreateTableInput } from '../functions/catalog/tableDesign.ts';
import { IDEMPOTENCY_EXPIRY_ATTRIBUTE, idempotencyCreateTableInput } from '../functions/shared/idempotencyTable.ts';
import { isPermanentStage } from './stage.ts';

const stage = $app.stage.toLowerCase();
const names = tableNames(landfall);

/** A table from the same CreateTable description the embedded runtime uses, so the two cannot drift. */
function tableArgs(design: ReturnType<typeof catalogCreateTableInput> | ReturnType<typeof idempotencyCreateTableInput>) {
  const hash = design.KeySchema.find((key) => key.KeyType === 'HASH')!.AttributeName;
  const range = design.KeySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  return {
    name: `${design.TableName}-${stage}`,
    billingMode: 'PAY_PER_REQUEST',
    hashKey: hash,
    ...(range ? { rangeKey: range } : {}),
    attributes: design.AttributeDefinitions.map((attribute) => ({ name: attribute.AttributeName, type: attribute.AttributeType })),
    globalSecondaryIndexes: ('GlobalSecondaryIndexes' in design ? design.GlobalSecondaryIndexes : []).map((index) => ({
      name: index.IndexName,
      hashKey: index.KeySchema.find((key) => key.KeyType === 'HASH')!.AttributeName,
      rangeKey: index.KeySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName,
      projectionType: index.Projection.ProjectionType,
    })),
    serverSideEncryption: { enabled: true },
    deletionProtectionEnabled: isPermanentStage(stage),
  };
}

/**
 * The catalog — the source of truth for every run, sample, version, execution and output — with
 * point-in-time recovery: losing it would lose lineage, not data, but lineage is what people ask for.
 */
export const catalogTable = new aws.dynamodb.Table('CatalogTable', {
  ...tableArgs(catalogCreateTableInput(names.catalog)),
  pointInTimeRecovery: { enabled: true },
});

/** Powertools idempotency records (one key prefix per handler); they expire by TTL. */
export const idempotencyTable = new aws.dynamodb.Table('IdempotencyTable', {
  ...tableArgs(idempotencyCreateTableInput(names.idempotency)),
  ttl: { attributeName: IDEMPOTENCY_EXPIRY_ATTRIBUTE, enabled: true },
});

/** Stack outputs shown after `sst deploy`. */
export const outputs = { catalogTable: catalogTable.name, idempotencyTable: idempotencyTable.name };
