/**
 * Two accounts for one channel: failover when one cannot be reached, a
 * circuit breaker that stops calling it, and routing that prefers the healthy
 * one, all without ever charging twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCardAcquirer, type CardAcquirer } from '../../src/simulators/card-acquirer/server.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 2));
let stack: Stack;
let backup: CardAcquirer;
beforeAll(async () => {
  stack = await startStack({ clock, connectorTimeoutMs: 500, instantRetries: true });
  backup = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'] });
});
afterAll(async () => {
  await backup?.close();
  await stack?.close();
});

/** A merchant whose primary card account points at `primaryUrl`, with a backup of lower priority on the second acquirer. */
async function merchantWithTwoAccounts(primaryUrl: string, priorities: [number, number] = [60, 40]) {
  const merchant = await stack.newMerchant();
  await stack.api('POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { priority: priorities[0], base_url: primaryUrl }, { key: merchant.secretKey });
  const second = await stack.api('POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: 'sk_sim_card_test' }, base_url: backup.url, priority: priorities[1] }, { key: merchant.secretKey });
  return { ...merchant, primaryId: merchant.cardAccountId, backupId: second.body.id as string };
}

async function pay(secretKey: string) {
  const created = await stack.api('POST', '/v1/payments', { amount: 700, currency: 'CNY' }, { key: secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: secretKey });
  const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`, undefined, { key: secretKey });
  return { id: created.body.id as string, confirmed: confirmed.body, attempts: attempts.body.data as { connector_account: string; status: string; error_code: string | null }[] };
}

async function unreachableUrl(): Promise<string> {
  const gone = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'] });
  await gone.close();
  return gone.url;
}

describe('failover and circuit breaking', () => {
  it('fails over to the backup account when the primary cannot be reached, charging once', async () => {
    const merchant = await merchantWithTwoAccounts(await unreachableUrl());
    const before = backup.stats().charges_succeeded;
    const { id, confirmed, attempts } = await pay(merchant.secretKey);
    expect(confirmed.status).toBe('succeeded');
    expect(attempts.map((a) => [a.connector_account, a.status, a.error_code])).toEqual([
      [merchant.primaryId, 'failed', 'connector_unavailable'],
      [merchant.backupId, 'succeeded', null],
    ]);
    expect(backup.stats().charges_succeeded - before).toBe(1);
    const history = await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: merchant.secretKey });
    expect(history.body.data.map((e: { reason: string | null }) => e.reason)).toContain('failover');
  });

  it('opens the breaker after five failures: later payments go straight to the backup, and a probe returns to the primary once it recovers', async () => {
    const primary = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'] });
    // Preferred so strongly (100 against 0) that a poor success rate alone does not move traffic: only the breaker does.
    const merchant = await merchantWithTwoAccounts(primary.url, [100, 0]);
    const port = Number(new URL(primary.url).port);
    await primary.close();
    for (let i = 0; i < 5; i += 1) expect((await pay(merchant.secretKey)).confirmed.status).toBe('succeeded');
    expect(await stack.context.accountHealth.state(merchant.merchant.merchantId, merchant.primaryId, clock.nowMs())).toBe('open');
    const whileOpen = await pay(merchant.secretKey);
    expect(whileOpen.attempts.map((a) => a.connector_account)).toEqual([merchant.backupId]);

    const recovered = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'], port });
    try {
      clock.advanceMs(5 * 60 * 1000 + 1); // past the cooldown, and past the window that remembers the failures
      const probe = await pay(merchant.secretKey);
      expect(probe.attempts.map((a) => [a.connector_account, a.status])).toEqual([[merchant.primaryId, 'succeeded']]);
      expect(await stack.context.accountHealth.state(merchant.merchant.merchantId, merchant.primaryId, clock.nowMs())).toBe('closed');
    } finally {
      await recovered.close();
    }
  });

  it('routes away from an account with a worse recent success rate even before its breaker opens', async () => {
    const merchant = await merchantWithTwoAccounts(await unreachableUrl());
    await pay(merchant.secretKey); // one failure on the primary, then the backup
    expect(await stack.context.accountHealth.state(merchant.merchant.merchantId, merchant.primaryId, clock.nowMs())).toBe('closed');
    const next = await pay(merchant.secretKey);
    expect(next.attempts.map((a) => a.connector_account)).toEqual([merchant.backupId]);
  });

  it('never fails over after an unknown outcome: it waits for the status query', async () => {
    const primary = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'] });
    try {
      const merchant = await merchantWithTwoAccounts(primary.url);
      primary.setFaults({ failNext: 3, failMode: 'respond_late', lateMs: 5_000 });
      const before = backup.stats().authorizations_created;
      const { confirmed, attempts } = await pay(merchant.secretKey);
      expect(confirmed.status).toBe('processing');
      expect(attempts.map((a) => [a.connector_account, a.status])).toEqual([[merchant.primaryId, 'unknown']]);
      expect(backup.stats().authorizations_created).toBe(before);
      expect(primary.stats().charges_succeeded).toBe(1);
    } finally {
      await primary.close();
    }
  });

  it('refuses at once with connector_unavailable when every account is failing', async () => {
    const merchant = await stack.newMerchant();
    await stack.api('POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { base_url: await unreachableUrl() }, { key: merchant.secretKey });
    for (let i = 0; i < 5; i += 1) expect((await pay(merchant.secretKey)).confirmed.error?.code ?? 'connector_unavailable').toBe('connector_unavailable');
    const created = await stack.api('POST', '/v1/payments', { amount: 700, currency: 'CNY' }, { key: merchant.secretKey });
    const refused = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: merchant.secretKey });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('connector_unavailable');
    const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`, undefined, { key: merchant.secretKey });
    expect(attempts.body.data).toEqual([]);
  });
});
