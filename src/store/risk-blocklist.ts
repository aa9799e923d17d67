/** The merchant's blocklist and its payments marked fraudulent. */
import { sql, type Selectable } from 'kysely';
import type { Db } from './database.ts';
import { effectCte } from './idempotency.ts';
import type { BlocklistKind, FraudSource } from './schema.ts';
import type { Scope } from './scope.ts';
import type { PaymentFraudMarksTable, RiskBlocklistEntriesTable } from './tables/risk.ts';

export type BlocklistEntryRow = Selectable<RiskBlocklistEntriesTable>;
export type FraudMarkRow = Selectable<PaymentFraudMarksTable>;

export interface NewBlocklistEntry {
  id: string;
  kind: BlocklistKind;
  value: string;
  reason: string | null;
  source_payment_id: string | null;
}

/** Adds entries; one already listed is kept as it was. Answers every entry named, as stored. */
export async function addBlocklistEntries(db: Db, scope: Scope, entries: readonly NewBlocklistEntry[], at: Date): Promise<BlocklistEntryRow[]> {
  if (entries.length === 0) return [];
  await db
    .insertInto('risk_blocklist_entries')
    .values(entries.map((e) => ({ ...e, merchant_id: scope.merchantId, mode: scope.mode, created_at: at })))
    .onConflict((oc) => oc.columns(['merchant_id', 'mode', 'kind', 'value']).doNothing())
    .execute();
  const stored = await db
    .selectFrom('risk_blocklist_entries')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where((eb) => eb.or(entries.map((e) => eb.and([eb('kind', '=', e.kind), eb('value', '=', e.value)]))))
    .execute();
  return stored;
}

/**
 * Adds one entry (or answers the one already listed) and, under an
 * Idempotency-Key, marks the key with it in the same statement. An entry
 * listed by a concurrent request after this statement's snapshot is read
 * by a second try.
 */
export async function addBlocklistEntry(db: Db, scope: Scope, entry: NewBlocklistEntry, at: Date): Promise<BlocklistEntryRow> {
  for (let round = 0; round < 2; round += 1) {
    const effect = effectCte('blocklist_entry', sql`listed.id`, 'listed');
    const result = await sql<BlocklistEntryRow>`
      with inserted as (
        insert into risk_blocklist_entries (id, merchant_id, mode, kind, value, reason, source_payment_id, created_at)
        values (${entry.id}, ${scope.merchantId}, ${scope.mode}, ${entry.kind}, ${entry.value}, ${entry.reason}, ${entry.source_payment_id}, ${at})
        on conflict (merchant_id, mode, kind, value) do nothing
        returning *
      ), listed as (
        select * from inserted
        union all
        select * from risk_blocklist_entries
         where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and kind = ${entry.kind} and value = ${entry.value}
           and not exists (select 1 from inserted)
      )${effect ? sql`, ${effect}` : sql``}
      select * from listed
    `.execute(db);
    const row = result.rows[0];
    if (row) return row;
  }
  throw new Error('a blocklist entry added is read back');
}

export async function findBlocklistEntry(db: Db, scope: Scope, id: string): Promise<BlocklistEntryRow | undefined> {
  return db.selectFrom('risk_blocklist_entries').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function listBlocklistEntries(db: Db, scope: Scope, filter: { kind?: BlocklistKind; startingAfter?: string; limit: number }) {
  let query = db.selectFrom('risk_blocklist_entries').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export async function deleteBlocklistEntry(db: Db, scope: Scope, id: string): Promise<BlocklistEntryRow | undefined> {
  return db.deleteFrom('risk_blocklist_entries').where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).returningAll().executeTakeFirst();
}

/** Marks a payment fraudulent; a payment already marked keeps its first mark (answered as stored). */
export async function markFraudulent(db: Db, scope: Scope, mark: { paymentId: string; source: FraudSource; note: string | null }, at: Date): Promise<FraudMarkRow> {
  await db
    .insertInto('payment_fraud_marks')
    .values({ payment_id: mark.paymentId, merchant_id: scope.merchantId, mode: scope.mode, source: mark.source, note: mark.note, created_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return db.selectFrom('payment_fraud_marks').selectAll().where('merchant_id', '=', scope.merchantId).where('payment_id', '=', mark.paymentId).executeTakeFirstOrThrow();
}

export async function findFraudMark(db: Db, payment: { merchantId: string; id: string }): Promise<FraudMarkRow | undefined> {
  return db.selectFrom('payment_fraud_marks').selectAll().where('merchant_id', '=', payment.merchantId).where('payment_id', '=', payment.id).executeTakeFirst();
}
