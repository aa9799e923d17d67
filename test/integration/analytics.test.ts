/**
 * Payment analytics over HTTP against the real stack: a varied history
 * (successes, declines, a retry after a decline, cancellations with reasons,
 * abandonment by the expiry sweep, refunds, manual capture, several
 * currencies, hours and UTC days), then every figure of the summary and of the time
 * series compared with a recount made here, independently, from the raw
 * payments, payment_attempts and refunds rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Clock } from '../../src/domain/clock.ts';
import { cancellationReasons } from '../../src/domain/payments/payment-state.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

/**
 * A clock that runs at real speed from a time the test sets, so provider
 * calls get real, varied latencies while the test places payments in the
 * hours it wants. (A ManualClock would make every latency 0.)
 */
class SettableClock implements Clock {
  private offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  setMs(ms: number): void {
    this.offsetMs = ms - Date.now();
  }
}

// Before any time other test data in this database uses, so the global expiry sweep here touches only this file's payments.
const day = Date.UTC(2025, 2, 3);
const dayMs = 24 * 3600_000;
const t = (hh: number, mm: number, ss = 0, ms = 0) => day + ((hh * 60 + mm) * 60 + ss) * 1000 + ms;
/** The same on another day: `d` days after 3 March 2025 (-1: 2 March). */
const td = (d: number, hh: number, mm: number, ss = 0, ms = 0) => t(hh, mm, ss, ms) + d * dayMs;
const iso = (ms: number) => new Date(ms).toISOString();

const clock = new SettableClock();
let stack: Stack;
let key: string;
let merchantId: string;
let payments: Record<string, string> = {};

beforeAll(async () => {
  clock.setMs(t(8, 0));
  stack = await startStack({ clock, connectorTimeoutMs: 2_000, instantRetries: true });
  const merchant = await stack.newMerchant({ name: 'Analytics' });
  key = merchant.secretKey;
  merchantId = merchant.merchant.merchantId;
  payments = await makeHistory();
});

afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => stack.api(method, path, body, { key, headers });

async function pay(at: number, fields: Record<string, unknown>, ...confirms: unknown[]): Promise<string> {
  clock.setMs(at);
  const created = await api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  for (const paymentMethod of confirms) await api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: paymentMethod });
  return created.body.id as string;
}

/**
 * The history: three hours with payments on 3 March 2025, 11:00 left empty,
 * and a few payments late on 2 March and early on 4 and 5 March, so that
 * ranges over several days read whole days from the daily rollups.
 */
async function makeHistory(): Promise<Record<string, string>> {
  const p: Record<string, string> = {};
  p.eveBefore = await pay(td(-1, 21, 30), { amount: 1200 }, card('4242424242424242'));
  p.eveBeforeUsd = await pay(td(-1, 22, 10), { amount: 900, currency: 'USD' }, card('4000000000000002'), card('4242424242424242'));
  p.eveBeforeDeclined = await pay(td(-1, 22, 41), { amount: 350, expires_in_seconds: 3600 }, card('4000000000009995')); // abandoned by the sweep
  p.eveBeforeLate = await pay(td(-1, 23, 58, 30), { amount: 650 }, card('5555555555554444'));
  p.succeeded = await pay(t(9, 5), { amount: 1000 }, card('4242424242424242'));
  p.retried = await pay(t(9, 12), { amount: 2501 }, card('4000000000000002'), card('5555555555554444'));
  p.declined = await pay(t(9, 14), { amount: 999 }, card('4000000000009995')); // insufficient_funds, left open: abandoned by the sweep
  p.refunded = await pay(t(9, 18), { amount: 500, currency: 'USD' }, card('4242424242424242'));
  p.duplicate = await pay(t(9, 25), { amount: 700, currency: 'USD' });
  p.neverConfirmed = await pay(t(9, 31), { amount: 300, expires_in_seconds: 60 });
  p.manual = await pay(t(9, 40), { amount: 5000, capture_method: 'manual' }, card('4242424242424242'));
  p.yen = await pay(t(9, 47), { amount: 1500, currency: 'JPY' }, card('6200000000000005'));
  p.mistyped = await pay(t(9, 52), { amount: 400 }, card('4242424242424241')); // refused locally: no attempt
  p.expiredCard = await pay(t(9, 58), { amount: 450 }, card('4000000000000069'));
  p.fullRefund = await pay(t(10, 20), { amount: 800 }, card('4242424242424242'));
  p.canceledLater = await pay(t(10, 26), { amount: 600, expires_in_seconds: 7 * 24 * 3600 });
  p.voided = await pay(t(10, 33), { amount: 1200, currency: 'HKD', capture_method: 'manual' }, card('4242424242424242'));
  p.lost = await pay(t(12, 40), { amount: 100, expires_in_seconds: 7 * 24 * 3600 }, card('4000000000009987'));
  p.late = await pay(t(12, 44), { amount: 100 }, card('4242424242424242'));
  p.afterRange = await pay(t(12, 50), { amount: 100 }, card('4242424242424242'));

  clock.setMs(t(12, 55));
  expect((await api('POST', `/v1/payments/${p.manual}/capture`, { amount_to_capture: 3000 })).status).toBe(200);
  expect((await api('POST', `/v1/payments/${p.duplicate}/cancel`, { cancellation_reason: 'duplicate' })).status).toBe(200);
  expect((await api('POST', `/v1/payments/${p.voided}/cancel`, { cancellation_reason: 'requested_by_customer' })).status).toBe(200);
  expect((await api('POST', '/v1/refunds', { payment: p.refunded, amount: 100 })).body.status).toBe('succeeded');
  expect((await api('POST', '/v1/refunds', { payment: p.fullRefund })).body.status).toBe('succeeded');
  expect((await api('POST', '/v1/refunds', { payment: p.late, amount: 50 })).body.status).toBe('succeeded');
  expect((await api('POST', '/v1/refunds', { payment: p.late, amount: 50 })).body.status).toBe('succeeded');
  // Payments open past their expiry (the declined one, the one never confirmed, …) are canceled as abandoned.
  clock.setMs(t(13, 0));
  await expireAbandonedPayments(stack.context);
  // The next days, after the sweep (it would abandon them otherwise).
  p.nextMidnight = await pay(td(1, 0, 0), { amount: 1100 }, card('4242424242424242'));
  p.nextEarly = await pay(td(1, 0, 20), { amount: 2200, currency: 'USD' }, card('4000000000000069'));
  p.nextOpen = await pay(td(1, 1, 40, 15), { amount: 330, expires_in_seconds: 7 * 24 * 3600 });
  p.nextLater = await pay(td(1, 5, 5), { amount: 770 }, card('4000000000000002'), card('4242424242424242'));
  p.nextRefunded = await pay(td(1, 23, 59, 50), { amount: 480 }, card('4242424242424242'));
  p.thirdDay = await pay(td(2, 2, 30), { amount: 610, currency: 'JPY' }, card('6200000000000005'));
  clock.setMs(td(2, 3, 0));
  expect((await api('POST', `/v1/payments/${p.nextOpen}/cancel`, { cancellation_reason: 'duplicate' })).status).toBe(200);
  expect((await api('POST', '/v1/refunds', { payment: p.nextRefunded, amount: 80 })).body.status).toBe('succeeded');
  return p;
}

// ---------------------------------------------------------------- the independent recount

interface RawPayment {
  id: string;
  status: string;
  currency: string;
  amount_received: bigint;
  cancellation_reason: string | null;
  created_at: Date;
}
interface RawAttempt {
  payment_id: string;
  operation: string;
  status: string;
  payment_method_type: string;
  connector_account_id: string | null;
  latency_ms: number | null;
  error_code: string | null;
  decline_code: string | null;
}

async function rawRows(merchant: string = merchantId) {
  const db = stack.context.db;
  const paymentRows = await sql<RawPayment>`select id, status, currency, amount_received, cancellation_reason, created_at from payments where merchant_id = ${merchant} and mode = 'test'`.execute(db);
  const attemptRows = await sql<RawAttempt>`
    select a.payment_id, a.operation, a.status, a.payment_method_type, a.connector_account_id, a.latency_ms, a.error_code, a.decline_code
      from payment_attempts a join payments p on p.id = a.payment_id where p.merchant_id = ${merchant} and p.mode = 'test'`.execute(db);
  const refundRows = await sql<{ payment_id: string; status: string }>`select payment_id, status from refunds where merchant_id = ${merchant}`.execute(db);
  return { payments: paymentRows.rows, attempts: attemptRows.rows, refunds: refundRows.rows };
}

type Raw = Awaited<ReturnType<typeof rawRows>>;

const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
const roundHalfUp = (amount: bigint, count: number) => (count === 0 ? null : Number((amount * 2n + BigInt(count)) / (2n * BigInt(count))));

/** What the summary must say for [fromMs, toMs), counted straight from the rows. */
function recount(raw: Raw, fromMs: number, toMs: number, currency: string | null) {
  const inRange = raw.payments.filter((p) => p.created_at.getTime() >= fromMs && p.created_at.getTime() < toMs && (currency === null || p.currency === currency));
  const ids = new Set(inRange.map((p) => p.id));
  const authorizations = raw.attempts.filter((a) => ids.has(a.payment_id) && a.operation === 'authorize');
  const attempted = new Set(authorizations.map((a) => a.payment_id));
  const refunded = new Set(raw.refunds.filter((r) => r.status === 'succeeded').map((r) => r.payment_id));
  const succeeded = inRange.filter((p) => p.status === 'succeeded');
  const canceled = inRange.filter((p) => p.status === 'canceled');
  const abandoned = canceled.filter((p) => p.cancellation_reason === 'abandoned').length;
  const refundedCount = succeeded.filter((p) => refunded.has(p.id)).length;
  const currencies = [...new Set(inRange.map((p) => p.currency))].sort();
  if (currency !== null && !currencies.includes(currency)) currencies.push(currency);
  const amounts = currencies.map((c) => {
    const mine = succeeded.filter((p) => p.currency === c);
    const amount = mine.reduce((sum, p) => sum + BigInt(p.amount_received), 0n);
    return { currency: c, payments_succeeded: mine.length, amount_succeeded: Number(amount), average_order_value: roundHalfUp(amount, mine.length) };
  });
  const cancellationsByReason: Record<string, number> = Object.fromEntries(cancellationReasons.map((reason) => [reason, 0]));
  for (const p of canceled) cancellationsByReason[p.cancellation_reason!] = (cancellationsByReason[p.cancellation_reason!] ?? 0) + 1;
  const declineCodes: Record<string, number> = {};
  for (const a of authorizations.filter((a) => a.status === 'failed')) {
    const code = a.decline_code ?? a.error_code ?? 'unknown';
    declineCodes[code] = (declineCodes[code] ?? 0) + 1;
  }
  const single = currency === null ? null : amounts[0]!;
  return {
    payments_created: inRange.length,
    payments_attempted: attempted.size,
    payments_succeeded: succeeded.length,
    payments_canceled: canceled.length,
    payments_abandoned: abandoned,
    payments_refunded: refundedCount,
    amount_succeeded: single ? single.amount_succeeded : null,
    average_order_value: single ? single.average_order_value : null,
    amounts,
    success_rate: ratio(succeeded.length, attempted.size),
    conversion_rate: ratio(succeeded.length, inRange.length),
    cancellation_rate: ratio(canceled.length, inRange.length),
    abandonment_rate: ratio(abandoned, inRange.length),
    refund_rate: ratio(refundedCount, succeeded.length),
    cancellations_by_reason: cancellationsByReason,
    decline_codes: declineCodes,
    by_channel: channels(authorizations.filter((a) => a.status === 'succeeded' || a.status === 'failed')),
  };
}

/** Nearest rank: the value at position ceil(p·N/100) of the sorted latencies. */
function nearestRank(sorted: number[], percent: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1]!;
}

function channels(attempts: RawAttempt[]) {
  const keys = [...new Set(attempts.map((a) => JSON.stringify([a.payment_method_type, a.connector_account_id])))].sort();
  return keys.map((channelKey) => {
    const [type, account] = JSON.parse(channelKey) as [string, string | null];
    const mine = attempts.filter((a) => a.payment_method_type === type && a.connector_account_id === account);
    const latencies = mine.flatMap((a) => (a.latency_ms === null ? [] : [a.latency_ms])).sort((x, y) => x - y);
    const ok = mine.filter((a) => a.status === 'succeeded').length;
    return {
      payment_method_type: type,
      connector_account: account,
      attempts: mine.length,
      attempts_succeeded: ok,
      success_rate: ratio(ok, mine.length),
      latency_ms: { p50: nearestRank(latencies, 50), p95: nearestRank(latencies, 95), p99: nearestRank(latencies, 99) },
    };
  });
}

async function summary(fromMs: number, toMs: number, currency?: string) {
  const response = await api('GET', `/v1/analytics/summary?from=${iso(fromMs)}&to=${iso(toMs)}${currency ? `&currency=${currency}` : ''}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function expectExact(fromMs: number, toMs: number, currency: string | null) {
  const body = await summary(fromMs, toMs, currency ?? undefined);
  expect(body).toEqual({ object: 'analytics_summary', from: iso(fromMs), to: iso(toMs), currency, ...recount(await rawRows(), fromMs, toMs, currency) });
  return body;
}

// ---------------------------------------------------------------- tests

describe('summary', () => {
  it('the history is as varied as intended (several currencies, declines, abandonment, refunds, a partial capture)', async () => {
    const raw = await rawRows();
    const status = (id: string) => raw.payments.find((p) => p.id === id)!;
    expect(new Set(raw.payments.map((p) => p.currency))).toEqual(new Set(['CNY', 'USD', 'JPY', 'HKD']));
    expect(status(payments.declined!)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(status(payments.neverConfirmed!)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(status(payments.manual!)).toMatchObject({ status: 'succeeded', amount_received: 3000n });
    expect(status(payments.lost!).status).toBe('requires_payment_method');
    expect(raw.attempts.filter((a) => a.payment_id === payments.mistyped)).toEqual([]);
    expect(raw.attempts.some((a) => a.operation === 'void')).toBe(true);
    expect(raw.attempts.some((a) => a.latency_ms !== null && a.latency_ms > 0)).toBe(true);
  });

  it('a whole UTC day, read from the daily rollups alone, matches a recount of the raw rows', async () => {
    const body = await expectExact(day, day + 24 * 3600_000, null);
    expect(body).toMatchObject({ payments_created: 16, amount_succeeded: null, average_order_value: null });
    expect(body.payments_abandoned).toBeGreaterThanOrEqual(2);
    expect(Object.keys(body.decline_codes)).toEqual(expect.arrayContaining(['generic_decline', 'insufficient_funds', 'expired_card']));
    expect(body.amounts.map((a: { currency: string }) => a.currency)).toEqual(['CNY', 'HKD', 'JPY', 'USD']);
    expect(body.by_channel).toHaveLength(1);
    // Those figures came from the rollups: their shards sum to the raw counts, at both levels.
    const db = stack.context.db;
    const daily = await sql<{ created: bigint; shards: bigint }>`
      select sum(payments_created)::bigint as created, count(distinct shard)::bigint as shards
        from analytics_daily_payments where merchant_id = ${merchantId} and mode = 'test' and day = ${new Date(day)}`.execute(db);
    expect(daily.rows[0]).toMatchObject({ created: 16n });
    expect(Number(daily.rows[0]!.shards)).toBeGreaterThan(1);
    const hourly = await sql<{ created: bigint }>`
      select sum(payments_created)::bigint as created from analytics_hourly_payments
       where merchant_id = ${merchantId} and mode = 'test' and hour >= ${new Date(day)} and hour < ${new Date(day + dayMs)}`.execute(db);
    expect(hourly.rows[0]).toMatchObject({ created: 16n });
    const channels = await sql<{ day_attempts: bigint; span_attempts: bigint; hour_attempts: bigint }>`
      select (select sum(attempts) from analytics_daily_channels
               where merchant_id = ${merchantId} and mode = 'test' and day = ${new Date(day)})::bigint as day_attempts,
             (select sum(attempts) from analytics_daily_channel_spans
               where merchant_id = ${merchantId} and mode = 'test' and day = ${new Date(day)})::bigint as span_attempts,
             (select sum(attempts) from analytics_hourly_channels where merchant_id = ${merchantId} and mode = 'test'
                 and hour >= ${new Date(day)} and hour < ${new Date(day + dayMs)})::bigint as hour_attempts`.execute(db);
    expect(channels.rows[0]!.day_attempts).toBe(channels.rows[0]!.hour_attempts);
    expect(channels.rows[0]!.span_attempts).toBe(channels.rows[0]!.hour_attempts);
    expect(body.by_channel[0].attempts).toBe(Number(channels.rows[0]!.day_attempts));
  });

  it('whole days, partial days and partial hours over several days each match a recount', async () => {
    // Whole days only: 2, 3 and 4 March from the daily rows.
    const days = await expectExact(td(-1, 0, 0), td(2, 0, 0), null);
    expect(days.payments_created).toBe(4 + 16 + 5);
    // Whole days and whole hours: 2 March from 22:00 and 4 March until 05:00 from the hourly rows.
    const hours = await expectExact(td(-1, 22, 0), td(1, 5, 0), null);
    expect(hours.payments_created).toBe(3 + 16 + 3);
    // And partial hours at both ends from the raw tables, cut exactly at two payments' created_at:
    // a millisecond after the first (left out), at the last (left out too: [from, to) is half-open).
    const raw = await rawRows();
    const createdMs = (id: string) => raw.payments.find((p) => p.id === id)!.created_at.getTime();
    const edges = await expectExact(createdMs(payments.eveBeforeUsd!) + 1, createdMs(payments.nextOpen!), null);
    expect(edges.payments_created).toBe(2 + 16 + 2);
    const withBoth = await expectExact(createdMs(payments.eveBeforeUsd!), createdMs(payments.nextOpen!) + 1, null);
    expect(withBoth.payments_created).toBe(3 + 16 + 3);
    // Edges a millisecond from midnight, and a range of whole days plus one partial hour.
    await expectExact(td(-1, 23, 59, 59, 999), td(2, 0, 0, 0, 1), null);
    await expectExact(td(0, 0, 0), td(2, 2, 45), null);
    // Per currency, over the same mix of levels.
    await expectExact(createdMs(payments.eveBeforeUsd!) + 1, createdMs(payments.nextOpen!), 'USD');
    await expectExact(td(-1, 0, 0), td(3, 0, 0), 'CNY');
    const usd = await expectExact(td(-1, 0, 0), td(3, 0, 0), 'USD');
    expect(usd.payments_created).toBe(4);
    expect(days.by_channel[0].attempts).toBeGreaterThan(20);
  });

  it('a range not aligned to hours counts its partial edges from the raw tables, exactly', async () => {
    // 09:17:30.250 leaves out the first payments of 09:00; 12:47:10.500 keeps 12:40 and 12:44, not 12:50.
    const body = await expectExact(t(9, 17, 30, 250), t(12, 47, 10, 500), null);
    expect(body.payments_created).toBe(12);
  });

  it('a range inside one hour, and one straddling an hour without a whole hour in it', async () => {
    await expectExact(t(9, 13), t(9, 41), null);
    await expectExact(t(9, 50), t(10, 30), null);
  });

  it('with a currency: only that currency, amounts as plain numbers, the average order value rounded half up', async () => {
    const cny = await expectExact(t(9, 17, 30, 250), t(12, 47, 10, 500), 'CNY');
    expect(cny.amounts).toHaveLength(1);
    expect(cny.amount_succeeded).toBe(3000 + 800 + 100);
    const usd = await expectExact(day, day + 24 * 3600_000, 'USD');
    expect(usd).toMatchObject({ payments_created: 2, payments_succeeded: 1, payments_refunded: 1, refund_rate: 1, amount_succeeded: 500 });
    await expectExact(day, day + 24 * 3600_000, 'CNY');
  });

  it('an empty range answers zeros and null rates, not an error', async () => {
    const body = await expectExact(t(11, 0), t(12, 0), null);
    expect(body).toMatchObject({ payments_created: 0, success_rate: null, conversion_rate: null, refund_rate: null, amounts: [], by_channel: [] });
    const eur = await expectExact(t(11, 0), t(12, 0), 'EUR');
    expect(eur).toMatchObject({ amount_succeeded: 0, average_order_value: null });
  });
});

describe('concurrent payments in one hour', () => {
  it('stay exact when many commit at once on the same hour and shards', async () => {
    const other = await stack.newMerchant();
    clock.setMs(t(16, 10));
    const payOne = async (i: number) => {
      const created = await stack.api('POST', '/v1/payments', { amount: 100 + i, currency: i % 3 === 0 ? 'USD' : 'CNY' }, { key: other.secretKey });
      const number = i % 4 === 0 ? '4000000000000002' : '4242424242424242';
      await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) }, { key: other.secretKey });
      if (i % 5 === 0) await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, { cancellation_reason: 'other' }, { key: other.secretKey });
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => payOne(i)));
    const path = `/v1/analytics/summary?from=${iso(t(16, 0))}&to=${iso(t(17, 0))}`;
    const body = (await stack.api('GET', path, undefined, { key: other.secretKey })).body;
    const raw = await rawRows(other.merchant.merchantId);
    expect(body).toEqual({ object: 'analytics_summary', from: iso(t(16, 0)), to: iso(t(17, 0)), currency: null, ...recount(raw, t(16, 0), t(17, 0), null) });
    expect(body.payments_created).toBe(40);
  });
});

describe('a payment whose status changes later', () => {
  it('moves its figures in the hour it was created in, and nowhere else', async () => {
    const hourBefore = await summary(t(9, 0), t(10, 0));
    const before = await summary(t(10, 0), t(11, 0));
    clock.setMs(t(15, 0));
    expect((await api('POST', `/v1/payments/${payments.canceledLater}/cancel`, { cancellation_reason: 'price_changed' })).status).toBe(200);
    const after = await expectExact(t(10, 0), t(11, 0), null);
    expect(after.payments_canceled).toBe(before.payments_canceled + 1);
    expect(after.cancellations_by_reason.price_changed).toBe(before.cancellations_by_reason.price_changed + 1);
    expect(after.payments_created).toBe(before.payments_created);
    expect(await summary(t(9, 0), t(10, 0))).toEqual(hourBefore);
    await expectExact(t(10, 25), t(10, 30), null); // the same change seen through the raw-table edge
    await expectExact(day, day + dayMs, null); // and through the daily rows
    await expectExact(td(-1, 0, 0), td(2, 0, 0), null);
  });
});

describe('rows changed outside the flows', () => {
  it('stay exact when an attempt is corrected in place (its latency, its outcome)', async () => {
    const db = stack.context.db;
    const [attempt] = (await sql<{ id: string; latency_ms: number }>`
      select id, latency_ms from payment_attempts where payment_id = ${payments.succeeded} and operation = 'authorize'`.execute(db)).rows;
    await sql`update payment_attempts set latency_ms = ${attempt!.latency_ms + 5000} where id = ${attempt!.id}`.execute(db);
    const corrected = await expectExact(t(9, 0), t(10, 0), null);
    expect(corrected.by_channel[0].latency_ms.p99).toBe(attempt!.latency_ms + 5000);
    await sql`update payment_attempts set status = 'failed', error_code = 'processing_error' where id = ${attempt!.id}`.execute(db);
    expect((await expectExact(t(9, 0), t(10, 0), null)).decline_codes.processing_error).toBe(1);
    const corrected2 = await expectExact(td(-1, 0, 0), td(2, 0, 0), null); // whole days: the daily rows moved too
    expect(corrected2.decline_codes.processing_error).toBe(1);
    await sql`update payment_attempts set status = 'succeeded', error_code = null, latency_ms = ${attempt!.latency_ms} where id = ${attempt!.id}`.execute(db);
    await expectExact(day, day + 24 * 3600_000, null);
    await expectExact(td(-1, 0, 0), td(2, 0, 0), null);
  });
});

describe('timeseries', () => {
  it('hourly buckets, the first and last cut to the range, each one exact, the empty hour included', async () => {
    const fromMs = t(9, 17, 30, 250);
    const toMs = t(13, 30);
    const response = await api('GET', `/v1/analytics/timeseries?granularity=hour&from=${iso(fromMs)}&to=${iso(toMs)}`);
    expect(response.status).toBe(200);
    const { data, ...rest } = response.body;
    expect(rest).toEqual({ object: 'analytics_timeseries', from: iso(fromMs), to: iso(toMs), currency: null, granularity: 'hour' });
    expect(data.map((b: { from: string; to: string }) => [b.from, b.to])).toEqual([
      [iso(fromMs), iso(t(10, 0))],
      [iso(t(10, 0)), iso(t(11, 0))],
      [iso(t(11, 0)), iso(t(12, 0))],
      [iso(t(12, 0)), iso(t(13, 0))],
      [iso(t(13, 0)), iso(toMs)],
    ]);
    const raw = await rawRows();
    for (const bucket of data) {
      const { by_channel: _, ...expected } = recount(raw, Date.parse(bucket.from), Date.parse(bucket.to), null);
      expect(bucket).toEqual({ from: bucket.from, to: bucket.to, ...expected });
    }
    expect(data[2].payments_created).toBe(0);
  });

  it('daily buckets with a currency filter', async () => {
    const fromMs = day - 12 * 3600_000;
    const toMs = day + 24 * 3600_000 + 1;
    const response = await api('GET', `/v1/analytics/timeseries?granularity=day&currency=CNY&from=${iso(fromMs)}&to=${iso(toMs)}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(3);
    const raw = await rawRows();
    for (const bucket of response.body.data) {
      const { by_channel: _, ...expected } = recount(raw, Date.parse(bucket.from), Date.parse(bucket.to), 'CNY');
      expect(bucket).toEqual({ from: bucket.from, to: bucket.to, ...expected });
    }
    expect(response.body.data[1].payments_created).toBeGreaterThan(0);
  });

  it('daily buckets over several days: partial days from hours and raw edges, whole days from the daily rows', async () => {
    const fromMs = td(-1, 22, 9, 30, 250);
    const toMs = td(2, 2, 45);
    const response = await api('GET', `/v1/analytics/timeseries?granularity=day&from=${iso(fromMs)}&to=${iso(toMs)}`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((b: { from: string; to: string }) => [b.from, b.to])).toEqual([
      [iso(fromMs), iso(day)],
      [iso(day), iso(td(1, 0, 0))],
      [iso(td(1, 0, 0)), iso(td(2, 0, 0))],
      [iso(td(2, 0, 0)), iso(toMs)],
    ]);
    const raw = await rawRows();
    for (const bucket of response.body.data) {
      const { by_channel: _, ...expected } = recount(raw, Date.parse(bucket.from), Date.parse(bucket.to), null);
      expect(bucket).toEqual({ from: bucket.from, to: bucket.to, ...expected });
    }
    expect(response.body.data.map((b: { payments_created: number }) => b.payments_created)).toEqual([3, 16, 5, 1]);
  });

  it('hourly buckets across midnight never take a whole day from the daily rows', async () => {
    const fromMs = td(-1, 21, 0);
    const toMs = td(1, 2, 0);
    const response = await api('GET', `/v1/analytics/timeseries?granularity=hour&from=${iso(fromMs)}&to=${iso(toMs)}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(29);
    const raw = await rawRows();
    for (const bucket of response.body.data) {
      const { by_channel: _, ...expected } = recount(raw, Date.parse(bucket.from), Date.parse(bucket.to), null);
      expect(bucket).toEqual({ from: bucket.from, to: bucket.to, ...expected });
    }
  });
});

describe('CSV', () => {
  function parse(text: string): Record<string, string>[] {
    const [header, ...lines] = text.trimEnd().split('\r\n');
    const columns = header!.split(',');
    return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i]!, value])));
  }

  it('summary: one row per currency, then the all-currency row without amounts', async () => {
    const query = `from=${iso(day)}&to=${iso(day + 24 * 3600_000)}`;
    const response = await stack.api('GET', `/v1/analytics/summary?${query}`, undefined, { key, headers: { accept: 'text/csv' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="analytics_summary_currency_.*\.csv"/);
    const rows = parse(response.body as string);
    expect(rows.map((r) => r.currency)).toEqual(['CNY', 'HKD', 'JPY', 'USD', '']);
    const cny = await summary(day, day + 24 * 3600_000, 'CNY');
    expect(rows[0]).toMatchObject({
      from: iso(day),
      payments_created: String(cny.payments_created),
      amount_succeeded: String(cny.amount_succeeded),
      success_rate: String(cny.success_rate),
      'cancellations_by_reason.abandoned': String(cny.cancellations_by_reason.abandoned),
    });
    const all = await summary(day, day + 24 * 3600_000);
    expect(rows[4]).toMatchObject({ payments_created: String(all.payments_created), amount_succeeded: '', conversion_rate: String(all.conversion_rate) });
  });

  it('summary by channel, and the time series one row per bucket', async () => {
    const query = `from=${iso(day)}&to=${iso(day + 24 * 3600_000)}`;
    const byChannel = await stack.api('GET', `/v1/analytics/summary?${query}&csv_rows=channel`, undefined, { key, headers: { accept: 'text/csv' } });
    const [channel] = (await summary(day, day + 24 * 3600_000)).by_channel;
    expect(parse(byChannel.body as string)).toEqual([
      expect.objectContaining({
        payment_method_type: 'card',
        connector_account: channel.connector_account,
        attempts: String(channel.attempts),
        'latency_ms.p95': String(channel.latency_ms.p95),
      }),
    ]);
    const series = await stack.api('GET', `/v1/analytics/timeseries?granularity=hour&${query}`, undefined, { key, headers: { accept: 'text/csv' } });
    const rows = parse(series.body as string);
    expect(rows).toHaveLength(24);
    expect(rows[9]).toMatchObject({ from: iso(t(9, 0)), to: iso(t(10, 0)) });
    expect(Number(rows[9]!['amount_succeeded.CNY'])).toBeGreaterThan(0);
  });
});

describe('parameters', () => {
  const get = (query: string) => api('GET', `/v1/analytics/summary?${query}`);

  it('refuses a missing or malformed bound, naming it', async () => {
    expect((await get(`to=${iso(day)}`)).body.error).toMatchObject({ code: 'parameter_missing', param: 'from' });
    expect((await get(`from=yesterday&to=${iso(day)}`)).body.error).toMatchObject({ code: 'parameter_invalid', param: 'from' });
    expect((await get(`from=2025-03-01T00:00:00&to=${iso(day)}`)).body.error).toMatchObject({ code: 'parameter_invalid', param: 'from' });
  });

  it('refuses an empty or reversed range and one longer than 366 days', async () => {
    expect((await get(`from=${iso(day)}&to=${iso(day)}`)).body.error).toMatchObject({ code: 'parameter_invalid', param: 'to' });
    expect((await get(`from=${iso(day)}&to=${iso(day - 1)}`)).body.error).toMatchObject({ code: 'parameter_invalid', param: 'to' });
    const tooLong = await get(`from=2024-01-01&to=2025-01-02`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'parameter_invalid', param: 'to' });
    expect(tooLong.body.error.message).toContain('366 days');
    expect((await get('from=2024-01-01&to=2025-01-01')).status).toBe(200);
  });

  it('refuses hourly buckets over more than 31 days, and an unknown granularity', async () => {
    const hourly = await api('GET', '/v1/analytics/timeseries?granularity=hour&from=2025-01-01&to=2025-02-02');
    expect(hourly.body.error).toMatchObject({ code: 'parameter_invalid', param: 'granularity' });
    expect((await api('GET', '/v1/analytics/timeseries?granularity=hour&from=2025-01-01&to=2025-02-01')).status).toBe(200);
    expect((await api('GET', '/v1/analytics/timeseries?granularity=week&from=2025-01-01&to=2025-02-01')).body.error).toMatchObject({ code: 'parameter_invalid', param: 'granularity' });
    expect((await api('GET', '/v1/analytics/timeseries?from=2025-01-01&to=2025-02-01')).body.error).toMatchObject({ code: 'parameter_missing', param: 'granularity' });
  });

  it('refuses an unsupported currency and an unknown parameter', async () => {
    expect((await get(`from=${iso(day)}&to=${iso(day + 1)}&currency=XXX`)).body.error).toMatchObject({ code: 'currency_invalid', param: 'currency' });
    expect((await get(`from=${iso(day)}&to=${iso(day + 1)}&currency=cny`)).body.error).toMatchObject({ code: 'currency_invalid', param: 'currency' });
    expect((await get(`from=${iso(day)}&to=${iso(day + 1)}&limit=5`)).body.error).toMatchObject({ code: 'parameter_unknown', param: 'limit' });
  });

  it('answers only the secret key, and only its own merchant and mode', async () => {
    const other = await stack.newMerchant();
    const path = `/v1/analytics/summary?from=${iso(day)}&to=${iso(day + 24 * 3600_000)}`;
    expect((await stack.api('GET', path, undefined, { key: other.publishableKey })).status).toBeGreaterThanOrEqual(401);
    expect((await stack.api('GET', path, undefined, { key: other.secretKey })).body.payments_created).toBe(0);
    expect((await stack.api('GET', path, undefined, { key: null })).status).toBe(401);
  });
});
