/**
 * The per-merchant model through the worker's job: payments confirmed with
 * their risk signals, some marked fraudulent, `train_risk_models` trains on
 * them (AUC printed), and the next confirm carries `risk_score`, which a rule
 * can use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskList } from '../../src/jobs/worker.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 4, 4, 6, 0, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

/** The worker's job, called as graphile-worker calls it. */
function trainJob() {
  const job = taskList(stack.context).train_risk_models;
  if (!job) throw new Error('the worker has no train_risk_models job');
  return job;
}

const cards = ['4242424242424242', '4000000000000077', '5555555555554444', '4000000760000002', '4000001240000000'];

describe('the fraud model', () => {
  it('is trained by the worker once there are enough labelled payments, and gives later confirms a risk_score', async () => {
    const m = await stack.newMerchant({ name: 'Model Tea' });
    await stack.api('POST', '/v1/risk_rules', { name: 'keeps decisions on', expression: 'amount < 0', action: 'allow' }, { key: m.secretKey });
    const logs: string[] = [];
    const helpers = { logger: { info: (line: string) => logs.push(line) } } as never;
    const train = trainJob();
    // Fraud pays large amounts from an address abroad on a busy device; good payers small ones at home.
    for (let i = 0; i < 60; i += 1) {
      const fraud = i % 5 === 0;
      const amount = fraud ? 40_000 + i * 100 : 1_000 + (i % 7) * 300;
      const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY' }, { key: m.secretKey });
      const riskInput = fraud
        ? { device_id: 'busy-device', billing_address: { line1: `${i} Far Street`, country: 'JP' } }
        : { device_id: `device-${i}`, billing_address: { line1: `${i} Home Road`, country: 'US' } };
      const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(cards[i % cards.length] ?? ''), risk: riskInput }, { key: m.secretKey });
      expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
      if (fraud) await stack.api('POST', `/v1/payments/${created.body.id}/fraud`, { block: [] }, { key: m.secretKey });
      clock.advanceMs(60_000);
    }
    await train({}, helpers);
    const model = await stack.db.db.selectFrom('risk_models').selectAll().where('merchant_id', '=', m.merchant.merchantId).executeTakeFirstOrThrow();
    console.log(logs.join('\n'));
    expect(model).toMatchObject({ samples: 60, frauds: 12 });
    expect(model.auc).toBeGreaterThanOrEqual(0.8);
    expect(logs.some((line) => line.includes('AUC'))).toBe(true);

    await stack.api('POST', '/v1/risk_rules', { name: 'score', expression: 'risk_score >= 50', action: 'block' }, { key: m.secretKey });
    const suspicious = await stack.api('POST', '/v1/payments', { amount: 45_000, currency: 'CNY' }, { key: m.secretKey });
    const blocked = await stack.api('POST', `/v1/payments/${suspicious.body.id}/confirm`, { payment_method: card('4242424242424242'), risk: { device_id: 'busy-device', billing_address: { line1: '99 Far Street', country: 'JP' } } }, { key: m.secretKey });
    expect(blocked.body.error?.code).toBe('risk_blocked');
    const usual = await stack.api('POST', '/v1/payments', { amount: 1_200, currency: 'CNY' }, { key: m.secretKey });
    const paid = await stack.api('POST', `/v1/payments/${usual.body.id}/confirm`, { payment_method: card('4242424242424242'), risk: { device_id: 'device-new', billing_address: { line1: '7 Home Road', country: 'US' } } }, { key: m.secretKey });
    expect(paid.body.status).toBe('succeeded');
    const risks = await Promise.all([suspicious.body.id, usual.body.id].map((id) => stack.api('GET', `/v1/payments/${id}/risk`, undefined, { key: m.secretKey })));
    const [high, low] = risks.map((r) => r.body.score as number);
    expect(high).toBeGreaterThanOrEqual(50);
    expect(low).toBeLessThan(50);
  });

  it('is not trained while a merchant has too few fraudulent payments', async () => {
    const m = await stack.newMerchant({ name: 'Quiet Tea' });
    await stack.api('POST', '/v1/risk_rules', { name: 'on', expression: 'amount < 0', action: 'allow' }, { key: m.secretKey });
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY' }, { key: m.secretKey });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: m.secretKey });
    await stack.api('POST', `/v1/payments/${created.body.id}/fraud`, { block: [] }, { key: m.secretKey });
    await trainJob()({}, { logger: { info: () => undefined } } as never);
    expect(await stack.db.db.selectFrom('risk_models').selectAll().where('merchant_id', '=', m.merchant.merchantId).executeTakeFirst()).toBeUndefined();
  });
});
