/**
 * Payer notifications: an email (through a real SMTP server, the mail
 * catcher) and an SMS when a payment succeeds, fails for good, is canceled
 * or refunded, in the customer's language and time zone, once per event,
 * and never to a payer who opted out of the channel.
 */
import { sql } from 'kysely';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { notifyPayer } from '../../src/flows/notifications/notify-payer.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { smtpMailer } from '../../src/messaging/mailer.ts';
import { httpSmsSender } from '../../src/messaging/sms.ts';
import { formatTimeForPayer } from '../../src/domain/payer-messages.ts';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { startMailCatcher, type MailCatcher } from '../../src/simulators/mail-catcher/server.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let catcher: MailCatcher;
let worker: Runner;
let key: string;

beforeAll(async () => {
  catcher = await startMailCatcher({ smsApiKey: 'sk_sms_test' });
  stack = await startStack({
    clock,
    messaging: {
      mailer: smtpMailer({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, user: null, password: null }),
      sms: httpSmsSender({ url: catcher.smsUrl, apiKey: 'sk_sms_test' }),
      mailFrom: 'Tea House <orders@tea.example>',
    },
  });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 4, logLevel: 'silent' });
  key = (await stack.newMerchant({ name: '静心茶馆 Tea House' })).secretKey;
});
afterAll(async () => {
  await worker?.stop();
  stack?.context.messaging.mailer?.close();
  await stack?.close();
  await catcher?.close();
});

let customerCount = 0;
async function newCustomer(fields: Record<string, unknown>) {
  customerCount += 1;
  const email = `payer${customerCount}-${Date.now()}@example.com`;
  const created = await stack.api('POST', '/v1/customers', { email, phone: `+86 138 0000 ${String(1000 + customerCount)}`, ...fields }, { key });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { id: created.body.id as string, email, phone: created.body.phone as string };
}

async function paidPayment(customer: string, reference: string, amount = 1234) {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer, order: { reference } }, { key });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

/** The payment's messages once none is still being sent (the catcher may have a message before the worker records it). */
async function messagesOf(payment: string) {
  for (let i = 0; ; i += 1) {
    const rows = await sql<{ channel: string; purpose: string; status: string }>`
      select channel, purpose, status from messages where payment_id = ${payment} order by channel, purpose
    `.execute(stack.db.db);
    if (rows.rows.every((row) => row.status !== 'pending') || i >= 200) return rows.rows;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('payer notifications', () => {
  it('emails and texts the payer once when the payment succeeds, in their language and time zone, with the details', async () => {
    const customer = await newCustomer({ locale: 'zh-CN', name: '王芳', time_zone: 'Asia/Shanghai' });
    const payment = await paidPayment(customer.id, 'A-1001');
    const email = await catcher.waitForEmail((e) => e.to.includes(customer.email), 10_000);
    expect(email.from).toContain('orders@tea.example');
    expect(email.subject).toContain('A-1001');
    expect(email.subject).toContain('静心茶馆 Tea House');
    for (const expected of ['¥12.34', 'Visa •••• 4242', 'A-1001', '付款成功']) expect(email.text).toContain(expected);
    const event = (await stack.api('GET', '/v1/events?type=payment.succeeded&limit=1', undefined, { key })).body.data[0];
    expect(event.data.object.id).toBe(payment);
    expect(email.text).toContain(formatTimeForPayer(new Date(event.created_at), 'Asia/Shanghai', 'zh-CN'));
    expect(email.text).toContain(`/orders/${payment}?token=${orderPageToken(payment, stack.context.keys.orderPage)}`);
    expect(email.html).toContain('lang="zh-CN"');
    expect(email.html).toContain('A-1001');
    const sms = await catcher.waitForSms((s) => s.to === customer.phone, 10_000);
    expect(sms.text).toContain('A-1001');
    expect(sms.text).toContain('【静心茶馆 Tea House】');

    // However often the event's job runs, there is one message per channel.
    const stored = await sql<{ id: string }>`select id from events where object_id = ${payment} and type = 'payment.succeeded'`.execute(stack.db.db);
    await notifyPayer(stack.context, stored.rows[0]!.id);
    await notifyPayer(stack.context, stored.rows[0]!.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messagesOf(payment)).toEqual([
      { channel: 'email', purpose: 'payer_payment_succeeded', status: 'sent' },
      { channel: 'sms', purpose: 'payer_payment_succeeded', status: 'sent' },
    ]);
    expect(catcher.emails().filter((e) => e.to.includes(customer.email))).toHaveLength(1);
  });

  it('writes in English and in Traditional Chinese for those payers', async () => {
    const english = await newCustomer({ locale: 'en', time_zone: 'America/New_York' });
    const traditional = await newCustomer({ locale: 'zh-TW' });
    await paidPayment(english.id, 'EN-7');
    await paidPayment(traditional.id, 'TW-8');
    const en = await catcher.waitForEmail((e) => e.to.includes(english.email), 10_000);
    expect(en.subject).toMatch(/EN-7/);
    expect(en.text).toContain('CN¥12.34');
    expect(en.text).toMatch(/GMT-5|EST|GMT-4|EDT/);
    const tw = await catcher.waitForEmail((e) => e.to.includes(traditional.email), 10_000);
    expect(tw.text).toContain('訂單');
    expect(tw.text).not.toContain('订单');
  });

  it('tells the payer about a refund, a cancellation and a payment that failed for good', async () => {
    const customer = await newCustomer({ locale: 'en' });
    const refunded = await paidPayment(customer.id, 'R-1', 5_000);
    await stack.api('POST', '/v1/refunds', { payment: refunded, amount: 2_000 }, { key });
    const refundEmail = await catcher.waitForEmail((e) => e.to.includes(customer.email) && /refund/i.test(e.subject), 10_000);
    expect(refundEmail.text).toContain('CN¥20.00');
    expect(refundEmail.text).toContain('R-1');

    const canceled = await stack.api('POST', '/v1/payments', { amount: 800, currency: 'CNY', customer: customer.id, order: { reference: 'C-2' } }, { key });
    await stack.api('POST', `/v1/payments/${canceled.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' }, { key });
    const cancelEmail = await catcher.waitForEmail((e) => e.to.includes(customer.email) && e.subject.includes('C-2'), 10_000);
    expect(cancelEmail.text).toMatch(/cancel/i);

    const failed = await stack.api('POST', '/v1/payments', { amount: 900, currency: 'CNY', customer: customer.id, order: { reference: 'F-3' }, expires_in_seconds: 60 }, { key });
    const declined = await stack.api('POST', `/v1/payments/${failed.body.id}/confirm`, { payment_method: card('4000000000000002') }, { key });
    expect(declined.status).toBe(402);
    clock.advanceMs(61_000);
    await expireAbandonedPayments(stack.context);
    const failEmail = await catcher.waitForEmail((e) => e.to.includes(customer.email) && e.subject.includes('F-3'), 10_000);
    expect(failEmail.text).toContain('The card was declined.');
    expect(await messagesOf(failed.body.id)).toContainEqual({ channel: 'email', purpose: 'payer_payment_failed', status: 'sent' });
  });

  it('honours an opt-out per channel, and sends nothing for a payment without a customer', async () => {
    const customer = await newCustomer({ locale: 'en', notifications: { email: false } });
    expect((await stack.api('GET', `/v1/customers/${customer.id}`, undefined, { key })).body.notifications).toEqual({ email: false, sms: true });
    const payment = await paidPayment(customer.id, 'O-1');
    await catcher.waitForSms((s) => s.to === customer.phone, 10_000);
    expect(await messagesOf(payment)).toEqual([{ channel: 'sms', purpose: 'payer_payment_succeeded', status: 'sent' }]);
    const updated = await stack.api('POST', `/v1/customers/${customer.id}`, { notifications: { sms: false } }, { key });
    expect(updated.body.notifications).toEqual({ email: false, sms: false });
    const quiet = await paidPayment(customer.id, 'O-2');
    const anonymous = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key });
    await stack.api('POST', `/v1/payments/${anonymous.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await messagesOf(quiet)).toEqual([]);
    expect(await messagesOf(anonymous.body.id)).toEqual([]);
    expect(catcher.emails().filter((e) => e.to.includes(customer.email))).toHaveLength(0);
  });

  it('retries an SMS the provider refused for a while, and refuses a bad time zone', async () => {
    const customer = await newCustomer({ locale: 'en', notifications: { email: false } });
    catcher.failNextSms(1);
    const payment = await paidPayment(customer.id, 'S-1');
    const first = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const rows = await sql<{ status: string; attempts: number; next_attempt_at: Date | null; last_error: string | null }>`
          select status, attempts, next_attempt_at, last_error from messages where payment_id = ${payment}
        `.execute(stack.db.db);
        // Claimed is not yet tried: wait for the try to be recorded (its error), not just for the claim's attempt count.
        if (rows.rows[0] && rows.rows[0].attempts >= 1 && rows.rows[0].next_attempt_at && rows.rows[0].last_error !== null) return rows.rows[0];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return null;
    })();
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first?.last_error).toContain('503');
    clock.setMs(first!.next_attempt_at!.getTime());
    const { sendDueMessages } = await import('../../src/flows/notifications/send-message.ts');
    await sendDueMessages(stack.context);
    expect(await messagesOf(payment)).toEqual([{ channel: 'sms', purpose: 'payer_payment_succeeded', status: 'sent' }]);
    const bad = await stack.api('POST', '/v1/customers', { time_zone: 'Mars/Olympus' }, { key });
    expect(bad.body.error).toMatchObject({ code: 'parameter_invalid', param: 'time_zone' });
  });
});
