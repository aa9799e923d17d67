/** What operators and integrators read: liveness, readiness, the OpenAPI description and the docs pages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalog } from '../../src/domain/errors.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

describe('operations', () => {
  it('answers /health without a key', async () => {
    const health = await stack.api('GET', '/health', undefined, { key: null });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('answers /ready when the database answers and every migration is applied', async () => {
    const ready = await stack.api('GET', '/ready', undefined, { key: null });
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', database: true, migrations: true } });
  });

  it('publishes an OpenAPI 3.1 description generated from the route schemas', async () => {
    const spec = await stack.api('GET', '/openapi.json', undefined, { key: null });
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.1.0');
    for (const path of ['/v1/payments', '/v1/payments/{id}', '/v1/payments/{id}/confirm', '/v1/payments/{id}/capture', '/v1/payments/{id}/cancel', '/v1/payments/{id}/attempts', '/v1/refunds', '/v1/customers', '/v1/connector_accounts', '/v1/customers/{id}/wallet', '/v1/customers/{id}/wallet/pin', '/v1/customers/{id}/wallet/top_ups', '/v1/customers/{id}/wallet/transactions', '/v1/payments/{id}/wallet', '/v1/webhook_endpoints', '/v1/webhook_endpoints/{id}', '/v1/webhook_endpoints/{id}/deliveries', '/v1/events', '/v1/events/{id}', '/v1/events/{id}/redeliver', '/v1/customers/{id}']) {
      expect(spec.body.paths, path).toHaveProperty([path]);
    }
    const create = spec.body.paths['/v1/payments'].post;
    expect(create.requestBody.content['application/json'].schema.properties.amount.type).toBe('integer');
    expect(create.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(create.responses['200'].content['application/json'].schema.properties.status.enum).toContain('requires_capture');
    expect(spec.body.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  it('serves a browsable reference at /docs and every error code at /docs/errors', async () => {
    const docs = await fetch(`${stack.url}/docs/`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const errors = await stack.api('GET', '/docs/errors', undefined, { key: null });
    for (const code of Object.keys(errorCatalog)) expect(errors.body).toContain(`id="${code}"`);
  });

  it('sends a request id with every answer, the same one an error body carries', async () => {
    const missing = await stack.api('GET', '/v1/payments/pay_00000000000000000000000000');
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    expect(missing.body.error.request_id).toBe(missing.headers.get('request-id'));
    expect(missing.body.error.doc_url).toContain('/docs/errors#resource_missing');
  });

  it('exposes Prometheus metrics: payments, attempts, provider calls with latency per connector, webhooks, the queue and backlogs', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'USD' });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const declined = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'USD' });
    await stack.api('POST', `/v1/payments/${declined.body.id}/confirm`, { payment_method: card('4000000000000002') });
    const response = await fetch(`${stack.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^paypilot_payments_created_total\{currency="USD"\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^paypilot_payment_transitions_total\{to="succeeded",payment_method_type="card"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^paypilot_provider_call_duration_seconds_count\{connector="card",operation="authorize",outcome="authorized"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^paypilot_provider_call_duration_seconds_count\{connector="card",operation="authorize",outcome="declined"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^paypilot_provider_call_duration_seconds_bucket\{le="0.005",connector="card",operation="authorize",outcome="authorized"\} \d+$/m);
    expect(text).toMatch(/^paypilot_backlog\{kind="webhook_deliveries_pending"\} \d+$/m);
    expect(text).toMatch(/^# TYPE paypilot_queue_jobs gauge$/m);
    expect(value(/^paypilot_payment_attempts_total\{connector="card",payment_method_type="card",operation="authorize"\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^paypilot_payment_attempt_results_total\{payment_method_type="card",status="succeeded"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^paypilot_payment_attempt_results_total\{payment_method_type="card",status="failed"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    // Every family an operator graphs is announced, including those whose figures live in the worker (webhooks, messages).
    for (const [family, type] of [
      ['paypilot_payments_created_total', 'counter'],
      ['paypilot_payment_transitions_total', 'counter'],
      ['paypilot_payment_attempts_total', 'counter'],
      ['paypilot_payment_attempt_results_total', 'counter'],
      ['paypilot_provider_call_duration_seconds', 'histogram'],
      ['paypilot_provider_call_tries_total', 'counter'],
      ['paypilot_webhook_delivery_duration_seconds', 'histogram'],
      ['paypilot_messages_total', 'counter'],
      ['paypilot_queue_jobs', 'gauge'],
      ['paypilot_backlog', 'gauge'],
    ]) {
      expect(text, family).toContain(`# TYPE ${family} ${type}\n`);
    }
    expect(text).not.toContain('4242424242424242');
  });
});
