/**
 * Creating a merchant with its API keys. Keys are returned once, here, and
 * stored only as hashes.
 */
import { apiKeyHint, generateApiKey, hashApiKey, type KeyKind, type KeyMode } from '../domain/secrets.ts';
import { insertApiKey, insertMerchant } from '../store/merchants.ts';
import { now, type FlowContext } from './context.ts';

export interface MerchantKeys {
  merchantId: string;
  keys: Record<`${KeyKind}_${KeyMode}`, string>;
}

export async function createMerchant(context: FlowContext, input: { name: string; supportEmail?: string }): Promise<MerchantKeys> {
  const merchantId = context.ids.newId('mer');
  const at = now(context);
  await insertMerchant(context.db, { id: merchantId, name: input.name, support_email: input.supportEmail ?? null, created_at: at });
  const keys = {} as MerchantKeys['keys'];
  for (const mode of ['test', 'live'] as const) {
    for (const kind of ['secret', 'publishable'] as const) {
      keys[`${kind}_${mode}`] = await createApiKey(context, merchantId, kind, mode);
    }
  }
  return { merchantId, keys };
}

export async function createApiKey(context: FlowContext, merchantId: string, kind: KeyKind, mode: KeyMode): Promise<string> {
  const key = generateApiKey(kind, mode, (n) => context.random.bytes(n));
  await insertApiKey(context.db, {
    id: context.ids.newId('key'),
    merchant_id: merchantId,
    kind,
    mode,
    key_hash: hashApiKey(key),
    key_hint: apiKeyHint(key),
    created_at: now(context),
  });
  return key;
}
