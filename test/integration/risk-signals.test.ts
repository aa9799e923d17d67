/**
 * Every risk signal against a seeded history, read back from the decision the
 * probe payment's confirm stored (GET /v1/payments/:id/risk). A first rule
 * `has_customer → allow` keeps the checks on without blocking anyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const minute = 60_000;
const hour = 60 * minute;
// 02:30 UTC is 10:30 in Shanghai.
const clock = new ManualClock(Date.UTC(2026, 2, 10, 2, 30, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

async function pay(m: Merchant, body: Record<string, unknown>, confirm: Record<string, unknown>) {
  const created = await stack.api('POST', '/v1/payments', { currency: 'CNY', ...body }, { key: m.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, confirm, { key: m.secretKey });
  return { id: created.body.id as string, confirmed };
}

async function riskOf(m: Merchant, paymentId: string) {
  const risk = await stack.api('GET', `/v1/payments/${paymentId}/risk`, undefined, { key: m.secretKey });
  expect(risk.status, JSON.stringify(risk.body)).toBe(200);
  return risk.body;
}

const address = { line1: '1 Nanjing Road', city: 'Shanghai', postal_code: '200001', country: 'CN' };

describe('the signals of a confirm', () => {
  it('count velocity per customer, card, device and address over 1 and 24 hours, declines in a row, age, usual amounts, countries, hour and blocklist', async () => {
    const m = await stack.newMerchant({ name: 'Signal Tea' });
    await stack.db.db.updateTable('merchants').set({ time_zone: 'Asia/Shanghai' }).where('id', '=', m.merchant.merchantId).execute();
    const keep = await stack.api('POST', '/v1/risk_rules', { name: 'Customers pass', expression: 'has_customer', action: 'allow' }, { key: m.secretKey });
    expect(keep.status, JSON.stringify(keep.body)).toBe(200);
    const customer = (await stack.api('POST', '/v1/customers', { name: 'Li Wei', email: 'li@example.com' }, { key: m.secretKey })).body.id as string;
    // Another merchant's history never counts.
    const other = await stack.newMerchant({ name: 'Elsewhere' });
    await stack.api('POST', '/v1/risk_rules', { name: 'all', expression: 'amount > 0', action: 'allow' }, { key: other.secretKey });
    await pay(other, { amount: 999 }, { payment_method: card('4242424242424242'), risk: { device_id: 'dev-1' } });

    clock.advanceMs(3 * 24 * hour);
    const risk = (extra: Record<string, unknown> = {}) => ({ device_id: 'dev-1', billing_address: address, ...extra });
    // 26 hours ago: outside every window.
    const old = await pay(m, { amount: 5_000, customer }, { payment_method: card('4242424242424242'), risk: risk() });
    expect(old.confirmed.body.status).toBe('succeeded');
    clock.advanceMs(2 * hour);
    // 24 hours minus a minute ago: a success at 1 000 and 3 000.
    clock.advanceMs(22 * hour + minute);
    const first = await pay(m, { amount: 1_000, customer }, { payment_method: card('4242424242424242'), risk: risk() });
    expect(first.confirmed.body.status).toBe('succeeded');
    // Another payer on the same card, device and address (no customer).
    await pay(m, { amount: 3_000 }, { payment_method: card('4242424242424242'), risk: risk() });
    clock.advanceMs(22 * hour);
    // Two hours ago and within the hour: two declines on other cards.
    const declined = await pay(m, { amount: 2_000, customer }, { payment_method: card('4000000000000002'), risk: risk() });
    expect(declined.confirmed.status).toBe(402);
    clock.advanceMs(90 * minute);
    const again = await pay(m, { amount: 4_000, customer }, { payment_method: card('4000000000009995'), risk: risk({ device_id: 'dev-2' }) });
    expect(again.confirmed.status).toBe(402);
    await stack.api('POST', '/v1/blocklists', { kind: 'email', value: 'LI@example.com' }, { key: m.secretKey });
    clock.advanceMs(10 * minute);

    const probe = await pay(m, { amount: 9_000, customer }, { payment_method: card('4242424242424242'), risk: risk({ billing_address: { ...address, line1: ' 1  nanjing road. ' } }) });
    expect(probe.confirmed.body.status, JSON.stringify(probe.confirmed.body)).toBe('succeeded');
    const result = await riskOf(m, probe.id);
    expect(result).toMatchObject({ object: 'payment_risk', decision: 'allow', rules_fired: [keep.body.id, 'blocklist'], score: null });
    expect(result.signals).toEqual({
      amount: 9_000,
      currency: 'CNY',
      payment_method_type: 'card',
      has_customer: true,
      customer_age_days: 4,
      customer_succeeded_payments: 2,
      is_new_customer: false,
      customer_payments_1h: 1,
      customer_amount_1h: 4_000,
      customer_payments_24h: 3,
      customer_amount_24h: 7_000,
      customer_cards_24h: 3,
      card_payments_1h: 0,
      card_amount_1h: 0,
      card_payments_24h: 2,
      card_amount_24h: 4_000,
      card_customers_24h: 1,
      // The same address written another way (case, spaces, a full stop) is the same address.
      address_payments_1h: 1,
      address_amount_1h: 4_000,
      address_payments_24h: 4,
      address_amount_24h: 10_000,
      device_payments_1h: 0,
      device_amount_1h: 0,
      device_payments_24h: 3,
      device_amount_24h: 6_000,
      declines_in_row: 2,
      amount_to_customer_usual: 3,
      amount_to_merchant_usual: 3,
      card_country: 'US',
      address_country: 'CN',
      country_mismatch: true,
      hour_of_day: 10,
      blocklisted: true,
      blocklisted_card: false,
      blocklisted_email: true,
      blocklisted_phone: false,
      blocklisted_address: false,
      blocklisted_customer: false,
      blocklisted_device: false,
      risk_score: -1,
      // No rule of this merchant reads the segment: it is not looked up.
      customer_segment: '',
    });
  });
});
