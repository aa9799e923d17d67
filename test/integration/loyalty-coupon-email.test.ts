/**
 * The payer's receipt email, end to end (the payment, its event, the worker,
 * a real SMTP server): a payment paid with a coupon and with points shows
 * the original price, the coupon's discount, the points used with their
 * value, the points it earned and the amount charged; a payment with
 * neither shows none of them.
 */
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/jobs/worker.ts';
import { smtpMailer } from '../../src/messaging/mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../src/simulators/mail-catcher/server.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let catcher: MailCatcher;
let worker: Runner;
let key: string;

beforeAll(async () => {
  catcher = await startMailCatcher({ smsApiKey: 'sk_sms_test' });
  stack = await startStack({
    messaging: {
      mailer: smtpMailer({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, user: null, password: null }),
      sms: null,
      mailFrom: 'Tea House <orders@tea.example>',
    },
  });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  key = (await stack.newMerchant({ name: 'Tea House' })).secretKey;
  const programme = {
    enabled: true,
    currency: 'CNY',
    earn: { points_per_unit: 10 },
    // No delay: the points of the first payment are spendable by the second.
    spend_delay_hours: 0,
    expiry_days: 30,
    redemption: { points: 100, amount: 100, cap_percent: 50 },
  };
  const set = await stack.api('PUT', '/v1/loyalty/programme', programme, { key });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});
afterAll(async () => {
  await worker?.stop();
  stack?.context.messaging.mailer?.close();
  await stack?.close();
  await catcher?.close();
});

describe("the payer's receipt email", () => {
  it('shows the original price, the discount, the points used and earned, and the amount charged', async () => {
    const email = `points-${Date.now()}@example.com`;
    const customer = (await stack.api('POST', '/v1/customers', { email, locale: 'en' }, { key })).body.id as string;
    const first = await stack.api('POST', '/v1/payments', { amount: 50_00, currency: 'CNY', customer, order: { reference: 'P-1' } }, { key });
    expect((await stack.api('POST', `/v1/payments/${first.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key })).body.status).toBe('succeeded');
    const plain = await catcher.waitForEmail((e) => e.to.includes(email) && e.subject.includes('P-1'), 10_000);
    expect(plain.text).toContain('Points earned: 500');
    expect(plain.text).not.toContain('Coupon');
    expect(plain.text).not.toContain('Original price');
    expect(plain.text).not.toContain('Points used');

    const coupon = await stack.api('POST', '/v1/coupons', { code: `MAIL${Date.now().toString(36).toUpperCase()}`, currency: 'CNY', amount_off: 2_00, stackable_with_points: true }, { key });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(200);
    const second = await stack.api('POST', '/v1/payments', { amount: 10_00, currency: 'CNY', customer, coupon: coupon.body.code, order: { reference: 'P-2' } }, { key });
    const paid = await stack.api('POST', `/v1/payments/${second.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 100 }, { key });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 7_00, amount_original: 10_00, amount_discount: 2_00, points: { redeemed: 100, value: 1_00, earned: 70 } });
    const receipt = await catcher.waitForEmail((e) => e.to.includes(email) && e.subject.includes('P-2'), 10_000);
    for (const expected of ['Original price: CN¥10.00', `Coupon ${coupon.body.code}: −CN¥2.00`, 'Points used: 100 (−CN¥1.00)', 'Points earned: 70', 'Amount: CN¥7.00']) {
      expect(receipt.text, expected).toContain(expected);
    }
    expect(receipt.html).toContain(coupon.body.code);
    expect(receipt.html).toContain('Points earned');
  });
});
