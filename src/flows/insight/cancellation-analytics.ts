/**
 * Cancellation analytics as the API answers them: the cancellation records
 * of payments created in a range, their counts and rates by reason, stage,
 * source and detected cause, and the customers flagged for canceling too
 * often. Reads only; the records and flags are written where payments are
 * canceled (flows/payments/cancellation-records.ts, store/cancellation-abuse.ts).
 */
import { cancellationSummaryRows, summarizeCancellations } from '../../domain/insight/cancellation-summary.ts';
import type { CancellationStage, DetectedCause } from '../../domain/insight/cancellation-cause.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson } from '../../domain/money.ts';
import { listFlags, type AbuseFlagRow } from '../../store/cancellation-abuse.ts';
import { countCancellations, listCancellationRecords, type CancellationRecordRow } from '../../store/cancellation-records.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export interface CancellationRangeQuery {
  from: string;
  to: string;
  currency?: string;
}

interface PageQuery {
  limit?: number;
  starting_after?: string;
}

/** One page of the cancellation records of payments created in `[from, to)`, newest first. */
export async function cancellationRecordList(context: FlowContext, scope: Scope, query: CancellationRangeQuery & PageQuery) {
  const range = rangeOf(query);
  const page = await onReadDatabase(context, (db) => listCancellationRecords(db, scope, { ...range, limit: query.limit ?? limits.pageSizeDefault, startingAfter: query.starting_after }));
  return { object: 'list' as const, data: page.data.map(presentRecord), has_more: page.hasMore };
}

/** Counts and rates over the payments created in `[from, to)`; `rows` is the same, one figure per row, for CSV. */
export async function cancellationSummary(context: FlowContext, scope: Scope, query: CancellationRangeQuery) {
  const range = rangeOf(query);
  const counts = await onReadDatabase(context, (db) => countCancellations(db, scope, range));
  const summary = summarizeCancellations(counts.paymentsCreated, counts.groups);
  return {
    summary: {
      object: 'cancellation_summary' as const,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      currency: range.currency ?? null,
      ...summary,
    },
    rows: cancellationSummaryRows(summary),
  };
}

/** One page of flagged customers, newest flagging first: those whose flag holds now, or all with `active: false`. */
export async function flaggedCustomerList(context: FlowContext, scope: Scope, query: PageQuery & { active?: boolean; customer?: string }) {
  const at = now(context);
  const activeAt = query.active === false ? null : at;
  const page = await onReadDatabase(context, (db) =>
    listFlags(db, scope, { activeAt, customer: query.customer, startingAfter: query.starting_after, limit: query.limit ?? limits.pageSizeDefault }),
  );
  return { object: 'list' as const, data: page.data.map((flag) => presentFlag(flag, at)), has_more: page.hasMore };
}

function rangeOf(query: CancellationRangeQuery): { from: Date; to: Date; currency?: string } {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (Number.isNaN(from.getTime())) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: 'not a time that can be compared' } });
  if (Number.isNaN(to.getTime())) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'not a time that can be compared' } });
  if (from.getTime() >= to.getTime()) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'it must be after from' } });
  return { from, to, currency: query.currency };
}

function presentRecord(record: CancellationRecordRow) {
  return {
    object: 'cancellation_record' as const,
    payment: record.payment_id,
    amount: amountToJson(record.amount),
    currency: record.currency,
    payment_method_type: record.payment_method_type,
    connector: record.connector,
    connector_account: record.connector_account_id,
    stage: record.stage as CancellationStage,
    reason: record.reason,
    comment: record.comment,
    source: record.source,
    detected_cause: record.detected_cause as DetectedCause,
    customer: record.customer,
    payment_created_at: record.payment_created_at.toISOString(),
    created_at: record.created_at.toISOString(),
  };
}

function presentFlag(flag: AbuseFlagRow, at: Date) {
  return {
    object: 'flagged_customer' as const,
    customer: flag.customer_id,
    active: flag.flagged_until.getTime() > at.getTime(),
    reason: `${flag.cancellations} cancellations within an hour (limit ${flag.max_cancellations_per_hour})`,
    cancellations: flag.cancellations,
    max_cancellations_per_hour: flag.max_cancellations_per_hour,
    times_flagged: flag.times_flagged,
    first_flagged_at: flag.first_flagged_at.toISOString(),
    flagged_at: flag.flagged_at.toISOString(),
    flagged_until: flag.flagged_until.toISOString(),
  };
}
