/**
 * The console's single-use secrets, each kept only as a SHA-256 hash:
 * recovery codes, password-setting links (reset and invitation), and the
 * per-address count of failed sign-ins. Every use is one conditional
 * statement, so a code or a link works once however many requests race.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';

export async function replaceRecoveryCodes(db: Db, member: { id: string; merchant_id: string }, hashes: Buffer[], now: Date): Promise<void> {
  await db.deleteFrom('console_recovery_codes').where('merchant_id', '=', member.merchant_id).where('member_id', '=', member.id).execute();
  if (hashes.length === 0) return;
  await db
    .insertInto('console_recovery_codes')
    .values(hashes.map((hash) => ({ member_id: member.id, merchant_id: member.merchant_id, code_hash: hash, created_at: now, used_at: null })))
    .execute();
}

export async function useRecoveryCode(db: Db, member: { id: string; merchant_id: string }, hash: Buffer, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('console_recovery_codes')
    .set({ used_at: now })
    .where('merchant_id', '=', member.merchant_id)
    .where('member_id', '=', member.id)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .returning('member_id')
    .execute();
  return result.length === 1;
}

export async function countUnusedRecoveryCodes(db: Db, member: { id: string; merchant_id: string }): Promise<number> {
  const row = await db
    .selectFrom('console_recovery_codes')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', member.merchant_id)
    .where('member_id', '=', member.id)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertLinkToken(
  db: Db,
  token: { hash: Buffer; memberId: string; merchantId: string; purpose: 'password_reset' | 'invitation'; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('console_tokens')
    .values({ token_hash: token.hash, member_id: token.memberId, merchant_id: token.merchantId, purpose: token.purpose, created_at: token.now, expires_at: token.expiresAt, used_at: null })
    .execute();
}

/**
 * Uses a link once, if it has not expired and its member is still on the team; answers its member and purpose.
 * The link names neither member nor merchant (its token is the key): the member is joined within the token's merchant.
 */
export async function consumeLinkToken(db: Db, hash: Buffer, now: Date): Promise<{ member_id: string; purpose: 'password_reset' | 'invitation' } | null> {
  const result = await sql<{ member_id: string; purpose: 'password_reset' | 'invitation' }>`
    update console_tokens t set used_at = ${now}::timestamptz
      from console_members m
     where t.token_hash = ${hash} and t.used_at is null and t.expires_at > ${now}::timestamptz
       and m.merchant_id = t.merchant_id and m.id = t.member_id and m.removed_at is null
    returning t.member_id, t.purpose
  `.execute(db);
  return result.rows[0] ?? null;
}

/** A new password was set: every other link of the member stops working. */
export async function voidLinkTokens(db: Db, member: { id: string; merchant_id: string }, now: Date): Promise<void> {
  await db
    .updateTable('console_tokens')
    .set({ used_at: now })
    .where('merchant_id', '=', member.merchant_id)
    .where('member_id', '=', member.id)
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Reserves one failed sign-in for an address, in the statement that checks
 * the address has not reached `failuresMax` in the current window (a window
 * that has ended starts a new one). Answers null when refused, with when the
 * window ends.
 */
export async function reserveAddressTry(
  db: Db,
  address: string,
  now: Date,
  rule: { failuresMax: number; windowMs: number },
): Promise<{ reserved: true } | { reserved: false; retryAt: Date }> {
  const windowStart = new Date(now.getTime() - rule.windowMs);
  const result = await sql`
    insert into console_sign_in_addresses as a (address, window_started_at, failures) values (${address}, ${now}::timestamptz, 1)
    on conflict (address) do update
       set failures = case when a.window_started_at <= ${windowStart}::timestamptz then 1 else a.failures + 1 end,
           window_started_at = case when a.window_started_at <= ${windowStart}::timestamptz then ${now}::timestamptz else a.window_started_at end
     where a.window_started_at <= ${windowStart}::timestamptz or a.failures < ${rule.failuresMax}
    returning failures
  `.execute(db);
  if (result.rows.length === 1) return { reserved: true };
  const row = await db.selectFrom('console_sign_in_addresses').select('window_started_at').where('address', '=', address).executeTakeFirst();
  return { reserved: false, retryAt: new Date((row?.window_started_at.getTime() ?? now.getTime()) + rule.windowMs) };
}

/** The sign-in succeeded (or needs its second factor): the reserved failure is given back. */
export async function returnAddressTry(db: Db, address: string): Promise<void> {
  await sql`update console_sign_in_addresses set failures = greatest(failures - 1, 0) where address = ${address}`.execute(db);
}
