/**
 * Coupons through the API: create, list, retrieve, disable; a payment with a
 * coupon (original amount, discount, amount due, what the acquirer charged);
 * every coupon error; the redemption's life (reserved on confirm, released on
 * failure, cancel and abandonment, consumed on success, restored by a full
 * refund); the limit under 200 concurrent confirms; and a crash between the
 * confirm's commit and the provider call.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { transitionPayment } from '../../src/flows/payments/payment-transitions.ts';
import { findPaymentById } from '../../src/store/payments.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

/** Real time from an offset the test moves, so expiry and coupon windows can be crossed. */
class SettableClock implements Clock {
  private offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  advanceMs(ms: number): void {
    this.offsetMs += ms;
  }
}

const clock = new SettableClock();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

let codeSeq = 0;
function newCode(prefix = 'SAVE'): string {
  codeSeq += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${codeSeq}`;
}

async function createCoupon(fields: Record<string, unknown>) {
  const created = await stack.api('POST', '/v1/coupons', { code: newCode(), currency: 'CNY', ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as { id: string; code: string };
}

async function newCustomer(): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { email: 'payer@example.com' });
  return created.body.id as string;
}

async function redemptionsOf(paymentId: string) {
  return stack.db.db.selectFrom('coupon_redemptions').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}

/** The counters agree with the rows: held = reserved + consumed, for the coupon and each of its customers. */
async function expectCountersMatchRows(couponId: string) {
  const coupon = await stack.db.db.selectFrom('coupons').select('redemptions_held').where('id', '=', couponId).executeTakeFirstOrThrow();
  const held = await sql<{ n: number }>`select count(*)::int as n from coupon_redemptions where coupon_id = ${couponId} and status in ('reserved', 'consumed')`.execute(stack.db.db);
  expect(coupon.redemptions_held).toBe(held.rows[0]!.n);
  const customers = await sql<{ customer_id: string; held: number; counted: number }>`
    select h.customer_id, h.held,
           (select count(*)::int from coupon_redemptions r where r.coupon_id = h.coupon_id and r.customer_id = h.customer_id and r.status in ('reserved', 'consumed')) as counted
      from coupon_customer_holds h where h.coupon_id = ${couponId}`.execute(stack.db.db);
  for (const row of customers.rows) expect(row.held, row.customer_id).toBe(row.counted);
}

describe('coupons: create, list, retrieve, disable', () => {
  it('creates a coupon, answers the same coupon for the same Idempotency-Key, and refuses a second with the same code', async () => {
    const code = newCode('Spring');
    const body = { code: code.toLowerCase(), currency: 'CNY', percent_off: 12, minimum_amount: 1000, campaign: 'spring', stackable_with_points: true };
    const first = await stack.api('POST', '/v1/coupons', body, { headers: { 'idempotency-key': `cpn-${code}` } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      object: 'coupon',
      code: code.toUpperCase(),
      discount_type: 'percentage',
      percent_off: 12,
      amount_off: null,
      currency: 'CNY',
      minimum_amount: 1000,
      campaign: 'spring',
      stackable_with_points: true,
      first_payment_only: false,
      active: true,
      redemptions: { reserved: 0, consumed: 0, released: 0, restored: 0, held: 0 },
    });
    expect(first.body.id).toMatch(/^cpn_/);
    const replay = await stack.api('POST', '/v1/coupons', body, { headers: { 'idempotency-key': `cpn-${code}` } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    const again = await stack.api('POST', '/v1/coupons', body);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'coupon_code_taken', param: 'code' });
    const count = await stack.db.db.selectFrom('coupons').select(sql<number>`count(*)::int`.as('n')).where('code', '=', code.toUpperCase()).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('refuses a coupon with both or neither of percent_off and amount_off, a bad code, or an end before its start', async () => {
    const both = await stack.api('POST', '/v1/coupons', { code: newCode(), currency: 'CNY', percent_off: 10, amount_off: 100 });
    expect(both.status).toBe(400);
    expect(both.body.error).toMatchObject({ code: 'parameter_invalid', param: 'percent_off' });
    const neither = await stack.api('POST', '/v1/coupons', { code: newCode(), currency: 'CNY' });
    expect(neither.body.error.code).toBe('parameter_invalid');
    const badCode = await stack.api('POST', '/v1/coupons', { code: 'NO SPACES', currency: 'CNY', percent_off: 5 });
    expect(badCode.body.error).toMatchObject({ code: 'parameter_invalid', param: 'code' });
    const backwards = await stack.api('POST', '/v1/coupons', {
      code: newCode(),
      currency: 'CNY',
      percent_off: 5,
      starts_at: '2027-01-02T00:00:00Z',
      ends_at: '2027-01-01T00:00:00Z',
    });
    expect(backwards.body.error).toMatchObject({ code: 'parameter_invalid', param: 'ends_at' });
  });

  it('lists coupons newest first with keyset pagination, filters by campaign, and disables one', async () => {
    const { secretKey } = await stack.newMerchant();
    const api = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { key: secretKey });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await api('POST', '/v1/coupons', { code: newCode('LIST'), currency: 'CNY', amount_off: 100 + i, campaign: i % 2 === 0 ? 'even' : 'odd' });
      ids.push(created.body.id);
    }
    const page1 = await api('GET', '/v1/coupons?limit=2');
    expect(page1.body).toMatchObject({ object: 'list', has_more: true });
    expect(page1.body.data.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[3]]);
    const page2 = await api('GET', `/v1/coupons?limit=2&starting_after=${ids[3]}`);
    expect(page2.body.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
    const page3 = await api('GET', `/v1/coupons?limit=2&starting_after=${ids[1]}`);
    expect(page3.body).toMatchObject({ has_more: false });
    expect(page3.body.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const even = await api('GET', '/v1/coupons?campaign=even');
    expect(even.body.data.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[2], ids[0]]);
    const disabled = await api('POST', `/v1/coupons/${ids[0]}/disable`);
    expect(disabled.body).toMatchObject({ active: false });
    // Both writes are in the merchant's audit trail, with the key that made them.
    const audit = await stack.db.db.selectFrom('audit_log').select(['action', 'actor_type', 'after']).where('object_id', '=', ids[0]!).orderBy('seq').execute();
    expect(audit.map((row) => [row.action, row.actor_type])).toEqual([
      ['coupon.created', 'api_key'],
      ['coupon.disabled', 'api_key'],
    ]);
    expect(audit[1]!.after).toMatchObject({ code: expect.stringMatching(/^LIST/), disabled_at: disabled.body.disabled_at });
    expect(disabled.body.disabled_at).not.toBeNull();
    const twice = await api('POST', `/v1/coupons/${ids[0]}/disable`);
    expect(twice.body.disabled_at).toBe(disabled.body.disabled_at);
    // Another merchant's coupon is missing for this one.
    expect((await stack.api('GET', `/v1/coupons/${ids[0]}`)).status).toBe(404);
    expect((await stack.api('POST', `/v1/coupons/${ids[0]}/disable`)).status).toBe(404);
  });
});

describe('a payment with a coupon', () => {
  it('takes a percentage of the original amount rounded down, charges the amount due, and consumes the redemption', async () => {
    const coupon = await createCoupon({ percent_off: 12 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', coupon: coupon.code.toLowerCase() });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    // 12 % of 1 999 is 239.88: 239 off, 1 760 to pay.
    expect(created.body).toMatchObject({ amount: 1760, amount_original: 1999, amount_discount: 239, amount_due: 1760, coupon: coupon.code });
    const before = stack.acquirer.stats();
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body).toMatchObject({ status: 'succeeded', amount_received: 1760, amount_discount: 239 });
    expect(stack.acquirer.stats().authorizations_created).toBe(before.authorizations_created + 1);
    const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`);
    expect(attempts.body.data[0].amount).toBe(1760);
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'consumed', amount_discount: 239n, coupon_id: coupon.id }]);
    const read = await stack.api('GET', `/v1/coupons/${coupon.id}`);
    expect(read.body).toMatchObject({ times_redeemed: 1, discount_given: 239, amount_original_redeemed: 1999, redemptions: { consumed: 1, held: 1 } });
  });

  it('takes a fixed amount off, and never all of the price: at least one minor unit is left to pay', async () => {
    const fixed = await createCoupon({ amount_off: 500 });
    const small = await stack.api('POST', '/v1/payments', { amount: 300, currency: 'CNY', coupon: fixed.code });
    expect(small.body).toMatchObject({ amount: 1, amount_original: 300, amount_discount: 299 });
    const whole = await createCoupon({ percent_off: 100 });
    const free = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: whole.code });
    expect(free.body).toMatchObject({ amount: 1, amount_discount: 999 });
  });

  it('applies, changes and removes a coupon before confirm, and computes the discount again when the price changes', async () => {
    const coupon = await createCoupon({ percent_off: 10, minimum_amount: 1000 });
    const created = await stack.api('POST', '/v1/payments', { amount: 2000, currency: 'CNY' });
    const applied = await stack.api('POST', `/v1/payments/${created.body.id}`, { coupon: coupon.code });
    expect(applied.body).toMatchObject({ amount: 1800, amount_original: 2000, amount_discount: 200, coupon: coupon.code });
    const repriced = await stack.api('POST', `/v1/payments/${created.body.id}`, { amount: 3000 });
    expect(repriced.body).toMatchObject({ amount: 2700, amount_original: 3000, amount_discount: 300 });
    const tooSmall = await stack.api('POST', `/v1/payments/${created.body.id}`, { amount: 900 });
    expect(tooSmall.body.error).toMatchObject({ code: 'coupon_minimum_not_met', param: 'coupon' });
    const removed = await stack.api('POST', `/v1/payments/${created.body.id}`, { coupon: '' });
    expect(removed.body).toMatchObject({ amount: 3000, amount_original: 3000, amount_discount: 0, coupon: null });
  });
});

describe('coupon errors at the API', () => {
  it('answers each error with its code, in the payer language', async () => {
    const customer = await newCustomer();
    const hour = 3600_000;
    const cases: { coupon: Record<string, unknown> | null; payment?: Record<string, unknown>; code: string }[] = [
      { coupon: null, code: 'coupon_unknown' },
      { coupon: { percent_off: 5, ends_at: new Date(clock.nowMs() - hour).toISOString() }, code: 'coupon_expired' },
      { coupon: { percent_off: 5, starts_at: new Date(clock.nowMs() + hour).toISOString() }, code: 'coupon_not_yet_valid' },
      { coupon: { percent_off: 5, minimum_amount: 5000 }, code: 'coupon_minimum_not_met' },
      { coupon: { percent_off: 5, payment_method_types: ['alipay'] }, payment: { payment_method_types: ['card'] }, code: 'coupon_not_for_method' },
      { coupon: { percent_off: 5, currency: 'USD' }, code: 'coupon_currency_mismatch' },
      { coupon: { percent_off: 5, max_redemptions_per_customer: 1 }, code: 'coupon_customer_required' },
    ];
    for (const c of cases) {
      const code = c.coupon ? (await createCoupon(c.coupon)).code : 'NOSUCHCODE';
      const answer = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: code, ...c.payment }, { headers: { 'accept-language': 'zh-CN' } });
      expect(answer.status, c.code).toBe(422);
      expect(answer.body.error, c.code).toMatchObject({ code: c.code, param: 'coupon', type: 'invalid_request_error' });
      expect(answer.body.error.message, c.code).toMatch(/[\u4e00-\u9fff]/);
      expect(answer.body.error.message, c.code).toContain(code);
    }
    const disabled = await createCoupon({ percent_off: 5 });
    await stack.api('POST', `/v1/coupons/${disabled.id}/disable`);
    const refused = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: disabled.code });
    expect(refused.body.error).toMatchObject({ code: 'coupon_disabled' });
    // First payment only: a customer who has paid once is refused.
    const first = await createCoupon({ percent_off: 5, first_payment_only: true });
    const paid = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer });
    await stack.api('POST', `/v1/payments/${paid.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const second = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: first.code });
    expect(second.body.error).toMatchObject({ code: 'coupon_first_payment_only' });
  });

  it('refuses at confirm a method the coupon is not for, a coupon disabled or expired since it was applied, and moves nothing', async () => {
    const forCards = await createCoupon({ percent_off: 10, payment_method_types: ['card'] });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: forCards.code, customer: await newCustomer() });
    const wallet = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: '135790' } } });
    expect(wallet.status).toBe(422);
    expect(wallet.body.error).toMatchObject({ code: 'coupon_not_for_method', param: 'coupon' });
    expect(wallet.body.error.suggestion).toContain('card');
    await stack.api('POST', `/v1/coupons/${forCards.id}/disable`);
    const disabled = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(disabled.body.error.code).toBe('coupon_disabled');
    const soon = await createCoupon({ percent_off: 10, ends_at: new Date(clock.nowMs() + 60_000).toISOString() });
    const later = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: soon.code });
    clock.advanceMs(61_000);
    const expired = await stack.api('POST', `/v1/payments/${later.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(expired.body.error.code).toBe('coupon_expired');
    for (const id of [created.body.id, later.body.id]) {
      expect((await stack.api('GET', `/v1/payments/${id}`)).body.status).toBe('requires_payment_method');
      expect(await redemptionsOf(id)).toEqual([]);
    }
  });

  it('holds the per-customer limit, and gives the payer the full price once the coupon is removed', async () => {
    const customer = await newCustomer();
    const coupon = await createCoupon({ amount_off: 100, max_redemptions_per_customer: 1 });
    const one = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: coupon.code });
    const two = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: coupon.code });
    expect((await stack.api('POST', `/v1/payments/${one.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    const refused = await stack.api('POST', `/v1/payments/${two.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'coupon_limit_reached', param: 'coupon' });
    expect((await stack.api('GET', `/v1/payments/${two.body.id}`)).body.status).toBe('requires_payment_method');
    await stack.api('POST', `/v1/payments/${two.body.id}`, { coupon: '' });
    const full = await stack.api('POST', `/v1/payments/${two.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(full.body).toMatchObject({ status: 'succeeded', amount_received: 1000, amount_discount: 0 });
    await expectCountersMatchRows(coupon.id);
  });
});

describe('a payer trying codes', () => {
  it('applies a code with the publishable key and client_secret, and tries at most 10 codes per payment however many arrive at once', async () => {
    const coupon = await createCoupon({ percent_off: 10 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY' });
    const payer = (body: Record<string, unknown>) =>
      stack.api('POST', `/v1/payments/${created.body.id}/coupon`, { client_secret: created.body.client_secret, ...body }, { key: stack.publishableKey });
    const wrongSecret = await stack.api('POST', `/v1/payments/${created.body.id}/coupon`, { client_secret: 'nope', coupon: coupon.code }, { key: stack.publishableKey });
    expect(wrongSecret.status).toBe(404);
    const applied = await payer({ coupon: coupon.code.toLowerCase() });
    expect(applied.body).toMatchObject({ amount: 900, amount_discount: 100, coupon: coupon.code });
    const removed = await payer({ coupon: '' });
    expect(removed.body).toMatchObject({ amount: 1000, coupon: null });
    // One try used; 29 guesses at once: 9 are looked up, 20 refused before any lookup.
    const guesses = await Promise.all(Array.from({ length: 29 }, (_, i) => payer({ coupon: `GUESS${i}` })));
    expect(guesses.filter((g) => g.body.error?.code === 'coupon_unknown')).toHaveLength(9);
    const refused = guesses.filter((g) => g.body.error?.code === 'coupon_tries_exhausted');
    expect(refused).toHaveLength(20);
    expect(refused[0]!.status).toBe(429);
    // Even the right code now: the payer pays the full price or asks for a new link.
    expect((await payer({ coupon: coupon.code })).body.error.code).toBe('coupon_tries_exhausted');
    // The merchant (secret key) is not limited.
    expect((await stack.api('POST', `/v1/payments/${created.body.id}`, { coupon: coupon.code })).body.coupon).toBe(coupon.code);
  });
});

describe('a redemption follows its payment', () => {
  it('is released when the card is declined, and reserved again by the next confirm', async () => {
    const coupon = await createCoupon({ amount_off: 100, max_redemptions: 1 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code });
    const declined = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000000000000002') });
    expect(declined.body.error?.code ?? declined.body.last_error?.code).toBe('card_declined');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'released' }]);
    // The one redemption the coupon allows came back: the same payment can take it.
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body.status).toBe('succeeded');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'released' }, { status: 'consumed' }]);
    await expectCountersMatchRows(coupon.id);
  });

  it('is released when an authorized payment is canceled', async () => {
    const coupon = await createCoupon({ amount_off: 100, max_redemptions: 1 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code, capture_method: 'manual' });
    const authorized = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(authorized.body.status).toBe('requires_capture');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'reserved' }]);
    expect((await stack.api('GET', `/v1/coupons/${coupon.id}`)).body.redemptions).toMatchObject({ reserved: 1, held: 1 });
    const canceled = await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(canceled.body.status).toBe('canceled');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'released' }]);
    expect((await stack.api('GET', `/v1/coupons/${coupon.id}`)).body.redemptions).toMatchObject({ reserved: 0, released: 1, held: 0 });
    await expectCountersMatchRows(coupon.id);
  });

  it('is released when the payer abandons a payment waiting at a provider and it expires', async () => {
    const coupon = await createCoupon({ amount_off: 100, max_redemptions: 1 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code, expires_in_seconds: 600 });
    // A card that asks for a one-time code leaves the payment waiting for the payer (requires_action), reserved.
    const waiting = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000002760003184') });
    expect(waiting.body.status).toBe('requires_action');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'reserved' }]);
    clock.advanceMs(601_000);
    await expireAbandonedPayments(stack.context);
    const expired = await stack.api('GET', `/v1/payments/${created.body.id}`);
    expect(expired.body).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'released' }]);
    await expectCountersMatchRows(coupon.id);
  });

  it('is restored by a full refund, once, even when it is made of two partial refunds; a partial refund keeps it', async () => {
    const coupon = await createCoupon({ amount_off: 1000, max_redemptions: 5 });
    const created = await stack.api('POST', '/v1/payments', { amount: 11_000, currency: 'CNY', coupon: coupon.code });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const partial = await stack.api('POST', '/v1/refunds', { payment: created.body.id, amount: 4000 });
    expect(partial.body.status).toBe('succeeded');
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'consumed' }]);
    // The two halves of the rest at once: exactly one of them completes the full refund and restores the redemption.
    const rest = await Promise.all([3000, 3000].map((amount) => stack.api('POST', '/v1/refunds', { payment: created.body.id, amount })));
    expect(rest.map((r) => r.body.status)).toEqual(['succeeded', 'succeeded']);
    expect(await redemptionsOf(created.body.id)).toMatchObject([{ status: 'restored' }]);
    expect((await stack.api('GET', `/v1/coupons/${coupon.id}`)).body.redemptions).toMatchObject({ consumed: 0, restored: 1, held: 0 });
    await expectCountersMatchRows(coupon.id);
  });

  it('after a crash between the confirm commit and the provider call: reserved with the payment, released when the worker settles it, never doubled', async () => {
    const coupon = await createCoupon({ amount_off: 100, max_redemptions: 1 });
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code });
    const other = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code });
    const payment = (await findPaymentById(stack.db.db, stack.merchant.merchantId, created.body.id))!;
    // What confirm commits before it calls the acquirer; the process "dies" here and the call never happens.
    const attemptId = stack.context.ids.newId('att');
    const processing = await transitionPayment(stack.context, payment, {
      to: 'processing',
      actor: 'payer',
      patch: { payment_method: { type: 'card' } },
      newAttempt: {
        id: attemptId,
        operation: 'authorize',
        connector: 'card',
        connector_account_id: stack.cardAccountId,
        payment_method_type: 'card',
        amount: payment.amount,
        provider_idempotency_key: attemptId,
      },
    });
    expect(processing?.status).toBe('processing');
    expect(await redemptionsOf(payment.id)).toMatchObject([{ status: 'reserved' }]);
    // The limit of one is held by the payment in flight: another confirm cannot take it.
    const refused = await stack.api('POST', `/v1/payments/${other.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(refused.body.error.code).toBe('coupon_limit_reached');
    // The worker asks the acquirer, which has no such authorization under any of the attempt's keys: failed, released.
    for (let i = 0; i < 6; i += 1) {
      clock.advanceMs(61_000);
      await resolveUnknownOutcomes(stack.context);
      if ((await findPaymentById(stack.db.db, payment.merchant_id, payment.id))?.status !== 'processing') break;
    }
    expect((await findPaymentById(stack.db.db, payment.merchant_id, payment.id))?.status).toBe('requires_payment_method');
    expect(await redemptionsOf(payment.id)).toMatchObject([{ status: 'released' }]);
    await expectCountersMatchRows(coupon.id);
    const retried = await stack.api('POST', `/v1/payments/${other.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(retried.body.status).toBe('succeeded');
    await expectCountersMatchRows(coupon.id);
  });
});

describe('the limit under concurrency', () => {
  it('gives a first-payment-only coupon to exactly one of a new customer\'s payments confirmed at the same moment', async () => {
    const customer = await newCustomer();
    const coupon = await createCoupon({ amount_off: 100, first_payment_only: true });
    const payments: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: coupon.code });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      payments.push(created.body.id);
    }
    const before = stack.acquirer.stats().authorizations_created;
    const answers = await Promise.all(payments.map((id) => stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') })));
    const succeeded = answers.filter((a) => a.status === 200 && a.body.status === 'succeeded');
    const refused = answers.filter((a) => a.status === 422 && a.body.error?.code === 'coupon_first_payment_only');
    expect(succeeded, JSON.stringify(answers.map((a) => a.body.error?.code ?? a.body.status))).toHaveLength(1);
    expect(succeeded[0]!.body).toMatchObject({ amount_discount: 100, amount_received: 900 });
    expect(refused).toHaveLength(5);
    // The refused payments did not move and were never charged.
    expect(stack.acquirer.stats().authorizations_created - before).toBe(1);
    for (const answer of refused) expect(answer.body.error.param).toBe('coupon');
    const rows = await sql<{ status: string; n: number }>`select status, count(*)::int as n from coupon_redemptions where coupon_id = ${coupon.id} group by status`.execute(stack.db.db);
    expect(rows.rows).toEqual([{ status: 'consumed', n: 1 }]);
    await expectCountersMatchRows(coupon.id);
  });

  it('gives exactly 50 of 200 payers racing to confirm with a coupon limited to 50', async () => {
    const coupon = await createCoupon({ amount_off: 100, max_redemptions: 50 });
    const payments: string[] = [];
    for (let i = 0; i < 200; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: coupon.code })),
      );
      for (const created of batch) payments.push(created.body.id);
    }
    const before = stack.acquirer.stats().authorizations_created;
    const answers = await Promise.all(
      payments.map((id, index) =>
        stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') }, { headers: { 'idempotency-key': `race-${id}-${index}` } }),
      ),
    );
    const succeeded = answers.filter((a) => a.status === 200 && a.body.status === 'succeeded');
    const limited = answers.filter((a) => a.status === 422 && a.body.error?.code === 'coupon_limit_reached');
    expect(succeeded).toHaveLength(50);
    expect(limited).toHaveLength(150);
    // Only the 50 reached the acquirer; none of the 150 was charged.
    expect(stack.acquirer.stats().authorizations_created - before).toBe(50);
    const rows = await sql<{ status: string; n: number }>`select status, count(*)::int as n from coupon_redemptions where coupon_id = ${coupon.id} group by status`.execute(stack.db.db);
    expect(rows.rows).toEqual([{ status: 'consumed', n: 50 }]);
    const read = await stack.api('GET', `/v1/coupons/${coupon.id}`);
    expect(read.body).toMatchObject({ times_redeemed: 50, discount_given: 5000, redemptions: { held: 50, consumed: 50 } });
    await expectCountersMatchRows(coupon.id);
  });
});
