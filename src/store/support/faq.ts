/** A merchant's FAQ entries, and the payers' searches counted for the analytics. */
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';
import type { FaqEntryRow } from '../schema.ts';
import type { FaqEntriesTable } from '../tables/support.ts';

/** Serializes additions to one merchant's FAQ in one language, for the rest of the transaction (its size is bounded). */
export async function lockFaqLocale(db: Db, scope: Scope, locale: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`faq:${scope.merchantId}:${scope.mode}:${locale}`}, 0))`.execute(db);
}

export async function countFaqEntries(db: Db, scope: Scope, locale: string): Promise<number> {
  const row = await db
    .selectFrom('faq_entries')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('locale', '=', locale)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertFaqEntry(db: Db, entry: Insertable<FaqEntriesTable>): Promise<FaqEntryRow> {
  return db.insertInto('faq_entries').values(entry).returningAll().executeTakeFirstOrThrow();
}

export async function updateFaqEntry(db: Db, scope: Scope, id: string, patch: Updateable<FaqEntriesTable>): Promise<FaqEntryRow | undefined> {
  return db.updateTable('faq_entries').set(patch).where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).returningAll().executeTakeFirst();
}

export async function deleteFaqEntry(db: Db, scope: Scope, id: string): Promise<FaqEntryRow | undefined> {
  return db.deleteFrom('faq_entries').where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).returningAll().executeTakeFirst();
}

export async function findFaqEntry(db: Db, scope: Scope, id: string): Promise<FaqEntryRow | undefined> {
  return db.selectFrom('faq_entries').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** In the merchant's order: position, then creation. Bounded by the per-language maximum. */
export async function listFaqEntries(db: Db, scope: Scope, locale: string | undefined, limit: number): Promise<FaqEntryRow[]> {
  let query = db.selectFrom('faq_entries').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (locale) query = query.where('locale', '=', locale);
  return query.orderBy('locale').orderBy('position').orderBy('id').limit(limit).execute();
}

export async function recordFaqSearch(db: Db, search: { merchantId: string; mode: Scope['mode']; locale: string; query: string; results: number; at: Date }): Promise<void> {
  await db
    .insertInto('faq_searches')
    .values({ merchant_id: search.merchantId, mode: search.mode, locale: search.locale, query: search.query, results: search.results, created_at: search.at })
    .execute();
}

/**
 * Deletes up to `limit` searches made before `before`, oldest first. Ids grow
 * with time, so the oldest rows come first by the primary key and the scan
 * stops at the limit; returns how many went (the caller repeats while full).
 */
export async function deleteFaqSearchesBefore(db: Db, before: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from faq_searches where id in (
      select id from faq_searches where created_at < ${before} order by id limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export interface QueryCount {
  query: string;
  count: number;
}

/** Searches in `[from, to)`: how many, the most frequent queries, and the most frequent that found nothing (ties by query). */
export async function faqSearchCounts(db: Db, scope: Scope, range: { from: Date; to: Date }, top: number) {
  const base = db
    .selectFrom('faq_searches')
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('created_at', '>=', range.from)
    .where('created_at', '<', range.to);
  const grouped = (unanswered: boolean) =>
    (unanswered ? base.where('results', '=', 0) : base)
      .select(['query', sql<number>`count(*)::int`.as('count')])
      .groupBy('query')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('query')
      .limit(top)
      .execute();
  const [total, topQueries, unanswered] = await Promise.all([
    base.select([sql<number>`count(*)::int`.as('searches'), sql<number>`(count(*) filter (where results = 0))::int`.as('unanswered')]).executeTakeFirstOrThrow(),
    grouped(false),
    grouped(true),
  ]);
  return { searches: total.searches, searchesUnanswered: total.unanswered, topQueries: topQueries as QueryCount[], unansweredQueries: unanswered as QueryCount[] };
}
