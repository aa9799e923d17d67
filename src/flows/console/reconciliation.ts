/** The Reconciliation page: runs (an account's statement date) and their mismatches, with what was repaired. */
import { amountToJson } from '../../domain/money.ts';
import { reconciliationMismatches, reconciliationRuns, type MismatchFilter } from '../../store/console/reconciliation.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export async function listReconciliationRuns(context: FlowContext, scope: Scope, page: { beforeDate?: string; limit: number }) {
  const rows = await onReadDatabase(context, (db) => reconciliationRuns(db, scope, page));
  const data = rows.slice(0, page.limit).map((row) => ({
    object: 'reconciliation_run' as const,
    connector_account: row.connector_account_id,
    connector: row.connector,
    statement_date: row.statement_date,
    mismatches: row.mismatches,
    repaired: row.repaired,
    unrepaired: row.mismatches - row.repaired,
    first_seen_at: new Date(row.first_seen_at).toISOString(),
  }));
  return { data, hasMore: rows.length > page.limit };
}

export async function listReconciliationMismatches(context: FlowContext, scope: Scope, filter: MismatchFilter) {
  const rows = await onReadDatabase(context, (db) => reconciliationMismatches(db, scope, filter));
  const data = rows.slice(0, filter.limit).map((row) => ({
    id: row.id,
    object: 'reconciliation_mismatch' as const,
    connector_account: row.connector_account_id,
    statement_date: row.statement_day,
    kind: row.kind,
    order_number: row.order_number,
    refund_number: row.refund_number === '' ? null : row.refund_number,
    our_amount: row.our_amount === null ? null : amountToJson(BigInt(row.our_amount)),
    their_amount: row.their_amount === null ? null : amountToJson(BigInt(row.their_amount)),
    /** The currency of both amounts; null when the payment is not ours to know (the channel shows one we have no record of). */
    currency: row.currency,
    our_status: row.our_status,
    repaired: row.repaired,
    note: row.note,
    created_at: row.created_at.toISOString(),
  }));
  return { data, hasMore: rows.length > filter.limit };
}
