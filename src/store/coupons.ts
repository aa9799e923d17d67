/**
 * Coupons and their redemptions.
 *
 * A redemption moves only inside the statement that moves its payment
 * (`redemptionCtes`, embedded by `commitTransition`) or settles the refund
 * that restores it (`restoreCtes`, embedded by `settleRefund`): a crash can
 * never leave one without the other. The limits are counters with CHECK
 * constraints raised in that statement (migration 0028), so concurrent
 * confirms queue on the coupon's row and the one that would pass a limit
 * fails whole: its payment does not move.
 */
import { sql, type RawBuilder } from 'kysely';
import type { RedemptionStep } from '../domain/coupons/coupon-rules.ts';
import type { Db } from './database.ts';
import { effectCte } from './idempotency.ts';
import type { CouponRedemptionRow, CouponRow, CouponsTable } from './schema.ts';
import type { Scope } from './scope.ts';
import type { Insertable } from 'kysely';

export type NewCoupon = Omit<Insertable<CouponsTable>, 'metadata'> & { metadata: Record<string, string> };

/** Inserts a coupon and marks the request's key with it, atomically; `code_taken` when the code exists for the merchant. */
export async function insertCoupon(db: Db, coupon: NewCoupon): Promise<{ kind: 'created'; coupon: CouponRow } | { kind: 'code_taken' }> {
  const effect = effectCte('coupon', sql`created.id`, 'created');
  try {
    const rows = await sql<CouponRow>`
      with created as (
        insert into coupons (id, merchant_id, mode, code, campaign, name, discount_type, percent_off, amount_off, currency, minimum_amount,
                             starts_at, ends_at, redemptions_max, redemptions_per_customer_max, first_payment_only,
                             payment_method_types, stackable_with_points, metadata, disabled_at, created_at, updated_at)
        values (${coupon.id}, ${coupon.merchant_id}, ${coupon.mode}, ${coupon.code}, ${coupon.campaign ?? null}, ${coupon.name ?? null},
                ${coupon.discount_type}, ${coupon.percent_off ?? null}, ${coupon.amount_off ?? null}, ${coupon.currency},
                ${coupon.minimum_amount ?? 0}, ${coupon.starts_at ?? null}, ${coupon.ends_at ?? null}, ${coupon.redemptions_max ?? null},
                ${coupon.redemptions_per_customer_max ?? null}, ${coupon.first_payment_only}, ${coupon.payment_method_types ?? null},
                ${coupon.stackable_with_points}, ${JSON.stringify(coupon.metadata)}, null, ${coupon.created_at}, ${coupon.updated_at})
        returning *
      )
      ${effect ? sql`, ${effect}` : sql``}
      select * from created
    `.execute(db);
    const created = rows.rows[0];
    if (!created) throw new Error('coupon insert returned no row');
    return { kind: 'created', coupon: created };
  } catch (error) {
    const failure = error as { code?: unknown; constraint?: unknown };
    if (failure.code === '23505' && failure.constraint === 'coupons_code_unique') return { kind: 'code_taken' };
    throw error;
  }
}

export async function findCoupon(db: Db, scope: Scope, id: string): Promise<CouponRow | undefined> {
  return db.selectFrom('coupons').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** By its normalized code. */
export async function findCouponByCode(db: Db, scope: Scope, code: string): Promise<CouponRow | undefined> {
  return db
    .selectFrom('coupons')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('code', '=', code)
    .executeTakeFirst();
}

export interface CouponFilter {
  campaign?: string;
  startingAfter?: string;
  limit: number;
}

/** Newest first; one more row than asked tells whether there is a next page. */
export async function listCoupons(db: Db, scope: Scope, filter: CouponFilter): Promise<{ data: CouponRow[]; hasMore: boolean }> {
  let query = db.selectFrom('coupons').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.campaign !== undefined) query = query.where('campaign', '=', filter.campaign);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/** Disables a coupon once; disabling it again keeps the first time. Answers the coupon, or undefined when it is not the caller's. */
export async function disableCoupon(db: Db, scope: Scope, id: string, now: Date): Promise<CouponRow | undefined> {
  const effect = effectCte('coupon', sql`changed.id`, 'changed');
  const rows = await sql<CouponRow>`
    with changed as (
      update coupons set disabled_at = coalesce(disabled_at, ${now}::timestamptz), updated_at = ${now}::timestamptz
       where id = ${id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode}
      returning *
    )
    ${effect ? sql`, ${effect}` : sql``}
    select * from changed
  `.execute(db);
  return rows.rows[0];
}

export interface RedemptionCounts {
  reserved: number;
  consumed: number;
  released: number;
  restored: number;
  /** What the consumed redemptions took off their payments, minor units of the coupon's currency. */
  discountConsumed: bigint;
  /** The original amount of the payments that consumed a redemption (what the coupon "brought"). */
  amountOriginalConsumed: bigint;
}

const noRedemptions = (): RedemptionCounts => ({ reserved: 0, consumed: 0, released: 0, restored: 0, discountConsumed: 0n, amountOriginalConsumed: 0n });

/** Counts by status for each coupon, recounted from the redemption rows. */
export async function redemptionCounts(db: Db, scope: Scope, couponIds: readonly string[]): Promise<Map<string, RedemptionCounts>> {
  const counts = new Map<string, RedemptionCounts>(couponIds.map((id) => [id, noRedemptions()]));
  if (couponIds.length === 0) return counts;
  const rows = await sql<{ coupon_id: string; status: CouponRedemptionRow['status']; n: number; discount: bigint; original: bigint }>`
    select r.coupon_id, r.status, count(*)::int as n, coalesce(sum(r.amount_discount), 0)::bigint as discount,
           coalesce(sum(p.amount + p.amount_discount), 0)::bigint as original
      from coupon_redemptions r join payments p on p.id = r.payment_id and p.merchant_id = r.merchant_id
     where r.coupon_id = any(${[...couponIds]}::text[]) and r.merchant_id = ${scope.merchantId}
     group by r.coupon_id, r.status
  `.execute(db);
  for (const row of rows.rows) {
    const count = counts.get(row.coupon_id) ?? noRedemptions();
    count[row.status] = row.n;
    if (row.status === 'consumed') {
      count.discountConsumed = row.discount;
      count.amountOriginalConsumed = row.original;
    }
    counts.set(row.coupon_id, count);
  }
  return counts;
}

/** A coupon's redemptions, newest first, with the payment each belongs to. */
export async function listRedemptions(
  db: Db,
  scope: Scope,
  couponId: string,
  filter: { startingAfter?: string; limit: number },
): Promise<{ data: CouponRedemptionRow[]; hasMore: boolean }> {
  let query = db
    .selectFrom('coupon_redemptions')
    .selectAll()
    .where('coupon_id', '=', couponId)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/** Whether the customer has a succeeded payment at the merchant (other than this one): a first-payment-only coupon then does not apply. */
export async function customerHasPaid(db: Db, scope: Scope, customerId: string, exceptPaymentId: string): Promise<boolean> {
  const row = await db
    .selectFrom('payments')
    .select('id')
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'succeeded')
    .where('id', '!=', exceptPaymentId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * How many redemptions of the coupon one customer may hold (reserved or
 * consumed) at a time, or null for no limit: its per-customer limit, and at
 * most one for a first-payment-only coupon, so two first payments of one
 * customer confirmed at the same moment cannot both take it (the read in
 * `checkCoupon` alone would let them).
 */
const customerHeldMax = sql<number | null>`case when coupons.first_payment_only then 1 else coupons.redemptions_per_customer_max end`;

/** What the statement moving a payment does to its coupon's redemption. */
export interface RedemptionChange {
  step: Exclude<RedemptionStep, null>;
  couponId: string;
  customerId: string | null;
  /** For a reservation: the new redemption's id and what it takes off. */
  redemptionId: string;
  amountDiscount: bigint;
  currency: string;
}

/**
 * CTEs for `commitTransition`, guarded by `guard` (the CTE that moved the
 * payment: one row when it moved). A reservation raises the coupon's
 * counter (and the customer's), whose CHECK fails the whole statement past a
 * limit; a release lowers them; consuming changes only the redemption.
 */
export function redemptionCtes(change: RedemptionChange, scope: Scope, paymentId: string, at: Date, guard: string): RawBuilder<unknown> {
  const guardRef = sql.table(guard);
  switch (change.step) {
    case 'reserve':
    case 'reserve_consumed': {
      const status = change.step === 'reserve' ? 'reserved' : 'consumed';
      return sql`
        coupon_hold as (
          update coupons set redemptions_held = redemptions_held + 1
           where id = ${change.couponId} and merchant_id = ${scope.merchantId} and exists (select 1 from ${guardRef})
          returning id, ${customerHeldMax} as customer_held_max
        ),
        coupon_customer_hold as (
          insert into coupon_customer_holds as h (coupon_id, customer_id, merchant_id, held, held_max)
          select coupon_hold.id, ${change.customerId}, ${scope.merchantId}, 1, coupon_hold.customer_held_max
            from coupon_hold
           where coupon_hold.customer_held_max is not null and ${change.customerId}::text is not null
          on conflict on constraint coupon_customer_holds_pkey do update set held = h.held + 1, held_max = least(h.held_max, excluded.held_max)
          returning 1
        ),
        coupon_redemption as (
          insert into coupon_redemptions (id, coupon_id, payment_id, merchant_id, mode, customer_id, status, amount_discount, currency,
                                          reserved_at, consumed_at)
          select ${change.redemptionId}, coupon_hold.id, ${paymentId}, ${scope.merchantId}, ${scope.mode}, ${change.customerId},
                 ${status}, ${change.amountDiscount}::bigint, ${change.currency}, ${at}::timestamptz,
                 ${status === 'consumed' ? at : null}::timestamptz
            from coupon_hold
          returning id
        )`;
    }
    case 'consume':
      return sql`
        coupon_redemption as (
          update coupon_redemptions set status = 'consumed', consumed_at = ${at}::timestamptz
           where payment_id = ${paymentId} and merchant_id = ${scope.merchantId} and status = 'reserved' and exists (select 1 from ${guardRef})
          returning id
        )`;
    case 'release':
      return sql`
        coupon_redemption as (
          update coupon_redemptions set status = 'released', released_at = ${at}::timestamptz
           where payment_id = ${paymentId} and merchant_id = ${scope.merchantId} and status = 'reserved' and exists (select 1 from ${guardRef})
          returning coupon_id, customer_id, merchant_id
        ),
        ${unholdCtes('coupon_redemption')}`;
  }
}

/** Lowers the counters for each redemption `from` returned (coupon_id, customer_id, merchant_id). */
function unholdCtes(from: string): RawBuilder<unknown> {
  const fromRef = sql.table(from);
  return sql`
    coupon_unhold as (
      update coupons c set redemptions_held = c.redemptions_held - 1 from ${fromRef} r where c.id = r.coupon_id and c.merchant_id = r.merchant_id
      returning c.id
    ),
    coupon_customer_unhold as (
      update coupon_customer_holds h set held = h.held - 1 from ${fromRef} r where h.coupon_id = r.coupon_id and h.customer_id = r.customer_id
      returning 1
    )`;
}

/**
 * CTEs for `settleRefund`: when the refund settled (`guard`, its row) as
 * succeeded brings what the payment's succeeded refunds add up to to all it
 * received, the consumed redemption is restored and its counters lowered.
 * The caller holds the payment's row lock, so two refunds settling at once
 * see each other and exactly one of them restores.
 */
export function restoreCtes(at: Date, guard: string): RawBuilder<unknown> {
  const guardRef = sql.table(guard);
  return sql`
    coupon_restored as (
      update coupon_redemptions cr set status = 'restored', restored_at = ${at}::timestamptz
        from ${guardRef} s join payments p on p.id = s.payment_id and p.merchant_id = s.merchant_id
       where cr.payment_id = s.payment_id and cr.merchant_id = s.merchant_id and cr.status = 'consumed' and s.status = 'succeeded'
         and s.amount + coalesce((select sum(o.amount) from refunds o where o.payment_id = s.payment_id and o.merchant_id = s.merchant_id and o.status = 'succeeded' and o.id <> s.id), 0)
             >= p.amount_received
      returning cr.coupon_id, cr.customer_id, cr.merchant_id
    ),
    ${unholdCtes('coupon_restored')}`;
}

/** Which limit a failed statement ran into, if it was a coupon's. */
export function couponLimitViolated(error: unknown): 'total' | 'per_customer' | null {
  const failure = error as { code?: unknown; constraint?: unknown } | null;
  if (failure?.code !== '23514') return null;
  if (failure.constraint === 'coupons_redemptions_within_max') return 'total';
  if (failure.constraint === 'coupon_customer_holds_within_max') return 'per_customer';
  return null;
}

export interface CouponAnalyticsRows {
  payments: { with_coupon: boolean; currency: string; created: number; succeeded: number; discount: bigint; received: bigint }[];
  redemptions: { status: CouponRedemptionRow['status']; currency: string; n: number; discount: bigint }[];
  coupons: { coupon_id: string; code: string; campaign: string | null; currency: string; consumed: number; discount: bigint; payments_succeeded: number; received: bigint }[];
}

/**
 * The raw counts behind GET /v1/analytics/coupons, for payments (not wallet
 * top-ups) created in [from, to): payments with and without a coupon,
 * redemptions by status, and per coupon.
 */
export async function couponAnalyticsRows(db: Db, scope: Scope, range: { from: Date; to: Date }, currency: string | null): Promise<CouponAnalyticsRows> {
  const inRange = sql`p.merchant_id = ${scope.merchantId} and p.mode = ${scope.mode} and p.purpose = 'payment'
    and p.created_at >= ${range.from}::timestamptz and p.created_at < ${range.to}::timestamptz
    ${currency === null ? sql`` : sql`and p.currency = ${currency}`}`;
  const payments = await sql<CouponAnalyticsRows['payments'][number]>`
    select p.coupon_id is not null as with_coupon, p.currency, count(*)::int as created,
           (count(*) filter (where p.status = 'succeeded'))::int as succeeded,
           coalesce(sum(p.amount_discount) filter (where p.status = 'succeeded'), 0)::bigint as discount,
           coalesce(sum(p.amount_received) filter (where p.status = 'succeeded'), 0)::bigint as received
      from payments p where ${inRange}
     group by 1, 2 order by 2, 1`.execute(db);
  const redemptions = await sql<CouponAnalyticsRows['redemptions'][number]>`
    select r.status, r.currency, count(*)::int as n, coalesce(sum(r.amount_discount), 0)::bigint as discount
      from coupon_redemptions r join payments p on p.id = r.payment_id
     where ${inRange}
     group by 1, 2 order by 2, 1`.execute(db);
  const coupons = await sql<CouponAnalyticsRows['coupons'][number]>`
    select c.id as coupon_id, c.code, c.campaign, c.currency,
           (count(r.id) filter (where r.status = 'consumed'))::int as consumed,
           coalesce(sum(r.amount_discount) filter (where r.status = 'consumed'), 0)::bigint as discount,
           (count(distinct p.id) filter (where p.status = 'succeeded' and p.coupon_id = c.id))::int as payments_succeeded,
           coalesce(sum(p.amount_received) filter (where r.status = 'consumed'), 0)::bigint as received
      from coupon_redemptions r join payments p on p.id = r.payment_id join coupons c on c.id = r.coupon_id
     where ${inRange}
     group by c.id, c.code, c.campaign, c.currency order by c.id desc`.execute(db);
  return { payments: payments.rows, redemptions: redemptions.rows, coupons: coupons.rows };
}

/**
 * Counts one more code tried by the payer on a payment, in the statement that
 * checks the limit: answers false (and counts nothing) once `triesMax` are spent,
 * however many tries arrive at once.
 */
export async function reserveCouponTry(db: Db, payment: { id: string; merchant_id: string }, triesMax: number): Promise<boolean> {
  try {
    await sql`
      insert into coupon_code_tries as t (payment_id, merchant_id, tries, tries_max) values (${payment.id}, ${payment.merchant_id}, 1, ${triesMax})
      on conflict on constraint coupon_code_tries_pkey do update set tries = t.tries + 1`.execute(db);
    return true;
  } catch (error) {
    const failure = error as { code?: unknown; constraint?: unknown };
    if (failure.code === '23514' && failure.constraint === 'coupon_code_tries_within_max') return false;
    throw error;
  }
}
