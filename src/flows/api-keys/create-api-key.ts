/**
 * A new key for the caller's merchant and mode. The secret is in this answer
 * only: the database keeps its SHA-256 hash.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { KeyKind } from '../../domain/secrets.ts';
import { countWorkingApiKeys, findApiKey } from '../../store/api-keys.ts';
import { markIdempotencyEffect } from '../../store/idempotency.ts';
import type { Scope } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { insertNewApiKey } from '../merchants/create-merchant.ts';
import { presentApiKey, type ApiKeyView } from './view.ts';

export async function createApiKeyForMerchant(context: FlowContext, scope: Scope, input: { kind: KeyKind }): Promise<ApiKeyView & { secret: string }> {
  if ((await countWorkingApiKeys(context.db, scope, now(context))) >= limits.apiKeysPerMerchantModeMax) {
    throw new PaymentError('parameter_invalid', {
      param: 'kind',
      details: { reason: `at most ${limits.apiKeysPerMerchantModeMax} working keys per merchant and mode; revoke one first` },
    });
  }
  // The request's idempotency key remembers the new key in the same transaction: a crash before the answer is answered from it, never by making another.
  const made = await context.db.transaction().execute(async (trx) => {
    const inserted = await insertNewApiKey(context, trx, scope.merchantId, input.kind, scope.mode);
    await markIdempotencyEffect(trx, 'api_key', inserted.id);
    return inserted;
  });
  const row = await findApiKey(context.db, scope, made.id);
  if (!row) throw new Error(`api key ${made.id} vanished after insert`);
  return { ...presentApiKey(row, context.clock.nowMs()), secret: made.secret };
}
