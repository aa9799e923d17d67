/**
 * Roles enforced by the server on every console endpoint: a role × endpoint
 * matrix written from the issue's words (not from the permission table it
 * checks), and the refusals every endpoint shares: no session, an expired
 * session, another merchant's session, a missing or wrong CSRF token.
 * Then the team's rules: ownership, the last owner, removal ending sessions.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consoleRoles, type ConsoleRole } from '../../src/domain/console/roles.ts';
import { totp } from '../../src/domain/console/totp.ts';
import { consoleRoutesOf } from '../../src/http/plugins/console-session.ts';
import { ConsoleClient, addMember, enrol, memberPassword, emailRun } from '../support/console.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.parse('2026-12-02T08:00:00Z'));
// scrypt is slow on purpose (0.3 s a hash on an idle machine, seconds on a loaded one): these tests get room for it.
vi.setConfig({ testTimeout: 90_000 });
let stack: Stack;
const sessions = {} as Record<ConsoleRole, ConsoleClient>;
let otherOwner: ConsoleClient;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${(counter += 1)}`;
const nowCode = (secret: Buffer) => totp(secret, clock.nowMs());

async function signedIn(merchantId: string, role: ConsoleRole, email: string): Promise<ConsoleClient> {
  await addMember(stack, merchantId, role, email);
  const browser = new ConsoleClient(stack, `10.2.${consoleRoles.indexOf(role)}.${(counter += 1) % 250}`);
  const answer = await browser.signIn({ email, password: memberPassword });
  expect(answer.status).toBe(200);
  if (role === 'owner' || role === 'admin') await enrol(browser, nowCode);
  return browser;
}

async function payment(kind: 'succeeded' | 'requires_capture' | 'open'): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY', ...(kind === 'requires_capture' ? { capture_method: 'manual' } : {}) });
  expect(created.status).toBe(200);
  if (kind !== 'open') {
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body.status).toBe(kind);
  }
  return created.body.id;
}

interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Builds a fresh target (a payment, a member) for each call, so an allowed call succeeds. */
  prepare(): Promise<{ url: string; body?: unknown }>;
  allowed: readonly ConsoleRole[] | 'all';
  /** An allowed call answers 2xx (false where the call itself is refused on its merits, like a made-up code). */
  succeeds: boolean;
}

const ownerAdmin = ['owner', 'admin'] as const;
const range = 'from=2026-11-01&to=2026-12-31';

// Item 3 of the issue, endpoint by endpoint.
const endpoints: Endpoint[] = [
  { name: 'read the session', method: 'GET', prepare: async () => ({ url: '/console/api/session' }), allowed: 'all', succeeds: true },
  { name: 'start 2FA enrolment', method: 'POST', prepare: async () => ({ url: '/console/api/two_factor/enrolment' }), allowed: 'all', succeeds: false },
  { name: 'confirm 2FA', method: 'POST', prepare: async () => ({ url: '/console/api/two_factor/confirmation', body: { code: '000000' } }), allowed: 'all', succeeds: false },
  { name: 'turn 2FA off', method: 'POST', prepare: async () => ({ url: '/console/api/two_factor/disable', body: { code: '000000' } }), allowed: 'all', succeeds: false },
  { name: 'list the team', method: 'GET', prepare: async () => ({ url: '/console/api/members' }), allowed: ownerAdmin, succeeds: true },
  {
    name: 'invite a member',
    method: 'POST',
    prepare: async () => ({ url: '/console/api/members', body: { email: `${unique('invitee')}@${emailRun}.example.com`, role: 'analyst' } }),
    allowed: ownerAdmin,
    succeeds: true,
  },
  {
    name: 'change a role',
    method: 'POST',
    prepare: async () => {
      const target = await addMember(stack, stack.merchant.merchantId, 'operator', `${unique('target')}@${emailRun}.example.com`);
      return { url: `/console/api/members/${target.id}`, body: { role: 'support' } };
    },
    allowed: ownerAdmin,
    succeeds: true,
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    prepare: async () => {
      const target = await addMember(stack, stack.merchant.merchantId, 'analyst', `${unique('leaver')}@${emailRun}.example.com`);
      return { url: `/console/api/members/${target.id}` };
    },
    allowed: ownerAdmin,
    succeeds: true,
  },
  { name: 'read the audit log', method: 'GET', prepare: async () => ({ url: '/console/api/audit_log' }), allowed: ownerAdmin, succeeds: true },
  { name: 'read the refund limits', method: 'GET', prepare: async () => ({ url: '/console/api/settings/refund_limits' }), allowed: ownerAdmin, succeeds: true },
  {
    name: 'set a refund limit',
    method: 'POST',
    prepare: async () => ({ url: '/console/api/settings/refund_limits', body: { currency: 'CNY', amount_max: 100_000 } }),
    allowed: ownerAdmin,
    succeeds: true,
  },
  { name: 'list payments', method: 'GET', prepare: async () => ({ url: '/console/api/payments?mode=test' }), allowed: ['owner', 'admin', 'developer', 'operator', 'support'], succeeds: true },
  {
    name: 'read a payment',
    method: 'GET',
    prepare: async () => ({ url: `/console/api/payments/${await payment('open')}?mode=test` }),
    allowed: ['owner', 'admin', 'developer', 'operator', 'support'],
    succeeds: true,
  },
  {
    name: 'refund a payment',
    method: 'POST',
    prepare: async () => ({ url: `/console/api/payments/${await payment('succeeded')}/refund?mode=test`, body: { amount: 500 } }),
    allowed: ['owner', 'admin', 'operator', 'support'],
    succeeds: true,
  },
  {
    name: 'capture a payment',
    method: 'POST',
    prepare: async () => ({ url: `/console/api/payments/${await payment('requires_capture')}/capture?mode=test` }),
    allowed: ['owner', 'admin', 'operator'],
    succeeds: true,
  },
  {
    name: 'cancel a payment',
    method: 'POST',
    prepare: async () => ({ url: `/console/api/payments/${await payment('open')}/cancel?mode=test`, body: { cancellation_reason: 'duplicate' } }),
    allowed: ['owner', 'admin', 'operator'],
    succeeds: true,
  },
  { name: 'read analytics', method: 'GET', prepare: async () => ({ url: `/console/api/analytics/summary?${range}&mode=test` }), allowed: ['owner', 'admin', 'analyst'], succeeds: true },
  { name: 'choose a language', method: 'POST', prepare: async () => ({ url: '/console/api/session/preferences', body: { locale: 'en' } }), allowed: 'all', succeeds: true },
  { name: 'read the settings', method: 'GET', prepare: async () => ({ url: '/console/api/settings?mode=test' }), allowed: ownerAdmin, succeeds: true },
  { name: 'change the settings', method: 'POST', prepare: async () => ({ url: '/console/api/settings', body: { support_phone: '+86 21 5555 0100' } }), allowed: ownerAdmin, succeeds: true },
  {
    name: "read a payment's timeline",
    method: 'GET',
    prepare: async () => ({ url: `/console/api/payments/${await payment('succeeded')}/timeline?mode=test` }),
    allowed: ['owner', 'admin', 'developer', 'operator', 'support'],
    succeeds: true,
  },
  { name: "resend a payer's email", method: 'POST', prepare: async () => ({ url: `/console/api/messages/${await payerMessage()}/resend?mode=test` }), allowed: ['owner', 'admin', 'support'], succeeds: true },
  { name: 'search customers', method: 'GET', prepare: async () => ({ url: '/console/api/customers?mode=test' }), allowed: ['owner', 'admin', 'operator', 'support'], succeeds: true },
  {
    name: 'read a customer',
    method: 'GET',
    prepare: async () => ({ url: `/console/api/customers/${await customer()}?mode=test` }),
    allowed: ['owner', 'admin', 'operator', 'support'],
    succeeds: true,
  },
  {
    name: 'read channel figures',
    method: 'GET',
    prepare: async () => ({ url: `/console/api/channels?from=2026-12-01&to=2026-12-03&granularity=day&mode=test` }),
    allowed: ['owner', 'admin', 'developer', 'analyst'],
    succeeds: true,
  },
  {
    name: 'read the comments payers left with their ratings',
    method: 'GET',
    prepare: async () => ({ url: '/console/api/feedback/comments?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&mode=test' }),
    allowed: ['owner', 'admin', 'analyst'],
    succeeds: true,
  },
  { name: 'read connector accounts and their health', method: 'GET', prepare: async () => ({ url: '/console/api/channels/accounts?mode=test' }), allowed: ['owner', 'admin', 'developer', 'analyst'], succeeds: true },
  {
    name: 'read reconciliation runs',
    method: 'GET',
    prepare: async () => ({ url: '/console/api/reconciliation/runs?mode=test' }),
    allowed: ['owner', 'admin', 'developer', 'operator', 'support'],
    succeeds: true,
  },
  {
    name: 'read reconciliation mismatches',
    method: 'GET',
    prepare: async () => ({ url: '/console/api/reconciliation/mismatches?mode=test' }),
    allowed: ['owner', 'admin', 'developer', 'operator', 'support'],
    succeeds: true,
  },
  {
    name: 'read the after-sales queue',
    method: 'GET',
    prepare: async () => ({ url: '/console/api/after_sales_requests?mode=test' }),
    allowed: ['owner', 'admin', 'operator'],
    succeeds: true,
  },
  { name: 'read recent API requests', method: 'GET', prepare: async () => ({ url: '/console/api/requests' }), allowed: ['owner', 'admin', 'developer'], succeeds: true },
];

async function customer(): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { email: `${unique('payer')}@${emailRun}.example.com`, name: 'Payer' });
  expect(created.status).toBe(200);
  return created.body.id;
}

/** A receipt sent to the payer of a new payment (written directly: no worker runs in this file). */
async function payerMessage(): Promise<string> {
  const paymentId = await payment('succeeded');
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
      locale: 'en',
      customer_id: null,
      payment_id: paymentId,
      event_id: null,
      subject: 'Your receipt',
      body_text: 'Thank you',
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
  return id;
}

const gateCodes = ['console_session_required', 'console_csrf_invalid', 'console_role_forbidden', 'console_enrolment_required'];

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  for (const role of consoleRoles) sessions[role] = await signedIn(stack.merchant.merchantId, role, `${role}@${emailRun}.example.com`);
  // Support may refund up to 10.00 CNY per payment (the matrix refunds 5.00).
  expect((await sessions.owner.request('POST', '/console/api/settings/refund_limits', { currency: 'CNY', amount_max: 1000 })).status).toBe(200);
  const other = await stack.newMerchant({ name: 'Other Merchant' });
  otherOwner = await signedIn(other.merchant.merchantId, 'owner', `owner@${emailRun}.other.example`);
}, 120_000);
afterAll(async () => stack?.close());

describe('the role × endpoint matrix', () => {
  it('covers every console route the app registers (but the public ones, and sign-out, tested on its own below)', async () => {
    const registered = consoleRoutesOf(stack.app)
      .filter((route) => route.access !== 'public' && route.url !== '/console/api/sign_out')
      .map((route) => `${route.method} ${route.url}`)
      .sort();
    const covered: string[] = [];
    for (const endpoint of endpoints) {
      const { url } = await endpoint.prepare();
      const path = url.split('?')[0]!.replace(/\/(pay|mem|msg|cus)_[0-9a-z]{26}/, '/:id');
      covered.push(`${endpoint.method} ${path}`);
    }
    expect(covered.sort()).toEqual(registered);
    expect(consoleRoutesOf(stack.app).filter((route) => route.access === 'public').map((route) => route.url).sort()).toEqual([
      '/console/api/password/forgot',
      '/console/api/password/set',
      '/console/api/sign_in',
    ]);
  });

  for (const role of consoleRoles) {
    it(`gives ${role} exactly what its role allows`, async () => {
      const outcomes: string[] = [];
      for (const endpoint of endpoints) {
        const { url, body } = await endpoint.prepare();
        const answer = await sessions[role].request(endpoint.method, url, body);
        const allowed = endpoint.allowed === 'all' || endpoint.allowed.includes(role);
        const code = answer.body?.error?.code;
        if (allowed) {
          if (gateCodes.includes(code) || (endpoint.succeeds && (answer.status < 200 || answer.status > 299))) outcomes.push(`${endpoint.name}: refused ${answer.status} ${code}`);
        } else if (answer.status !== 403 || code !== 'console_role_forbidden') {
          outcomes.push(`${endpoint.name}: not refused (${answer.status} ${code})`);
        }
      }
      expect(outcomes).toEqual([]);
    });
  }

  it('lets support refund up to the limit the owner set, and no more', async () => {
    // The matrix above changed the limit: set it here, to 10.00 CNY per payment.
    expect((await sessions.owner.request('POST', '/console/api/settings/refund_limits', { currency: 'CNY', amount_max: 1000 })).status).toBe(200);
    const paid = await payment('succeeded');
    const over = await sessions.support.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 1001 });
    expect(over.status).toBe(403);
    expect(over.body.error.code).toBe('console_refund_over_limit');
    expect(over.body.error.message).toContain('10.00 CNY');
    // All that remains (12.34) is over the limit too; the operator may refund it.
    expect((await sessions.support.request('POST', `/console/api/payments/${paid}/refund?mode=test`, {})).body.error.code).toBe('console_refund_over_limit');
    expect((await sessions.support.request('POST', `/console/api/payments/${paid}/refund?mode=test`, { amount: 1000 })).status).toBe(200);
    expect((await sessions.operator.request('POST', `/console/api/payments/${paid}/refund?mode=test`, {})).status).toBe(200);
    const api = await stack.api('GET', `/v1/payments/${paid}`);
    expect(api.body.amount_refunded).toBe(1234);
  });
});

describe('refusals every console endpoint shares', () => {
  it('refuses every endpoint without a session', async () => {
    const stranger = new ConsoleClient(stack, '10.2.9.1');
    const signOut = { name: 'sign out', method: 'POST' as const, prepare: async (): Promise<{ url: string; body?: unknown }> => ({ url: '/console/api/sign_out' }) };
    for (const endpoint of [...endpoints, signOut]) {
      const { url, body } = await endpoint.prepare();
      const answer = await stranger.request(endpoint.method, url, body);
      expect({ name: endpoint.name, status: answer.status, code: answer.body.error?.code }).toEqual({ name: endpoint.name, status: 401, code: 'console_session_required' });
    }
  });

  it('refuses every endpoint with an expired session', async () => {
    const expiring = await signedIn(stack.merchant.merchantId, 'owner', `expiring-owner@${emailRun}.example.com`);
    await sql`update console_sessions set last_seen_at = last_seen_at - interval '31 minutes' where ended_at is null and member_id = (select id from console_members where email = ${`expiring-owner@${emailRun}.example.com`})`.execute(stack.db.db);
    for (const endpoint of endpoints) {
      const { url, body } = await endpoint.prepare();
      const answer = await expiring.request(endpoint.method, url, body);
      expect({ name: endpoint.name, status: answer.status }).toEqual({ name: endpoint.name, status: 401 });
    }
  });

  it('refuses every state-changing endpoint without the CSRF token, with a wrong one, or with another session’s', async () => {
    const owner = sessions.owner;
    const secondSession = new ConsoleClient(stack, '10.2.9.2');
    clock.advanceMs(30_000);
    const member = await stack.db.db.selectFrom('console_members').select('id').where('email', '=', `owner@${emailRun}.example.com`).executeTakeFirstOrThrow();
    expect(member.id).toBeTruthy();
    for (const endpoint of endpoints.filter((e) => e.method !== 'GET')) {
      for (const csrf of [null, 'x'.repeat(43), 'not-the-token']) {
        const { url, body } = await endpoint.prepare();
        const answer = await owner.request(endpoint.method, url, body, { csrf });
        expect({ name: endpoint.name, status: answer.status, code: answer.body.error?.code }).toEqual({ name: endpoint.name, status: 403, code: 'console_csrf_invalid' });
      }
    }
    // Another live session's token is no good either: the token is bound to its session.
    await secondSession.signIn({ email: `analyst@${emailRun}.example.com`, password: memberPassword });
    const crossed = await owner.request('POST', '/console/api/settings/refund_limits', { currency: 'CNY', amount_max: 1000 }, { csrf: secondSession.csrf });
    expect(crossed.body.error.code).toBe('console_csrf_invalid');
  });

  it('refuses another merchant’s session any of this merchant’s objects, and shows it only its own', async () => {
    const paid = await payment('succeeded');
    const held = await payment('requires_capture');
    const target = await addMember(stack, stack.merchant.merchantId, 'operator', `not-yours@${emailRun}.example.com`);
    const attempts = [
      ['GET', `/console/api/payments/${paid}?mode=test`, undefined],
      ['POST', `/console/api/payments/${paid}/refund?mode=test`, {}],
      ['POST', `/console/api/payments/${held}/capture?mode=test`, {}],
      ['POST', `/console/api/payments/${held}/cancel?mode=test`, {}],
      ['POST', `/console/api/members/${target.id}`, { role: 'owner' }],
      ['DELETE', `/console/api/members/${target.id}`, undefined],
    ] as const;
    for (const [method, url, body] of attempts) {
      const answer = await otherOwner.request(method, url, body);
      expect({ url, status: answer.status, code: answer.body.error?.code }).toEqual({ url, status: 404, code: 'resource_missing' });
    }
    expect((await stack.api('GET', `/v1/payments/${paid}`)).body.amount_refunded).toBe(0);
    expect((await stack.api('GET', `/v1/payments/${held}`)).body.status).toBe('requires_capture');
    const team = await otherOwner.request('GET', '/console/api/members');
    expect(team.body.data.map((m: { email: string }) => m.email)).toEqual([`owner@${emailRun}.other.example`]);
    const trail = await otherOwner.request('GET', '/console/api/audit_log?limit=100');
    expect(trail.body.data.every((row: { actor: { label: string | null } }) => !String(row.actor.label).endsWith('@example.com'))).toBe(true);
    expect((await otherOwner.request('GET', '/console/api/payments?mode=test')).body.data).toEqual([]);
  });
});

describe('the team', () => {
  it('keeps ownership for owners: an admin can neither make, demote nor remove an owner', async () => {
    const owner = await addMember(stack, stack.merchant.merchantId, 'owner', `co-owner@${emailRun}.example.com`);
    const analyst = await addMember(stack, stack.merchant.merchantId, 'analyst', `climber@${emailRun}.example.com`);
    const admin = sessions.admin;
    for (const [method, url, body] of [
      ['POST', '/console/api/members', { email: `new-owner@${emailRun}.example.com`, role: 'owner' }],
      ['POST', `/console/api/members/${analyst.id}`, { role: 'owner' }],
      ['POST', `/console/api/members/${owner.id}`, { role: 'analyst' }],
      ['DELETE', `/console/api/members/${owner.id}`, undefined],
    ] as const) {
      const answer = await admin.request(method, url, body);
      expect({ url, code: answer.body.error?.code }).toEqual({ url, code: 'console_role_forbidden' });
    }
    expect((await sessions.owner.request('POST', `/console/api/members/${analyst.id}`, { role: 'owner' })).body.role).toBe('owner');
  });

  it('never removes or demotes the last owner, even when two owners demote each other at once', async () => {
    const other = await stack.newMerchant({ name: 'Two Owners' });
    const first = await signedIn(other.merchant.merchantId, 'owner', `first@${emailRun}.two-owners.example`);
    const second = await signedIn(other.merchant.merchantId, 'owner', `second@${emailRun}.two-owners.example`);
    const members = (await first.request('GET', '/console/api/members')).body.data as { id: string; email: string }[];
    const firstId = members.find((m) => m.email.startsWith('first'))!.id;
    const secondId = members.find((m) => m.email.startsWith('second'))!.id;
    const [a, b] = await Promise.all([
      first.request('POST', `/console/api/members/${secondId}`, { role: 'admin' }),
      second.request('POST', `/console/api/members/${firstId}`, { role: 'admin' }),
    ]);
    // One wins. The other is refused: as the last owner's demotion (409), or, when the winner's change committed
    // before its request was even checked, because its sender is no longer an owner (403). Never both through.
    expect([a.status, b.status].filter((status) => status === 200)).toHaveLength(1);
    expect(['console_last_owner', 'console_role_forbidden']).toContain([a, b].find((x) => x.status !== 200)?.body.error.code);
    const owners = await stack.db.db.selectFrom('console_members').select('id').where('merchant_id', '=', other.merchant.merchantId).where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
    const lastOwner = a.status === 200 ? first : second;
    const lastOwnerId = a.status === 200 ? firstId : secondId;
    expect((await lastOwner.request('POST', `/console/api/members/${lastOwnerId}`, { role: 'admin' })).body.error.code).toBe('console_last_owner');
    expect((await lastOwner.request('DELETE', `/console/api/members/${lastOwnerId}`)).body.error.code).toBe('console_last_owner');
  });

  it('ends a removed member’s sessions at once', async () => {
    const leaving = await signedIn(stack.merchant.merchantId, 'operator', `leaving@${emailRun}.example.com`);
    expect((await leaving.request('GET', '/console/api/session')).status).toBe(200);
    const member = (await leaving.request('GET', '/console/api/session')).body.member;
    const removed = await sessions.owner.request('DELETE', `/console/api/members/${member.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.sessions_ended).toBe(1);
    expect((await leaving.request('GET', '/console/api/session')).body.error.code).toBe('console_session_required');
    expect((await new ConsoleClient(stack, '10.2.9.3').signIn({ email: `leaving@${emailRun}.example.com`, password: memberPassword })).status).toBe(401);
  });

  it('signs every role out, ending only that session', async () => {
    for (const role of consoleRoles) {
      const spare = new ConsoleClient(stack, '10.2.9.4');
      // A second session of the same member (owners and admins stop at the second factor: no session, which is fine here).
      await spare.signIn({ email: `${role}@${emailRun}.example.com`, password: memberPassword });
      expect({ role, status: (await sessions[role].request('POST', '/console/api/sign_out')).status }).toEqual({ role, status: 200 });
      expect((await sessions[role].request('GET', '/console/api/session')).status).toBe(401);
      if (spare.cookie) expect((await spare.request('GET', '/console/api/session')).status).toBe(200);
    }
  });
});
