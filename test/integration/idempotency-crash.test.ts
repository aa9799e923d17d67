/**
 * A key's effect happens at most once, whatever crashes (issue 11, item 1).
 *
 * An API process is killed (SIGKILL) right after a keyed request committed
 * its effect and before the key was marked complete. The client retries the
 * same request with the same key: within the stale window it is told the
 * key is in use; after it, it is answered from what committed. Never a second
 * payment, refund or provider call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { requestHash } from '../../src/http/plugins/idempotency.ts';
import { card, ManualClock, startStack, testMasterKey, type ApiResponse, type Stack } from '../support/stack.ts';

let stack: Stack;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

/** Sends one keyed POST to a fresh API process that dies before completing the key; answers nothing (the connection drops). */
async function postThenCrash(path: string, body: unknown, idempotencyKey: string): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, ['test/support/crash-api-child.ts'], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_MASTER_KEY: testMasterKey.toString('base64') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the crash API exited early (${code})`)));
    });
    const answer = await fetch(`${address}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secretKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    }).then(
      () => 'answered',
      () => 'no answer',
    );
    expect(answer).toBe('no answer');
    await exited;
  } finally {
    child.kill('SIGKILL');
  }
}

function retry(path: string, body: unknown, idempotencyKey: string): Promise<ApiResponse> {
  return stack.api('POST', path, body, { headers: { 'idempotency-key': idempotencyKey } });
}

/** Retries inside the stale window (refused as in use), then after it (answered from what committed). */
async function retryAcrossStaleWindow(path: string, body: unknown, idempotencyKey: string): Promise<ApiResponse> {
  clock.setMs(Date.now());
  const early = await retry(path, body, idempotencyKey);
  expect(early.status, JSON.stringify(early.body)).toBe(409);
  expect(early.body.error.code).toBe('idempotency_key_in_use');
  clock.setMs(Date.now() + limits.idempotencyInProgressStaleMs + 60_000);
  const late = await retry(path, body, idempotencyKey);
  expect(late.status, JSON.stringify(late.body)).toBe(200);
  expect(late.headers.get('idempotent-replayed')).toBe('true');
  // And from then on the same answer is replayed.
  const again = await retry(path, body, idempotencyKey);
  expect(again.status).toBe(200);
  expect(again.body).toEqual(late.body);
  return late;
}

async function paymentsWithMarker(marker: string): Promise<string[]> {
  const rows = await stack.db.db
    .selectFrom('payments')
    .select('id')
    .where('merchant_id', '=', stack.merchant.merchantId)
    .where(({ eb, ref }) => eb(ref('metadata', '->>').key('marker' as never), '=', marker))
    .execute();
  return rows.map((row) => row.id);
}

async function confirmedPayment(captureMethod: 'automatic' | 'manual'): Promise<string> {
  clock.setMs(Date.now());
  const created = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY', capture_method: captureMethod });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.body.status).toBe(captureMethod === 'manual' ? 'requires_capture' : 'succeeded');
  return created.body.id;
}

describe('a crash between the effect and the key completing', () => {
  it('coupon create: one coupon, the retry answers it', async () => {
    const key = `crash-coupon-${randomUUID()}`;
    const code = `CRASH${Date.now().toString(36).toUpperCase()}`;
    const body = { code, currency: 'CNY', percent_off: 10 };
    await postThenCrash('/v1/coupons', body, key);
    const made = () => stack.db.db.selectFrom('coupons').select('id').where('merchant_id', '=', stack.merchant.merchantId).where('code', '=', code).execute();
    expect(await made()).toHaveLength(1);
    const answer = await retryAcrossStaleWindow('/v1/coupons', body, key);
    const ids = (await made()).map((row) => row.id);
    expect(ids).toHaveLength(1);
    expect(answer.body).toMatchObject({ id: ids[0], code, percent_off: 10 });
  });

  it('experiment create: one experiment, the retry answers it', async () => {
    const key = `crash-experiment-${randomUUID()}`;
    const name = `Crash ${randomUUID()}`;
    const body = { name, variants: [{ key: 'control', share: 0.5 }, { key: 'treatment', share: 0.5, presentation: { coupon_field: 'open' } }] };
    await postThenCrash('/v1/experiments', body, key);
    const made = () => stack.db.db.selectFrom('experiments').select('id').where('merchant_id', '=', stack.merchant.merchantId).where('name', '=', name).execute();
    expect(await made()).toHaveLength(1);
    const answer = await retryAcrossStaleWindow('/v1/experiments', body, key);
    const ids = (await made()).map((row) => row.id);
    expect(ids).toHaveLength(1);
    expect(answer.body).toMatchObject({ id: ids[0], name, status: 'draft' });
  });

  it('experiment stop with a promotion: stopped and promoted once, the retry answers the stopped experiment', async () => {
    clock.setMs(Date.now());
    const created = await stack.api('POST', '/v1/experiments', { name: `Crash stop ${randomUUID()}`, variants: [{ key: 'control', share: 0.5 }, { key: 'treatment', share: 0.5, presentation: { pay_button_label: 'pay_securely' } }] });
    expect((await stack.api('POST', `/v1/experiments/${created.body.id}/start`, {})).status).toBe(200);
    const key = `crash-experiment-stop-${randomUUID()}`;
    const body = { promote: 'treatment' };
    await postThenCrash(`/v1/experiments/${created.body.id}/stop`, body, key);
    const setting = await stack.api('GET', '/v1/checkout_setting');
    expect(setting.body).toMatchObject({ source_experiment: created.body.id, presentation: { pay_button_label: 'pay_securely' } });
    const answer = await retryAcrossStaleWindow(`/v1/experiments/${created.body.id}/stop`, body, key);
    expect(answer.body).toMatchObject({ id: created.body.id, status: 'stopped', promoted_variant: 'treatment' });
  });

  it('risk rule create: one rule, the retry answers it', async () => {
    const key = `crash-risk-rule-${randomUUID()}`;
    const name = `Crash rule ${randomUUID()}`;
    const body = { name, expression: 'amount > 900000', action: 'review' };
    await postThenCrash('/v1/risk_rules', body, key);
    const made = () => stack.db.db.selectFrom('risk_rules').select('id').where('merchant_id', '=', stack.merchant.merchantId).where('name', '=', name).execute();
    expect(await made()).toHaveLength(1);
    const answer = await retryAcrossStaleWindow('/v1/risk_rules', body, key);
    const ids = (await made()).map((row) => row.id);
    expect(ids).toHaveLength(1);
    expect(answer.body).toMatchObject({ id: ids[0], object: 'risk_rule', name, action: 'review' });
    await stack.api('DELETE', `/v1/risk_rules/${ids[0]}`);
  });

  it('blocklist entry add: the retry answers the entry from what committed, not by adding again', async () => {
    const key = `crash-blocklist-${randomUUID()}`;
    const value = `crash-${randomUUID()}@example.com`;
    const body = { kind: 'email', value };
    await postThenCrash('/v1/blocklists', body, key);
    const made = () => stack.db.db.selectFrom('risk_blocklist_entries').select('id').where('merchant_id', '=', stack.merchant.merchantId).where('value', '=', value).execute();
    expect(await made()).toHaveLength(1);
    const answer = await retryAcrossStaleWindow('/v1/blocklists', body, key);
    const ids = (await made()).map((row) => row.id);
    expect(ids).toHaveLength(1);
    expect(answer.body).toMatchObject({ id: ids[0], object: 'blocklist_entry', kind: 'email', value });
    await stack.api('DELETE', `/v1/blocklists/${ids[0]}`);
  });

  it('create: one payment, the retry answers it', async () => {
    const key = `crash-create-${randomUUID()}`;
    const marker = randomUUID();
    const body = { amount: 1_234, currency: 'CNY', metadata: { marker } };
    await postThenCrash('/v1/payments', body, key);
    expect(await paymentsWithMarker(marker)).toHaveLength(1);
    const answer = await retryAcrossStaleWindow('/v1/payments', body, key);
    const ids = await paymentsWithMarker(marker);
    expect(ids).toHaveLength(1);
    expect(answer.body.id).toBe(ids[0]);
    expect(answer.body.amount).toBe(1_234);
  });

  it('confirm: one authorization at the acquirer, the retry answers the succeeded payment', async () => {
    clock.setMs(Date.now());
    const created = await stack.api('POST', '/v1/payments', { amount: 2_000, currency: 'CNY' });
    const before = stack.acquirer.stats().authorizations_created;
    const key = `crash-confirm-${randomUUID()}`;
    const body = { payment_method: card('4242424242424242') };
    await postThenCrash(`/v1/payments/${created.body.id}/confirm`, body, key);
    expect(stack.acquirer.stats().authorizations_created).toBe(before + 1);
    const answer = await retryAcrossStaleWindow(`/v1/payments/${created.body.id}/confirm`, body, key);
    expect(answer.body).toMatchObject({ id: created.body.id, status: 'succeeded' });
    expect(stack.acquirer.stats().authorizations_created).toBe(before + 1);
  });

  it('capture: one capture at the acquirer', async () => {
    const paymentId = await confirmedPayment('manual');
    const before = stack.acquirer.stats().captures;
    const key = `crash-capture-${randomUUID()}`;
    await postThenCrash(`/v1/payments/${paymentId}/capture`, {}, key);
    expect(stack.acquirer.stats().captures).toBe(before + 1);
    const answer = await retryAcrossStaleWindow(`/v1/payments/${paymentId}/capture`, {}, key);
    expect(answer.body).toMatchObject({ id: paymentId, status: 'succeeded', amount_received: 5_000 });
    expect(stack.acquirer.stats().captures).toBe(before + 1);
  });

  it('refund: one refund row and one refund at the acquirer, never the money twice', async () => {
    const paymentId = await confirmedPayment('automatic');
    const before = stack.acquirer.stats().refunds_succeeded;
    const key = `crash-refund-${randomUUID()}`;
    const body = { payment: paymentId, amount: 3_000 };
    await postThenCrash('/v1/refunds', body, key);
    const answer = await retryAcrossStaleWindow('/v1/refunds', body, key);
    const refunds = await stack.api('GET', `/v1/refunds?payment=${paymentId}`);
    expect(refunds.body.data).toHaveLength(1);
    expect(answer.body).toMatchObject({ id: refunds.body.data[0].id, amount: 3_000, status: 'succeeded' });
    expect(stack.acquirer.stats().refunds_succeeded).toBe(before + 1);
  });

  it('top-up: one top-up payment for the customer', async () => {
    clock.setMs(Date.now());
    const customer = await stack.api('POST', '/v1/customers', { email: 'crash@example.com' });
    const key = `crash-topup-${randomUUID()}`;
    const path = `/v1/customers/${customer.body.id}/wallet/top_ups`;
    const body = { amount: 10_000, currency: 'CNY' };
    await postThenCrash(path, body, key);
    const answer = await retryAcrossStaleWindow(path, body, key);
    const topUps = await stack.db.db.selectFrom('payments').select('id').where('customer_id', '=', customer.body.id).where('purpose', '=', 'wallet_top_up').execute();
    expect(topUps.map((row) => row.id)).toEqual([answer.body.id]);
  });

  it('confirm: once the dead process has missed its heartbeats, the retry is answered at once, not after the stale window', async () => {
    clock.setMs(Date.now());
    const created = await stack.api('POST', '/v1/payments', { amount: 2_100, currency: 'CNY' });
    const before = stack.acquirer.stats().authorizations_created;
    const key = `crash-heartbeat-${randomUUID()}`;
    const path = `/v1/payments/${created.body.id}/confirm`;
    const body = { payment_method: card('4242424242424242') };
    await postThenCrash(path, body, key);
    // Its last heartbeat is fresh: the key is still refused.
    const early = await retry(path, body, key);
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    // As if `apiNodeDeadAfterMs` had passed without a beat (the database's clock; the stale window is far away).
    const { locked_by: holder } = await stack.db.db.selectFrom('idempotency_keys').select('locked_by').where('key', '=', key).executeTakeFirstOrThrow();
    expect(holder).toMatch(/^node_/);
    await stack.db.db
      .updateTable('api_nodes')
      .set({ heartbeat_at: new Date(Date.now() - limits.apiNodeDeadAfterMs - 1_000) })
      .where('node_id', '=', holder)
      .execute();
    const answer = await retry(path, body, key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.headers.get('idempotent-replayed')).toBe('true');
    expect(answer.body).toMatchObject({ id: created.body.id, status: 'succeeded' });
    expect(stack.acquirer.stats().authorizations_created).toBe(before + 1);
  });

  it('a request that changed nothing before the crash runs again after the stale window', async () => {
    clock.setMs(Date.now());
    const key = `crash-nothing-${randomUUID()}`;
    const marker = randomUUID();
    const body = { amount: 777, currency: 'CNY', metadata: { marker } };
    // A claim left by a process that died before its handler wrote anything.
    await stack.db.db
      .insertInto('idempotency_keys')
      .values({
        merchant_id: stack.merchant.merchantId,
        api_key_id: (await stack.db.db.selectFrom('api_keys').select('id').where('merchant_id', '=', stack.merchant.merchantId).where('kind', '=', 'secret').where('mode', '=', 'test').executeTakeFirstOrThrow()).id,
        key,
        request_method: 'POST',
        request_path: '/v1/payments',
        request_hash: requestHash('POST', '/v1/payments', body),
        status: 'in_progress',
        response_status: null,
        response_body: null,
        locked_at: new Date(Date.now()),
        created_at: new Date(Date.now()),
      })
      .execute();
    clock.setMs(Date.now() + limits.idempotencyInProgressStaleMs + 60_000);
    const rerun = await retry('/v1/payments', body, key);
    expect(rerun.status).toBe(200);
    // Not a recovery: the request runs for the first time.
    expect(rerun.headers.get('idempotent-replayed')).toBeNull();
    expect(await paymentsWithMarker(marker)).toEqual([rerun.body.id]);
    const replay = await retry('/v1/payments', body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(rerun.body.id);
  });
});
