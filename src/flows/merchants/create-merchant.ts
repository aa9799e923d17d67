/**
 * Creating a merchant with its API keys. Keys are returned once, here, and
 * looked up only by hash; publishable keys are also kept sealed for the
 * hosted checkout (secret keys never are).
 */
import { apiKeyHint, generateApiKey, hashApiKey, seal, unseal, type KeyKind, type KeyMode } from '../../domain/secrets.ts';
import { findSealedPublishableKey, insertApiKey, insertMerchant } from '../../store/merchants.ts';
import type { Db } from '../../store/database.ts';
import { now, type FlowContext } from '../context.ts';
import { defaultAlertRules } from '../../domain/insight/alert-rules.ts';
import { createAlertRule } from '../insight/alert-rules.ts';

export interface MerchantKeys {
  merchantId: string;
  keys: Record<`${KeyKind}_${KeyMode}`, string>;
}

/** A merchant with its keys (shown once) and the default alert rules in each mode. */
export async function createMerchant(context: FlowContext, input: { name: string; supportEmail?: string }): Promise<MerchantKeys> {
  const merchantId = context.ids.newId('mer');
  const at = now(context);
  await insertMerchant(context.db, { id: merchantId, name: input.name, support_email: input.supportEmail ?? null, created_at: at });
  const keys = {} as MerchantKeys['keys'];
  for (const mode of ['test', 'live'] as const) {
    for (const kind of ['secret', 'publishable'] as const) {
      keys[`${kind}_${mode}`] = await createApiKey(context, merchantId, kind, mode);
    }
    for (const rule of defaultAlertRules) await createAlertRule(context, { merchantId, mode }, rule);
  }
  return { merchantId, keys };
}

export async function createApiKey(context: FlowContext, merchantId: string, kind: KeyKind, mode: KeyMode): Promise<string> {
  return (await insertNewApiKey(context, context.db, merchantId, kind, mode)).secret;
}

/** Makes a key and stores its hash through `db` (a transaction, when the caller holds one); the secret is answered once. */
export async function insertNewApiKey(context: FlowContext, db: Db, merchantId: string, kind: KeyKind, mode: KeyMode): Promise<{ id: string; secret: string }> {
  const key = generateApiKey(kind, mode, (n) => context.random.bytes(n));
  const id = context.ids.newId('key');
  await insertApiKey(db, {
    id,
    // A publishable key is public by design; it is kept sealed as well as hashed so the hosted checkout can give it to the payer's browser.
    key_sealed: kind === 'publishable' ? seal(key, context.keys.credentials, id) : null,
    merchant_id: merchantId,
    kind,
    mode,
    key_hash: hashApiKey(key),
    key_hint: apiKeyHint(key),
    created_at: now(context),
  });
  return { id, secret: key };
}

/** The publishable key the hosted checkout hands to the payer's browser: the newest kept sealed, or a new one. */
export async function checkoutPublishableKey(context: FlowContext, merchantId: string, mode: KeyMode): Promise<string> {
  const found = await findSealedPublishableKey(context.db, merchantId, mode);
  if (found) return unseal(found.key_sealed, context.keys.credentials, found.id);
  return createApiKey(context, merchantId, 'publishable', mode);
}
