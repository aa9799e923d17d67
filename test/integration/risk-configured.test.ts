/**
 * A confirm sends the risk check's statement only when the merchant has
 * something for it to read (issue 14: one round trip and one large plan less
 * per payment for most merchants): an enabled rule, a blocklist entry, a
 * model, or a review of this very payment. The confirm's read of the payment
 * says which (`findPaymentToConfirm`); each condition is checked on its own.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPaymentToConfirm } from '../../src/store/payments.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
/** Every statement the API's pool sent while `recording` is on. */
const sent: string[] = [];
let recording = false;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
  const wrapped = new WeakSet<object>();
  stack.db.pool.on('acquire', (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      if (recording) sent.push(typeof first === 'string' ? first : (first.text ?? ''));
      return query(...args);
    };
  });
});
afterAll(async () => stack?.close());

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

async function createPayment(m: Merchant) {
  const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'USD' }, { key: m.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id as string;
}

/** Confirms with a card and returns the statements the confirm sent that read the risk history. */
async function confirmCountingRiskReads(m: Merchant, paymentId: string) {
  sent.length = 0;
  recording = true;
  const confirmed = await stack.api('POST', `/v1/payments/${paymentId}/confirm`, { payment_method: card('4242424242424242') }, { key: m.secretKey });
  recording = false;
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return { confirmed, riskReads: sent.filter((text) => text.includes('from risk_decisions')).length };
}

async function configured(m: Merchant, paymentId: string) {
  const found = await findPaymentToConfirm(stack.db.db, { merchantId: m.merchant.merchantId, mode: 'test' }, paymentId);
  expect(found?.id).toBe(paymentId);
  return found!.risk_configured;
}

describe('the risk check of a confirm', () => {
  it('sends no risk statement for a merchant with no rules, blocklist, model or review, and decides nothing', async () => {
    const m = await stack.newMerchant();
    const id = await createPayment(m);
    expect(await configured(m, id)).toBe(false);
    const { confirmed, riskReads } = await confirmCountingRiskReads(m, id);
    expect(confirmed.body.status).toBe('succeeded');
    expect(riskReads).toBe(0);
    const decisions = await sql<{ n: number }>`select count(*)::int as n from risk_decisions where payment_id = ${id}`.execute(stack.db.db);
    expect(decisions.rows[0]!.n).toBe(0);
  });

  it('reads the risk history once the merchant has an enabled rule, and not while the rule is disabled', async () => {
    const m = await stack.newMerchant();
    const saved = await stack.api('POST', '/v1/risk_rules', { name: 'big', expression: 'amount > 100000', action: 'block' }, { key: m.secretKey });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const id = await createPayment(m);
    expect(await configured(m, id)).toBe(true);
    const { confirmed, riskReads } = await confirmCountingRiskReads(m, id);
    expect(confirmed.body.status).toBe('succeeded');
    expect(riskReads).toBe(1);
    const decisions = await sql<{ action: string }>`select action from risk_decisions where payment_id = ${id}`.execute(stack.db.db);
    expect(decisions.rows.map((row) => row.action)).toEqual(['allow']);

    await sql`update risk_rules set enabled = false where merchant_id = ${m.merchant.merchantId}`.execute(stack.db.db);
    const next = await createPayment(m);
    expect(await configured(m, next)).toBe(false);
  });

  it('counts a blocklist entry, a model, and a review of the payment, each on its own', async () => {
    const withList = await stack.newMerchant();
    const listed = await createPayment(withList);
    await sql`insert into risk_blocklist_entries (id, merchant_id, mode, kind, value, created_at)
              values (${`rbl_${listed}`}, ${withList.merchant.merchantId}, 'test', 'email', 'someone@example.com', now())`.execute(stack.db.db);
    expect(await configured(withList, listed)).toBe(true);
    // Another mode's list is another merchant's business.
    const live = await sql<{ n: number }>`select count(*)::int as n from risk_blocklist_entries where merchant_id = ${withList.merchant.merchantId} and mode = 'live'`.execute(stack.db.db);
    expect(live.rows[0]!.n).toBe(0);

    const withModel = await stack.newMerchant();
    const modelled = await createPayment(withModel);
    await sql`insert into risk_models (merchant_id, mode, trained_at, samples, frauds, auc, model)
              values (${withModel.merchant.merchantId}, 'test', now(), 100, 5, 0.9, '{}'::jsonb)`.execute(stack.db.db);
    expect(await configured(withModel, modelled)).toBe(true);

    // A payment once held for review stays checked after the merchant removed every rule.
    const reviewed = await stack.newMerchant();
    const held = await createPayment(reviewed);
    const other = await createPayment(reviewed);
    await sql`insert into risk_reviews (payment_id, merchant_id, mode, decision_id, status, capture_on_approve, created_at)
              values (${held}, ${reviewed.merchant.merchantId}, 'test', 'rdc_test', 'pending', true, now())`.execute(stack.db.db);
    expect(await configured(reviewed, held)).toBe(true);
    expect(await configured(reviewed, other)).toBe(false);
  });

  it("answers no payment of another merchant's", async () => {
    const a = await stack.newMerchant();
    const b = await stack.newMerchant();
    const id = await createPayment(a);
    expect(await findPaymentToConfirm(stack.db.db, { merchantId: b.merchant.merchantId, mode: 'test' }, id)).toBeUndefined();
  });
});
