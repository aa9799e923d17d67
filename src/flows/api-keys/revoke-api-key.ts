/**
 * Revoking a key, at once. Revoking the very key that makes the call is
 * allowed (its answer is the last it gets). Revoking the last secret key of
 * a mode that keeps working (neither revoked nor set to expire) needs
 * `confirmNoSecretKeyLeft`: without a secret key the API cannot make another,
 * and only the operator's `paypilot keys create` can. The check and the
 * change run in one transaction over the locked keys, so two concurrent
 * revocations cannot together leave none.
 */
import { PaymentError } from '../../domain/errors.ts';
import { lockApiKey, lockLastingSecretKeys, markApiKeyRevoked } from '../../store/api-keys.ts';
import { markIdempotencyEffect } from '../../store/idempotency.ts';
import type { Scope } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { presentApiKey, type ApiKeyView } from './view.ts';

export async function revokeApiKey(
  context: FlowContext,
  scope: Scope,
  id: string,
  input: { confirmNoSecretKeyLeft?: boolean },
): Promise<{ key: ApiKeyView; changed: boolean }> {
  const at = now(context);
  const result = await context.db.transaction().execute(async (trx) => {
    const lasting = await lockLastingSecretKeys(trx, scope);
    const key = await lockApiKey(trx, scope, id);
    if (!key) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'API key', id } });
    // Revoking twice changes nothing: the answer is the key as it stands.
    if (key.revoked_at) return { row: key, changed: false };
    const leavesNone = lasting.length === 1 && lasting[0] === id;
    if (leavesNone && !input.confirmNoSecretKeyLeft) throw new PaymentError('api_key_last_secret', { param: 'id', details: { id } });
    await markIdempotencyEffect(trx, 'api_key', id);
    return { row: await markApiKeyRevoked(trx, scope.merchantId, id, at), changed: true };
  });
  return { key: presentApiKey(result.row, context.clock.nowMs()), changed: result.changed };
}
