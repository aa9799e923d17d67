/** The keys of the caller's merchant and mode, newest first, revoked and expired ones included; never a secret. */
import { PaymentError } from '../../domain/errors.ts';
import { findApiKey, listApiKeys } from '../../store/api-keys.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { presentApiKey, type ApiKeyView } from './view.ts';

export async function listMerchantApiKeys(context: FlowContext, scope: Scope, page: { startingAfter?: string; limit: number }): Promise<{ data: ApiKeyView[]; hasMore: boolean }> {
  const found = await listApiKeys(context.db, scope, page);
  const nowMs = context.clock.nowMs();
  return { data: found.data.map((row) => presentApiKey(row, nowMs)), hasMore: found.hasMore };
}

/** One key as it stands now: what a request that changed it, cut short by a crash, is answered with. */
export async function getApiKey(context: FlowContext, scope: Scope, id: string): Promise<ApiKeyView> {
  const row = await findApiKey(context.db, scope, id);
  if (!row) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'API key', id } });
  return presentApiKey(row, context.clock.nowMs());
}
