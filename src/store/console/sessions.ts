/**
 * Console sessions, found by the SHA-256 of their token. A session is alive
 * while it has not ended, has been used within the idle time, is younger
 * than the absolute limit, and its member is still on the team: all checked,
 * and its last use recorded, in one statement per request.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ConsoleMemberRow } from '../schema.ts';

export interface NewSession {
  id: string;
  tokenHash: Buffer;
  memberId: string;
  merchantId: string;
  csrfToken: string;
  address: string | null;
  now: Date;
}

export async function insertSession(db: Db, session: NewSession): Promise<void> {
  await db
    .insertInto('console_sessions')
    .values({
      id: session.id,
      token_hash: session.tokenHash,
      member_id: session.memberId,
      merchant_id: session.merchantId,
      csrf_token: session.csrfToken,
      address: session.address,
      created_at: session.now,
      last_seen_at: session.now,
      ended_at: null,
    })
    .execute();
}

export interface LiveSession {
  sessionId: string;
  csrfToken: string;
  createdAt: Date;
  member: ConsoleMemberRow;
}

export async function touchSession(db: Db, tokenHash: Buffer, now: Date, rule: { idleMs: number; absoluteMs: number }): Promise<LiveSession | null> {
  const idleSince = new Date(now.getTime() - rule.idleMs);
  const bornAfter = new Date(now.getTime() - rule.absoluteMs);
  const result = await sql<ConsoleMemberRow & { session_id: string; csrf_token: string; session_created_at: Date }>`
    with touched as (
      update console_sessions s set last_seen_at = ${now}::timestamptz
        from console_members m
       where s.token_hash = ${tokenHash} and s.ended_at is null
         and s.last_seen_at > ${idleSince}::timestamptz and s.created_at > ${bornAfter}::timestamptz
         and m.id = s.member_id and m.removed_at is null
      returning s.id as session_id, s.csrf_token, s.created_at as session_created_at, s.member_id
    )
    select m.*, touched.session_id, touched.csrf_token, touched.session_created_at
      from touched join console_members m on m.id = touched.member_id
  `.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  const { session_id: sessionId, csrf_token: csrfToken, session_created_at: createdAt, ...member } = row;
  return { sessionId, csrfToken, createdAt, member: member as ConsoleMemberRow };
}

export async function endSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('console_sessions').set({ ended_at: now }).where('id', '=', sessionId).where('ended_at', 'is', null).execute();
}

/** Ends every open session of a member (removed, or their password changed), at once. */
export async function endMemberSessions(db: Db, memberId: string, now: Date, exceptSessionId: string | null = null): Promise<number> {
  let query = db.updateTable('console_sessions').set({ ended_at: now }).where('member_id', '=', memberId).where('ended_at', 'is', null);
  if (exceptSessionId) query = query.where('id', '<>', exceptSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
