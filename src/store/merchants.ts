/** Merchants, their API keys and their customers. */
import type { Db } from './database.ts';
import type { Mode } from './schema.ts';

export interface AuthenticatedKey {
  keyId: string;
  merchantId: string;
  kind: 'secret' | 'publishable';
  mode: Mode;
  /** When a rolled key stops working (null: until revoked); checked on every request. */
  expiresAtMs: number | null;
}

export async function insertMerchant(db: Db, merchant: { id: string; name: string; support_email: string | null; created_at: Date }): Promise<void> {
  await db.insertInto('merchants').values(merchant).execute();
}

export async function findMerchant(db: Db, id: string) {
  return db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertApiKey(
  db: Db,
  key: { id: string; merchant_id: string; kind: 'secret' | 'publishable'; mode: Mode; key_hash: Buffer; key_hint: string; created_at: Date; key_sealed?: Buffer | null },
): Promise<void> {
  await db.insertInto('api_keys').values({ ...key, key_sealed: key.key_sealed ?? null }).execute();
}

/** The newest publishable key the checkout page can hand out (one kept sealed), if any. */
export async function findSealedPublishableKey(db: Db, merchantId: string, mode: Mode): Promise<{ id: string; key_sealed: Buffer } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'key_sealed'])
    .where('merchant_id', '=', merchantId)
    .where('mode', '=', mode)
    .where('kind', '=', 'publishable')
    .where('revoked_at', 'is', null)
    // A rolled key is not handed to new payers, even during its overlap.
    .where('expires_at', 'is', null)
    .where('key_sealed', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.key_sealed ? { id: row.id, key_sealed: row.key_sealed } : undefined;
}

/** The key with this hash if it works at `now`: not revoked, not expired. */
export async function findActiveApiKey(db: Db, keyHash: Buffer, now: Date): Promise<AuthenticatedKey | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'merchant_id', 'kind', 'mode', 'expires_at'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return row && { keyId: row.id, merchantId: row.merchant_id, kind: row.kind, mode: row.mode, expiresAtMs: row.expires_at ? row.expires_at.getTime() : null };
}

export async function revokeApiKey(db: Db, merchantId: string, keyId: string, at: Date): Promise<void> {
  await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', keyId).where('merchant_id', '=', merchantId).execute();
}
