/**
 * Reconciliation as the console reads it: a run is one connector account's
 * statement date (what `paypilot reconcile` compared), summarized from its
 * stored mismatches; and the mismatches themselves, with what was repaired.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';

export async function reconciliationRuns(db: Db, scope: Scope, page: { beforeDate?: string; limit: number }) {
  let query = db
    .selectFrom('reconciliation_mismatches as m')
    .innerJoin('connector_accounts as a', 'a.id', 'm.connector_account_id')
    .select([
      'm.connector_account_id',
      'a.connector',
      sql<string>`to_char(m.statement_date, 'YYYY-MM-DD')`.as('statement_date'),
      sql<number>`count(*)::int`.as('mismatches'),
      sql<number>`(count(*) filter (where m.repaired))::int`.as('repaired'),
      sql<Date>`min(m.created_at)`.as('first_seen_at'),
    ])
    .where('a.merchant_id', '=', scope.merchantId)
    .where('a.mode', '=', scope.mode)
    .groupBy(['m.connector_account_id', 'a.connector', 'm.statement_date']);
  if (page.beforeDate) query = query.where(sql<boolean>`m.statement_date < ${page.beforeDate}::date`);
  return query.orderBy('m.statement_date', 'desc').orderBy('m.connector_account_id').limit(page.limit + 1).execute();
}

/**
 * The currency of a mismatch's amounts: its payment's. A statement line
 * carries none, and a mismatch names its payment by the channel's order
 * number (the attempt's provider key), or, for a refund we show and the
 * channel does not, by the payment's id. Null when neither is ours (a
 * payment the channel shows that we have no record of). Only channels are
 * reconciled (never cards), and only their keys are indexed
 * (payment_attempts_by_channel_order): without `connector <> 'card'` each
 * row read every attempt (0.6 s a row at a million payments).
 */
const mismatchCurrency = sql<string | null>`coalesce(
  (select p.currency from payment_attempts pa join payments p on p.id = pa.payment_id
    where pa.provider_idempotency_key = m.order_number and pa.connector <> 'card' and pa.connector_account_id = m.connector_account_id limit 1),
  (select p.currency from payments p where p.id = m.order_number and p.merchant_id = a.merchant_id))`;

export interface MismatchFilter {
  connectorAccount?: string;
  statementDate?: string;
  repaired?: boolean;
  startingAfter?: string;
  limit: number;
}

export async function reconciliationMismatches(db: Db, scope: Scope, filter: MismatchFilter) {
  let query = db
    .selectFrom('reconciliation_mismatches as m')
    .innerJoin('connector_accounts as a', 'a.id', 'm.connector_account_id')
    .selectAll('m')
    .select(sql<string>`to_char(m.statement_date, 'YYYY-MM-DD')`.as('statement_day'))
    .select(mismatchCurrency.as('currency'))
    .where('a.merchant_id', '=', scope.merchantId)
    .where('a.mode', '=', scope.mode);
  if (filter.connectorAccount) query = query.where('m.connector_account_id', '=', filter.connectorAccount);
  if (filter.statementDate) query = query.where(sql<boolean>`m.statement_date = ${filter.statementDate}::date`);
  if (filter.repaired !== undefined) query = query.where('m.repaired', '=', filter.repaired);
  if (filter.startingAfter) query = query.where('m.id', '<', filter.startingAfter);
  return query.orderBy('m.id', 'desc').limit(filter.limit + 1).execute();
}
