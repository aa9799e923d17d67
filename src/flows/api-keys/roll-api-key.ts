/**
 * Rolling a key, as Stripe's roll: a new key of the same kind and mode, and
 * the old one keeps working for the chosen overlap (0: it stops at once),
 * so a merchant can deploy the new secret before the old one stops. The old
 * key is locked, checked and changed in one transaction with the new key's
 * insert: two rolls of one key cannot both succeed.
 */
import { assert } from '../../domain/assert.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { findApiKey, lockApiKey, markApiKeyRolled } from '../../store/api-keys.ts';
import { markIdempotencyEffect } from '../../store/idempotency.ts';
import type { Scope } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { insertNewApiKey } from '../merchants/create-merchant.ts';
import { presentApiKey, type ApiKeyView } from './view.ts';

export async function rollApiKey(
  context: FlowContext,
  scope: Scope,
  id: string,
  input: { expiresInSeconds: number },
): Promise<ApiKeyView & { secret: string }> {
  assert(input.expiresInSeconds >= 0 && input.expiresInSeconds <= limits.apiKeyRollOverlapSecondsMax, 'the overlap was validated by the caller');
  const at = now(context);
  const made = await context.db.transaction().execute(async (trx) => {
    const old = await lockApiKey(trx, scope, id);
    if (!old) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'API key', id } });
    // A key already set to expire was rolled before: rolling it again would fork its line of successors.
    if (old.revoked_at || old.expires_at) throw new PaymentError('api_key_inactive', { param: 'id', details: { id } });
    const successor = await insertNewApiKey(context, trx, scope.merchantId, old.kind, old.mode);
    await markApiKeyRolled(trx, scope.merchantId, id, { expiresAt: new Date(at.getTime() + input.expiresInSeconds * 1000), replacedBy: successor.id });
    await markIdempotencyEffect(trx, 'api_key', successor.id);
    return successor;
  });
  const row = await findApiKey(context.db, scope, made.id);
  if (!row) throw new Error(`api key ${made.id} vanished after insert`);
  return { ...presentApiKey(row, context.clock.nowMs()), secret: made.secret };
}
