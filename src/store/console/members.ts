/**
 * Console members: who signs in for a merchant, with which role, and the
 * state of their password, second factor and failed sign-ins.
 *
 * Sign-in tries are reserved before the password is checked, in the one
 * UPDATE that also checks the account is not locked (CONVENTIONS rule 15):
 * however many tries arrive at once, no more than the limit are ever checked.
 */
import { sql } from 'kysely';
import type { ConsoleRole } from '../../domain/console/roles.ts';
import type { Db } from '../database.ts';
import type { ConsoleMemberRow } from '../schema.ts';

export interface NewMember {
  id: string;
  merchantId: string;
  email: string;
  name: string;
  role: ConsoleRole;
  passwordHash: string | null;
  locale: string;
  now: Date;
}

export async function insertMember(db: Db, member: NewMember): Promise<ConsoleMemberRow> {
  return db
    .insertInto('console_members')
    .values({
      id: member.id,
      merchant_id: member.merchantId,
      email: member.email,
      name: member.name,
      role: member.role,
      password_hash: member.passwordHash,
      totp_secret_sealed: null,
      totp_pending_sealed: null,
      totp_enabled_at: null,
      totp_last_step: null,
      locale: member.locale,
      locked_until: null,
      created_at: member.now,
      updated_at: member.now,
      removed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Members (not removed) with this email, at one merchant or at any. */
export async function findMembersByEmail(db: Db, email: string, merchantId: string | null): Promise<ConsoleMemberRow[]> {
  let query = db
    .selectFrom('console_members')
    .selectAll()
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .where('removed_at', 'is', null);
  if (merchantId) query = query.where('merchant_id', '=', merchantId);
  return query.orderBy('id').limit(10).execute();
}

export async function findMember(db: Db, merchantId: string, memberId: string): Promise<ConsoleMemberRow | undefined> {
  return db
    .selectFrom('console_members')
    .selectAll()
    .where('id', '=', memberId)
    .where('merchant_id', '=', merchantId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** Locks the member's row for the rest of the transaction (a role change, a removal). */
export async function findMemberForUpdate(db: Db, merchantId: string, memberId: string): Promise<ConsoleMemberRow | undefined> {
  return db
    .selectFrom('console_members')
    .selectAll()
    .where('id', '=', memberId)
    .where('merchant_id', '=', merchantId)
    .where('removed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function listMembers(db: Db, merchantId: string, limit: number): Promise<ConsoleMemberRow[]> {
  return db.selectFrom('console_members').selectAll().where('merchant_id', '=', merchantId).where('removed_at', 'is', null).orderBy('id').limit(limit).execute();
}

export async function countMembers(db: Db, merchantId: string): Promise<number> {
  const row = await db
    .selectFrom('console_members')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', merchantId)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Locks every owner of the merchant, in id order, and counts them: two
 * owners demoting each other at once are served one after the other, so the
 * second sees one owner left and is refused.
 */
export async function lockOwners(db: Db, merchantId: string): Promise<number> {
  const rows = await db
    .selectFrom('console_members')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('role', '=', 'owner')
    .where('removed_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.length;
}

export async function updateMember(
  db: Db,
  memberId: string,
  patch: Partial<{ role: ConsoleRole; name: string; locale: string; password_hash: string; removed_at: Date }>,
  now: Date,
): Promise<void> {
  await db.updateTable('console_members').set({ ...patch, updated_at: now }).where('id', '=', memberId).execute();
}

/**
 * Reserves one sign-in try: counts it and, when it reaches `failuresMax`,
 * locks the account, in the statement that checks no lock is running. A lock
 * that has run out starts a fresh count. Answers null when the account is
 * locked (nothing counted), with when it unlocks.
 */
export async function reserveSignInTry(
  db: Db,
  memberId: string,
  now: Date,
  rule: { failuresMax: number; lockMs: number },
): Promise<{ reserved: true } | { reserved: false; lockedUntil: Date }> {
  const tries = sql<number>`case when locked_until is not null then 1 else failed_sign_ins + 1 end`;
  const lockUntil = new Date(now.getTime() + rule.lockMs);
  const result = await sql<{ failed_sign_ins: number }>`
    update console_members
       set failed_sign_ins = ${tries},
           locked_until = case when ${tries} >= ${rule.failuresMax} then ${lockUntil}::timestamptz end
     where id = ${memberId} and removed_at is null and (locked_until is null or locked_until <= ${now}::timestamptz)
    returning failed_sign_ins
  `.execute(db);
  if (result.rows[0]) return { reserved: true };
  const row = await db.selectFrom('console_members').select('locked_until').where('id', '=', memberId).executeTakeFirst();
  return { reserved: false, lockedUntil: row?.locked_until ?? lockUntil };
}

/** A right password (and second factor): the count starts again, and a lock this very try set is lifted. */
export async function forgiveSignInTries(db: Db, memberId: string): Promise<void> {
  await db.updateTable('console_members').set({ failed_sign_ins: 0, locked_until: null }).where('id', '=', memberId).execute();
}

/** A right password without its second factor is not a failure: gives the reserved try back. */
export async function returnSignInTry(db: Db, memberId: string, failuresMax: number): Promise<void> {
  await sql`
    update console_members
       set failed_sign_ins = greatest(failed_sign_ins - 1, 0),
           locked_until = case when failed_sign_ins - 1 >= ${failuresMax} then locked_until end
     where id = ${memberId}
  `.execute(db);
}

/**
 * Takes a TOTP time step for the member, once: a code of a step already used
 * (or an earlier one) is refused, whoever sends it and however often.
 */
export async function takeTotpStep(db: Db, memberId: string, step: bigint): Promise<boolean> {
  const result = await sql`
    update console_members set totp_last_step = ${step.toString()}::bigint
     where id = ${memberId} and (totp_last_step is null or totp_last_step < ${step.toString()}::bigint)
    returning id
  `.execute(db);
  return result.rows.length === 1;
}

export async function setPendingTotp(db: Db, memberId: string, sealed: Buffer, now: Date): Promise<void> {
  await db.updateTable('console_members').set({ totp_pending_sealed: sealed, updated_at: now }).where('id', '=', memberId).execute();
}

/** Moves the pending secret to the confirmed one, if it is still the one the code was checked against. */
export async function enableTotp(db: Db, memberId: string, pending: Buffer, step: bigint, now: Date): Promise<boolean> {
  const result = await sql`
    update console_members
       set totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = null, totp_enabled_at = ${now}::timestamptz,
           totp_last_step = ${step.toString()}::bigint, updated_at = ${now}::timestamptz
     where id = ${memberId} and totp_pending_sealed = ${pending} and totp_secret_sealed is null
    returning id
  `.execute(db);
  return result.rows.length === 1;
}

export async function disableTotp(db: Db, member: { id: string; merchant_id: string }, now: Date): Promise<void> {
  await db
    .updateTable('console_members')
    .set({ totp_secret_sealed: null, totp_pending_sealed: null, totp_enabled_at: null, totp_last_step: null, updated_at: now })
    .where('id', '=', member.id)
    .execute();
  await db.deleteFrom('console_recovery_codes').where('merchant_id', '=', member.merchant_id).where('member_id', '=', member.id).execute();
}

/** A member by id alone, removed or not: for a link, whose token already names the member. */
export async function findMemberById(db: Db, memberId: string): Promise<ConsoleMemberRow | undefined> {
  return db.selectFrom('console_members').selectAll().where('id', '=', memberId).executeTakeFirst();
}
