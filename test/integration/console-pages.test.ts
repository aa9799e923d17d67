/**
 * What the console's pages read and change through /console/api beyond the
 * role checks (console-roles.test.ts): the payment search and its CSV, one
 * payment's timeline, resending a payer's email, settings and the session's
 * merchant details, customers with restriction, channel figures (the same as
 * the API's summary), accounts with their circuit, reconciliation.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { ConsoleClient, emailRun, signedInMember } from '../support/console.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.parse('2026-12-02T08:00:00Z'));
vi.setConfig({ testTimeout: 120_000 });
let stack: Stack;
let owner: ConsoleClient;
let support: ConsoleClient;
let counter = 0;
const unique = (name: string) => `${name}-${(counter += 1)}`;
const nowCode = (secret: Buffer) => totp(secret, clock.nowMs());

async function paidPayment(options: { amount?: number; customer?: string; reference?: string; number?: string } = {}): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', {
    amount: options.amount ?? 1234,
    currency: 'CNY',
    ...(options.customer ? { customer: options.customer } : {}),
    ...(options.reference ? { order: { reference: options.reference } } : {}),
  });
  expect(created.status).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(options.number ?? '4242424242424242') });
  expect(confirmed.status).toBe(200);
  return created.body.id;
}

async function newCustomer(email: string): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { email, name: 'Mei Lin' });
  expect(created.status).toBe(200);
  return created.body.id;
}

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  owner = await signedInMember(stack, stack.merchant.merchantId, 'owner', `owner@${emailRun}.pages.example.com`, { address: '10.8.0.1', totpAt: nowCode });
  support = await signedInMember(stack, stack.merchant.merchantId, 'support', `support@${emailRun}.pages.example.com`, { address: '10.8.0.2', totpAt: nowCode });
}, 120_000);
afterAll(async () => stack?.close());

describe('payment search', () => {
  it('finds a payment by id, order reference, email, card last four, amount, status and connector account, each alone', async () => {
    const email = `${unique('searcher')}@${emailRun}.example.com`;
    const customer = await newCustomer(email);
    const reference = unique(`ORD-${emailRun}`);
    const target = await paidPayment({ amount: 4321, customer, reference, number: '5555555555554444' });
    await paidPayment({ amount: 1111 });
    const ids = async (query: string) => {
      const answer = await support.request('GET', `/console/api/payments?mode=test&${query}`);
      expect(answer.status).toBe(200);
      return answer.body.data.map((p: { id: string }) => p.id) as string[];
    };
    expect(await ids(`q=${target}`)).toEqual([target]);
    expect(await ids(`q=${encodeURIComponent(reference)}`)).toEqual([target]);
    expect(await ids(`order_reference=${encodeURIComponent(reference)}`)).toEqual([target]);
    expect(await ids(`q=${encodeURIComponent(email.toUpperCase())}`)).toEqual([target]);
    expect(await ids(`customer=${customer}`)).toEqual([target]);
    expect(await ids(`card_last4=4444&amount=4321`)).toEqual([target]);
    expect(await ids(`q=4444&amount_gte=4321&amount_lte=4321`)).toEqual([target]);
    expect(await ids(`amount=4321&status=succeeded&status=canceled&method=card&channel=${stack.cardAccountId}`)).toContain(target);
    expect(await ids(`amount=4321&status=canceled`)).not.toContain(target);
    const row = (await support.request('GET', `/console/api/payments/${target}?mode=test`)).body;
    expect(row).toMatchObject({ id: target, customer_email: email, order_reference: reference, card_last4: '4444', connector_account: stack.cardAccountId });
    expect(row.client_secret).toBeUndefined();
  });

  it('pages newest first by keyset, and exports the same search as CSV', async () => {
    const amount = 7000 + (counter += 1);
    const made = [await paidPayment({ amount }), await paidPayment({ amount }), await paidPayment({ amount })];
    const first = await support.request('GET', `/console/api/payments?mode=test&amount=${amount}&limit=2`);
    expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([made[2], made[1]]);
    expect(first.body.has_more).toBe(true);
    const second = await support.request('GET', `/console/api/payments?mode=test&amount=${amount}&limit=2&starting_after=${first.body.next_starting_after}`);
    expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([made[0]]);
    expect(second.body.has_more).toBe(false);
    const csv = await support.request('GET', `/console/api/payments?mode=test&amount=${amount}`, undefined, { headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = String(csv.body).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toContain('id,created_at,status,amount,currency');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([made[2], made[1], made[0]]);
  });
});

describe('one payment', () => {
  it('shows the timeline: history, attempts with latency, refunds, messages and all of them merged by time', async () => {
    const paid = await paidPayment();
    clock.advanceMs(1_000);
    const refunded = await owner.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 234 });
    expect(refunded.status).toBe(200);
    const timeline = (await support.request('GET', `/console/api/payments/${paid}/timeline?mode=test`)).body;
    expect(timeline.object).toBe('payment_timeline');
    expect(timeline.payment).toMatchObject({ id: paid, amount_refunded: 234 });
    expect(timeline.history.map((h: { to_status: string }) => h.to_status)).toContain('succeeded');
    expect(timeline.attempts[0]).toMatchObject({ operation: 'authorize', status: 'succeeded', connector_account: stack.cardAccountId, currency: 'CNY' });
    expect(typeof timeline.attempts[0].latency_ms).toBe('number');
    expect(timeline.refunds).toEqual([expect.objectContaining({ id: refunded.body.id, amount: 234, status: 'succeeded' })]);
    expect(timeline.entries.length).toBe(timeline.history.length + timeline.attempts.length + timeline.funnel_events.length + timeline.webhook_deliveries.length + timeline.messages.length + timeline.refunds.length);
    const times = timeline.entries.map((e: { at: string }) => e.at);
    expect([...times].sort()).toEqual(times);
  });

  it('refunds once for one Idempotency-Key, however often the member retries', async () => {
    const paid = await paidPayment();
    const headers = { 'idempotency-key': `refund-${emailRun}-${(counter += 1)}` };
    const first = await owner.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 100 }, { headers });
    expect(first.status).toBe(200);
    const retried = await owner.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 100 }, { headers });
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body.id).toBe(first.body.id);
    const changed = await owner.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 200 }, { headers });
    expect(changed.body.error.code).toBe('idempotency_key_reused');
    // Another member's key of the same text is theirs alone (support may refund up to 10.00 CNY here).
    expect((await owner.request('POST', '/console/api/settings/refund_limits', { currency: 'CNY', amount_max: 1000 })).status).toBe(200);
    expect((await support.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 100 }, { headers })).headers['idempotent-replayed']).toBeUndefined();
    expect((await stack.api('GET', `/v1/payments/${paid}`)).body.amount_refunded).toBe(200);
    const rows = await stack.db.db.selectFrom('audit_log').select('action').where('object_id', '=', paid).execute();
    expect(rows.map((row) => row.action)).toEqual(['payment.refunded', 'payment.refunded']);
  });

  it("finds the webhook deliveries of the payment's events, and no other payment's", async () => {
    const endpoint = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] });
    expect(endpoint.status).toBe(200);
    const paid = await paidPayment();
    clock.advanceMs(5_000);
    const other = await paidPayment();
    const events = (await stack.api('GET', '/v1/events?limit=100')).body.data as { id: string; data: { object: { id: string } } }[];
    const mine = events.filter((event) => event.data?.object?.id === paid);
    expect(mine.length).toBeGreaterThan(0);
    for (const event of [...mine, ...events.filter((e) => e.data?.object?.id === other)]) {
      expect((await stack.api('POST', `/v1/events/${event.id}/redeliver`, {})).status).toBe(200);
    }
    const timeline = (await support.request('GET', `/console/api/payments/${paid}/timeline?mode=test`)).body;
    expect(new Set(timeline.webhook_deliveries.map((d: { event_id: string }) => d.event_id))).toEqual(new Set(mine.map((e) => e.id)));
    expect(timeline.webhook_deliveries[0]).toMatchObject({ endpoint: endpoint.body.id, endpoint_url: 'http://127.0.0.1:9/hooks' });
  });

  it("resends a payer's email once a minute however often it is asked, and audits it", async () => {
    const paid = await paidPayment();
    const id = stack.context.ids.newId('msg');
    const at = new Date(clock.nowMs());
    await stack.db.db
      .insertInto('messages')
      .values({
        id,
        merchant_id: stack.merchant.merchantId,
        mode: 'test',
        channel: 'email',
        purpose: 'payer_receipt',
        dedupe_key: `test:${id}`,
        recipient: `payer@${emailRun}.example.com`,
        locale: 'zh-CN',
        customer_id: null,
        payment_id: paid,
        event_id: null,
        subject: '您的收据',
        body_text: '谢谢',
        body_html: null,
        body_sealed: null,
        status: 'sent',
        next_attempt_at: null,
        lease_until: null,
        last_error: null,
        provider_message_id: null,
        sent_at: at,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const [a, b] = await Promise.all([support.request('POST', `/console/api/messages/${id}/resend?mode=test`), support.request('POST', `/console/api/messages/${id}/resend?mode=test`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body).toMatchObject({ recipient: `payer@${emailRun}.example.com`, subject: '您的收据', status: 'pending', resendable: true });
    const rows = await stack.db.db.selectFrom('audit_log').selectAll().where('object_id', '=', id).execute();
    expect(rows.map((row) => row.action)).toEqual(['message.resent']);
    const timeline = (await support.request('GET', `/console/api/payments/${paid}/timeline?mode=test`)).body;
    expect(timeline.messages.map((m: { id: string }) => m.id)).toEqual([id, a.body.id]);
    clock.advanceMs(60_000);
    const later = await support.request('POST', `/console/api/messages/${id}/resend?mode=test`);
    expect(later.body.id).not.toBe(a.body.id);
    // A member's own sign-in mail, or another merchant's message, is not there to resend.
    expect((await support.request('POST', `/console/api/messages/${stack.context.ids.newId('msg')}/resend?mode=test`)).status).toBe(404);
  });
});

describe('settings and the session', () => {
  it('answers the merchant’s name and time zone with the session, changes them with an audit row in the same change, and refuses an unknown zone', async () => {
    const before = (await owner.request('GET', '/console/api/session')).body;
    expect(before.time_zone).toBe('UTC');
    const changed = await owner.request('POST', '/console/api/settings', { business_name: 'Lin Tea House', time_zone: 'Asia/Shanghai', support_phone: '+86 21 5555 0100' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ business_name: 'Lin Tea House', time_zone: 'Asia/Shanghai', support_phone: '+86 21 5555 0100', refund_limits: [{ currency: 'CNY', amount_max: 1000 }] });
    expect(changed.body.cancellation_abuse).toMatchObject({ mode: 'live' });
    const session = (await support.request('GET', '/console/api/session')).body;
    expect({ name: session.merchant_name, zone: session.time_zone }).toEqual({ name: 'Lin Tea House', zone: 'Asia/Shanghai' });
    const [row] = await stack.db.db.selectFrom('audit_log').selectAll().where('merchant_id', '=', stack.merchant.merchantId).where('action', '=', 'settings.changed').execute();
    expect(row!.before).toEqual({ business_name: 'Test Merchant', time_zone: 'UTC', support_phone: null });
    expect(row!.after).toEqual({ business_name: 'Lin Tea House', time_zone: 'Asia/Shanghai', support_phone: '+86 21 5555 0100' });
    const wrong = await owner.request('POST', '/console/api/settings', { time_zone: 'Mars/Olympus' });
    expect({ status: wrong.status, param: wrong.body.error.param }).toEqual({ status: 400, param: 'time_zone' });
  });

  it('remembers a member’s language and answers it at the next sign-in', async () => {
    const changed = await support.request('POST', '/console/api/session/preferences', { locale: 'zh-TW' });
    expect(changed.body.member.locale).toBe('zh-TW');
    const again = new ConsoleClient(stack, '10.8.0.9');
    const signedIn = await again.signIn({ email: `support@${emailRun}.pages.example.com`, password: 'correct horse battery staple' });
    expect(signedIn.body.member.locale).toBe('zh-TW');
    expect(signedIn.body.time_zone).toBeTruthy();
  });
});

describe('customers', () => {
  it('finds customers by email prefix and id, with payments, restriction and segment', async () => {
    const email = `${unique('tea-lover')}@${emailRun}.example.com`;
    const customer = await newCustomer(email);
    await paidPayment({ customer });
    await stack.db.db
      .insertInto('cancellation_abuse_flags')
      .values({
        merchant_id: stack.merchant.merchantId,
        mode: 'test',
        customer_id: customer,
        cancellations: 7,
        max_cancellations_per_hour: 5,
        times_flagged: 1,
        first_flagged_at: new Date(clock.nowMs()),
        flagged_at: new Date(clock.nowMs()),
        flagged_until: new Date(clock.nowMs() + 3_600_000),
      })
      .execute();
    const found = await support.request('GET', `/console/api/customers?mode=test&q=${encodeURIComponent(email.slice(0, 12))}`);
    expect(found.status).toBe(200);
    expect(found.body.data.map((c: { id: string }) => c.id)).toContain(customer);
    const row = found.body.data.find((c: { id: string }) => c.id === customer);
    expect(row).toMatchObject({ email, payments_count: 1, restriction: { restricted: true, cancellations: 7 } });
    expect(row).toHaveProperty('segment');
    const restricted = await support.request('GET', '/console/api/customers?mode=test&restricted=true');
    expect(restricted.body.data.every((c: { restriction: { restricted: boolean } }) => c.restriction.restricted)).toBe(true);
    const one = await support.request('GET', `/console/api/customers/${customer}?mode=test`);
    expect(one.body).toMatchObject({ id: customer, wallet: null });
    expect((await support.request('GET', `/console/api/customers/${customer}`)).status).toBe(404);
  });
});

describe('channels', () => {
  it('answers per channel the figures of the API’s summary, per day as well, with decline codes', async () => {
    await paidPayment();
    const declined = await stack.api('POST', '/v1/payments', { amount: 999, currency: 'CNY' });
    await stack.api('POST', `/v1/payments/${declined.body.id}/confirm`, { payment_method: card('4000000000000002') });
    const query = 'from=2026-12-01&to=2026-12-04&granularity=day&mode=test';
    const figures = await owner.request('GET', `/console/api/channels?${query}`);
    expect(figures.status).toBe(200);
    const summary = await stack.api('GET', '/v1/analytics/summary?from=2026-12-01&to=2026-12-04');
    const channel = figures.body.channels.find((c: { connector_account: string }) => c.connector_account === stack.cardAccountId);
    const api = summary.body.by_channel.find((c: { connector_account: string }) => c.connector_account === stack.cardAccountId);
    expect(channel.totals).toMatchObject({ attempts: api.attempts, attempts_succeeded: api.attempts_succeeded, success_rate: api.success_rate, latency_ms: api.latency_ms });
    expect(channel.connector).toBe('card');
    expect(channel.series.map((b: { from: string }) => b.from)).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z']);
    expect(channel.series.reduce((sum: number, b: { attempts: number }) => sum + b.attempts, 0)).toBe(api.attempts);
    expect(Object.values(channel.totals.decline_codes).reduce((sum: number, n) => sum + (n as number), 0)).toBe(api.attempts - api.attempts_succeeded);
    expect(channel.series[1].decline_codes).toEqual(channel.totals.decline_codes);
    const tooMany = await owner.request('GET', '/console/api/channels?from=2026-09-01&to=2026-12-01&granularity=day&mode=test');
    expect(tooMany.status).toBe(400);
  });

  it('lists the accounts with their circuit state and open incident', async () => {
    const accounts = await owner.request('GET', '/console/api/channels/accounts?mode=test');
    expect(accounts.status).toBe(200);
    const account = accounts.body.data.find((a: { id: string }) => a.id === stack.cardAccountId);
    expect(account).toMatchObject({ connector: 'card', enabled: true, health: { circuit: 'closed' }, open_incident: null });
  });
});

describe('reconciliation', () => {
  it('summarizes runs per account and statement date, and lists the mismatches with what was repaired', async () => {
    const at = new Date(clock.nowMs());
    const rows = [
      { kind: 'status_differs' as const, repaired: true, note: 'marked succeeded: the statement shows it paid' },
      { kind: 'missing_here' as const, repaired: false, note: null },
    ].map((row, index) => ({
      id: stack.context.ids.newId('rcm'),
      merchant_id: stack.merchant.merchantId,
      connector_account_id: stack.cardAccountId,
      statement_date: '2026-12-01',
      kind: row.kind,
      order_number: `${emailRun}-${index}`,
      refund_number: '',
      our_amount: 100n,
      their_amount: 100n,
      our_status: 'processing',
      repaired: row.repaired,
      note: row.note,
      created_at: at,
    }));
    await stack.db.db.insertInto('reconciliation_mismatches').values(rows).execute();
    const runs = await support.request('GET', '/console/api/reconciliation/runs?mode=test');
    expect(runs.body.data).toContainEqual(expect.objectContaining({ connector_account: stack.cardAccountId, statement_date: '2026-12-01', mismatches: 2, repaired: 1, unrepaired: 1 }));
    const repaired = await support.request('GET', `/console/api/reconciliation/mismatches?mode=test&statement_date=2026-12-01&repaired=true`);
    expect(repaired.body.data).toEqual([expect.objectContaining({ kind: 'status_differs', repaired: true, note: 'marked succeeded: the statement shows it paid', refund_number: null, our_amount: 100 })]);
    expect((await support.request('GET', '/console/api/reconciliation/runs')).body.data).toEqual([]);
  });

  it("gives each mismatch its payment's currency, found by the channel's order number or the payment's id, and none for a payment that is not ours", async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'USD' });
    expect(created.status).toBe(200);
    expect((await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') })).status).toBe(200);
    // Only channels are reconciled; the stack has no channel account, so the card attempt is made to look like a channel's.
    await stack.db.db.updateTable('payment_attempts').set({ connector: 'alipay' }).where('payment_id', '=', created.body.id).execute();
    const attempt = await stack.db.db.selectFrom('payment_attempts').select('provider_idempotency_key').where('payment_id', '=', created.body.id).executeTakeFirstOrThrow();
    const unknownOrder = `${emailRun}-not-ours`;
    const rows = [
      { kind: 'amount_differs' as const, order_number: attempt.provider_idempotency_key, refund_number: '' },
      { kind: 'missing_there' as const, order_number: created.body.id as string, refund_number: 'rf-1' },
      { kind: 'missing_here' as const, order_number: unknownOrder, refund_number: '' },
    ].map((row) => ({
      ...row,
      id: stack.context.ids.newId('rcm'),
      merchant_id: stack.merchant.merchantId,
      connector_account_id: stack.cardAccountId,
      statement_date: '2026-11-20',
      our_amount: 2500n,
      their_amount: 2400n,
      our_status: 'succeeded',
      repaired: false,
      note: null,
      created_at: new Date(clock.nowMs()),
    }));
    await stack.db.db.insertInto('reconciliation_mismatches').values(rows).execute();
    const listed = await support.request('GET', '/console/api/reconciliation/mismatches?mode=test&statement_date=2026-11-20');
    expect(listed.status).toBe(200);
    const currencyOf = (order: string) => listed.body.data.find((row: { order_number: string }) => row.order_number === order)?.currency;
    expect(currencyOf(attempt.provider_idempotency_key)).toBe('USD');
    expect(currencyOf(created.body.id)).toBe('USD');
    expect(currencyOf(unknownOrder)).toBeNull();
  });
});

describe('after-sales', () => {
  it("lists the requests with their payment's currency, to an operator and not to support", async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 9900, currency: 'HKD' });
    expect(created.status).toBe(200);
    const cny = await paidPayment({ amount: 1500 });
    const at = new Date(clock.nowMs());
    const request = (paymentId: string, amount: bigint | null) => ({
      id: stack.context.ids.newId('asr'),
      payment_id: paymentId,
      merchant_id: stack.merchant.merchantId,
      mode: 'test' as const,
      kind: 'refund' as const,
      reason: 'arrived broken',
      amount,
      status: 'pending' as const,
      merchant_note: null,
      refund_id: null,
      created_at: at,
      decided_at: null,
    });
    const rows = [request(created.body.id, 500n), request(cny, null)];
    await stack.db.db.insertInto('after_sales_requests').values(rows).execute();
    const operator = await signedInMember(stack, stack.merchant.merchantId, 'operator', `operator@${emailRun}.pages.example.com`, { address: '10.8.0.3', totpAt: nowCode });
    const listed = await operator.request('GET', '/console/api/after_sales_requests?mode=test&status=pending&limit=100');
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.data.map((row: { id: string }) => [row.id, row]));
    expect(byId.get(rows[0]!.id)).toEqual(expect.objectContaining({ object: 'after_sales_request', payment: created.body.id, amount: 500, currency: 'HKD', status: 'pending' }));
    expect(byId.get(rows[1]!.id)).toEqual(expect.objectContaining({ payment: cny, amount: null, currency: 'CNY' }));
    // The same objects as the API's, plus the currency.
    const fromApi = await stack.api('GET', `/v1/after_sales_requests/${rows[0]!.id}`);
    expect(byId.get(rows[0]!.id)).toEqual({ ...fromApi.body, currency: 'HKD' });
    expect((await operator.request('GET', '/console/api/after_sales_requests?mode=test&status=approved')).body.data.map((row: { id: string }) => row.id)).not.toContain(rows[0]!.id);
    expect((await support.request('GET', '/console/api/after_sales_requests?mode=test')).status).toBe(403);
    expect((await operator.request('GET', '/console/api/after_sales_requests')).body.data).toEqual([]);
  });
});
