import type { FunctionName } from '../../contracts/names.ts';
import { functionPermissions, type ResourceKind } from '../../stacks/permissions.ts';
import type { RecordedCall } from './sdkRecorder.ts';

/**
 * The DynamoDB actions a recorded call needs that its function is not granted on the table the call names
 * (IAM authorizes a DynamoDB action per table: `PutItem` on the catalog does not allow it on the idempotency
 * table). `tables` says which resource kind of stacks/permissions.ts each table name is; an unknown table is
 * reported too.
 *
 * @example ungrantedOnTables('validate', call, { 'landfall-test-idempotency': 'idempotencyTable' }) // ['dynamodb:PutItem on idempotencyTable']
 */
export function ungrantedOnTables(fn: FunctionName, call: RecordedCall, tables: Readonly<Record<string, ResourceKind>>): string[] {
  if (call.service !== 'dynamodb' || !call.tables) return [];
  const action = `dynamodb:${call.operation}`;
  return call.tables.flatMap((table) => {
    const kind = tables[table];
    if (!kind) return [`${action} on an unknown table ${table}`];
    const granted = functionPermissions[fn].some((grant) => grant.on.includes(kind) && grant.actions.includes(action));
    return granted ? [] : [`${action} on ${kind}`];
  });
}
