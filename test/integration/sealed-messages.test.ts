/**
 * The messages outbox keeps what it sends unreadable in the database: a
 * one-time code (abuse of cancellation) and a payer's order email (whose
 * link carries the order page's token) are queued sealed, found in no column
 * of the table, and still delivered as written; a row queued before bodies
 * were sealed is still sent as it is.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { notifyPayer } from '../../src/flows/notifications/notify-payer.ts';
import { sendMessage } from '../../src/flows/notifications/send-message.ts';
import type { Messaging, OutgoingEmail } from '../../src/messaging/messaging.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const minute = 60_000;
const clock = new ManualClock(Date.UTC(2026, 2, 3, 9, 0, 0));
const emails: OutgoingEmail[] = [];
const texts: { to: string; text: string }[] = [];
const messaging: Messaging = {
  mailer: {
    send: async (email) => {
      emails.push(email);
      return { messageId: `<m${emails.length}@test>` };
    },
    close: () => {},
  },
  sms: {
    send: async (sms) => {
      texts.push(sms);
      return { id: `sms_${texts.length}` };
    },
  },
  mailFrom: 'shop@example.com',
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true, messaging });
});
afterAll(async () => stack?.close());

/** Every column of the merchant's messages, as text (bytea as hex), one string per row. */
async function messageRows(merchantId: string): Promise<{ id: string; text: string }[]> {
  const rows = await sql<{ id: string; text: string }>`select m.id, row_to_json(m)::text as text from messages m where merchant_id = ${merchantId} order by id`.execute(stack.db.db);
  return rows.rows;
}

/** A secret as it would read in a column: itself, or its bytes in hex (a bytea holding it in clear). */
function readableForms(secret: string): string[] {
  return [secret, Buffer.from(secret, 'utf8').toString('hex')];
}

describe('the messages outbox', () => {
  it('stores neither a one-time code nor an order token in any column, and still sends both as written', async () => {
    const m = await stack.newMerchant({ name: 'Tea House' });
    const api = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { key: m.secretKey });
    await api('POST', '/v1/cancellation_abuse_settings', { max_cancellations_per_hour: 1, action: 'require_otp' });
    const customer = (await api('POST', '/v1/customers', { name: 'Li Wei', email: 'li.wei@example.com', phone: '+86 138 0013 8000', locale: 'en' })).body.id as string;
    // Two cancellations within the hour flag the customer, so the next confirm asks for a code by SMS.
    for (let i = 0; i < 2; i += 1) {
      const payment = (await api('POST', '/v1/payments', { amount: 1234, currency: 'CNY', customer })).body;
      await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { client_secret: payment.client_secret }, { key: m.publishableKey });
      clock.advanceMs(minute);
    }
    const payment = (await api('POST', '/v1/payments', { amount: 4321, currency: 'CNY', customer, order: { reference: 'T-4321' } })).body;
    const challenged = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(challenged.body.next_action, JSON.stringify(challenged.body)).toMatchObject({ type: 'verify_otp', verify_otp: { channel: 'sms' } });

    const [codeMessage] = (await messageRows(m.merchant.merchantId)).filter((row) => row.text.includes('customer_verification'));
    expect(codeMessage).toBeDefined();
    expect(await sendMessage(stack.context, { id: codeMessage!.id, merchantId: m.merchant.merchantId })).toBe('sent');
    const sms = texts.find((t) => t.to === '+86 138 0013 8000' && t.text.includes('Tea House'));
    const code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1];
    expect(code, sms?.text).toMatch(/^\d{6}$/);

    const paid = await api('POST', `/v1/payments/${payment.id}/confirm`, { otp: code, payment_method: card('4242424242424242') });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    const succeeded = await stack.db.db.selectFrom('events').select('id').where('object_id', '=', payment.id).where('type', '=', 'payment.succeeded').executeTakeFirstOrThrow();
    expect(await notifyPayer(stack.context, succeeded.id)).toBe(2);

    const token = orderPageToken(payment.id, stack.context.keys.orderPage);
    const rows = await messageRows(m.merchant.merchantId);
    expect(rows.filter((row) => row.text.includes('payer_payment_succeeded'))).toHaveLength(2);
    for (const row of rows) {
      for (const form of [...readableForms(code!), ...readableForms(token)]) expect(row.text, row.id).not.toContain(form);
      // Who it went to and why stay readable for operators.
      expect(row.text).toMatch(/"recipient":"(li\.wei@example\.com|\+86 138 0013 8000)"/);
    }

    // Delivered as rendered: the order email and SMS carry the link with its token.
    for (const row of rows.filter((r) => r.text.includes('payer_payment_succeeded'))) expect(await sendMessage(stack.context, { id: row.id, merchantId: m.merchant.merchantId })).toBe('sent');
    const email = emails.find((e) => e.to === 'li.wei@example.com' && e.subject.includes('T-4321'));
    expect(email?.text).toContain(`/orders/${payment.id}?token=${token}`);
    expect(email?.html).toContain(`/orders/${payment.id}?token=${token}`);
    expect(texts.some((t) => t.to === '+86 138 0013 8000' && t.text.includes(token))).toBe(true);
  });

  it('still sends a message queued before bodies were sealed (clear body_text, no body_sealed)', async () => {
    const m = await stack.newMerchant({ name: 'Old Shop' });
    const at = new Date(clock.nowMs());
    const id = `msg_legacy${Date.now()}`;
    await sql`
      insert into messages (id, merchant_id, mode, channel, purpose, dedupe_key, recipient, locale, subject, body_text, body_html, status, next_attempt_at, created_at, updated_at)
      values (${id}, ${m.merchant.merchantId}, 'test', 'email', 'payer_payment_succeeded', ${`legacy:${id}`}, 'old@example.com', 'en',
              'Your order', 'Paid. See /orders/pay_x?token=legacy', '<p>Paid</p>', 'pending', ${at}, ${at}, ${at})
    `.execute(stack.db.db);
    expect(await sendMessage(stack.context, { id, merchantId: m.merchant.merchantId })).toBe('sent');
    expect(emails.find((e) => e.to === 'old@example.com')).toMatchObject({ subject: 'Your order', text: 'Paid. See /orders/pay_x?token=legacy', html: '<p>Paid</p>' });
  });

  it('refuses a body sealed for another message (the id is bound in): the try fails instead of sending the wrong text', async () => {
    const m = await stack.newMerchant({ name: 'Swap Shop' });
    const customer = (await stack.api('POST', '/v1/customers', { email: 'swap@example.com' }, { key: m.secretKey })).body.id as string;
    const payment = (await stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY', customer }, { key: m.secretKey })).body;
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, { key: m.secretKey });
    const succeeded = await stack.db.db.selectFrom('events').select('id').where('object_id', '=', payment.id).where('type', '=', 'payment.succeeded').executeTakeFirstOrThrow();
    expect(await notifyPayer(stack.context, succeeded.id)).toBe(1);
    const [row] = await messageRows(m.merchant.merchantId);
    const other = (await sql<{ id: string }>`select id from messages where body_sealed is not null and id <> ${row!.id} limit 1`.execute(stack.db.db)).rows[0]!;
    await sql`update messages set body_sealed = (select body_sealed from messages where id = ${other.id}) where id = ${row!.id}`.execute(stack.db.db);
    const before = emails.length;
    expect(await sendMessage(stack.context, { id: row!.id, merchantId: m.merchant.merchantId })).toBe('retrying');
    expect(emails.length).toBe(before);
  });
});
