/**
 * The merchant's recent /v1 requests (migration 0021): appended in batches by
 * the API process, read newest first by the Developers page, pruned by age.
 */
import { sql } from 'kysely';
import { reusablePlan, type Db } from '../database.ts';

export interface RequestLogRow {
  requestId: string;
  merchantId: string;
  mode: 'test' | 'live' | null;
  keyId: string | null;
  memberId: string | null;
  method: string;
  path: string;
  route: string | null;
  status: number;
  errorCode: string | null;
  durationMs: number;
  occurredAt: Date;
}

/** One statement with one parameter for the whole batch (a JSON array), so its plan is the same whatever the batch's size. */
export async function insertRequestLogRows(db: Db, rows: readonly RequestLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const batch = JSON.stringify(
    rows.map((row) => ({
      request_id: row.requestId,
      merchant_id: row.merchantId,
      mode: row.mode,
      key_id: row.keyId,
      member_id: row.memberId,
      method: row.method,
      path: row.path,
      route: row.route,
      status: row.status,
      error_code: row.errorCode,
      duration_ms: row.durationMs,
      occurred_at: row.occurredAt.toISOString(),
    })),
  );
  await sql`
    insert into api_request_log (request_id, merchant_id, mode, key_id, member_id, method, path, route, status, error_code, duration_ms, occurred_at)
    select request_id, merchant_id, mode, key_id, member_id, method, path, route, status, error_code, duration_ms, occurred_at
      from jsonb_to_recordset(${batch}::jsonb) as r(request_id text, merchant_id text, mode text, key_id text, member_id text, method text, path text,
                                                  route text, status smallint, error_code text, duration_ms integer, occurred_at timestamptz)
    ${reusablePlan}`.execute(db);
}

export async function pruneRequestLog(db: Db, olderThan: Date): Promise<number> {
  const result = await sql`delete from api_request_log where occurred_at < ${olderThan}::timestamptz`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export interface RequestLogFilter {
  mode?: 'test' | 'live';
  /** An exact status, or a class: 400 to 499 for `4xx`. */
  statusMin?: number;
  statusMax?: number;
  keyId?: string;
  pathPrefix?: string;
  beforeSeq?: bigint;
  limit: number;
}

/** Newest first; one row more than `limit`, to tell whether there is more. */
export async function listRequestLog(db: Db, merchantId: string, filter: RequestLogFilter) {
  let query = db.selectFrom('api_request_log').selectAll().where('merchant_id', '=', merchantId);
  if (filter.mode) query = query.where('mode', '=', filter.mode);
  if (filter.statusMin !== undefined) query = query.where('status', '>=', filter.statusMin);
  if (filter.statusMax !== undefined) query = query.where('status', '<=', filter.statusMax);
  if (filter.keyId) query = query.where('key_id', '=', filter.keyId);
  if (filter.pathPrefix) query = query.where('path', 'like', `${filter.pathPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  return query.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
}
