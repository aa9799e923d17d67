/**
 * Loyalty points on the ledger: earning, the delay, redemption at confirm,
 * refunds taking back and giving back their share, release on decline,
 * cancel and abandonment, concurrent redemptions of one balance, expiry,
 * crashes between steps, and the analytics recounted from raw rows. The
 * ledger is verified after every step.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { runPointsExpiry } from '../../src/flows/loyalty/expire-points.ts';
import { expireCustomerPoints, findCustomersWithExpiringLots, findLotsToMature, matureLot, setPaymentPoints } from '../../src/store/loyalty.ts';
import { findPaymentById } from '../../src/store/payments.ts';
import { transitionPayment } from '../../src/flows/payments/payment-transitions.ts';
import { verifyLedger } from '../../src/store/ledger.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
let stack: Stack;
const clock = new ManualClock(Date.parse('2026-11-22T08:00:00Z'));

const programme = {
  enabled: true,
  currency: 'CNY',
  earn: { points_per_unit: 10, by_payment_method: { wallet: 20 }, segment_percent: { gold: 150 }, campaigns: [] },
  spend_delay_hours: 24,
  expiry_days: 30,
  redemption: { points: 100, amount: 100, cap_percent: 50 },
};

beforeAll(async () => {
  stack = await startStack({ clock });
  const set = await stack.api('PUT', '/v1/loyalty/programme', programme);
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});
afterAll(async () => stack?.close());

async function expectLedgerBalanced() {
  const report = await verifyLedger(stack.db.db);
  expect(report.problems).toEqual([]);
  // Every points transaction sums to zero, and so do all of them together.
  const sums = await sql<{ total: string; unbalanced: number }>`
    select coalesce(sum(e.amount), 0)::text as total,
           (select count(*) from (select t.id from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
             where t.currency = 'PTS' group by t.id having sum(e.amount) <> 0) u)::int as unbalanced
      from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.currency = 'PTS'
  `.execute(stack.db.db);
  expect(sums.rows[0]).toEqual({ total: '0', unbalanced: 0 });
}

async function newCustomer(metadata: Record<string, string> = {}): Promise<string> {
  const customer = await stack.api('POST', '/v1/customers', { email: 'payer@example.com', locale: 'en', metadata });
  expect(customer.status).toBe(200);
  return customer.body.id;
}

async function points(customer: string) {
  const answer = await stack.api('GET', `/v1/customers/${customer}/points`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { balance: number; pending: number; reserved: number; value: number; history: { data: { type: string; available_change: number; pending_change: number }[] } };
}

async function pay(customer: string, amount: number, confirm: Record<string, unknown> = {}, number = '4242424242424242') {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer });
  expect(created.status).toBe(200);
  return stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number), ...confirm });
}

/** A customer holding `spendable` points: earned by a payment, past the delay. */
async function customerWithPoints(spendable: number): Promise<string> {
  const customer = await newCustomer();
  const paid = await pay(customer, spendable * 10);
  expect(paid.body).toMatchObject({ status: 'succeeded', points: { earned: spendable } });
  clock.advanceMs(25 * hourMs);
  expect(await points(customer)).toMatchObject({ balance: spendable, pending: 0 });
  return customer;
}

describe('the programme', () => {
  it('is set idempotently: the same body again keeps the version', async () => {
    const first = await stack.api('GET', '/v1/loyalty/programme');
    const again = await stack.api('PUT', '/v1/loyalty/programme', programme);
    expect(again.body).toMatchObject({ object: 'loyalty_programme', version: first.body.version, rounding: 'down', currency: 'CNY' });
    // A merchant's change of terms is in the audit trail.
    const audited = await stack.db.db.selectFrom('audit_log').select(['action']).where('merchant_id', '=', stack.merchant.merchantId).where('action', '=', 'settings.loyalty_programme_changed').execute();
    expect(audited.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses terms that make no sense', async () => {
    const refused = await stack.api('PUT', '/v1/loyalty/programme', { ...programme, expiry_days: 1, spend_delay_hours: 48 });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'parameter_invalid', param: 'programme' });
  });
});

describe('earning and refunds', () => {
  it('earns pending points on success, spendable after the delay, and refunds take back their share', async () => {
    const customer = await newCustomer();
    const paid = await pay(customer, 12_345);
    // 123.45 CNY × 10 points = 1234.5 → 1234 (rounded down).
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 12_345, points: { earned: 1_234, redeemed: 0, value: 0, amount_original: 12_345 } });
    expect(await points(customer)).toMatchObject({ balance: 0, pending: 1_234, reserved: 0 });
    await expectLedgerBalanced();

    // A partial refund within the delay takes its share back from pending.
    const partial = await stack.api('POST', '/v1/refunds', { payment: paid.body.id, amount: 4_000 });
    expect(partial.body.status).toBe('succeeded');
    expect(await points(customer)).toMatchObject({ balance: 0, pending: 1_234 - 399 });
    await expectLedgerBalanced();

    // Past the delay the rest is spendable; the last refund takes exactly the rest, from what is available.
    clock.advanceMs(25 * hourMs);
    expect(await points(customer)).toMatchObject({ balance: 835, pending: 0 });
    const rest = await stack.api('POST', '/v1/refunds', { payment: paid.body.id });
    expect(rest.body.status).toBe('succeeded');
    const after = await points(customer);
    expect(after).toMatchObject({ balance: 0, pending: 0, reserved: 0 });
    expect(after.history.data.map((m) => m.type)).toEqual(['points_reverse', 'points_mature', 'points_reverse', 'points_earn']);
    await expectLedgerBalanced();
  });

  it('concurrent partial refunds of one payment take back exactly all its points, each its own share once', async () => {
    const customer = await newCustomer();
    const paid = await pay(customer, 10_003);
    expect(paid.body.points.earned).toBe(1_000);
    const refunds = await Promise.all([2_501, 2_501, 2_501, 2_500].map((amount) => stack.api('POST', '/v1/refunds', { payment: paid.body.id, amount })));
    expect(refunds.map((r) => r.body.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(await points(customer)).toMatchObject({ balance: 0, pending: 0 });
    const lot = await stack.db.db.selectFrom('points_lots').select(['points', 'reversed']).where('payment_id', '=', paid.body.id).executeTakeFirstOrThrow();
    expect(lot).toEqual({ points: 1_000n, reversed: 1_000n });
    await expectLedgerBalanced();
  });

  it('multiplies by segment and by method', async () => {
    const gold = await newCustomer({ loyalty_segment: 'gold' });
    const paid = await pay(gold, 10_000);
    expect(paid.body.points.earned).toBe(1_500);
  });

  it('earns nothing without a customer and touches no points account', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY' });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body).toMatchObject({ status: 'succeeded', points: { earned: 0 } });
    const moved = await stack.db.db.selectFrom('ledger_transactions').select('id').where('payment_id', '=', created.body.id).execute();
    expect(moved).toEqual([]);
  });
});

describe('redemption', () => {
  it('takes the points off the amount due, spends them on success, and refunds give them back in proportion', async () => {
    const customer = await customerWithPoints(600);
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 600 });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    // Capped at 50 % of 10.00 CNY: 500 points for 5.00 CNY; the provider charged 5.00.
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 500, amount_received: 500, points: { redeemed: 500, value: 500, amount_original: 1_000, earned: 50 } });
    const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`);
    expect(attempts.body.data[0].amount).toBe(500);
    expect(await points(customer)).toMatchObject({ balance: 100, reserved: 0, pending: 50 });
    await expectLedgerBalanced();

    const refund = await stack.api('POST', '/v1/refunds', { payment: created.body.id, amount: 250 });
    expect(refund.body.status).toBe('succeeded');
    // Half the payment refunded: half the spent points back (250), half the earned ones taken (25).
    expect(await points(customer)).toMatchObject({ balance: 350, pending: 25 });
    const full = await stack.api('POST', '/v1/refunds', { payment: created.body.id });
    expect(full.body.status).toBe('succeeded');
    expect(await points(customer)).toMatchObject({ balance: 600, pending: 0, reserved: 0 });
    await expectLedgerBalanced();
  });

  it('gives the points back when the card is declined, and the amount due is the full amount again', async () => {
    const customer = await customerWithPoints(300);
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    const declined = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000000000000002'), points: 300 });
    expect(declined.status).toBe(402);
    const payment = await stack.api('GET', `/v1/payments/${created.body.id}`);
    expect(payment.body).toMatchObject({ status: 'requires_payment_method', amount: 1_000, points: { redeemed: 0, value: 0 } });
    expect(await points(customer)).toMatchObject({ balance: 300, reserved: 0 });
    // The payer tries again with points and another card.
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 300 });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 700, points: { redeemed: 300, value: 300 } });
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 0 });
    await expectLedgerBalanced();
  });

  it('gives the points back when the payment is canceled, or abandoned', async () => {
    const customer = await customerWithPoints(400);
    const waiting = async () => {
      const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
      const asked = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000002760003184'), points: 200 });
      expect(asked.body).toMatchObject({ status: 'requires_action', amount: 800, points: { redeemed: 200 } });
      return created.body.id as string;
    };
    const canceled = await waiting();
    const abandoned = await waiting();
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 400 });
    const cancel = await stack.api('POST', `/v1/payments/${canceled}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(cancel.body).toMatchObject({ status: 'canceled', amount: 1_000, points: { redeemed: 0 } });
    expect(await points(customer)).toMatchObject({ balance: 200, reserved: 200 });
    clock.advanceMs(2 * dayMs);
    await expireAbandonedPayments(stack.context);
    const expired = await stack.api('GET', `/v1/payments/${abandoned}`);
    expect(expired.body).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await points(customer)).toMatchObject({ balance: 400, reserved: 0 });
    await expectLedgerBalanced();
  });

  it('pays the rest from the wallet: the wallet and the points each move in their own balanced transaction', async () => {
    const customer = await customerWithPoints(400);
    expect((await stack.api('PUT', `/v1/customers/${customer}/wallet/pin`, { pin: '402913' })).status).toBe(200);
    const topUp = await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount: 5_000, currency: 'CNY' });
    expect((await stack.api('POST', `/v1/payments/${topUp.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    // A top-up is not a purchase: it earns nothing.
    expect(await points(customer)).toMatchObject({ balance: 400, pending: 0 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: '402913' } }, points: 400 });
    expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ status: 'succeeded', amount: 600, points: { redeemed: 400, value: 400, earned: 120 } });
    const wallet = await stack.api('GET', `/v1/customers/${customer}/wallet?currency=CNY`);
    expect(wallet.body.available).toBe(4_400);
    expect(await points(customer)).toMatchObject({ balance: 0, pending: 120, reserved: 0 });
    const refund = await stack.api('POST', '/v1/refunds', { payment: created.body.id });
    expect(refund.body.status).toBe('succeeded');
    expect((await stack.api('GET', `/v1/customers/${customer}/wallet?currency=CNY`)).body.available).toBe(5_000);
    expect(await points(customer)).toMatchObject({ balance: 400, pending: 0 });
    // The wallet's own history shows no points movement.
    const history = await stack.api('GET', `/v1/customers/${customer}/wallet/transactions`);
    expect(history.body.data.every((t: { currency: string }) => t.currency === 'CNY')).toBe(true);
    await expectLedgerBalanced();
  });

  it('refuses more points than the customer has, and points for a payment without a customer', async () => {
    const customer = await customerWithPoints(100);
    const refused = await pay(customer, 1_000, { points: 300 });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'points_insufficient', param: 'points', available: 100 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY' });
    const guest = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 10 });
    expect(guest.status).toBe(400);
    expect(guest.body.error.code).toBe('points_unavailable');
    expect(await points(customer)).toMatchObject({ balance: 100, reserved: 0 });
    await expectLedgerBalanced();
  });

  it('never spends a point twice: 20 concurrent payments on a balance that covers 5', async () => {
    const customer = await customerWithPoints(1_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => pay(customer, 1_000, { points: 200 })));
    const statuses = answers.map((a) => a.status);
    const succeeded = answers.filter((a) => a.status === 200 && a.body.status === 'succeeded');
    expect(succeeded.length, JSON.stringify(statuses)).toBe(5);
    expect(answers.filter((a) => a.status === 402 && a.body.error.code === 'points_insufficient').length).toBe(15);
    expect(succeeded.every((a) => a.body.amount === 800 && a.body.points.redeemed === 200)).toBe(true);
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 0 });
    await expectLedgerBalanced();
  });
});

describe('crashes between steps', () => {
  it('a reservation left by a crash before the provider call is reused by the next confirm, never doubled, and released by abandonment', async () => {
    const customer = await customerWithPoints(500);
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    // The confirm reserved and then the process died: only the reservation committed.
    const reserved = await setPaymentPoints(stack.db.db, { merchantId: stack.merchant.merchantId, mode: 'test' }, {
      paymentId: created.body.id,
      customerId: customer,
      version: 0,
      points: 300n,
      value: 300n,
      newId: () => stack.context.ids.newId('ltx'),
      now: new Date(clock.nowMs()),
    });
    expect(reserved.kind).toBe('reserved');
    expect(await points(customer)).toMatchObject({ balance: 200, reserved: 300 });
    // The retry of the same confirm finds the same points reserved and reserves nothing more.
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 300 });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 700, points: { redeemed: 300 } });
    expect(await points(customer)).toMatchObject({ balance: 200, reserved: 0 });
    await expectLedgerBalanced();

    const other = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    await setPaymentPoints(stack.db.db, { merchantId: stack.merchant.merchantId, mode: 'test' }, {
      paymentId: other.body.id,
      customerId: customer,
      version: 0,
      points: 200n,
      value: 200n,
      newId: () => stack.context.ids.newId('ltx'),
      now: new Date(clock.nowMs()),
    });
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 200 });
    clock.advanceMs(2 * dayMs);
    await expireAbandonedPayments(stack.context);
    // 200 given back, and the 70 points the first payment earned (on 7.00 CNY) are spendable by now.
    expect(await points(customer)).toMatchObject({ balance: 270, reserved: 0 });
    await expectLedgerBalanced();
  });

  it('a success recorded twice at once from the same state (a retry after a crash racing the status pull) spends and earns once', async () => {
    const customer = await customerWithPoints(300);
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', customer });
    const scope = { merchantId: stack.merchant.merchantId, mode: 'test' as const };
    expect((await setPaymentPoints(stack.db.db, scope, { paymentId: created.body.id, customerId: customer, version: 0, points: 300n, value: 300n, newId: () => stack.context.ids.newId('ltx'), now: new Date(clock.nowMs()) })).kind).toBe('reserved');
    const reserved = (await findPaymentById(stack.db.db, stack.merchant.merchantId, created.body.id))!;
    // What confirm commits before it calls the acquirer; then the process dies.
    const attemptId = stack.context.ids.newId('att');
    const processing = await transitionPayment(stack.context, reserved, {
      to: 'processing',
      actor: 'payer',
      patch: { payment_method: { type: 'card' } },
      newAttempt: { id: attemptId, operation: 'authorize', connector: 'card', connector_account_id: stack.cardAccountId, payment_method_type: 'card', amount: reserved.amount, provider_idempotency_key: attemptId },
    });
    expect(processing).not.toBeNull();
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 300 });
    // Two writers learn of the success at once from the same state (a retried settlement and the sweeper): one commits.
    const succeed = () => transitionPayment(stack.context, processing!, { to: 'succeeded', actor: 'system', patch: { amount_received: 700n, amount_capturable: 0n } });
    const outcomes = await Promise.allSettled([succeed(), succeed(), succeed()]);
    const committed = outcomes.filter((o) => o.status === 'fulfilled' && o.value !== null);
    expect(committed).toHaveLength(1);
    // And again later, from the stale state, as a retry after a crash would: nothing more moves.
    expect(await succeed()).toBeNull();
    const paid = (await stack.api('GET', `/v1/payments/${created.body.id}`)).body;
    expect(paid).toMatchObject({ status: 'succeeded', amount_received: 700, points: { redeemed: 300, earned: 70 } });
    expect(await points(customer)).toMatchObject({ balance: 0, reserved: 0, pending: 70 });
    const postings = await sql<{ kind: string; n: number }>`
      select kind, count(*)::int as n from ledger_transactions where payment_id = ${created.body.id} and currency = 'PTS' group by kind order by kind
    `.execute(stack.db.db);
    expect(postings.rows).toEqual([{ kind: 'points_earn', n: 1 }, { kind: 'points_redeem', n: 1 }, { kind: 'points_reserve', n: 1 }]);
    const lots = await stack.db.db.selectFrom('points_lots').select(['points']).where('payment_id', '=', created.body.id).execute();
    expect(lots).toEqual([{ points: 70n }]);
    await expectLedgerBalanced();
  });

  it('a lot matured twice at once (the worker and a read racing, or a retry after a crash) moves its points once', async () => {
    const customer = await newCustomer();
    await pay(customer, 4_000);
    clock.advanceMs(25 * hourMs);
    const [lot] = await findLotsToMature(stack.db.db, new Date(clock.nowMs()), 10, customer);
    expect(lot).toBeDefined();
    const moved = await Promise.all([1, 2, 3].map(() => matureLot(stack.db.db, lot!, stack.context.ids.newId('ltx'), new Date(clock.nowMs()))));
    expect(moved.sort()).toEqual([0n, 0n, 400n]);
    expect(await points(customer)).toMatchObject({ balance: 400, pending: 0 });
    await expectLedgerBalanced();
  });

  it('a refund outcome recorded twice (a retry after a crash) takes points back once', async () => {
    const customer = await newCustomer();
    const paid = await pay(customer, 10_000);
    const refund = await stack.api('POST', '/v1/refunds', { payment: paid.body.id, amount: 5_000 });
    expect(refund.body.status).toBe('succeeded');
    const { settle } = await import('../../src/flows/payments/refund-payment.ts');
    const row = await stack.db.db.selectFrom('refunds').selectAll().where('id', '=', refund.body.id).executeTakeFirstOrThrow();
    await settle(stack.context, { ...row, status: 'pending' }, { kind: 'succeeded', reference: 'again' });
    expect(await points(customer)).toMatchObject({ pending: 500 });
    await expectLedgerBalanced();
  });
});

describe('expiry', () => {
  it('expires the unspent points of the oldest lots first, once however often the job runs', async () => {
    const customer = await newCustomer();
    await pay(customer, 10_000); // lot A: 1000 points
    clock.advanceMs(10 * dayMs);
    await pay(customer, 5_000); // lot B: 500 points, expires 10 days after A
    clock.advanceMs(2 * dayMs);
    expect(await points(customer)).toMatchObject({ balance: 1_500 });
    // 700 points spent: taken from A, the earliest to expire.
    const spent = await pay(customer, 2_000, { points: 700 });
    expect(spent.body).toMatchObject({ status: 'succeeded', points: { redeemed: 700 } });
    const earnedBySpending = spent.body.points.earned as number;

    clock.advanceMs(19 * dayMs); // A expired (day 30), B not yet
    const first = await runPointsExpiry(stack.context);
    expect(first.pointsExpired).toBeGreaterThanOrEqual(300n);
    const afterA = await points(customer);
    expect(afterA.balance).toBe(500 + earnedBySpending);
    expect(afterA.history.data[0]).toMatchObject({ type: 'points_expire', available_change: -300 });
    const again = await runPointsExpiry(stack.context);
    expect((await points(customer)).balance).toBe(afterA.balance);
    expect(again.customersExpired).toBe(0);

    // A crash after the expiry committed and before the lots were marked cannot happen (one transaction); a second
    // run over the same lots, as a retry would do, finds nothing more to expire.
    const scope = { merchant_id: stack.merchant.merchantId, mode: 'test' as const, customer_id: customer };
    expect(await expireCustomerPoints(stack.db.db, scope, stack.context.ids.newId('ltx'), new Date(clock.nowMs()))).toBe(0n);

    clock.advanceMs(11 * dayMs); // B and the spending payment's lot expired too
    await runPointsExpiry(stack.context);
    expect(await points(customer)).toMatchObject({ balance: 0, pending: 0 });
    expect(await findCustomersWithExpiringLots(stack.db.db, new Date(clock.nowMs()), 1000)).not.toContainEqual(expect.objectContaining({ customer_id: customer }));
    await expectLedgerBalanced();
  });
});

describe('analytics', () => {
  it('counts points issued, redeemed, expired and outstanding as the raw rows do', async () => {
    const answer = await stack.api('GET', '/v1/analytics/points');
    expect(answer.status).toBe(200);
    const merchant = stack.merchant.merchantId;
    const raw = await sql<{ issued: string; redeemed: string; returned: string; outstanding: string; expired: string; reversed: string }>`
      select
        (select coalesce(sum(points), 0) from points_lots where merchant_id = ${merchant} and kind = 'earned')::text as issued,
        (select coalesce(sum(points_redeemed), 0) from payments where merchant_id = ${merchant} and status = 'succeeded')::text as redeemed,
        (select coalesce(sum(points), 0) from points_lots where merchant_id = ${merchant} and kind = 'returned')::text as returned,
        (select coalesce(sum(reversed), 0) from points_lots where merchant_id = ${merchant})::text as reversed,
        (select coalesce(sum(balance), 0) from ledger_accounts where merchant_id = ${merchant} and currency = 'PTS' and customer_id is not null)::text as outstanding,
        (select coalesce(sum(e.amount), 0) from ledger_entries e join ledger_transactions t on t.id = e.transaction_id join ledger_accounts a on a.id = e.account_id
          where t.merchant_id = ${merchant} and t.kind = 'points_expire' and a.kind = 'points_expired')::text as expired
    `.execute(stack.db.db);
    const r = raw.rows[0];
    expect(r).toBeDefined();
    expect(answer.body).toMatchObject({
      issued: Number(r?.issued),
      redeemed: Number(r?.redeemed),
      returned: Number(r?.returned),
      reversed: Number(r?.reversed),
      expired: Number(r?.expired),
      outstanding: Number(r?.outstanding),
      currency: 'CNY',
    });
    expect(answer.body.issued).toBeGreaterThan(0);
    expect(answer.body.expired).toBeGreaterThan(0);
    // Every point issued is somewhere: outstanding, redeemed (net), expired, or taken back.
    expect(answer.body.issued + answer.body.returned).toBe(answer.body.outstanding + answer.body.redeemed + answer.body.expired + answer.body.reversed);
  });
});

describe('ledger verify', () => {
  it('passes over the books with every kind of points movement in them', async () => {
    const kinds = await sql<{ kind: string }>`select distinct kind from ledger_transactions where currency = 'PTS' order by kind`.execute(stack.db.db);
    expect(kinds.rows.map((row) => row.kind)).toEqual([
      'points_earn', 'points_expire', 'points_mature', 'points_redeem', 'points_release', 'points_reserve', 'points_return', 'points_reverse',
    ]);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-points-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['src/cli.ts', 'ledger', 'verify'], {
          env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', () => {});
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stdout }));
      });
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).not.toContain('FAIL');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
