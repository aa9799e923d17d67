/**
 * Fraud marks from the card acquirer (issue 18): the simulated acquirer sends
 * an early fraud warning and a chargeback through its control API, signed
 * like its other answers; Paypilot verifies, stores each once, and the worker
 * applies it: a fraud mark with its source, the disputed amount, blocklist
 * entries as the merchant's settings choose, one webhook event, and the fraud
 * rate. A duplicate marks once; a forged one is refused and kept nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyNotification } from '../../src/flows/channels/apply-notification.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

async function paidByCard(m: Merchant, body: Record<string, unknown> = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY', ...body }, { key: m.secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: m.secretKey });
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
  const attempt = await stack.db.db.selectFrom('payment_attempts').select('provider_reference').where('payment_id', '=', created.body.id).executeTakeFirstOrThrow();
  return { id: created.body.id as string, authorization: attempt.provider_reference!, fingerprint: confirmed.body.payment_method.card.fingerprint as string };
}

async function acquirerSends(m: Merchant, body: Record<string, unknown>) {
  const answer = await fetch(`${stack.acquirer.url}/_control/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ notify_url: `${stack.url}/v1/notify/${m.cardAccountId}`, ...body }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { event: { id: string }; delivered: number | null };
}

/** What the worker's apply_notification jobs do, run here one by one. */
async function applyStored(m: Merchant): Promise<string[]> {
  const rows = await stack.db.db.selectFrom('provider_notifications').select('id').where('connector_account_id', '=', m.cardAccountId).where('applied_at', 'is', null).orderBy('id').execute();
  const outcomes: string[] = [];
  for (const row of rows) outcomes.push(await applyNotification(stack.context, { id: row.id, merchantId: m.merchant.merchantId }));
  return outcomes;
}

const eventsOf = (paymentId: string) => stack.db.db.selectFrom('events').select(['type', 'data']).where('object_id', '=', paymentId).where('type', 'in', ['payment.fraud_warning', 'payment.disputed']).execute();

describe('fraud marks from the card acquirer', () => {
  it('an early fraud warning marks the payment once, blocklists its card by default and tells the merchant once', async () => {
    const m = await stack.newMerchant({ name: 'Warned Tea' });
    const payment = await paidByCard(m);
    const first = await acquirerSends(m, { type: 'early_fraud_warning', authorization: payment.authorization });
    expect(first.delivered).toBe(200);
    // The acquirer delivers the same event again: stored once.
    expect((await acquirerSends(m, { type: 'early_fraud_warning', authorization: payment.authorization, id: first.event.id })).delivered).toBe(200);
    const stored = await stack.db.db.selectFrom('provider_notifications').select('id').where('connector_account_id', '=', m.cardAccountId).execute();
    expect(stored).toHaveLength(1);
    expect(await applyStored(m)).toEqual(['applied']);

    const mark = await stack.db.db.selectFrom('payment_fraud_marks').selectAll().where('payment_id', '=', payment.id).execute();
    expect(mark).toHaveLength(1);
    expect(mark[0]).toMatchObject({ source: 'early_fraud_warning', merchant_id: m.merchant.merchantId });
    expect((await stack.api('GET', `/v1/payments/${payment.id}/risk`, undefined, { key: m.secretKey })).body.fraudulent).toBe(true);
    const blocked = await stack.api('GET', '/v1/blocklists', undefined, { key: m.secretKey });
    expect(blocked.body.data.map((e: { kind: string; value: string; source_payment: string }) => [e.kind, e.value, e.source_payment])).toEqual([['card_fingerprint', payment.fingerprint, payment.id]]);
    const events = await eventsOf(payment.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'payment.fraud_warning', data: { object: { object: 'fraud_warning', payment: payment.id, source: 'early_fraud_warning', amount: 5_000, currency: 'CNY' } } });

    // A second warning with another id about the same payment marks nothing new and tells nothing new.
    expect((await acquirerSends(m, { type: 'early_fraud_warning', authorization: payment.authorization })).delivered).toBe(200);
    expect(await applyStored(m)).toEqual(['already_applied']);
    expect(await eventsOf(payment.id)).toHaveLength(1);
  });

  it('a chargeback records the disputed amount once, blocklists what the settings choose, and counts in the fraud rate', async () => {
    const m = await stack.newMerchant({ name: 'Disputed Tea' });
    const customer = (await stack.api('POST', '/v1/customers', { name: 'Wang Fang', email: 'wang@example.com' }, { key: m.secretKey })).body.id as string;
    expect((await stack.api('GET', '/v1/risk_settings', undefined, { key: m.secretKey })).body).toEqual({ object: 'risk_settings', provider_mark_blocks: ['card'] });
    const settings = await stack.api('POST', '/v1/risk_settings', { provider_mark_blocks: ['customer', 'email'] }, { key: m.secretKey });
    expect(settings.body).toEqual({ object: 'risk_settings', provider_mark_blocks: ['customer', 'email'] });
    const from = new Date(Date.now() - 60_000).toISOString();
    const disputed = await paidByCard(m, { customer });
    await paidByCard(m);

    const sent = await acquirerSends(m, { type: 'chargeback', authorization: disputed.authorization, amount: 3_000, dispute: 'dp_test_1', reason: 'fraudulent' });
    expect(sent.delivered).toBe(200);
    expect((await acquirerSends(m, { type: 'chargeback', authorization: disputed.authorization, amount: 3_000, dispute: 'dp_test_1', id: sent.event.id })).delivered).toBe(200);
    expect(await applyStored(m)).toEqual(['applied']);
    // Applied again (a crash before the notification was marked applied): nothing new.
    const row = await stack.db.db.selectFrom('provider_notifications').select('id').where('connector_account_id', '=', m.cardAccountId).executeTakeFirstOrThrow();
    await stack.db.db.updateTable('provider_notifications').set({ applied_at: null }).where('id', '=', row.id).execute();
    expect(await applyStored(m)).toEqual(['already_applied']);

    const disputes = await stack.db.db.selectFrom('payment_disputes').selectAll().where('payment_id', '=', disputed.id).execute();
    expect(disputes).toHaveLength(1);
    expect(disputes[0]).toMatchObject({ provider_dispute_id: 'dp_test_1', amount: 3_000n, currency: 'CNY', reason: 'fraudulent' });
    expect((await stack.db.db.selectFrom('payment_fraud_marks').select('source').where('payment_id', '=', disputed.id).executeTakeFirstOrThrow()).source).toBe('chargeback');
    const blocked = await stack.api('GET', '/v1/blocklists', undefined, { key: m.secretKey });
    expect(blocked.body.data.map((e: { kind: string; value: string }) => [e.kind, e.value]).sort()).toEqual([['customer', customer], ['email', 'wang@example.com']]);
    const events = await eventsOf(disputed.id);
    expect(events.map((e) => e.type)).toEqual(['payment.disputed']);
    expect(events[0]!.data).toMatchObject({ object: { object: 'dispute', payment: disputed.id, source: 'chargeback', amount: 3_000, provider_dispute: 'dp_test_1' } });

    const analytics = await stack.api('GET', `/v1/analytics/risk?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`, undefined, { key: m.secretKey });
    expect(analytics.body).toMatchObject({ payments_succeeded: 2, payments_fraudulent: 1, fraud_rate: 0.5 });
  });

  it('refuses a notification whose signature does not verify, and one about a payment of another account', async () => {
    const m = await stack.newMerchant({ name: 'Forged Tea' });
    const payment = await paidByCard(m);
    const forged = await acquirerSends(m, { type: 'chargeback', authorization: payment.authorization, signing_secret: 'not the key' });
    expect(forged.delivered).toBe(400);
    expect(await stack.db.db.selectFrom('provider_notifications').select('id').where('connector_account_id', '=', m.cardAccountId).execute()).toHaveLength(0);

    const other = await stack.newMerchant({ name: 'Other Tea' });
    expect((await acquirerSends(other, { type: 'early_fraud_warning', authorization: payment.authorization })).delivered).toBe(200);
    expect(await applyStored(other)).toEqual(['unknown_order']);
    expect(await stack.db.db.selectFrom('payment_fraud_marks').select('payment_id').where('payment_id', '=', payment.id).execute()).toHaveLength(0);
  });
});
