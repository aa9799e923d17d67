/**
 * A console session calling /v1 with its cookie: a role × route matrix over
 * every route of the session table (written from the words, not from
 * the table it checks), the refusals (no session, an expired one, another
 * merchant's, a missing CSRF token, a route outside the table), the mode
 * header, Idempotency-Keys scoped to the member, and the audit trail of /v1
 * writes made by a key or a session.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consoleRoles, type ConsoleRole } from '../../src/domain/console/roles.ts';
import { sessionRoutes } from '../../src/domain/console/session-routes.ts';
import { totp } from '../../src/domain/console/totp.ts';
import { requestLogOf } from '../../src/http/plugins/request-log.ts';
import { ConsoleClient, emailRun, signedInMember } from '../support/console.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.parse('2026-12-02T08:00:00Z'));
vi.setConfig({ testTimeout: 120_000 });
let stack: Stack;
const sessions = {} as Record<ConsoleRole, ConsoleClient>;
let otherOwner: ConsoleClient;
let counter = 0;
const nowCode = (secret: Buffer) => totp(secret, clock.nowMs());
const v1Email = (name: string) => `${name}-${(counter += 1)}@${emailRun}.v1.example.com`;

const payments = ['owner', 'admin', 'developer', 'operator', 'support'] as const;
const customers = ['owner', 'admin', 'operator', 'support'] as const;
const analytics = ['owner', 'admin', 'analyst'] as const;
const alerts = ['owner', 'admin', 'operator'] as const;
const ownerAdmin = ['owner', 'admin'] as const;
const developers = ['owner', 'admin', 'developer'] as const;
const afterSales = ['owner', 'admin', 'operator'] as const;
// Payers' support requests: answered by owners, admins, operators and the support role; their figures read by analysts too.
const supportAgents = ['owner', 'admin', 'operator', 'support'] as const;
const supportFigures = ['owner', 'admin', 'operator', 'support', 'analyst'] as const;
// Coupons: created and disabled by owners, admins and operators; read by them and by analysts.
const couponManagers = ['owner', 'admin', 'operator'] as const;
const couponReaders = ['owner', 'admin', 'operator', 'analyst'] as const;
// The loyalty programme: changed by owners and admins; read (terms and points analytics) by operators and analysts too.
const loyaltyReaders = ['owner', 'admin', 'operator', 'analyst'] as const;
// Risk: rules written by owners, admins and developers; fraud (reviews, fraud marks, the blocklist) handled by owners,
// admins and operators; rules, reviews and figures read by all of those and by analysts; the blocklist (emails, phones) not by analysts.
const riskRuleWriters = ['owner', 'admin', 'developer'] as const;
const fraudHandlers = ['owner', 'admin', 'operator'] as const;
const riskReaders = ['owner', 'admin', 'developer', 'operator', 'analyst'] as const;
const blocklistReaders = ['owner', 'admin', 'developer', 'operator'] as const;
const loyaltyProgramme = {
  enabled: true,
  currency: 'CNY',
  earn: { points_per_unit: 10, by_payment_method: {}, segment_percent: {}, campaigns: [] },
  spend_delay_hours: 24,
  expiry_days: 30,
  redemption: { points: 100, amount: 100, cap_percent: 50 },
};
const fakeId = (prefix: string) => `${prefix}_00000000000000000000000000`;
const range = 'from=2026-12-01&to=2026-12-03';

interface Call {
  allowed: readonly ConsoleRole[];
  /** The request; `:id` routes get ids of this merchant where the call must reach a real object, made up otherwise. */
  request(): Promise<{ url: string; body?: unknown }>;
}

async function testPayment(): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY' });
  expect(created.status).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.body.status).toBe('succeeded');
  return created.body.id;
}

// Item 3 of the issue, route by route.
const calls: Record<string, Call> = {
  'GET /v1/payments': { allowed: payments, request: async () => ({ url: '/v1/payments' }) },
  'GET /v1/payments/:id': { allowed: payments, request: async () => ({ url: `/v1/payments/${fakeId('pay')}` }) },
  'GET /v1/payments/:id/attempts': { allowed: payments, request: async () => ({ url: `/v1/payments/${fakeId('pay')}/attempts` }) },
  'GET /v1/payments/:id/history': { allowed: payments, request: async () => ({ url: `/v1/payments/${fakeId('pay')}/history` }) },
  'GET /v1/payments/:id/funnel_events': { allowed: [...payments, 'analyst'], request: async () => ({ url: `/v1/payments/${fakeId('pay')}/funnel_events` }) },
  'GET /v1/refunds': { allowed: payments, request: async () => ({ url: '/v1/refunds' }) },
  'GET /v1/refunds/:id': { allowed: payments, request: async () => ({ url: `/v1/refunds/${fakeId('re')}` }) },
  'GET /v1/customers/:id': { allowed: customers, request: async () => ({ url: `/v1/customers/${fakeId('cus')}` }) },
  'GET /v1/customers/:id/wallet': { allowed: customers, request: async () => ({ url: `/v1/customers/${fakeId('cus')}/wallet` }) },
  'GET /v1/customers/:id/wallet/transactions': { allowed: customers, request: async () => ({ url: `/v1/customers/${fakeId('cus')}/wallet/transactions` }) },
  'GET /v1/customers/:id/points': { allowed: customers, request: async () => ({ url: `/v1/customers/${fakeId('cus')}/points` }) },
  'GET /v1/analytics/summary': { allowed: analytics, request: async () => ({ url: `/v1/analytics/summary?${range}` }) },
  'GET /v1/analytics/timeseries': { allowed: analytics, request: async () => ({ url: `/v1/analytics/timeseries?${range}&granularity=day` }) },
  'GET /v1/analytics/cancellations': { allowed: analytics, request: async () => ({ url: '/v1/analytics/cancellations' }) },
  'GET /v1/analytics/cancellations/summary': { allowed: analytics, request: async () => ({ url: `/v1/analytics/cancellations/summary?${range}` }) },
  'GET /v1/analytics/flagged_customers': { allowed: [...analytics, 'operator', 'support'], request: async () => ({ url: '/v1/analytics/flagged_customers' }) },
  'GET /v1/analytics/customer_segments': { allowed: analytics, request: async () => ({ url: '/v1/analytics/customer_segments' }) },
  'GET /v1/analytics/feedback': { allowed: analytics, request: async () => ({ url: `/v1/analytics/feedback?${range}` }) },
  'GET /v1/analytics/feedback_themes': { allowed: analytics, request: async () => ({ url: `/v1/analytics/feedback_themes?${range}` }) },
  'GET /v1/analytics/experience': { allowed: analytics, request: async () => ({ url: `/v1/analytics/experience?${range}` }) },
  'GET /v1/analytics/points': { allowed: loyaltyReaders, request: async () => ({ url: '/v1/analytics/points' }) },
  'GET /v1/analytics/incidents': { allowed: [...analytics, 'operator'], request: async () => ({ url: `/v1/analytics/incidents?${range}` }) },
  'GET /v1/cancellation_abuse_settings': { allowed: ownerAdmin, request: async () => ({ url: '/v1/cancellation_abuse_settings' }) },
  'POST /v1/cancellation_abuse_settings': { allowed: ownerAdmin, request: async () => ({ url: '/v1/cancellation_abuse_settings', body: { max_cancellations_per_hour: 5 } }) },
  'GET /v1/alerts': { allowed: alerts, request: async () => ({ url: '/v1/alerts' }) },
  'GET /v1/alerts/:id': { allowed: alerts, request: async () => ({ url: `/v1/alerts/${fakeId('alt')}` }) },
  'POST /v1/alerts/:id/acknowledge': { allowed: alerts, request: async () => ({ url: `/v1/alerts/${fakeId('alt')}/acknowledge` }) },
  'GET /v1/alert_rules': { allowed: alerts, request: async () => ({ url: '/v1/alert_rules' }) },
  'GET /v1/alert_rules/:id': { allowed: alerts, request: async () => ({ url: `/v1/alert_rules/${fakeId('alr')}` }) },
  'POST /v1/alert_rules': { allowed: alerts, request: async () => ({ url: '/v1/alert_rules', body: {} }) },
  'POST /v1/alert_rules/:id': { allowed: alerts, request: async () => ({ url: `/v1/alert_rules/${fakeId('alr')}`, body: { enabled: false } }) },
  'DELETE /v1/alert_rules/:id': { allowed: alerts, request: async () => ({ url: `/v1/alert_rules/${fakeId('alr')}` }) },
  'GET /v1/alert_settings': { allowed: [...ownerAdmin, 'operator'], request: async () => ({ url: '/v1/alert_settings' }) },
  'POST /v1/alert_settings': { allowed: ownerAdmin, request: async () => ({ url: '/v1/alert_settings', body: { operations_email: `ops@${emailRun}.example.com` } }) },
  'GET /v1/after_sales_requests': { allowed: afterSales, request: async () => ({ url: '/v1/after_sales_requests' }) },
  'GET /v1/after_sales_requests/:id': { allowed: afterSales, request: async () => ({ url: `/v1/after_sales_requests/${fakeId('asr')}` }) },
  'POST /v1/after_sales_requests/:id/approve': { allowed: afterSales, request: async () => ({ url: `/v1/after_sales_requests/${fakeId('asr')}/approve`, body: {} }) },
  'POST /v1/after_sales_requests/:id/reject': { allowed: afterSales, request: async () => ({ url: `/v1/after_sales_requests/${fakeId('asr')}/reject`, body: {} }) },
  'GET /v1/api_keys': { allowed: developers, request: async () => ({ url: '/v1/api_keys' }) },
  'POST /v1/api_keys': { allowed: developers, request: async () => ({ url: '/v1/api_keys', body: { kind: 'publishable' } }) },
  'POST /v1/api_keys/:id/roll': { allowed: developers, request: async () => ({ url: `/v1/api_keys/${fakeId('key')}/roll`, body: {} }) },
  'POST /v1/api_keys/:id/revoke': { allowed: developers, request: async () => ({ url: `/v1/api_keys/${fakeId('key')}/revoke`, body: {} }) },
  'GET /v1/webhook_endpoints': { allowed: developers, request: async () => ({ url: '/v1/webhook_endpoints' }) },
  'GET /v1/webhook_endpoints/:id': { allowed: developers, request: async () => ({ url: `/v1/webhook_endpoints/${fakeId('we')}` }) },
  'POST /v1/webhook_endpoints': { allowed: developers, request: async () => ({ url: '/v1/webhook_endpoints', body: {} }) },
  'POST /v1/webhook_endpoints/:id': { allowed: developers, request: async () => ({ url: `/v1/webhook_endpoints/${fakeId('we')}`, body: { description: 'x' } }) },
  'DELETE /v1/webhook_endpoints/:id': { allowed: developers, request: async () => ({ url: `/v1/webhook_endpoints/${fakeId('we')}` }) },
  'GET /v1/webhook_endpoints/:id/deliveries': { allowed: developers, request: async () => ({ url: `/v1/webhook_endpoints/${fakeId('we')}/deliveries` }) },
  'GET /v1/events': { allowed: developers, request: async () => ({ url: '/v1/events' }) },
  'GET /v1/events/:id': { allowed: developers, request: async () => ({ url: `/v1/events/${fakeId('evt')}` }) },
  'POST /v1/events/:id/redeliver': { allowed: developers, request: async () => ({ url: `/v1/events/${fakeId('evt')}/redeliver`, body: {} }) },
  'GET /v1/support_requests': { allowed: supportAgents, request: async () => ({ url: '/v1/support_requests' }) },
  'GET /v1/support_requests/:id': { allowed: supportAgents, request: async () => ({ url: `/v1/support_requests/${fakeId('sr')}` }) },
  'POST /v1/support_requests/:id/replies': { allowed: supportAgents, request: async () => ({ url: `/v1/support_requests/${fakeId('sr')}/replies`, body: { message: 'hello' } }) },
  'POST /v1/support_requests/:id/resolve': { allowed: supportAgents, request: async () => ({ url: `/v1/support_requests/${fakeId('sr')}/resolve`, body: {} }) },
  'POST /v1/support_requests/:id/reopen': { allowed: supportAgents, request: async () => ({ url: `/v1/support_requests/${fakeId('sr')}/reopen`, body: {} }) },
  'GET /v1/analytics/support': { allowed: supportFigures, request: async () => ({ url: `/v1/analytics/support?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z` }) },
  'GET /v1/coupons': { allowed: couponReaders, request: async () => ({ url: '/v1/coupons' }) },
  'GET /v1/coupons/:id': { allowed: couponReaders, request: async () => ({ url: `/v1/coupons/${fakeId('cpn')}` }) },
  'GET /v1/coupons/:id/redemptions': { allowed: couponReaders, request: async () => ({ url: `/v1/coupons/${fakeId('cpn')}/redemptions` }) },
  'POST /v1/coupons': { allowed: couponManagers, request: async () => ({ url: '/v1/coupons', body: { code: `ROLE${(counter += 1)}X${Date.now()}`, currency: 'CNY', percent_off: 5 } }) },
  'POST /v1/coupons/:id/disable': { allowed: couponManagers, request: async () => ({ url: `/v1/coupons/${fakeId('cpn')}/disable`, body: {} }) },
  'GET /v1/analytics/coupons': { allowed: couponReaders, request: async () => ({ url: `/v1/analytics/coupons?${range}` }) },
  'GET /v1/experiments': { allowed: couponReaders, request: async () => ({ url: '/v1/experiments' }) },
  'GET /v1/experiments/:id': { allowed: couponReaders, request: async () => ({ url: `/v1/experiments/${fakeId('exp')}` }) },
  'GET /v1/experiments/:id/results': { allowed: couponReaders, request: async () => ({ url: `/v1/experiments/${fakeId('exp')}/results` }) },
  'GET /v1/checkout_setting': { allowed: couponReaders, request: async () => ({ url: '/v1/checkout_setting' }) },
  'POST /v1/experiments': { allowed: ownerAdmin, request: async () => ({ url: '/v1/experiments', body: { name: 'Role check', variants: [{ key: 'a', share: 0.5 }, { key: 'b', share: 0.5 }] } }) },
  'POST /v1/experiments/:id/start': { allowed: ownerAdmin, request: async () => ({ url: `/v1/experiments/${fakeId('exp')}/start`, body: {} }) },
  'POST /v1/experiments/:id/stop': { allowed: ownerAdmin, request: async () => ({ url: `/v1/experiments/${fakeId('exp')}/stop`, body: {} }) },
  'GET /v1/loyalty/programme': { allowed: loyaltyReaders, request: async () => ({ url: '/v1/loyalty/programme' }) },
  'PUT /v1/loyalty/programme': { allowed: ownerAdmin, request: async () => ({ url: '/v1/loyalty/programme', body: loyaltyProgramme }) },
  'GET /v1/risk_rules': { allowed: riskReaders, request: async () => ({ url: '/v1/risk_rules' }) },
  'GET /v1/risk_rules/signals': { allowed: riskReaders, request: async () => ({ url: '/v1/risk_rules/signals' }) },
  'GET /v1/risk_rules/:id': { allowed: riskReaders, request: async () => ({ url: `/v1/risk_rules/${fakeId('rsk')}` }) },
  // Bodies the schema refuses: the gate is what is checked, and no rule or entry is left to check later payments.
  'POST /v1/risk_rules': { allowed: riskRuleWriters, request: async () => ({ url: '/v1/risk_rules', body: {} }) },
  'POST /v1/risk_rules/:id': { allowed: riskRuleWriters, request: async () => ({ url: `/v1/risk_rules/${fakeId('rsk')}`, body: { enabled: false } }) },
  'DELETE /v1/risk_rules/:id': { allowed: riskRuleWriters, request: async () => ({ url: `/v1/risk_rules/${fakeId('rsk')}` }) },
  'POST /v1/risk_rules/order': { allowed: riskRuleWriters, request: async () => ({ url: '/v1/risk_rules/order', body: { rules: [] } }) },
  'POST /v1/risk_rules/backtest': { allowed: riskRuleWriters, request: async () => ({ url: '/v1/risk_rules/backtest', body: { expression: 'amount > 100', action: 'block' } }) },
  'POST /v1/risk_rules/:id/backtest': { allowed: riskRuleWriters, request: async () => ({ url: `/v1/risk_rules/${fakeId('rsk')}/backtest`, body: {} }) },
  'GET /v1/reviews': { allowed: riskReaders, request: async () => ({ url: '/v1/reviews' }) },
  'POST /v1/reviews/:id/approve': { allowed: fraudHandlers, request: async () => ({ url: `/v1/reviews/${fakeId('pay')}/approve`, body: {} }) },
  'POST /v1/reviews/:id/reject': { allowed: fraudHandlers, request: async () => ({ url: `/v1/reviews/${fakeId('pay')}/reject`, body: {} }) },
  'GET /v1/blocklists': { allowed: blocklistReaders, request: async () => ({ url: '/v1/blocklists' }) },
  'POST /v1/blocklists': { allowed: fraudHandlers, request: async () => ({ url: '/v1/blocklists', body: {} }) },
  'DELETE /v1/blocklists/:id': { allowed: fraudHandlers, request: async () => ({ url: `/v1/blocklists/${fakeId('blk')}` }) },
  'GET /v1/payments/:id/risk': { allowed: payments, request: async () => ({ url: `/v1/payments/${fakeId('pay')}/risk` }) },
  'POST /v1/payments/:id/fraud': { allowed: fraudHandlers, request: async () => ({ url: `/v1/payments/${fakeId('pay')}/fraud`, body: {} }) },
  'GET /v1/analytics/risk': { allowed: riskReaders, request: async () => ({ url: `/v1/analytics/risk?${range}` }) },
  'GET /v1/connector_accounts': { allowed: developers, request: async () => ({ url: '/v1/connector_accounts' }) },
  'POST /v1/connector_accounts': { allowed: developers, request: async () => ({ url: '/v1/connector_accounts', body: {} }) },
  'POST /v1/connector_accounts/:id': { allowed: developers, request: async () => ({ url: `/v1/connector_accounts/${fakeId('ca')}`, body: { priority: 50 } }) },
};

const gateCodes = ['console_session_required', 'console_csrf_invalid', 'console_role_forbidden', 'console_enrolment_required', 'console_route_unavailable', 'api_key_invalid'];

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  let address = 0;
  for (const role of consoleRoles) {
    sessions[role] = await signedInMember(stack, stack.merchant.merchantId, role, v1Email(role), { address: `10.7.0.${(address += 1)}`, totpAt: nowCode });
  }
  const other = await stack.newMerchant({ name: 'Other V1 Merchant' });
  otherOwner = await signedInMember(stack, other.merchant.merchantId, 'owner', v1Email('other-owner'), { address: '10.7.1.1', totpAt: nowCode });
}, 180_000);
afterAll(async () => stack?.close());

const test = { 'paypilot-mode': 'test' };

describe('the role × /v1 route matrix for sessions', () => {
  it('covers every route of the session table, and only routes the app has', () => {
    expect(Object.keys(calls).sort()).toEqual(Object.keys(sessionRoutes).sort());
    const registered = new Set(
      Object.entries((stack.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    expect(Object.keys(sessionRoutes).filter((route) => !registered.has(route))).toEqual([]);
    // The console's own routes stay out of the public API's description (docs/console-api.md has them).
    expect([...registered].filter((route) => route.includes('/console/'))).toEqual([]);
  });

  for (const role of consoleRoles) {
    it(`gives ${role} exactly the /v1 routes its role allows`, async () => {
      const outcomes: string[] = [];
      for (const [route, call] of Object.entries(calls)) {
        const { url, body } = await call.request();
        const method = route.split(' ')[0]!;
        const answer = await sessions[role].request(method, url, body, { headers: test });
        const code = answer.body?.error?.code;
        if (call.allowed.includes(role)) {
          if (answer.status === 401 || gateCodes.includes(code)) outcomes.push(`${route}: refused ${answer.status} ${code}`);
        } else if (answer.status !== 403 || code !== 'console_role_forbidden') {
          outcomes.push(`${route}: not refused (${answer.status} ${code})`);
        }
      }
      expect(outcomes).toEqual([]);
    });
  }

  it('refuses sessions every /v1 route outside the table, money-moving writes first, and changes nothing', async () => {
    const paid = await testPayment();
    for (const [method, url, body] of [
      ['POST', '/v1/refunds', { payment: paid }],
      ['POST', `/v1/payments/${paid}/capture`, {}],
      ['POST', `/v1/payments/${paid}/cancel`, {}],
      ['POST', '/v1/payments', { amount: 100, currency: 'CNY' }],
      ['POST', `/v1/customers/${fakeId('cus')}/wallet/top_ups`, { amount: 100, currency: 'CNY' }],
    ] as const) {
      const answer = await sessions.owner.request(method, url, body, { headers: test });
      expect({ url, status: answer.status, code: answer.body.error?.code }).toEqual({ url, status: 403, code: 'console_route_unavailable' });
    }
    expect((await stack.api('GET', `/v1/payments/${paid}`)).body.amount_refunded).toBe(0);
  });

  it('refuses without a session, with an expired one, and a write without the CSRF token', async () => {
    const stranger = new ConsoleClient(stack, '10.7.2.1');
    expect((await stranger.request('GET', '/v1/payments', undefined, { headers: test })).body.error.code).toBe('api_key_invalid');
    const expiringEmail = v1Email('expiring');
    const expiring = await signedInMember(stack, stack.merchant.merchantId, 'developer', expiringEmail, { address: '10.7.2.2', totpAt: nowCode });
    expect((await expiring.request('GET', '/v1/api_keys', undefined, { headers: test })).status).toBe(200);
    await sql`update console_sessions set last_seen_at = last_seen_at - interval '31 minutes' where ended_at is null and member_id = (select id from console_members where email = ${expiringEmail})`.execute(stack.db.db);
    for (const [route, call] of Object.entries(calls)) {
      const { url, body } = await call.request();
      const answer = await expiring.request(route.split(' ')[0]!, url, body, { headers: test });
      expect({ route, status: answer.status, code: answer.body.error?.code }).toEqual({ route, status: 401, code: 'console_session_required' });
    }
    const developer = sessions.developer;
    for (const [route, call] of Object.entries(calls).filter(([route]) => !route.startsWith('GET'))) {
      const { url, body } = await call.request();
      const answer = await developer.request(route.split(' ')[0]!, url, body, { csrf: null, headers: test });
      expect({ route, status: answer.status, code: answer.body.error?.code }).toEqual({ route, status: 403, code: 'console_csrf_invalid' });
    }
  });

  it("shows another merchant's session none of this merchant's objects", async () => {
    const paid = await testPayment();
    const answer = await otherOwner.request('GET', `/v1/payments/${paid}`, undefined, { headers: test });
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 404, code: 'resource_missing' });
    const list = await otherOwner.request('GET', '/v1/payments', undefined, { headers: test });
    expect(list.body.data.map((p: { id: string }) => p.id)).not.toContain(paid);
  });
});

describe('a session on /v1', () => {
  it('reads live data unless Paypilot-Mode says test, and refuses any other mode', async () => {
    const paid = await testPayment();
    const developer = sessions.developer;
    expect((await developer.request('GET', `/v1/payments/${paid}`, undefined, { headers: test })).status).toBe(200);
    expect((await developer.request('GET', `/v1/payments/${paid}`)).body.error.code).toBe('resource_missing');
    const wrong = await developer.request('GET', '/v1/payments', undefined, { headers: { 'paypilot-mode': 'staging' } });
    expect({ status: wrong.status, param: wrong.body.error.param }).toEqual({ status: 400, param: 'Paypilot-Mode' });
  });

  it('keeps Idempotency-Keys per member and mode: a retry replays, another member does not', async () => {
    const key = `create-${emailRun}-${(counter += 1)}`;
    const headers = { ...test, 'idempotency-key': key };
    const first = await sessions.developer.request('POST', '/v1/api_keys', { kind: 'publishable' }, { headers });
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^pk_test_/);
    const again = await sessions.developer.request('POST', '/v1/api_keys', { kind: 'publishable' }, { headers });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect({ id: again.body.id, secret: again.body.secret }).toEqual({ id: first.body.id, secret: null });
    const otherMember = await sessions.owner.request('POST', '/v1/api_keys', { kind: 'publishable' }, { headers });
    expect(otherMember.headers['idempotent-replayed']).toBeUndefined();
    expect(otherMember.body.id).not.toBe(first.body.id);
  });

  it('lets a request with an API key be the key’s, whatever cookie it carries (no CSRF asked)', async () => {
    const answer = await sessions.analyst.request('GET', '/v1/api_keys', undefined, { headers: { authorization: `Bearer ${stack.secretKey}` } });
    expect(answer.status).toBe(200);
  });

  it('stops working on /v1 once the member signs out', async () => {
    const leaving = await signedInMember(stack, stack.merchant.merchantId, 'developer', v1Email('leaving'), { address: '10.7.3.1', totpAt: nowCode });
    expect((await leaving.request('GET', '/v1/api_keys', undefined, { headers: test })).status).toBe(200);
    expect((await leaving.request('POST', '/console/api/sign_out')).status).toBe(200);
    expect((await leaving.request('GET', '/v1/api_keys', undefined, { headers: test })).body.error.code).toBe('console_session_required');
  });
});

describe('the audit trail of /v1 writes', () => {
  async function rowsFor(objectId: string) {
    return stack.db.db.selectFrom('audit_log').selectAll().where('merchant_id', '=', stack.merchant.merchantId).where('object_id', '=', objectId).orderBy('seq').execute();
  }

  it('records a key’s refund, capture and cancel with the key, the address and the values before and after', async () => {
    const paid = await testPayment();
    const refund = await stack.api('POST', '/v1/refunds', { payment: paid, amount: 234 });
    expect(refund.status).toBe(200);
    const held = (await stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY', capture_method: 'manual' })).body.id;
    await stack.api('POST', `/v1/payments/${held}/confirm`, { payment_method: card('4242424242424242') });
    expect((await stack.api('POST', `/v1/payments/${held}/capture`, {})).status).toBe(200);
    const open = (await stack.api('POST', '/v1/payments', { amount: 600, currency: 'CNY' })).body.id;
    expect((await stack.api('POST', `/v1/payments/${open}/cancel`, { cancellation_reason: 'duplicate' })).status).toBe(200);

    const [refunded] = await rowsFor(paid);
    expect(refunded).toMatchObject({ action: 'payment.refunded', actor_type: 'api_key', object_type: 'payment', address: '127.0.0.1' });
    expect(refunded!.actor_id).toMatch(/^key_/);
    expect(refunded!.before).toMatchObject({ status: 'succeeded', amount_refunded: '0' });
    expect(refunded!.after).toMatchObject({ id: refund.body.id, amount: 234, status: 'succeeded', mode: 'test', request_fields: ['amount', 'payment'] });
    const [captured] = await rowsFor(held);
    expect(captured).toMatchObject({ action: 'payment.captured', before: { status: 'requires_capture' }, after: { status: 'succeeded', amount_received: 500 } });
    const [canceled] = await rowsFor(open);
    expect(canceled).toMatchObject({ action: 'payment.canceled', before: { status: 'requires_payment_method' }, after: { status: 'canceled', cancellation_reason: 'duplicate' } });
  });

  it('records a member’s key, webhook, connector account and settings changes by the member, never a secret, and nothing for a replay', async () => {
    const developer = sessions.developer;
    const created = await developer.request('POST', '/v1/api_keys', { kind: 'secret' }, { headers: { ...test, 'idempotency-key': `audit-${emailRun}` } });
    expect(created.status).toBe(200);
    await developer.request('POST', '/v1/api_keys', { kind: 'secret' }, { headers: { ...test, 'idempotency-key': `audit-${emailRun}` } });
    const rolled = await developer.request('POST', `/v1/api_keys/${created.body.id}/roll`, { expires_in_seconds: 60 }, { headers: test });
    expect(rolled.status).toBe(200);
    const revoked = await developer.request('POST', `/v1/api_keys/${created.body.id}/revoke`, {}, { headers: test });
    expect(revoked.status).toBe(200);
    const keyRows = await rowsFor(created.body.id);
    expect(keyRows.map((row) => row.action)).toEqual(['api_key.created', 'api_key.rolled', 'api_key.revoked']);
    const member = (await developer.request('GET', '/console/api/session')).body.member;
    for (const row of keyRows) expect({ type: row.actor_type, id: row.actor_id, label: row.actor_label }).toEqual({ type: 'member', id: member.id, label: member.email });
    expect(keyRows[2]!.before).toMatchObject({ id: created.body.id });

    const endpoint = await developer.request('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['payment.succeeded'] }, { headers: test });
    expect(endpoint.status).toBe(200);
    expect((await developer.request('POST', `/v1/webhook_endpoints/${endpoint.body.id}`, { description: 'orders' }, { headers: test })).status).toBe(200);
    const endpointRows = await rowsFor(endpoint.body.id);
    expect(endpointRows.map((row) => row.action)).toEqual(['webhook_endpoint.created', 'webhook_endpoint.updated']);
    expect(endpointRows[1]!.before).toMatchObject({ description: null });
    expect(endpointRows[1]!.after).toMatchObject({ description: 'orders' });

    const accounts = await developer.request('GET', '/v1/connector_accounts', undefined, { headers: test });
    const account = accounts.body.data[0].id as string;
    expect((await developer.request('POST', `/v1/connector_accounts/${account}`, { enabled: false }, { headers: test })).body.enabled).toBe(false);
    expect((await developer.request('POST', `/v1/connector_accounts/${account}`, { enabled: true, priority: 70 }, { headers: test })).body.priority).toBe(70);
    const accountRows = (await rowsFor(account)).filter((row) => row.action === 'connector_account.updated');
    expect(accountRows.map((row) => [row.before?.enabled, row.after?.enabled, row.after?.priority])).toEqual([
      [true, false, 50],
      [false, true, 70],
    ]);

    const operationsEmail = `ops-${(counter += 1)}@${emailRun}.example.com`;
    expect((await sessions.owner.request('POST', '/v1/alert_settings', { operations_email: operationsEmail }, { headers: test })).status).toBe(200);
    const [settings] = await stack.db.db
      .selectFrom('audit_log')
      .selectAll()
      .where('merchant_id', '=', stack.merchant.merchantId)
      .where('action', '=', 'settings.alerts_changed')
      .orderBy('seq', 'desc')
      .limit(1)
      .execute();
    expect(settings!.after).toMatchObject({ operations_email: operationsEmail });

    const everything = JSON.stringify(await stack.db.db.selectFrom('audit_log').select(['before', 'after']).where('merchant_id', '=', stack.merchant.merchantId).execute());
    for (const secret of [created.body.secret, rolled.body.secret, endpoint.body.secret, stack.secretKey]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('whsec_');
  });

  it('shows the writes in the audit log viewer, filtered by actor type and an action prefix', async () => {
    const keyed = await sessions.owner.request('GET', '/console/api/audit_log?actor_type=api_key&action=payment.&limit=100');
    expect(keyed.status).toBe(200);
    expect(keyed.body.data.length).toBeGreaterThanOrEqual(3);
    for (const row of keyed.body.data) {
      expect(row.actor.type).toBe('api_key');
      expect(row.action.startsWith('payment.')).toBe(true);
    }
  });
});

describe('recent API requests', () => {
  it('lists the merchant’s /v1 requests with path (no query string), status, error code and caller, newest first', async () => {
    await stack.api('GET', '/v1/payments?limit=3&customer=cus_secretish');
    await stack.api('GET', `/v1/payments/${fakeId('pay')}`);
    await sessions.developer.request('GET', '/v1/api_keys?limit=2', undefined, { headers: test });
    await requestLogOf(stack.app)!.flush();
    const listed = await sessions.developer.request('GET', '/console/api/requests?limit=20');
    expect(listed.status).toBe(200);
    const [byMember, missing, list] = listed.body.data;
    expect(byMember).toMatchObject({ method: 'GET', path: '/v1/api_keys', route: '/v1/api_keys', status: 200, key: null, mode: 'test' });
    expect(byMember.member).toMatch(/^mem_/);
    expect(missing).toMatchObject({ path: `/v1/payments/${fakeId('pay')}`, route: '/v1/payments/:id', status: 404, error_code: 'resource_missing' });
    expect(missing.key).toMatch(/^key_/);
    expect(list).toMatchObject({ path: '/v1/payments', status: 200, error_code: null });
    expect(JSON.stringify(listed.body)).not.toContain('cus_secretish');
    const errors = await sessions.developer.request('GET', '/console/api/requests?status=4xx');
    expect(errors.body.data.every((row: { status: number }) => row.status >= 400 && row.status < 500)).toBe(true);
    const stored = await sql<{ n: number }>`select count(*)::int as n from api_request_log where path like '%?%'`.execute(stack.db.db);
    expect(stored.rows[0]!.n).toBe(0);
    const others = await otherOwner.request('GET', '/console/api/requests?limit=200');
    expect(others.body.data.some((row: { path: string }) => row.path === `/v1/payments/${fakeId('pay')}`)).toBe(false);
  });
});
