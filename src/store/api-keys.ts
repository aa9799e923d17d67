/**
 * API keys as the merchant manages them: list, lock for a change, roll,
 * revoke. Every change to `revoked_at` or `expires_at` is announced to every
 * API process by the `api_keys_invalidate` trigger (migration 0016), so no
 * caller has to remember to.
 */
import type { Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';
import type { ApiKeysTable } from './schema.ts';

export type ApiKeyRow = Omit<Selectable<ApiKeysTable>, 'key_hash' | 'key_sealed'>;

const columns = ['id', 'merchant_id', 'kind', 'mode', 'key_hint', 'created_at', 'expires_at', 'revoked_at', 'replaced_by'] as const;

/** Newest first; one more row than asked tells whether there is a next page. */
export async function listApiKeys(db: Db, scope: Scope, page: { startingAfter?: string; limit: number }): Promise<{ data: ApiKeyRow[]; hasMore: boolean }> {
  let query = db.selectFrom('api_keys').select(columns).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (page.startingAfter) query = query.where('id', '<', page.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export async function findApiKey(db: Db, scope: Scope, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').select(columns).where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** The scope a key belongs to, by its id alone: for the operator's CLI, which has no key to call with. */
export async function findApiKeyScope(db: Db, id: string): Promise<Scope | undefined> {
  const row = await db.selectFrom('api_keys').select(['merchant_id', 'mode']).where('id', '=', id).executeTakeFirst();
  return row && { merchantId: row.merchant_id, mode: row.mode };
}

/** The key, locked until the caller's transaction ends, so two changes to it are made one after the other. */
export async function lockApiKey(db: Db, scope: Scope, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .select(columns)
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * The ids of the secret keys of a scope that keep working (neither revoked
 * nor set to expire), locked in id order: two revocations of a scope's last
 * two such keys then run one after the other, and the second sees the first.
 */
export async function lockLastingSecretKeys(db: Db, scope: Scope): Promise<string[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select('id')
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('kind', '=', 'secret')
    .where('revoked_at', 'is', null)
    .where('expires_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((row) => row.id);
}

/** Keys of a scope that work at `now`. */
export async function countWorkingApiKeys(db: Db, scope: Scope, now: Date): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function markApiKeyRolled(db: Db, merchantId: string, id: string, change: { expiresAt: Date; replacedBy: string }): Promise<ApiKeyRow> {
  return db
    .updateTable('api_keys')
    .set({ expires_at: change.expiresAt, replaced_by: change.replacedBy })
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function markApiKeyRevoked(db: Db, merchantId: string, id: string, at: Date): Promise<ApiKeyRow> {
  return db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('merchant_id', '=', merchantId).returning(columns).executeTakeFirstOrThrow();
}
