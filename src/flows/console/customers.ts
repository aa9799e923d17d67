/**
 * The console's customers: search with each customer's restriction (abuse
 * of cancellation) and segment, and one customer with their wallet.
 *
 * Segments come from the merchant's segmentation over the default range (the
 * same computation as GET /v1/analytics/customer_segments), which clusters up
 * to tens of thousands of customers: it is kept per merchant, mode and
 * language for `segmentCacheMs`, in this process, for at most
 * `segmentCacheEntriesMax` of them.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Locale } from '../../domain/locale.ts';
import { searchCustomers, type FoundCustomer } from '../../store/console/customers.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';
import { customerSegments } from '../insight/customer-segments.ts';
import { getWallet } from '../wallet/wallet.ts';

const segmentCacheMs = 10 * 60 * 1000;
const segmentCacheEntriesMax = 100;

interface SegmentIndex {
  computedAtMs: number;
  byCustomer: Map<string, { name: string; label: string }>;
  byName: Map<string, string[]>;
}

const segmentIndexes = new Map<string, Promise<SegmentIndex>>();

async function segmentIndex(context: FlowContext, scope: Scope, locale: Locale): Promise<SegmentIndex> {
  const key = `${scope.merchantId}:${scope.mode}:${locale}`;
  const nowMs = context.clock.nowMs();
  const cached = segmentIndexes.get(key);
  if (cached) {
    const index = await cached.catch(() => null);
    if (index && nowMs - index.computedAtMs < segmentCacheMs) return index;
    segmentIndexes.delete(key);
  }
  const computing = (async (): Promise<SegmentIndex> => {
    const to = new Date(nowMs);
    const segmentation = await customerSegments(
      context,
      scope,
      { from: new Date(nowMs - limits.segmentRangeDefaultMs), to, currency: null, paymentsPerCustomerMin: limits.segmentPaymentsPerCustomerMin, k: limits.segmentsDefault },
      locale,
    );
    const byCustomer = new Map<string, { name: string; label: string }>();
    const byName = new Map<string, string[]>();
    for (const segment of segmentation.result.segments) {
      byName.set(segment.name, segment.customers);
      for (const customer of segment.customers) byCustomer.set(customer, { name: segment.name, label: segment.label });
    }
    return { computedAtMs: nowMs, byCustomer, byName };
  })();
  if (segmentIndexes.size >= segmentCacheEntriesMax) segmentIndexes.delete(segmentIndexes.keys().next().value as string);
  segmentIndexes.set(key, computing);
  return computing;
}

/** Segments are an aid, not the search: when they cannot be computed, customers are still found, with `segment: null`. */
async function segmentsOrNone(context: FlowContext, scope: Scope, locale: Locale): Promise<SegmentIndex> {
  return segmentIndex(context, scope, locale).catch(() => ({ computedAtMs: 0, byCustomer: new Map(), byName: new Map() }));
}

export interface CustomerSearchInput {
  q?: string;
  restricted?: boolean;
  segment?: string;
  starting_after?: string;
}

export async function findCustomers(context: FlowContext, scope: Scope, input: CustomerSearchInput, limit: number, locale: Locale) {
  const segments = await segmentsOrNone(context, scope, locale);
  const ids = input.segment === undefined ? undefined : (segments.byName.get(input.segment) ?? []);
  const restrictedAt = input.restricted ? new Date(context.clock.nowMs()) : undefined;
  const rows = await onReadDatabase(context, (db) => searchCustomers(db, scope, { q: input.q, restrictedAt, ids, startingAfter: input.starting_after, limit }));
  const data = rows.slice(0, limit).map((row) => presentCustomer(context, row, segments));
  return { data, hasMore: rows.length > limit };
}

export async function consoleCustomer(context: FlowContext, scope: Scope, id: string, locale: Locale) {
  const [row] = await onReadDatabase(context, (db) => searchCustomers(db, scope, { q: id, limit: 1 }));
  if (!row || row.id !== id) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id } });
  const wallet = await getWallet(context, scope, id, undefined);
  return { ...presentCustomer(context, row, await segmentsOrNone(context, scope, locale)), wallet: wallet.currency === null ? null : wallet };
}

function presentCustomer(context: FlowContext, row: FoundCustomer, segments: SegmentIndex) {
  const restricted = row.flagged_until !== null && row.flagged_until.getTime() > context.clock.nowMs();
  return {
    object: 'console_customer' as const,
    id: row.id,
    email: row.email,
    name: row.name,
    phone: row.phone,
    created_at: row.created_at.toISOString(),
    payments_count: row.payments_count,
    last_payment_at: row.last_payment_at ? new Date(row.last_payment_at).toISOString() : null,
    restriction: {
      restricted,
      flagged_at: row.flagged_at?.toISOString() ?? null,
      flagged_until: row.flagged_until?.toISOString() ?? null,
      cancellations: row.cancellations,
      max_cancellations_per_hour: row.max_cancellations_per_hour,
    },
    segment: segments.byCustomer.get(row.id) ?? null,
  };
}
