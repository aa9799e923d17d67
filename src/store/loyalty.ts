/**
 * Loyalty points in PostgreSQL: the programme, the lots, and the points
 * postings on the ledger (store/ledger.ts), in unit `PTS`.
 *
 * The movements that belong to a payment's or a refund's outcome are common
 * table expressions spliced into the statement that records that outcome
 * (`pointsTransitionCtes`, `pointsRefundCtes`): they commit with it or not at
 * all. The others (reserving at confirm, maturing, expiring) are short
 * transactions that lock the customer's points accounts first, in id order,
 * then the lots: the one order every writer of points takes.
 */
import { sql, type RawBuilder } from 'kysely';
import { assert } from '../domain/assert.ts';
import type { Posting } from '../domain/wallet/ledger.ts';
import { customerPointsAccounts, expirePoints, maturePoints, merchantPointsAccounts, pointsUnit, releasePoints, reservePoints } from '../domain/loyalty/postings.ts';
import type { Programme, ProgrammeTerms } from '../domain/loyalty/programme.ts';
import type { Currency } from '../domain/money.ts';
import type { Db } from './database.ts';
import { computedPostingCtes, ensureLedgerAccounts, isBalanceShortfall, post, postingCtes } from './ledger.ts';
import type { Scope } from './scope.ts';

// ---------------------------------------------------------------------------------------------
// The programme

export async function findProgramme(db: Db, scope: Scope): Promise<Programme | null> {
  const row = await db
    .selectFrom('loyalty_programmes')
    .select(['enabled', 'currency', 'terms', 'version'])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return row ? { enabled: row.enabled, currency: row.currency as Currency, terms: row.terms as ProgrammeTerms, version: row.version } : null;
}

/**
 * Sets the programme. The same terms again change nothing (not even the
 * version): the PUT is idempotent by its content.
 */
export async function saveProgramme(db: Db, scope: Scope, programme: Omit<Programme, 'version'>, at: Date): Promise<Programme> {
  const terms = JSON.stringify(programme.terms);
  await sql`
    insert into loyalty_programmes (merchant_id, mode, enabled, currency, terms, version, created_at, updated_at)
    values (${scope.merchantId}, ${scope.mode}, ${programme.enabled}, ${programme.currency}, ${terms}::jsonb, 1, ${at}, ${at})
    on conflict (merchant_id, mode) do update
       set enabled = excluded.enabled, currency = excluded.currency, terms = excluded.terms,
           version = loyalty_programmes.version + 1, updated_at = excluded.updated_at
     where (loyalty_programmes.enabled, loyalty_programmes.currency, loyalty_programmes.terms)
           is distinct from (excluded.enabled, excluded.currency, excluded.terms)
  `.execute(db);
  const saved = await findProgramme(db, scope);
  if (!saved) throw new Error('the programme just saved is missing');
  return saved;
}

/** The points accounts a customer's movements touch, created if missing (the merchant's three too). */
export async function ensurePointsAccounts(db: Db, scope: Scope, customerId: string, newId: () => string, now: Date): Promise<void> {
  await ensureLedgerAccounts(db, scope, { currency: pointsUnit, customerId, kinds: [...customerPointsAccounts, ...merchantPointsAccounts], newId, now });
}

// ---------------------------------------------------------------------------------------------
// With a payment's change of status (store/payments.ts commitTransition)

export interface PointsLot {
  id: string;
  customerId: string;
  points: bigint;
  availableAt: Date;
  expiresAt: Date;
}

export interface PointsTransitionChange {
  postings: { posting: Posting; transactionId: string }[];
  /** Points the payment earned: a new lot. */
  lot?: PointsLot;
  /** What a refund will take back a share of, once the payment succeeded with points earned or spent. */
  refundBasis?: { customerId: string; earned: bigint; spent: bigint; amountBasis: bigint };
}

/** The CTEs to splice after `guard` (the payment's update) in the same statement. */
export function pointsTransitionCtes(change: PointsTransitionChange, scope: Scope, at: Date, guard: string): RawBuilder<unknown> {
  const guardRef = sql.table(guard);
  const parts: RawBuilder<unknown>[] = change.postings.map(({ posting, transactionId }, index) =>
    postingCtes(posting, scope, transactionId, at, guard, `points_${index}`),
  );
  const lot = change.lot;
  if (lot) {
    parts.push(sql`
      points_lot as (
        insert into points_lots (id, merchant_id, mode, customer_id, kind, payment_id, points, available_at, expires_at, created_at)
        select ${lot.id}, g.merchant_id, g.mode, ${lot.customerId}, 'earned', g.id, ${lot.points}::bigint,
               ${lot.availableAt}::timestamptz, ${lot.expiresAt}::timestamptz, ${at}::timestamptz
          from ${guardRef} g
      )`);
  }
  const basis = change.refundBasis;
  if (basis) {
    parts.push(sql`
      points_basis as (
        insert into points_payments (payment_id, merchant_id, mode, customer_id, earned, spent, amount_basis, created_at)
        select g.id, g.merchant_id, g.mode, ${basis.customerId}, ${basis.earned}::bigint, ${basis.spent}::bigint,
               ${basis.amountBasis}::bigint, ${at}::timestamptz
          from ${guardRef} g
      )`);
  }
  return sql.join(parts, sql`, `);
}

// ---------------------------------------------------------------------------------------------
// With a refund's success (store/refunds.ts settleRefund)

export interface PointsRefund {
  scope: Scope;
  customerId: string;
  paymentId: string;
  refundId: string;
  reverseTransactionId: string;
  returnTransactionId: string;
  returnedLotId: string;
  /** When points a refund gives back expire: a returned lot's own expiry. */
  returnedExpiresAt: Date;
}

/**
 * A succeeded refund takes back its share of the points the payment earned
 * (from pending while the lot has not matured; once matured, from what is
 * available: points already spent are not taken back) and gives back its
 * share of the points the payment spent, as a new lot. The share advances
 * under the lock of the payment's `points_payments` row, so concurrent
 * refunds of one payment each take their own part and a full refund takes
 * exactly all; rounding: down on the refunded total, so no share is counted twice.
 */
export function pointsRefundCtes(refund: PointsRefund, at: Date, guard: string): RawBuilder<unknown> {
  const guardRef = sql.table(guard);
  const { scope } = refund;
  const header = (kind: 'points_reverse' | 'points_return', key: string) => ({
    kind,
    currency: pointsUnit,
    customerId: refund.customerId,
    paymentId: refund.paymentId,
    refundId: refund.refundId,
    idempotencyKey: key,
  });
  const reverseLegs = sql`
    select 'points_pending' as kind, -r.reversed as amount from points_reversed r where not r.matured
    union all select 'points_available', -r.reversed from points_reversed r where r.matured
    union all select 'points_issued', r.reversed from points_reversed r`;
  const returnLegs = sql`
    select 'points_redeemed' as kind, -s.returned as amount from points_share s
    union all select 'points_available', s.returned from points_share s`;
  return sql`
    points_accounts as materialized (
      select a.id, a.kind, a.balance from ledger_accounts a
       where a.merchant_id = ${scope.merchantId} and a.mode = ${scope.mode} and a.currency = ${pointsUnit}
         and a.customer_id = ${refund.customerId} and exists (select 1 from ${guardRef} g where g.status = 'succeeded')
       order by a.id
         for update of a
    ),
    points_advanced as (
      update points_payments p
         set amount_refunded = p.amount_refunded + g.amount
        from ${guardRef} g
       -- Naming the locked accounts here makes them locked before this row: accounts first, then the rest.
       where p.payment_id = g.payment_id and g.status = 'succeeded' and (select count(*) from points_accounts) >= 0
      returning p.payment_id, p.earned, p.spent, p.amount_basis, p.amount_refunded - g.amount as before, p.amount_refunded as after, g.id as refund_id
    ),
    points_share as materialized (
      select a.payment_id, a.refund_id,
             (a.earned * a.after) / a.amount_basis - (a.earned * a.before) / a.amount_basis as due,
             (a.spent * a.after) / a.amount_basis - (a.spent * a.before) / a.amount_basis as returned
        from points_advanced a
    ),
    points_reversed as (
      update points_lots l
         set reversed = l.reversed + case when l.matured_at is null then s.due
                                          else least(s.due, (select v.balance from points_accounts v where v.kind = 'points_available')) end
        from points_share s
       where l.kind = 'earned' and l.payment_id = s.payment_id
      returning l.matured_at is not null as matured,
                case when l.matured_at is null then s.due
                     else least(s.due, (select v.balance from points_accounts v where v.kind = 'points_available')) end as reversed
    ),
    ${computedPostingCtes(reverseLegs, header('points_reverse', `${refund.refundId}:points_reverse`), scope, refund.reverseTransactionId, at, guard, 'points_rev')},
    ${computedPostingCtes(returnLegs, header('points_return', `${refund.refundId}:points_return`), scope, refund.returnTransactionId, at, guard, 'points_ret')},
    points_returned_lot as (
      insert into points_lots (id, merchant_id, mode, customer_id, kind, payment_id, refund_id, points, available_at, expires_at, matured_at, created_at)
      select ${refund.returnedLotId}, ${scope.merchantId}, ${scope.mode}, ${refund.customerId}, 'returned', s.payment_id, s.refund_id, s.returned,
             ${at}::timestamptz, ${refund.returnedExpiresAt}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
        from points_share s where s.returned > 0
    )`;
}

/** What a refund of this payment may touch in points: none when it neither earned nor spent any. */
export async function findPointsPayment(db: Db, merchantId: string, paymentId: string) {
  return db.selectFrom('points_payments').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Reserving at confirm

export type ReservationResult =
  | { kind: 'reserved'; version: number; amount: bigint; points: bigint; value: bigint }
  | { kind: 'changed' }
  | { kind: 'insufficient'; available: bigint };

/**
 * Sets the points a payment still open uses: releases a reservation made by
 * an earlier confirm, reserves the new points, and sets the amount due, all
 * in one transaction under the payment's lock, only if the payment is still
 * at the version read. The database refuses any balance below zero, so
 * concurrent payments can never spend the same points twice.
 */
export async function setPaymentPoints(
  db: Db,
  scope: Scope,
  request: { paymentId: string; customerId: string; version: number; points: bigint; value: bigint; newId: () => string; now: Date },
): Promise<ReservationResult> {
  try {
    return await db.transaction().execute(async (tx) => {
      const payment = await tx
        .selectFrom('payments')
        .select(['id', 'version', 'amount', 'points_redeemed', 'points_value', 'status'])
        .where('id', '=', request.paymentId)
        .forUpdate()
        .executeTakeFirst();
      if (!payment || payment.version !== request.version) return { kind: 'changed' } as const;
      const header = { customerId: request.customerId, paymentId: payment.id, refundId: null };
      // Keyed by the payment's version, which this transaction moves on: each key is new, or the books are wrong.
      if (payment.points_redeemed > 0n) {
        assert(await post(tx, releasePoints(header, payment.version, payment.points_redeemed), scope, request.newId(), request.now), 'a release key is used once');
      }
      if (request.points > 0n) {
        assert(await post(tx, reservePoints(header, payment.version, request.points), scope, request.newId(), request.now), 'a reservation key is used once');
      }
      const amount = payment.amount + payment.points_value - request.value;
      const updated = await tx
        .updateTable('payments')
        .set({ amount, points_redeemed: request.points, points_value: request.value, version: payment.version + 1, updated_at: request.now })
        .where('id', '=', payment.id)
        .returning(['version'])
        .executeTakeFirstOrThrow();
      return { kind: 'reserved', version: updated.version, amount, points: request.points, value: request.value } as const;
    });
  } catch (error) {
    if (!isBalanceShortfall(error)) throw error;
    const balances = await pointsBalances(db, scope, request.customerId);
    return { kind: 'insufficient', available: balances.available };
  }
}

// ---------------------------------------------------------------------------------------------
// Maturing and expiring

/** Locks a customer's points accounts, in id order: the first step of every points transaction here. */
async function lockPointsAccounts(db: Db, scope: Scope, customerId: string): Promise<Map<string, bigint>> {
  const rows = await sql<{ kind: string; balance: bigint }>`
    select kind, balance from ledger_accounts
     where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and currency = ${pointsUnit} and customer_id = ${customerId}
     order by id for update
  `.execute(db);
  return new Map(rows.rows.map((row) => [row.kind, row.balance]));
}

/** Lots whose delay has passed and that are still pending in the ledger, oldest first; for one customer or all. */
export async function findLotsToMature(db: Db, now: Date, limit: number, customerId?: string) {
  let query = db
    .selectFrom('points_lots')
    .select(['id', 'merchant_id', 'mode', 'customer_id'])
    .where('matured_at', 'is', null)
    .where('available_at', '<=', now);
  if (customerId) query = query.where('customer_id', '=', customerId);
  return query.orderBy('available_at').orderBy('id').limit(limit).execute();
}

/** Moves one lot from pending to available (less what refunds took back). Answers the points moved. */
export async function matureLot(db: Db, lot: { id: string; merchant_id: string; mode: Scope['mode']; customer_id: string }, transactionId: string, now: Date): Promise<bigint> {
  const scope = { merchantId: lot.merchant_id, mode: lot.mode };
  return db.transaction().execute(async (tx) => {
    await lockPointsAccounts(tx, scope, lot.customer_id);
    const matured = await tx
      .updateTable('points_lots')
      .set({ matured_at: now })
      .where('id', '=', lot.id)
      .where('matured_at', 'is', null)
      .returning(['points', 'reversed'])
      .executeTakeFirst();
    if (!matured) return 0n;
    const points = matured.points - matured.reversed;
    if (points > 0n) await post(tx, maturePoints({ customerId: lot.customer_id, paymentId: null, refundId: null }, lot.id, points), scope, transactionId, now);
    return points;
  });
}

/** Customers with lots past their expiry not yet settled by an expiry run, a page at a time. */
export async function findCustomersWithExpiringLots(db: Db, now: Date, limit: number) {
  return db
    .selectFrom('points_lots')
    .select(['merchant_id', 'mode', 'customer_id'])
    .where('expiry_settled', '=', false)
    .where('expires_at', '<=', now)
    .groupBy(['merchant_id', 'mode', 'customer_id'])
    .orderBy('customer_id')
    .limit(limit)
    .execute();
}

/**
 * Expires what is left of a customer's lots past their expiry. Spending takes
 * the lots that expire first, so the points past expiry still unspent are
 * (points of matured lots expired by now) − (points taken from available so
 * far by reservations, net of releases, and by earlier expiries), if
 * positive. Computed under the accounts' lock from the ledger itself, so a
 * run repeated after a crash finds nothing more to expire.
 */
export async function expireCustomerPoints(
  db: Db,
  customer: { merchant_id: string; mode: Scope['mode']; customer_id: string },
  transactionId: string,
  now: Date,
): Promise<bigint> {
  const scope = { merchantId: customer.merchant_id, mode: customer.mode };
  return db.transaction().execute(async (tx) => {
    const balances = await lockPointsAccounts(tx, scope, customer.customer_id);
    const counted = await sql<{ due: bigint; taken: bigint }>`
      select
        (select coalesce(sum(points - reversed), 0)::bigint from points_lots
          where customer_id = ${customer.customer_id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode}
            and matured_at is not null and expires_at <= ${now}) as due,
        (select coalesce(-sum(e.amount), 0)::bigint
           from ledger_accounts a
           join ledger_entries e on e.account_id = a.id
           join ledger_transactions t on t.id = e.transaction_id
          where a.customer_id = ${customer.customer_id} and a.merchant_id = ${scope.merchantId} and a.mode = ${scope.mode}
            and a.currency = ${pointsUnit} and a.kind = 'points_available'
            and t.kind in ('points_reserve', 'points_release', 'points_expire')) as taken
    `.execute(tx);
    const row = counted.rows[0] ?? { due: 0n, taken: 0n };
    const available = balances.get('points_available') ?? 0n;
    let expired = row.due - row.taken;
    if (expired > available) expired = available;
    if (expired > 0n) {
      const header = { customerId: customer.customer_id, paymentId: null, refundId: null };
      await post(tx, expirePoints(header, now.toISOString(), expired), scope, transactionId, now);
    }
    await tx
      .updateTable('points_lots')
      .set({ expiry_settled: true })
      .where('customer_id', '=', customer.customer_id)
      .where('merchant_id', '=', scope.merchantId)
      .where('mode', '=', scope.mode)
      .where('expiry_settled', '=', false)
      .where('matured_at', 'is not', null)
      .where('expires_at', '<=', now)
      .execute();
    return expired > 0n ? expired : 0n;
  });
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface PointsBalances {
  pending: bigint;
  available: bigint;
  reserved: bigint;
}

/** Three account rows, read in constant time. */
export async function pointsBalances(db: Db, scope: Scope, customerId: string): Promise<PointsBalances> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select(['kind', 'balance'])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('currency', '=', pointsUnit)
    .where('customer_id', '=', customerId)
    .execute();
  const of = (kind: string) => rows.find((row) => row.kind === kind)?.balance ?? 0n;
  return { pending: of('points_pending'), available: of('points_available'), reserved: of('points_reserved') };
}

export interface PointsHistoryRow {
  id: string;
  kind: string;
  payment_id: string | null;
  refund_id: string | null;
  pending_change: bigint;
  available_change: bigint;
  reserved_change: bigint;
  created_at: Date;
}

/** A customer's points movements, newest first. */
export async function listPointsHistory(
  db: Db,
  scope: Scope,
  customerId: string,
  filter: { startingAfter?: string; limit: number },
): Promise<{ data: PointsHistoryRow[]; hasMore: boolean }> {
  const result = await sql<PointsHistoryRow>`
    with page as (
      select t.* from ledger_transactions t
       where t.customer_id = ${customerId} and t.merchant_id = ${scope.merchantId} and t.mode = ${scope.mode} and t.currency = ${pointsUnit}
         and (${filter.startingAfter ?? null}::text is null or t.id < ${filter.startingAfter ?? null})
       order by t.id desc
       limit ${filter.limit + 1}
    )
    select page.id, page.kind, page.payment_id, page.refund_id, page.created_at,
           coalesce(sum(e.amount) filter (where a.kind = 'points_pending'), 0)::bigint as pending_change,
           coalesce(sum(e.amount) filter (where a.kind = 'points_available'), 0)::bigint as available_change,
           coalesce(sum(e.amount) filter (where a.kind = 'points_reserved'), 0)::bigint as reserved_change
      from page
      join ledger_entries e on e.transaction_id = page.id
      join ledger_accounts a on a.id = e.account_id
     group by page.id, page.kind, page.payment_id, page.refund_id, page.created_at
     order by page.id desc
  `.execute(db);
  return { data: result.rows.slice(0, filter.limit), hasMore: result.rows.length > filter.limit };
}

/** When the customer's spendable points next expire, and how many lots are still pending. */
export async function nextPointsDates(db: Db, scope: Scope, customerId: string, now: Date) {
  const result = await sql<{ next_available_at: Date | null; next_expiry_at: Date | null }>`
    select (select min(available_at) from points_lots where customer_id = ${customerId} and merchant_id = ${scope.merchantId}
             and mode = ${scope.mode} and matured_at is null and available_at > ${now}) as next_available_at,
           (select min(expires_at) from points_lots where customer_id = ${customerId} and merchant_id = ${scope.merchantId}
             and mode = ${scope.mode} and not expiry_settled) as next_expiry_at
  `.execute(db);
  return result.rows[0] ?? { next_available_at: null, next_expiry_at: null };
}

export interface PointsTotals {
  issued: bigint;
  reversed: bigint;
  redeemed: bigint;
  returned: bigint;
  expired: bigint;
  outstanding: bigint;
}

/**
 * A merchant's points from the ledger: issued (earned), taken back by refunds,
 * redeemed, given back by refunds, expired, and what customers hold now (the
 * liability). With a range, the movements are those of the range and the
 * liability is the one at its end.
 */
export async function pointsTotals(db: Db, scope: Scope, range: { from: Date | null; to: Date | null }): Promise<PointsTotals> {
  const result = await sql<PointsTotals>`
    select
      coalesce(sum(e.amount) filter (where t.kind = 'points_earn' and a.kind = 'points_pending' and in_range), 0)::bigint as issued,
      coalesce(sum(e.amount) filter (where t.kind = 'points_reverse' and a.kind = 'points_issued' and in_range), 0)::bigint as reversed,
      coalesce(sum(e.amount) filter (where t.kind = 'points_redeem' and a.kind = 'points_redeemed' and in_range), 0)::bigint as redeemed,
      coalesce(-sum(e.amount) filter (where t.kind = 'points_return' and a.kind = 'points_redeemed' and in_range), 0)::bigint as returned,
      coalesce(sum(e.amount) filter (where t.kind = 'points_expire' and a.kind = 'points_expired' and in_range), 0)::bigint as expired,
      coalesce(sum(e.amount) filter (where a.kind in ('points_pending', 'points_available', 'points_reserved')), 0)::bigint as outstanding
    from (
      select e.*, (${range.from}::timestamptz is null or t.created_at >= ${range.from}::timestamptz) as in_range
        from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
       where t.merchant_id = ${scope.merchantId} and t.mode = ${scope.mode} and t.currency = ${pointsUnit}
         and (${range.to}::timestamptz is null or t.created_at < ${range.to}::timestamptz)
    ) e
    join ledger_transactions t on t.id = e.transaction_id
    join ledger_accounts a on a.id = e.account_id
  `.execute(db);
  return result.rows[0] ?? { issued: 0n, reversed: 0n, redeemed: 0n, returned: 0n, expired: 0n, outstanding: 0n };
}
