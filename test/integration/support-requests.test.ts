/**
 * Support requests end to end through HTTP: the payer asks for help from the
 * order page (by its link's token), the merchant answers through the API,
 * the payer is emailed (mail catcher) and sees the thread; first response
 * and resolution times, reopenings and first-contact resolutions are
 * recorded and reported by GET /v1/analytics/support, and recounted here
 * from the raw rows (messages and events).
 */
import { sql } from 'kysely';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { smtpMailer } from '../../src/messaging/mailer.ts';
import { httpSmsSender } from '../../src/messaging/sms.ts';
import { startMailCatcher, type MailCatcher } from '../../src/simulators/mail-catcher/server.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const startMs = Date.UTC(2026, 5, 1, 8, 0, 0);
const clock = new ManualClock(startMs);
let stack: Stack;
let catcher: MailCatcher;
let worker: Runner;
let key: string;
let otherKey: string;
let merchantIds: string[];

beforeAll(async () => {
  catcher = await startMailCatcher({ smsApiKey: 'sk_sms_support' });
  stack = await startStack({
    clock,
    messaging: {
      mailer: smtpMailer({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, user: null, password: null }),
      sms: httpSmsSender({ url: catcher.smsUrl, apiKey: 'sk_sms_support' }),
      mailFrom: 'Tea House <help@tea.example>',
    },
  });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const teaHouse = await stack.newMerchant({ name: 'Tea House' });
  const otherShop = await stack.newMerchant({ name: 'Other Shop' });
  key = teaHouse.secretKey;
  otherKey = otherShop.secretKey;
  merchantIds = [teaHouse.merchant.merchantId, otherShop.merchant.merchantId];
});
afterAll(async () => {
  await worker?.stop();
  stack?.context.messaging.mailer?.close();
  await stack?.close();
  await catcher?.close();
});

let count = 0;
async function paidOrder() {
  count += 1;
  const email = `support-payer${count}-${startMs}@example.com`;
  const customer = await stack.api('POST', '/v1/customers', { email, locale: 'en' }, { key });
  const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'CNY', customer: customer.body.id, order: { reference: `T-${count}` } }, { key });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
  expect(paid.body.status).toBe('succeeded');
  const id = created.body.id as string;
  return { id, email, token: orderPageToken(id, stack.context.keys.orderPage) };
}

const minute = 60_000;

describe('support requests', () => {
  it('runs a thread end to end: the payer asks, the merchant answers (emailed), resolves; times are recorded', async () => {
    const order = await paidOrder();
    const asked = await stack.api('POST', `/v1/orders/${order.id}/support_requests?token=${order.token}`, { category: 'order_status', message: 'Where is my tea?', contact_preference: 'email' }, { key: null });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body).toMatchObject({ object: 'support_request', status: 'open', category: 'order_status', contact: null, customer: null });
    expect(asked.body.messages).toHaveLength(1);
    const requestId = asked.body.id as string;

    // The merchant's queue lists it, with the contact the answer goes to.
    const queue = await stack.api('GET', '/v1/support_requests?status=open', undefined, { key });
    const listed = queue.body.data.find((r: { id: string }) => r.id === requestId);
    expect(listed).toMatchObject({ contact: order.email, messages: null });
    // Another merchant does not see it.
    expect((await stack.api('GET', `/v1/support_requests/${requestId}`, undefined, { key: otherKey })).status).toBe(404);

    clock.advanceMs(7 * minute);
    const replied = await stack.api('POST', `/v1/support_requests/${requestId}/replies`, { message: 'It shipped this morning: SF123.' }, { key });
    expect(replied.status, JSON.stringify(replied.body)).toBe(200);
    expect(replied.body.status).toBe('answered');
    expect(replied.body.first_response_at).toBe(new Date(startMs + 7 * minute).toISOString());

    const email = await catcher.waitForEmail((e) => e.to.includes(order.email) && e.subject.includes('answered'), 10_000);
    expect(email.subject).toContain('T-');
    expect(email.text).toContain('It shipped this morning: SF123.');
    expect(email.text).toContain(`/orders/${order.id}?token=${order.token}`);

    clock.advanceMs(3 * minute);
    const resolved = await stack.api('POST', `/v1/support_requests/${requestId}/resolve`, undefined, { key });
    expect(resolved.body).toMatchObject({ status: 'resolved', first_resolved_at: new Date(startMs + 10 * minute).toISOString() });
    // Resolving twice, or answering a resolved request, is refused and changes nothing.
    const again = await stack.api('POST', `/v1/support_requests/${requestId}/resolve`, undefined, { key });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('support_request_unexpected_state');
    expect((await stack.api('POST', `/v1/support_requests/${requestId}/replies`, { message: 'x' }, { key })).status).toBe(409);

    // The payer sees the thread on the order page.
    const threads = await stack.api('GET', `/v1/orders/${order.id}/support_requests?token=${order.token}`, undefined, { key: null });
    expect(threads.body.data).toHaveLength(1);
    expect(threads.body.data[0].messages.map((m: { author: string }) => m.author)).toEqual(['payer', 'merchant']);
    expect(threads.body.data[0].status).toBe('resolved');

    // A wrong token answers like a missing order.
    expect((await stack.api('GET', `/v1/orders/${order.id}/support_requests?token=${'x'.repeat(32)}`, undefined, { key: null })).status).toBe(404);
  });

  it('reopens when the payer writes again on a resolved request, and counts it as reopened, not first-contact', async () => {
    const order = await paidOrder();
    const asked = await stack.api('POST', `/v1/orders/${order.id}/support_requests?token=${order.token}`, { category: 'refund', message: 'I want a refund', contact_preference: 'sms', phone: '+86 138 0000 0001' }, { key: null });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const id = asked.body.id as string;
    clock.advanceMs(2 * minute);
    const answered = await stack.api('POST', `/v1/support_requests/${id}/replies`, { message: 'Refund approved.', resolve: true }, { key });
    expect(answered.body.status).toBe('resolved');
    await catcher.waitForSms((sms) => sms.text.includes('Refund approved.'), 10_000);
    clock.advanceMs(minute);
    const more = await stack.api('POST', `/v1/orders/${order.id}/support_requests/${id}/messages?token=${order.token}`, { message: 'Not received yet' }, { key: null });
    expect(more.body).toMatchObject({ status: 'open', reopen_count: 1, resolved_at: null });
    // The merchant may not reopen an open request.
    expect((await stack.api('POST', `/v1/support_requests/${id}/reopen`, undefined, { key })).status).toBe(409);
  });

  it('bounds the open requests of one payment, even when they arrive together', async () => {
    const order = await paidOrder();
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        stack.api('POST', `/v1/orders/${order.id}/support_requests?token=${order.token}`, { category: 'other', message: `help ${i}`, contact_preference: 'email' }, { key: null }),
      ),
    );
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(3);
    expect(attempts.filter((a) => a.status === 409).every((a) => a.body.error.code === 'support_request_limit_reached')).toBe(true);
  });

  it('reports the support figures, recounted from the messages and events', async () => {
    const from = new Date(startMs - 60 * minute).toISOString();
    const to = new Date(clock.nowMs() + 60 * minute).toISOString();
    // One more request, answered twice before it is resolved: resolved, but not at the first contact.
    const order = await paidOrder();
    const asked = await stack.api('POST', `/v1/orders/${order.id}/support_requests?token=${order.token}`, { category: 'product', message: 'Broken cup', contact_preference: 'email' }, { key: null });
    clock.advanceMs(11 * minute);
    await stack.api('POST', `/v1/support_requests/${asked.body.id}/replies`, { message: 'Photo please?' }, { key });
    clock.advanceMs(5 * minute);
    await stack.api('POST', `/v1/support_requests/${asked.body.id}/replies`, { message: 'Replacement sent.', resolve: true }, { key });

    const figures = await stack.api('GET', `/v1/analytics/support?from=${from}&to=${to}`, undefined, { key });
    expect(figures.status, JSON.stringify(figures.body)).toBe(200);

    const merchantId = (await stack.db.db.selectFrom('support_requests').select('merchant_id').where('id', '=', asked.body.id).executeTakeFirstOrThrow()).merchant_id;
    const requests = await stack.db.db.selectFrom('support_requests').select(['id', 'created_at']).where('merchant_id', '=', merchantId).execute();
    const messages = await stack.db.db.selectFrom('support_messages').selectAll().where('request_id', 'in', requests.map((r) => r.id)).orderBy('created_at').orderBy('id').execute();
    const events = await stack.db.db.selectFrom('support_request_events').selectAll().where('request_id', 'in', requests.map((r) => r.id)).orderBy('created_at').orderBy('id').execute();
    const responses: number[] = [];
    const resolutions: number[] = [];
    let reopened = 0;
    let firstContact = 0;
    for (const request of requests) {
      const replies = messages.filter((m) => m.request_id === request.id && m.author === 'merchant');
      const firstResolved = events.find((e) => e.request_id === request.id && e.type === 'resolved');
      const reopenings = events.filter((e) => e.request_id === request.id && e.type === 'reopened').length;
      if (replies[0]) responses.push(replies[0].created_at.getTime() - request.created_at.getTime());
      if (!firstResolved) continue;
      resolutions.push(firstResolved.created_at.getTime() - request.created_at.getTime());
      if (reopenings > 0) reopened += 1;
      else if (replies.filter((m) => m.created_at.getTime() <= firstResolved.created_at.getTime()).length === 1) firstContact += 1;
    }
    const seconds = (ms: number) => Math.floor((ms + 500) / 1000);
    const average = (values: number[]) => seconds(Math.floor((2 * values.reduce((a, b) => a + b, 0) + values.length) / (2 * values.length)));
    const lowerMedian = (values: number[]) => seconds([...values].sort((a, b) => a - b)[Math.ceil(values.length / 2) - 1]!);

    expect(figures.body.requests).toBe(requests.length);
    expect(figures.body.first_response_time).toEqual({ count: responses.length, average_seconds: average(responses), median_seconds: lowerMedian(responses) });
    expect(figures.body.resolution_time).toEqual({ count: resolutions.length, average_seconds: average(resolutions), median_seconds: lowerMedian(resolutions) });
    expect(figures.body.resolved).toBe(resolutions.length);
    expect(figures.body.reopened).toBe(reopened);
    expect(figures.body.first_contact_resolutions).toBe(firstContact);
    // What the scenario planted: 6 requests; 3 answered; 3 resolved (one at 10 min, one at 2 min, one at 16 min); one reopened; one at first contact.
    expect(requests).toHaveLength(6);
    expect(figures.body.first_response_time).toEqual({ count: 3, average_seconds: (7 * 60 + 2 * 60 + 11 * 60) / 3, median_seconds: 7 * 60 });
    expect(figures.body.resolution_time).toEqual({ count: 3, average_seconds: (10 * 60 + 2 * 60 + 16 * 60) / 3, median_seconds: 10 * 60 });
    expect(figures.body.reopen_rate).toBe(0.3333);
    expect(figures.body.first_contact_resolutions).toBe(1);
    expect(figures.body.first_contact_resolution_rate).toBe(0.3333);

    // A range without requests has no times, not zeros.
    const empty = await stack.api('GET', `/v1/analytics/support?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`, undefined, { key });
    expect(empty.body).toMatchObject({ requests: 0, first_response_time: { count: 0, average_seconds: null, median_seconds: null }, reopen_rate: null });
  });

  it('sends one answer per reply, whatever runs again (the outbox row is keyed by the reply)', async () => {
    const rows = await sql<{ dedupe_key: string; n: number }>`
      select dedupe_key, count(*)::int as n from messages where purpose = 'support_reply' group by dedupe_key having count(*) > 1
    `.execute(stack.db.db);
    expect(rows.rows).toEqual([]);
    // Counted over this file's merchants: other files share the database, and some queue a support_reply message of
    // their own as a fixture, with no reply behind it (CI, 2026-12-07: 6 queued against 4 replies).
    const counts = await sql<{ replies: number; queued: number }>`
      select (select count(*)::int from support_messages where author = 'merchant' and merchant_id = any(${merchantIds})) as replies,
             (select count(*)::int from messages where purpose = 'support_reply' and merchant_id = any(${merchantIds})) as queued`.execute(stack.db.db);
    expect(counts.rows[0]!.replies).toBeGreaterThan(0);
    expect(counts.rows[0]!.queued).toBe(counts.rows[0]!.replies);
  });
});
