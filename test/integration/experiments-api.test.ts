/**
 * Checkout experiments through HTTP: create (validated, idempotent), list,
 * retrieve, start (one running per merchant), the payer's sticky variant in
 * the checkout session, the exposure recorded with `checkout_viewed` (and
 * not for a variant the server did not assign), results recounted from the
 * payments (conversion, cancellation, abandonment, time to pay, order
 * value), and a stop that promotes a variant to the checkout setting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

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

type Keys = { secretKey: string; publishableKey: string };

const twoVariants = [
  { key: 'control', share: 0.5 },
  { key: 'treatment', share: 0.5, presentation: { pay_button_label: 'pay_now', coupon_field: 'open', method_order: ['wallet', 'card'] } },
];

async function createExperiment(keys: Keys, body: Record<string, unknown> = {}) {
  const created = await stack.api('POST', '/v1/experiments', { name: 'Pay button wording', variants: twoVariants, ...body }, { key: keys.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as { id: string; status: string };
}

async function newPayment(keys: Keys, fields: Record<string, unknown> = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY', payment_method_types: ['card'], ...fields }, { key: keys.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as { id: string; client_secret: string };
}

async function session(keys: Keys, payment: { id: string; client_secret: string }, payerId?: string) {
  const query = `client_secret=${payment.client_secret}${payerId ? `&payer_id=${payerId}` : ''}`;
  const answer = await stack.api('GET', `/v1/payments/${payment.id}/checkout?${query}`, undefined, { key: keys.publishableKey });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { presentation: Record<string, unknown>; experiment: { id: string; variant: string } | null };
}

async function viewed(keys: Keys, payment: { id: string; client_secret: string }, body: Record<string, unknown>) {
  const answer = await stack.api('POST', `/v1/payments/${payment.id}/funnel_events`, { client_secret: payment.client_secret, type: 'checkout_viewed', ...body }, { key: keys.publishableKey });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

async function exposuresOf(experimentId: string) {
  return stack.db.db.selectFrom('experiment_exposures').selectAll().where('experiment_id', '=', experimentId).execute();
}

describe('experiments: create, list, retrieve, start', () => {
  it('refuses shares that do not add up, a key twice, a method twice, and an unknown presentation field', async () => {
    const cases = [
      { variants: [{ key: 'a', share: 0.5 }, { key: 'b', share: 0.4 }] },
      { variants: [{ key: 'a', share: 0.5 }, { key: 'a', share: 0.5 }] },
      { variants: [{ key: 'a', share: 0.5 }, { key: 'b', share: 0.5, presentation: { method_order: ['card', 'card'] } }] },
      { variants: [{ key: 'a', share: 0.5 }, { key: 'b', share: 0.5, presentation: { colour: 'red' } }] },
      { variants: [{ key: 'a', share: 1 }] },
      { control_variant: 'nobody' },
    ];
    for (const body of cases) {
      const refused = await stack.api('POST', '/v1/experiments', { name: 'bad', variants: twoVariants, ...body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect((await stack.api('GET', '/v1/experiments')).body.data).toEqual([]);
  });

  it('creates a draft once for an Idempotency-Key, lists and retrieves it, and hides it from another merchant', async () => {
    const body = { name: 'Coupon field open', variants: twoVariants, minimum_sample_per_variant: 50 };
    const first = await stack.api('POST', '/v1/experiments', body, { headers: { 'idempotency-key': 'exp-create-1' } });
    const again = await stack.api('POST', '/v1/experiments', body, { headers: { 'idempotency-key': 'exp-create-1' } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(first.body).toMatchObject({
      object: 'experiment',
      status: 'draft',
      exposing: false,
      control_variant: 'control',
      minimum_sample_per_variant: 50,
      variants: [
        { key: 'control', share: 0.5, presentation: {} },
        { key: 'treatment', share: 0.5, presentation: { pay_button_label: 'pay_now' } },
      ],
    });
    const listed = await stack.api('GET', '/v1/experiments');
    expect(listed.body.data.map((experiment: { id: string }) => experiment.id)).toEqual([first.body.id]);
    expect((await stack.api('GET', `/v1/experiments/${first.body.id}`)).body.name).toBe('Coupon field open');
    const other = await stack.newMerchant();
    expect((await stack.api('GET', `/v1/experiments/${first.body.id}`, undefined, { key: other.secretKey })).status).toBe(404);
    expect((await stack.api('GET', `/v1/experiments/${first.body.id}/results`, undefined, { key: other.secretKey })).status).toBe(404);
  });

  it('runs one experiment per merchant at a time and refuses to start one twice', async () => {
    const keys = await stack.newMerchant();
    const one = await createExperiment(keys);
    const two = await createExperiment(keys);
    const [startedOne, startedTwo] = await Promise.all([
      stack.api('POST', `/v1/experiments/${one.id}/start`, {}, { key: keys.secretKey }),
      stack.api('POST', `/v1/experiments/${two.id}/start`, {}, { key: keys.secretKey }),
    ]);
    // Started at the same moment: exactly one wins, the other is told which rule refused it.
    expect([startedOne.status, startedTwo.status].sort()).toEqual([200, 409]);
    const loser = startedOne.status === 409 ? startedOne : startedTwo;
    expect(loser.body.error.code).toBe('experiment_already_running');
    const winner = startedOne.status === 200 ? one : two;
    const twice = await stack.api('POST', `/v1/experiments/${winner.id}/start`, {}, { key: keys.secretKey });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('experiment_unexpected_state');
  });
});

describe('experiments: assignment and exposure at the checkout', () => {
  it('gives a payer the same variant on every visit, from the customer when there is one, and none before the start', async () => {
    const keys = await stack.newMerchant();
    const experiment = await createExperiment(keys);
    const payment = await newPayment(keys);
    expect((await session(keys, payment, 'browser_aaaaaaaa')).experiment).toBeNull();
    await stack.api('POST', `/v1/experiments/${experiment.id}/start`, {}, { key: keys.secretKey });

    const variants = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const shown = await session(keys, payment, `browser_${i.toString().padStart(8, '0')}`);
      expect(shown.experiment?.id).toBe(experiment.id);
      variants.add(shown.experiment!.variant);
      const again = await session(keys, payment, `browser_${i.toString().padStart(8, '0')}`);
      expect(again.experiment).toEqual(shown.experiment);
      // The presentation is the variant's.
      expect(shown.presentation.pay_button_label).toBe(shown.experiment!.variant === 'treatment' ? 'pay_now' : 'pay');
      expect(shown.presentation.coupon_field).toBe(shown.experiment!.variant === 'treatment' ? 'open' : 'folded');
    }
    expect(variants).toEqual(new Set(['control', 'treatment']));

    const customer = await stack.api('POST', '/v1/customers', { email: 'payer@example.com' }, { key: keys.secretKey });
    const owned = await newPayment(keys, { customer: customer.body.id });
    const byCustomer = await Promise.all(['browser_one_0000', 'browser_two_0000', 'browser_three_00', undefined].map((id) => session(keys, owned, id)));
    // The customer decides, whatever browser the payer is on.
    expect(new Set(byCustomer.map((shown) => shown.experiment?.variant)).size).toBe(1);
    // Without a customer and without a browser id there is nobody to assign.
    expect((await session(keys, payment)).experiment).toBeNull();
  });

  it('records the exposure with checkout_viewed once per payer and payment, and never for a variant the server did not assign', async () => {
    const keys = await stack.newMerchant();
    const experiment = await createExperiment(keys);
    await stack.api('POST', `/v1/experiments/${experiment.id}/start`, {}, { key: keys.secretKey });
    const payment = await newPayment(keys);
    const shown = await session(keys, payment, 'browser_exposed1');
    const forged = shown.experiment!.variant === 'control' ? 'treatment' : 'control';
    await viewed(keys, payment, { payer_id: 'browser_exposed1', experiment: experiment.id, variant: forged });
    expect(await exposuresOf(experiment.id)).toEqual([]);
    await viewed(keys, payment, { payer_id: 'browser_exposed1', experiment: experiment.id, variant: shown.experiment!.variant });
    await viewed(keys, payment, { payer_id: 'browser_exposed1', experiment: experiment.id, variant: shown.experiment!.variant });
    const exposures = await exposuresOf(experiment.id);
    expect(exposures.map((row) => [row.payment_id, row.payer_key, row.variant_key])).toEqual([[payment.id, 'browser_exposed1', shown.experiment!.variant]]);
    // Every report is still a funnel step: three checkout_viewed.
    const steps = await stack.api('GET', `/v1/payments/${payment.id}/funnel_events`, undefined, { key: keys.secretKey });
    expect(steps.body.data.filter((step: { type: string }) => step.type === 'checkout_viewed')).toHaveLength(3);
  });
});

describe('experiments: results and stop', () => {
  it('recounts exposed payers, conversion, cancellation, abandonment, time to pay and order value per variant, then promotes a variant', async () => {
    const keys = await stack.newMerchant();
    const experiment = await createExperiment(keys, { minimum_sample_per_variant: 3 });
    await stack.api('POST', `/v1/experiments/${experiment.id}/start`, {}, { key: keys.secretKey });

    type Outcome = 'paid' | 'canceled' | 'abandoned' | 'open';
    const expected = new Map<string, { payers: number; paid: number; canceled: number; abandoned: number; amounts: number[] }>();
    const toExpire: string[] = [];
    for (let i = 0; i < 24; i += 1) {
      const payerId = `payer_${i.toString().padStart(8, '0')}`;
      const amount = 1_000 + i * 100;
      const payment = await newPayment(keys, { amount, expires_in_seconds: i % 6 === 5 ? 60 : undefined });
      const shown = await session(keys, payment, payerId);
      const variant = shown.experiment!.variant;
      await viewed(keys, payment, { payer_id: payerId, experiment: experiment.id, variant });
      // Treatment payers pay more often than control payers; each kind of ending appears in both.
      const outcome: Outcome = i % 6 === 5 ? 'abandoned' : i % 6 === 4 ? 'canceled' : variant === 'treatment' || i % 2 === 0 ? 'paid' : 'open';
      const counts = expected.get(variant) ?? { payers: 0, paid: 0, canceled: 0, abandoned: 0, amounts: [] };
      counts.payers += 1;
      if (outcome === 'paid') {
        const paid = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { client_secret: payment.client_secret, payment_method: card('4242424242424242') }, { key: keys.publishableKey });
        expect(paid.body.status).toBe('succeeded');
        counts.paid += 1;
        counts.amounts.push(amount);
      } else if (outcome === 'canceled') {
        await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { client_secret: payment.client_secret, cancellation_reason: 'price_changed' }, { key: keys.publishableKey });
        counts.canceled += 1;
      } else if (outcome === 'abandoned') {
        toExpire.push(payment.id);
        counts.abandoned += 1;
      }
      expected.set(variant, counts);
    }
    clock.advanceMs(120_000);
    await expireAbandonedPayments(stack.context);
    for (const id of toExpire) expect((await stack.api('GET', `/v1/payments/${id}`, undefined, { key: keys.secretKey })).body.cancellation_reason).toBe('abandoned');

    const results = await stack.api('GET', `/v1/experiments/${experiment.id}/results`, undefined, { key: keys.secretKey });
    expect(results.status, JSON.stringify(results.body)).toBe(200);
    expect(results.body.sample_sufficient).toBe(true);
    for (const variant of results.body.variants) {
      const counts = expected.get(variant.key)!;
      expect(variant.exposed_payers).toBe(counts.payers);
      expect(variant.conversion.count).toBe(counts.paid);
      expect(variant.conversion.rate).toBeCloseTo(counts.paid / counts.payers, 10);
      expect(variant.conversion.interval.low).toBeLessThanOrEqual(variant.conversion.rate);
      expect(variant.conversion.interval.high).toBeGreaterThanOrEqual(variant.conversion.rate);
      expect(variant.cancellation.count).toBe(counts.canceled);
      expect(variant.abandonment.count).toBe(counts.abandoned);
      expect(variant.time_to_pay_seconds.count).toBe(counts.paid);
      expect(variant.time_to_pay_seconds.mean).toBeGreaterThanOrEqual(0);
      const sum = counts.amounts.reduce((total, amount) => total + amount, 0);
      expect(variant.average_order_value).toEqual([
        expect.objectContaining({ currency: 'CNY', payments: counts.paid, amount: Math.round(sum / counts.paid) }),
      ]);
      expect(variant.conversion_vs_control === null).toBe(variant.key === 'control');
    }
    expect(typeof results.body.sample_ratio_mismatch).toBe('boolean');

    const before = await stack.api('GET', '/v1/checkout_setting', undefined, { key: keys.secretKey });
    expect(before.body).toMatchObject({ source_experiment: null, presentation: { pay_button_label: 'pay', coupon_field: 'folded' } });
    // Promoting "winner" needs a winner; naming a variant does not.
    const noWinner = await stack.api('POST', `/v1/experiments/${experiment.id}/stop`, { promote: 'winner' }, { key: keys.secretKey });
    expect(noWinner.status).toBe(results.body.winner === null ? 400 : 200);
    const stopped =
      noWinner.status === 200 ? noWinner : await stack.api('POST', `/v1/experiments/${experiment.id}/stop`, { promote: 'treatment' }, { key: keys.secretKey, headers: { 'idempotency-key': `stop-${experiment.id}` } });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', promoted_variant: 'treatment' });
    const setting = await stack.api('GET', '/v1/checkout_setting', undefined, { key: keys.secretKey });
    expect(setting.body).toMatchObject({ source_experiment: experiment.id, presentation: { pay_button_label: 'pay_now', coupon_field: 'open', method_order: ['wallet', 'card'] } });
    // Every payer now gets the promoted presentation, outside any experiment.
    const later = await session(keys, await newPayment(keys), 'payer_00000000');
    expect(later).toMatchObject({ experiment: null, presentation: { pay_button_label: 'pay_now', coupon_field: 'open' } });
    const again = await stack.api('POST', `/v1/experiments/${experiment.id}/stop`, {}, { key: keys.secretKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('experiment_unexpected_state');
  });

  it('withholds the comparison until every variant has the minimum sample', async () => {
    const keys = await stack.newMerchant();
    const experiment = await createExperiment(keys, { minimum_sample_per_variant: 100 });
    await stack.api('POST', `/v1/experiments/${experiment.id}/start`, {}, { key: keys.secretKey });
    const payment = await newPayment(keys);
    const shown = await session(keys, payment, 'payer_minimum01');
    await viewed(keys, payment, { payer_id: 'payer_minimum01', experiment: experiment.id, variant: shown.experiment!.variant });
    const results = await stack.api('GET', `/v1/experiments/${experiment.id}/results`, undefined, { key: keys.secretKey });
    expect(results.body).toMatchObject({ sample_sufficient: false, winner: null });
    expect(results.body.variants.map((variant: { conversion_vs_control: unknown }) => variant.conversion_vs_control)).toEqual([null, null]);
    expect(results.body.variants.reduce((sum: number, variant: { exposed_payers: number }) => sum + variant.exposed_payers, 0)).toBe(1);
  });
});
