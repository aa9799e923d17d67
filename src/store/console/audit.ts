/**
 * The audit trail: append-only rows (a trigger refuses UPDATE and DELETE),
 * hash-chained per merchant (see domain/console/audit-chain.ts).
 *
 * Appends to one merchant's chain are serialized by its row in
 * `audit_chain_heads`, locked FOR UPDATE for the short transaction that
 * reads the head, inserts the row and moves the head: two appends at once
 * can never both chain from the same row. Called inside a caller's
 * transaction, the row commits (or not) with the change it records.
 */
import { sql } from 'kysely';
import { assert } from '../../domain/assert.ts';
import { auditGenesisHash, auditHash, type AuditContent } from '../../domain/console/audit-chain.ts';
import type { Db } from '../database.ts';
import type { AuditLogRow } from '../schema.ts';

/** A row to append: its content without the sequence number the chain gives it (before and after already cleaned of secrets by `auditValues`). */
export type AuditEntry = Omit<AuditContent, 'seq'>;

export async function recordAudit(db: Db, entry: AuditEntry): Promise<{ seq: bigint }> {
  if (!db.isTransaction) return db.transaction().execute((trx) => recordAudit(trx, entry));
  // Millisecond precision, as the hash saw it, whatever PostgreSQL would keep.
  const occurredAt = new Date(entry.occurredAt.getTime());
  await sql`insert into audit_chain_heads (merchant_id, seq, hash) values (${entry.merchantId}, 0, ${auditGenesisHash}) on conflict (merchant_id) do nothing`.execute(db);
  const head = await db.selectFrom('audit_chain_heads').select(['seq', 'hash']).where('merchant_id', '=', entry.merchantId).forUpdate().executeTakeFirstOrThrow();
  const seq = BigInt(head.seq) + 1n;
  const hash = auditHash(head.hash, { ...entry, occurredAt, seq });
  await db
    .insertInto('audit_log')
    .values({
      merchant_id: entry.merchantId,
      seq: seq.toString(),
      id: entry.id,
      occurred_at: occurredAt,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      actor_label: entry.actorLabel,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId,
      address: entry.address,
      request_id: entry.requestId,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
      prev_hash: head.hash,
      hash,
    })
    .execute();
  await db.updateTable('audit_chain_heads').set({ seq: seq.toString(), hash }).where('merchant_id', '=', entry.merchantId).execute();
  return { seq };
}

export interface AuditFilter {
  actorId?: string;
  /** An exact action, or a prefix ending in `.` (`payment.`: every payment action). */
  action?: string;
  actorType?: AuditLogRow['actor_type'];
  objectType?: string;
  objectId?: string;
  occurredGte?: Date;
  occurredLt?: Date;
  /** Keyset: rows older than this sequence number. */
  beforeSeq?: bigint;
  limit: number;
}

/** Newest first, by sequence number (the chain's order). Answers one row more than `limit` when there are more. */
export async function listAudit(db: Db, merchantId: string, filter: AuditFilter): Promise<AuditLogRow[]> {
  let query = db.selectFrom('audit_log').selectAll().where('merchant_id', '=', merchantId);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action) {
    query = filter.action.endsWith('.') ? query.where('action', 'like', `${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : query.where('action', '=', filter.action);
  }
  if (filter.actorType) query = query.where('actor_type', '=', filter.actorType);
  if (filter.objectType) query = query.where('object_type', '=', filter.objectType);
  if (filter.objectId) query = query.where('object_id', '=', filter.objectId);
  if (filter.occurredGte) query = query.where('occurred_at', '>=', filter.occurredGte);
  if (filter.occurredLt) query = query.where('occurred_at', '<', filter.occurredLt);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  return query.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
}

export interface AuditProblem {
  merchantId: string;
  seq: string;
  id: string | null;
  kind: 'altered' | 'missing' | 'broken_link' | 'head_mismatch';
  detail: string;
}

/**
 * Walks each merchant's chain in order and recomputes every hash: a row
 * whose content changed no longer matches its hash; a removed row leaves a
 * gap in the sequence and a link that points nowhere; rows cut off the end
 * leave the chain head pointing past the last row.
 */
export async function verifyAuditChain(db: Db, options: { merchantId?: string; batchRows: number }): Promise<{ rows: number; merchants: number; problems: AuditProblem[] }> {
  assert(options.batchRows > 0, 'a verification batch holds rows');
  // Every merchant, not only those with a chain head: rows whose head is gone must not go unchecked.
  let merchants = db
    .selectFrom('merchants')
    .leftJoin('audit_chain_heads', 'audit_chain_heads.merchant_id', 'merchants.id')
    .select(['merchants.id as merchant_id', 'audit_chain_heads.seq', 'audit_chain_heads.hash']);
  if (options.merchantId) merchants = merchants.where('merchants.id', '=', options.merchantId);
  const problems: AuditProblem[] = [];
  let rows = 0;
  let chains = 0;
  const headRows = await merchants.orderBy('merchants.id').execute();
  for (const found of headRows) {
    const head = { merchant_id: found.merchant_id, seq: found.seq ?? 0n, hash: found.hash ?? auditGenesisHash };
    if (found.seq !== null) chains += 1;
    let expectedSeq = 1n;
    let previousHash: Buffer = auditGenesisHash;
    for (;;) {
      const batch = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('merchant_id', '=', head.merchant_id)
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(options.batchRows)
        .execute();
      for (const row of batch) {
        rows += 1;
        const seq = BigInt(row.seq);
        if (seq !== expectedSeq) {
          problems.push({ merchantId: row.merchant_id, seq: expectedSeq.toString(), id: null, kind: 'missing', detail: `rows ${expectedSeq}…${seq - 1n} are missing` });
        }
        if (!row.prev_hash.equals(previousHash)) {
          problems.push({ merchantId: row.merchant_id, seq: row.seq.toString(), id: row.id, kind: 'broken_link', detail: 'its previous hash is not the hash of the row before it' });
        }
        const recomputed = auditHash(row.prev_hash, {
          merchantId: row.merchant_id,
          seq,
          id: row.id,
          occurredAt: row.occurred_at,
          actorType: row.actor_type,
          actorId: row.actor_id,
          actorLabel: row.actor_label,
          action: row.action,
          objectType: row.object_type,
          objectId: row.object_id,
          address: row.address,
          requestId: row.request_id,
          before: row.before,
          after: row.after,
        });
        if (!recomputed.equals(row.hash)) {
          problems.push({ merchantId: row.merchant_id, seq: row.seq.toString(), id: row.id, kind: 'altered', detail: 'its content does not match its hash' });
        }
        previousHash = row.hash;
        expectedSeq = seq + 1n;
      }
      if (batch.length < options.batchRows) break;
    }
    const headSeq = BigInt(head.seq);
    if (headSeq !== expectedSeq - 1n || !head.hash.equals(previousHash)) {
      problems.push({
        merchantId: head.merchant_id,
        seq: headSeq.toString(),
        id: null,
        kind: 'head_mismatch',
        detail: `the chain head names row ${headSeq}, the last row found is ${expectedSeq - 1n}`,
      });
    }
  }
  return { rows, merchants: chains, problems };
}
