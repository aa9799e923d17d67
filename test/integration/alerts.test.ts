/**
 * Alerts and connector incidents end to end: a channel of the card simulator
 * degrades through its fault injection and recovers, the worker's evaluation
 * raises one alert (however often and however concurrently it runs) and
 * resolves it once, with its events and the merchant's emails; baselines,
 * latency, circuits opened and closed, the incidents report and its CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { evaluateAlerts } from '../../src/flows/insight/evaluate-alerts.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { recordCircuitOpened } from '../../src/store/alerts.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { limits } from '../../src/domain/limits.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

/** Moved by hand like a ManualClock, and also with real time, so the latency the connector measures is real. */
class DriftingClock extends ManualClock {
  private readonly startedMs = performance.now();
  override nowMs(): number {
    return super.nowMs() + Math.floor(performance.now() - this.startedMs);
  }
  setNowMs(targetMs: number): void {
    this.setMs(targetMs - (this.nowMs() - super.nowMs()));
  }
}

const clock = new DriftingClock(Date.UTC(2026, 10, 9));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, connectorTimeoutMs: 2_000, instantRetries: true });
});
afterAll(async () => {
  await stack?.close();
});

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

/**
 * A merchant that removed the default rules every merchant starts with, so a
 * test sees only the alerts of the rules it creates (the defaults are tested
 * on their own below).
 */
async function merchantWithoutDefaultRules(options: Parameters<Stack['newMerchant']>[0] = {}): Promise<Merchant> {
  const merchant = await stack.newMerchant(options);
  const rules = await stack.api('GET', '/v1/alert_rules?limit=100', undefined, { key: merchant.secretKey });
  for (const rule of rules.body.data as { id: string }[]) {
    expect((await stack.api('DELETE', `/v1/alert_rules/${rule.id}`, undefined, { key: merchant.secretKey })).status).toBe(200);
  }
  return merchant;
}

async function pay(merchant: Merchant, number = '4242424242424242') {
  const created = await stack.api('POST', '/v1/payments', { amount: 1200, currency: 'CNY' }, { key: merchant.secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) }, { key: merchant.secretKey });
  return { id: created.body.id as string, status: confirmed.status, body: confirmed.body };
}

async function alerts(merchant: Merchant, query = '') {
  const listed = await stack.api('GET', `/v1/alerts${query}`, undefined, { key: merchant.secretKey });
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.data as Record<string, any>[];
}

async function createRule(merchant: Merchant, rule: Record<string, unknown>) {
  const created = await stack.api('POST', '/v1/alert_rules', rule, { key: merchant.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as Record<string, any>;
}

async function eventsOf(merchant: Merchant, type: string) {
  const listed = await stack.api('GET', `/v1/events?type=${type}`, undefined, { key: merchant.secretKey });
  return listed.body.data as { type: string; data: { object: Record<string, any> } }[];
}

async function emails(merchant: Merchant, purpose: string) {
  return stack.db.db.selectFrom('messages').selectAll().where('merchant_id', '=', merchant.merchant.merchantId).where('purpose', '=', purpose).execute();
}

async function attemptsCompletedAt(paymentIds: string[]): Promise<number[]> {
  const rows = await stack.db.db.selectFrom('payment_attempts').select('completed_at').where('payment_id', 'in', paymentIds).orderBy('completed_at').execute();
  return rows.map((r) => (r.completed_at as Date).getTime());
}

/** Runs the evaluation several times at once, as several workers would. */
async function evaluateConcurrently(times = 3) {
  return Promise.all(Array.from({ length: times }, () => evaluateAlerts(stack.context)));
}

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function incidents(merchant: Merchant, kind?: string) {
  const rows = await stack.db.db.selectFrom('connector_incidents').selectAll().where('merchant_id', '=', merchant.merchant.merchantId).orderBy('started_at').execute();
  return kind ? rows.filter((r) => r.kind === kind) : rows;
}

describe('a failure-rate alert on a degrading card channel', () => {
  it('is raised once however often and concurrently it is evaluated, and resolved once when the channel recovers', async () => {
    const merchant = await merchantWithoutDefaultRules({ supportEmail: 'support@tea.example' });
    const settings = await stack.api('POST', '/v1/alert_settings', { operations_email: 'ops@tea.example' }, { key: merchant.secretKey });
    expect(settings.body).toMatchObject({ operations_email: 'ops@tea.example', support_email: 'support@tea.example', alerts_emailed_to: 'ops@tea.example' });
    const hook = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['alert.triggered', 'alert.resolved'] }, { key: merchant.secretKey });
    expect(hook.status).toBe(200);
    const rule = await createRule(merchant, { kind: 'failure_rate', payment_method_type: 'card', window_seconds: 600, threshold: 0.5, min_sample: 5 });
    expect(rule).toMatchObject({ object: 'alert_rule', kind: 'failure_rate', threshold: 0.5, min_sample: 5, enabled: true, baseline_k_stddev: null });

    for (let i = 0; i < 3; i += 1) expect((await pay(merchant)).body.status).toBe('succeeded');
    await evaluateConcurrently();
    expect(await alerts(merchant)).toEqual([]); // three good attempts: below the minimum sample, and healthy anyway

    clock.advanceMs(10_000);
    stack.acquirer.setFaults({ failNext: 1000, failMode: 'error_500' });
    const failed: string[] = [];
    try {
      for (let i = 0; i < 5; i += 1) failed.push((await pay(merchant)).id);
    } finally {
      stack.acquirer.setFaults({ failNext: 0 });
    }
    // A 500 leaves each outcome unknown (the acquirer may have charged); the worker's status query settles them as failed.
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    const failedAt = await attemptsCompletedAt(failed);
    expect(failedAt).toHaveLength(5);
    const onsetMs = Math.min(...failedAt);

    clock.advanceMs(60_000);
    await evaluateConcurrently();
    await evaluateAlerts(stack.context);
    const raised = await alerts(merchant);
    expect(raised).toHaveLength(1);
    const alert = raised[0]!;
    expect(alert).toMatchObject({ object: 'alert', rule: rule.id, state: 'triggered', kind: 'failure_rate', payment_method_type: 'card', value: 0.625, threshold: 0.5, sample_count: 8 });
    expect(alert.connector_account).toBe(merchant.cardAccountId);
    expect(Date.parse(alert.condition_started_at)).toBe(onsetMs);
    expect(alert.time_to_detect_ms).toBe(Date.parse(alert.triggered_at) - onsetMs);
    expect(alert.time_to_detect_ms).toBeGreaterThanOrEqual(60_000);

    const triggeredEvents = await eventsOf(merchant, 'alert.triggered');
    expect(triggeredEvents).toHaveLength(1);
    expect(triggeredEvents[0]!.data.object).toMatchObject({ id: alert.id, state: 'triggered', value: 0.625 });
    const deliveries = await stack.db.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', hook.body.id).execute();
    expect(deliveries).toHaveLength(1); // the outbox queued its delivery
    const triggeredEmails = await emails(merchant, 'alert_triggered');
    expect(triggeredEmails.map((m) => m.recipient)).toEqual(['ops@tea.example']);
    expect(triggeredEmails[0]!.subject).toContain('failure rate');
    expect((await incidents(merchant, 'success_rate_alert')).map((i) => [i.alert_id, i.connector_account_id, i.started_at.getTime(), i.ended_at])).toEqual([
      [alert.id, merchant.cardAccountId, onsetMs, null],
    ]);

    clock.advanceMs(30_000);
    const acknowledged = await stack.api('POST', `/v1/alerts/${alert.id}/acknowledge`, undefined, { key: merchant.secretKey });
    expect(acknowledged.body).toMatchObject({ state: 'triggered', time_to_acknowledge_ms: expect.any(Number) });
    expect(acknowledged.body.time_to_acknowledge_ms).toBeGreaterThanOrEqual(30_000);
    clock.advanceMs(1_000);
    const again = await stack.api('POST', `/v1/alerts/${alert.id}/acknowledge`, undefined, { key: merchant.secretKey });
    expect(again.body.acknowledged_at).toBe(acknowledged.body.acknowledged_at); // the first acknowledgement is kept

    // The channel recovers: past the breaker's cooldown its probe succeeds, and successes bring the rate down.
    for (let i = 0; i < 2; i += 1) expect((await pay(merchant)).body.status).toBe('succeeded');
    await evaluateConcurrently();
    expect((await alerts(merchant))[0]).toMatchObject({ state: 'triggered' }); // 5 of 10 failed: at the threshold, not yet below its 90 %
    for (let i = 0; i < 4; i += 1) expect((await pay(merchant)).body.status).toBe('succeeded');
    clock.advanceMs(60_000);
    await evaluateConcurrently();
    await evaluateAlerts(stack.context);

    const [resolved, ...others] = await alerts(merchant);
    expect(others).toEqual([]);
    expect(resolved).toMatchObject({ id: alert.id, state: 'resolved', resolution: 'recovered', resolved_value: Math.round((5 / 14) * 10_000) / 10_000 });
    expect(resolved!.time_to_resolve_ms).toBe(Date.parse(resolved!.resolved_at) - Date.parse(alert.triggered_at));
    expect(resolved!.time_to_resolve_ms).toBeGreaterThanOrEqual(91_000);
    expect(await eventsOf(merchant, 'alert.resolved')).toHaveLength(1);
    expect((await emails(merchant, 'alert_resolved')).map((m) => m.recipient)).toEqual(['ops@tea.example']);
    const [incident] = await incidents(merchant, 'success_rate_alert');
    expect(incident!.ended_at?.getTime()).toBe(Date.parse(resolved!.resolved_at));
    expect(await alerts(merchant, '?state=triggered')).toEqual([]);

    const csv = await stack.api('GET', '/v1/alerts', undefined, { key: merchant.secretKey, headers: { accept: 'text/csv' } });
    const [header, row, ...rest] = (csv.body as string).trim().split('\r\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['id', 'rule', 'kind', 'state']);
    expect(row!.startsWith(`${alert.id},${rule.id},failure_rate,resolved,card,${merchant.cardAccountId},0.625,0.5,8,`)).toBe(true);
    expect(rest).toEqual([]);
  });
});

describe('other rules', () => {
  it('raises a baseline rule above mean + k stddev of its own earlier windows, while the same rate would pass a fixed threshold', async () => {
    const merchant = await merchantWithoutDefaultRules();
    const windowMs = 300_000;
    const rule = await createRule(merchant, { kind: 'failure_rate', payment_method_type: 'card', window_seconds: 300, baseline_k_stddev: 2, baseline_windows: 4, min_sample: 4 });
    const fixed = await createRule(merchant, { kind: 'failure_rate', payment_method_type: 'card', window_seconds: 300, threshold: 0.7, min_sample: 4 });
    const start = clock.nowMs();
    const declinesPerWindow = [1, 0, 1, 0, 3];
    for (const [index, declines] of declinesPerWindow.entries()) {
      clock.setNowMs(start + index * windowMs + 1_000);
      for (let i = 0; i < 5; i += 1) await pay(merchant, i < declines ? '4000000000000002' : '4242424242424242');
    }
    clock.advanceMs(windowMs - 60_000);
    await evaluateConcurrently();
    const raised = await alerts(merchant);
    expect(raised.map((a) => a.rule)).toEqual([rule.id]);
    expect(raised[0]).toMatchObject({ value: 0.6, sample_count: 5 });
    expect(raised[0]!.threshold).toBeCloseTo(0.1 + 2 * 0.1, 4); // rates 0.2, 0, 0.2, 0: mean 0.1, stddev 0.1
    expect(fixed.id).not.toBe(rule.id);
  });

  it('raises a latency p95 rule when the simulator answers slowly, and resolves it when it is fast again', async () => {
    const merchant = await merchantWithoutDefaultRules();
    await createRule(merchant, { kind: 'latency_p95', payment_method_type: 'card', window_seconds: 300, threshold: 150, min_sample: 3 });
    stack.acquirer.setFaults({ latencyMs: 250 });
    const slow: string[] = [];
    try {
      for (let i = 0; i < 3; i += 1) slow.push((await pay(merchant)).id);
    } finally {
      stack.acquirer.setFaults({ latencyMs: 0 });
    }
    await evaluateConcurrently();
    const [alert] = await alerts(merchant);
    expect(alert).toMatchObject({ kind: 'latency_p95', state: 'triggered', threshold: 150, sample_count: 3 });
    expect(alert!.value).toBeGreaterThanOrEqual(250);
    expect(Date.parse(alert!.condition_started_at)).toBe((await attemptsCompletedAt(slow))[0]);

    clock.advanceMs(301_000); // the slow attempts leave the window
    for (let i = 0; i < 3; i += 1) await pay(merchant);
    await evaluateConcurrently();
    expect((await alerts(merchant)).map((a) => [a.state, a.resolution])).toEqual([['resolved', 'recovered']]);
  });

  it('records a circuit opened and closed as an incident with its duration, alerts on it, and reports the mean time to recover (JSON and CSV)', async () => {
    const merchant = await merchantWithoutDefaultRules();
    const rule = await createRule(merchant, { kind: 'circuit_opened' });
    const from = new Date(clock.nowMs()).toISOString();
    stack.acquirer.setFaults({ failNext: 1000, failMode: 'error_500' });
    try {
      for (let i = 0; i < 5; i += 1) await pay(merchant);
    } finally {
      stack.acquirer.setFaults({ failNext: 0 });
    }
    expect(await stack.context.accountHealth.state(merchant.merchant.merchantId, merchant.cardAccountId, clock.nowMs())).toBe('open');
    const [opened] = await waitFor(async () => {
      const rows = await incidents(merchant, 'circuit_open');
      return rows.length > 0 && rows;
    });
    expect(opened).toMatchObject({ connector_account_id: merchant.cardAccountId, ended_at: null, payment_method_type: 'card' });

    await evaluateConcurrently();
    const [alert] = await alerts(merchant);
    expect(alert).toMatchObject({ rule: rule.id, kind: 'circuit_opened', state: 'triggered', value: 1, condition_started_at: opened!.started_at.toISOString() });

    clock.advanceMs(31_000);
    expect((await pay(merchant)).body.status).toBe('succeeded'); // the half-open probe succeeds and closes it
    const [closed] = await waitFor(async () => {
      const rows = await incidents(merchant, 'circuit_open');
      return rows[0]?.ended_at && rows;
    });
    const durationMs = closed!.ended_at!.getTime() - closed!.started_at.getTime();
    expect(durationMs).toBeGreaterThanOrEqual(31_000);
    await evaluateConcurrently();
    expect((await alerts(merchant))[0]).toMatchObject({ id: alert!.id, state: 'resolved', resolution: 'recovered' });

    const to = new Date(clock.nowMs() + 1).toISOString();
    const report = await stack.api('GET', `/v1/analytics/incidents?from=${from}&to=${to}`, undefined, { key: merchant.secretKey });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({ object: 'analytics_incidents', incidents: 1, incidents_ended: 1, mean_time_to_recover_ms: durationMs, has_more: false });
    expect(report.body.data).toEqual([
      expect.objectContaining({ object: 'connector_incident', kind: 'circuit_open', connector_account: merchant.cardAccountId, connector: 'card', duration_ms: durationMs }),
    ]);
    const csv = await stack.api('GET', `/v1/analytics/incidents?from=${from}&to=${to}`, undefined, { key: merchant.secretKey, headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('id,kind,connector_account,connector,payment_method_type,alert,started_at,ended_at,duration_ms');
    expect(lines[1]).toBe(`${closed!.id},circuit_open,${merchant.cardAccountId},card,card,,${closed!.started_at.toISOString()},${closed!.ended_at!.toISOString()},${durationMs}`);
  });

  it('ends a circuit incident left open by a process that stopped, at the account\'s first success after the cooldown', async () => {
    const merchant = await merchantWithoutDefaultRules();
    await recordCircuitOpened(stack.db.db, stack.context.ids.newId('inc'), merchant.cardAccountId, new Date(clock.nowMs()));
    await pay(merchant); // too soon: within the breaker's cooldown this proves nothing
    await evaluateAlerts(stack.context);
    expect((await incidents(merchant, 'circuit_open')).map((i) => i.ended_at)).toEqual([null]);
    clock.advanceMs(31_000);
    const recovered = await pay(merchant);
    await evaluateAlerts(stack.context);
    const [ended] = await incidents(merchant, 'circuit_open');
    expect(ended!.ended_at?.getTime()).toBe((await attemptsCompletedAt([recovered.id]))[0]);
  });

  it('is evaluated by the evaluate_alerts job through graphile-worker (a cancellation-rate rule)', async () => {
    const merchant = await merchantWithoutDefaultRules();
    await createRule(merchant, { kind: 'cancellation_rate', window_seconds: 3600, threshold: 0.5, min_sample: 4 });
    for (let i = 0; i < 4; i += 1) {
      const created = await stack.api('POST', '/v1/payments', { amount: 900, currency: 'CNY' }, { key: merchant.secretKey });
      if (i < 3) await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' }, { key: merchant.secretKey });
    }
    let runner: Runner | null = null;
    try {
      runner = await startWorker(stack.context, stack.db.pool, { concurrency: 1, logLevel: 'silent' });
      await sql`select graphile_worker.add_job('evaluate_alerts', '{}'::json)`.execute(stack.db.db);
      const [alert] = await waitFor(async () => {
        const listed = await alerts(merchant);
        return listed.length > 0 && listed;
      });
      expect(alert).toMatchObject({ kind: 'cancellation_rate', state: 'triggered', value: 0.75, sample_count: 4 });
    } finally {
      await runner?.stop();
    }
  });
});

describe('default rules', () => {
  it('gives a new merchant a failure-rate rule per channel and a circuit rule, which raise alerts in an outage the merchant never configured for', async () => {
    const merchant = await stack.newMerchant();
    const rules = (await stack.api('GET', '/v1/alert_rules?limit=100', undefined, { key: merchant.secretKey })).body.data as Record<string, any>[];
    expect(rules.map((rule) => `${rule.kind}:${rule.payment_method_type ?? '*'}`).sort()).toEqual([
      'circuit_opened:*', 'failure_rate:alipay', 'failure_rate:card', 'failure_rate:unionpay', 'failure_rate:wechat_pay',
    ]);
    const cardRule = rules.find((rule) => rule.payment_method_type === 'card')!;
    expect(cardRule).toMatchObject({ window_seconds: 300, baseline_k_stddev: 3, threshold: 0.5, min_sample: 20, enabled: true });

    // The card acquirer degrades: two payments in three fail (never five in a row, so no circuit opens).
    clock.advanceMs(10 * 60_000);
    for (let i = 0; i < 24; i += 1) {
      stack.acquirer.setFaults({ failNext: i % 3 === 2 ? 0 : limits.connectorAttemptsMax, failMode: 'error_500' });
      await pay(merchant);
    }
    stack.acquirer.setFaults({ failNext: 0 });
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    clock.advanceMs(30_000);
    await evaluateAlerts(stack.context);
    const degraded = await alerts(merchant);
    expect(degraded.map((alert) => alert.kind)).toEqual(['failure_rate']);
    expect(degraded[0]).toMatchObject({ rule: cardRule.id, state: 'triggered', payment_method_type: 'card', threshold: 0.5, sample_count: 24 });

    // Then it stops answering at all: the circuit opens, and that is an alert too.
    stack.acquirer.setFaults({ failNext: 1000, failMode: 'error_500' });
    try {
      for (let i = 0; i < 6; i += 1) await pay(merchant);
    } finally {
      stack.acquirer.setFaults({ failNext: 0 });
    }
    await evaluateAlerts(stack.context);
    expect((await alerts(merchant)).map((alert) => alert.kind).sort()).toEqual(['circuit_opened', 'failure_rate']);

    // The merchant may change or remove them.
    const changed = await stack.api('POST', `/v1/alert_rules/${cardRule.id}`, { threshold: 0.8 }, { key: merchant.secretKey });
    expect(changed.body).toMatchObject({ id: cardRule.id, threshold: 0.8 });
    expect((await stack.api('DELETE', `/v1/alert_rules/${cardRule.id}`, undefined, { key: merchant.secretKey })).status).toBe(200);
  });
});

describe('rules and alerts through the API', () => {
  it('describes the alert and incident routes in the OpenAPI description', async () => {
    const spec = await stack.api('GET', '/openapi.json', undefined, { key: null });
    expect(spec.status).toBe(200);
    for (const path of ['/v1/alert_rules', '/v1/alert_rules/{id}', '/v1/alerts', '/v1/alerts/{id}', '/v1/alerts/{id}/acknowledge', '/v1/alert_settings', '/v1/analytics/incidents']) {
      expect(spec.body.paths, path).toHaveProperty([path]);
    }
    expect(spec.body.paths['/v1/alert_rules'].post.requestBody.content['application/json'].schema.properties.kind.enum).toEqual(['failure_rate', 'cancellation_rate', 'latency_p95', 'circuit_opened']);
  });

  it('refuses rules that make no sense with catalog errors, and answers 404 for what is not the merchant\'s', async () => {
    const merchant = await merchantWithoutDefaultRules();
    const post = (body: unknown) => stack.api('POST', '/v1/alert_rules', body, { key: merchant.secretKey });
    expect((await post({ kind: 'failure_rate', threshold: 1.5 })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'threshold' });
    expect((await post({ kind: 'failure_rate' })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'threshold' });
    expect((await post({ kind: 'latency_p95', threshold: 0.5 })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'threshold' });
    expect((await post({ kind: 'circuit_opened', threshold: 0.5 })).body.error).toMatchObject({ code: 'parameter_invalid', param: 'threshold' });
    expect((await post({ kind: 'failure_rate', threshold: 0.2, window_seconds: 5 })).status).toBe(400);
    expect((await post({ kind: 'failure_rate', threshold: 0.2, colour: 'red' })).body.error).toMatchObject({ code: 'parameter_unknown' });
    expect((await post({ kind: 'failure_rate', threshold: 0.2, connector_account: stack.cardAccountId })).body.error).toMatchObject({ code: 'resource_missing', param: 'connector_account' });
    expect((await stack.api('GET', '/v1/alerts/alt_nope', undefined, { key: merchant.secretKey })).body.error).toMatchObject({ code: 'resource_missing' });
    expect((await stack.api('POST', '/v1/alerts/alt_nope/acknowledge', undefined, { key: merchant.secretKey })).status).toBe(404);
    expect((await stack.api('GET', '/v1/analytics/incidents?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', undefined, { key: merchant.secretKey })).body.error).toMatchObject({
      code: 'parameter_invalid',
      param: 'to',
    });
    const rule = await createRule(merchant, { kind: 'failure_rate', threshold: 0.2 });
    expect((await stack.api('GET', `/v1/alert_rules/${rule.id}`, undefined, { key: stack.secretKey })).status).toBe(404); // another merchant's
  });

  it('resolves an open alert when its rule is turned off (rule_disabled), lists, updates and deletes rules', async () => {
    const merchant = await merchantWithoutDefaultRules({ supportEmail: 'support@shop.example' });
    const rule = await createRule(merchant, { kind: 'failure_rate', payment_method_type: 'card', window_seconds: 600, threshold: 0.3, min_sample: 2 });
    for (let i = 0; i < 2; i += 1) await pay(merchant, '4000000000000002');
    await evaluateAlerts(stack.context);
    expect((await alerts(merchant, '?state=triggered')).map((a) => a.rule)).toEqual([rule.id]);

    const off = await stack.api('POST', `/v1/alert_rules/${rule.id}`, { enabled: false, threshold: 0.4 }, { key: merchant.secretKey });
    expect(off.body).toMatchObject({ enabled: false, threshold: 0.4 });
    expect((await alerts(merchant)).map((a) => [a.state, a.resolution])).toEqual([['resolved', 'rule_disabled']]);
    expect(await eventsOf(merchant, 'alert.resolved')).toHaveLength(1);
    expect(await emails(merchant, 'alert_resolved')).toEqual([]);
    await evaluateAlerts(stack.context);
    expect(await alerts(merchant, '?state=triggered')).toEqual([]); // a rule that is off is not evaluated

    const bad = await stack.api('POST', `/v1/alert_rules/${rule.id}`, { threshold: null }, { key: merchant.secretKey });
    expect(bad.body.error).toMatchObject({ code: 'parameter_invalid', param: 'threshold' });
    const listed = await stack.api('GET', '/v1/alert_rules', undefined, { key: merchant.secretKey });
    expect(listed.body).toMatchObject({ object: 'list', has_more: false, data: [expect.objectContaining({ id: rule.id })] });
    const deleted = await stack.api('DELETE', `/v1/alert_rules/${rule.id}`, undefined, { key: merchant.secretKey });
    expect(deleted.body).toEqual({ id: rule.id, object: 'alert_rule', deleted: true });
    expect((await stack.api('GET', '/v1/alert_rules', undefined, { key: merchant.secretKey })).body.data).toEqual([]);
    expect((await stack.api('GET', `/v1/alert_rules/${rule.id}`, undefined, { key: merchant.secretKey })).status).toBe(404);
  });
});
