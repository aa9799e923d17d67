/**
 * Webhooks to the merchant: written with the change (the outbox), signed as
 * documented, retried with backoff on an injected clock, delivered once
 * even with two workers, taken up again after a worker is killed, logged,
 * redelivered on demand, and disabled after 3 days of failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliverDueWebhooks } from '../../src/flows/notifications/deliver-webhook.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { verifyWebhookSignature } from '../../src/domain/notifications/webhook-signature.ts';
import { card, ManualClock, startStack, testMasterKey, type Stack } from '../support/stack.ts';

interface Received {
  body: string;
  signature: string;
  event: { id: string; type: string; data: { object: { id: string } } };
}

/** A merchant's receiver: records what it gets and answers as the test says. */
async function startReceiver(answer: (received: Received, count: number) => Promise<number> | number = () => 200) {
  const received: Received[] = [];
  let inFlight = 0;
  let inFlightMax = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { body, signature: String(request.headers['paypilot-signature'] ?? ''), event: JSON.parse(body) as Received['event'] };
      received.push(entry);
      inFlight += 1;
      inFlightMax = Math.max(inFlightMax, inFlight);
      void Promise.resolve(answer(entry, received.length)).then((status) => {
        inFlight -= 1;
        if (status > 0) response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver broke');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    inFlightMax: () => inFlightMax,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The check any receiver can write with its own HMAC, independent of Paypilot's helper. */
function independentlyVerified(body: string, header: string, secret: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${fields.t}.${body}`).digest('hex');
  return fields.v1 === expected;
}

async function waitFor<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const clock = new ManualClock(Date.now());
let stack: Stack;
beforeAll(async () => {
  // The receivers listen on 127.0.0.1 and these tests are not about the address policy: 127.0.0.1 counts as
  // public here, so the log keeps the answers' first kilobyte (outbound-addresses.test.ts covers the policy).
  stack = await startStack({ clock, outboundPolicy: { allowPrivateInTest: true, treatedAsPublic: ['127.0.0.1'] } });
});
afterAll(async () => stack?.close());

async function merchantWithEndpoint(url: string, events: string[] = ['payment.succeeded'], supportEmail?: string) {
  const merchant = await stack.newMerchant({ supportEmail });
  const created = await stack.api('POST', '/v1/webhook_endpoints', { url, enabled_events: events }, { key: merchant.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { ...merchant, endpoint: created.body as { id: string; secret: string } };
}

async function pay(key: string, amount = 1234): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY' }, { key });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id;
}

async function deliveryOf(endpointId: string, key: string) {
  const log = await stack.api('GET', `/v1/webhook_endpoints/${endpointId}/deliveries`, undefined, { key });
  return log.body.data[0];
}

describe('webhook endpoints', () => {
  it('shows the secret once, refuses unknown events and live http URLs, and lists, updates and deletes', async () => {
    const merchant = await stack.newMerchant();
    const key = merchant.secretKey;
    const created = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] }, { key });
    expect(created.body).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', enabled_events: ['*'] });
    expect(created.body.secret).toMatch(/^whsec_/);
    const read = await stack.api('GET', `/v1/webhook_endpoints/${created.body.id}`, undefined, { key });
    expect(read.body.secret).toBeUndefined();
    const stored = await sql<{ secret_sealed: Buffer }>`select secret_sealed from webhook_endpoints where id = ${created.body.id}`.execute(stack.db.db);
    expect(stored.rows[0]?.secret_sealed.toString('latin1')).not.toContain(created.body.secret);
    const unknown = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/', enabled_events: ['payment.exploded'] }, { key });
    expect(unknown.body.error).toMatchObject({ code: 'parameter_invalid', param: 'enabled_events' });
    const live = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://shop.example/hooks', enabled_events: ['*'] }, { key: merchant.merchant.keys.secret_live });
    expect(live.body.error).toMatchObject({ code: 'parameter_invalid', param: 'url' });
    const updated = await stack.api('POST', `/v1/webhook_endpoints/${created.body.id}`, { enabled_events: ['refund.succeeded'], enabled: false }, { key });
    expect(updated.body).toMatchObject({ enabled_events: ['refund.succeeded'], status: 'disabled', disabled_reason: 'by_merchant' });
    expect((await stack.api('GET', '/v1/webhook_endpoints', undefined, { key })).body.data).toHaveLength(1);
    const deleted = await stack.api('DELETE', `/v1/webhook_endpoints/${created.body.id}`, undefined, { key });
    expect(deleted.body).toEqual({ id: created.body.id, object: 'webhook_endpoint', deleted: true });
    expect((await stack.api('GET', `/v1/webhook_endpoints/${created.body.id}`, undefined, { key })).status).toBe(404);
  });

  it('writes the delivery in the transaction of the change: one per subscribed event, none for others', async () => {
    const merchant = await merchantWithEndpoint('http://127.0.0.1:9/hooks', ['payment.succeeded', 'refund.succeeded']);
    const payment = await pay(merchant.secretKey);
    const rows = await sql<{ type: string }>`
      select e.type from webhook_deliveries d join events e on e.id = d.event_id where d.endpoint_id = ${merchant.endpoint.id} order by e.type
    `.execute(stack.db.db);
    expect(rows.rows).toEqual([{ type: 'payment.succeeded' }]);
    const events = await stack.api('GET', `/v1/events?type=payment.succeeded`, undefined, { key: merchant.secretKey });
    expect(events.body.data[0]).toMatchObject({ object: 'event', type: 'payment.succeeded', data: { object: { id: payment, status: 'succeeded' } } });
  });
});

describe('delivery by the worker', () => {
  let worker: Runner;
  let second: Runner;
  beforeAll(async () => {
    worker = await startWorker(stack.context, stack.db.pool, { concurrency: 4, logLevel: 'silent' });
    second = await startWorker(stack.context, stack.db.pool, { concurrency: 4, logLevel: 'silent' });
  });
  afterAll(async () => {
    await worker?.stop();
    await second?.stop();
  });

  it('delivers a signed event soon after the commit, and an independent receiver verifies the signature', async () => {
    const receiver = await startReceiver();
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      const committedAt = Date.now();
      const payment = await pay(merchant.secretKey);
      const got = await waitFor(() => receiver.received, (r) => r.length > 0);
      console.log(`webhook delivered ${Date.now() - committedAt} ms after the payment's request started`);
      expect(got).toHaveLength(1);
      const [first] = got;
      expect(first?.event).toMatchObject({ object: 'event', type: 'payment.succeeded', data: { object: { id: payment } } });
      expect(independentlyVerified(first!.body, first!.signature, merchant.endpoint.secret)).toBe(true);
      expect(independentlyVerified(first!.body, first!.signature, 'whsec_wrong')).toBe(false);
      expect(verifyWebhookSignature(first!.body, first!.signature, merchant.endpoint.secret, 300, Math.floor(clock.nowMs() / 1000))).toBe(true);
      const delivery = await waitFor(() => deliveryOf(merchant.endpoint.id, merchant.secretKey), (d) => d?.status === 'succeeded');
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, last_response_status: 200, event_type: 'payment.succeeded' });
      expect(delivery.tries).toMatchObject([{ attempt: 1, response_status: 200, response_body: 'ok', error: null, url: receiver.url }]);
    } finally {
      await receiver.close();
    }
  });

  it('never delivers one event twice at once with two workers and a sweep racing them', async () => {
    const receiver = await startReceiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return 200;
    });
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      const payments = await Promise.all(Array.from({ length: 12 }, () => pay(merchant.secretKey)));
      // The sweep runs alongside the workers' jobs: the claim lets only one of them through.
      await Promise.all([deliverDueWebhooks(stack.context), deliverDueWebhooks(stack.context)]);
      await waitFor(() => receiver.received, (r) => r.length >= payments.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ids = receiver.received.map((r) => r.event.data.object.id).sort();
      expect(ids).toEqual([...payments].sort());
      const deliveries = await sql<{ attempts: number }>`select attempts from webhook_deliveries where endpoint_id = ${merchant.endpoint.id}`.execute(stack.db.db);
      expect(deliveries.rows.map((d) => d.attempts)).toEqual(payments.map(() => 1));
    } finally {
      await receiver.close();
    }
  });

  it('redelivers an event on request, even one already delivered', async () => {
    const receiver = await startReceiver();
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      await pay(merchant.secretKey);
      await waitFor(() => receiver.received, (r) => r.length === 1);
      const event = receiver.received[0]!.event.id;
      const again = await stack.api('POST', `/v1/events/${event}/redeliver`, undefined, { key: merchant.secretKey });
      expect(again.body).toEqual({ object: 'event_redelivery', event, deliveries_queued: 1 });
      await waitFor(() => receiver.received, (r) => r.length === 2);
      expect(receiver.received.map((r) => r.event.id)).toEqual([event, event]);
      const otherMerchant = await stack.newMerchant();
      expect((await stack.api('POST', `/v1/events/${event}/redeliver`, undefined, { key: otherMerchant.secretKey })).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });
});

describe('retries on an injected clock', () => {
  it('backs off exponentially with jitter while the endpoint fails, and delivers once it recovers', async () => {
    const receiver = await startReceiver((_entry, count) => (count <= 3 ? 500 : 200));
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      await pay(merchant.secretKey);
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const before = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
        const dueAt = Date.parse(before.next_attempt_at);
        if (attempt > 1) waits.push(dueAt - clock.nowMs());
        clock.setMs(Math.max(clock.nowMs(), dueAt));
        await deliverDueWebhooks(stack.context);
        expect(receiver.received).toHaveLength(attempt);
      }
      // 30 s, 60 s, 120 s backoffs, each drawn between half and all of it.
      expect(waits).toHaveLength(3);
      waits.forEach((wait, index) => {
        const backoff = 30_000 * 2 ** index;
        expect(wait).toBeGreaterThanOrEqual(backoff / 2);
        expect(wait).toBeLessThanOrEqual(backoff);
      });
      const delivery = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, next_attempt_at: null });
      expect(delivery.tries.map((t: { response_status: number }) => t.response_status)).toEqual([200, 500, 500, 500]);
      expect(delivery.tries[1]).toMatchObject({ response_body: 'receiver broke', error: 'answered 500' });
      // The same event id and body every time, with a fresh signature.
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
      const endpoint = await stack.api('GET', `/v1/webhook_endpoints/${merchant.endpoint.id}`, undefined, { key: merchant.secretKey });
      expect(endpoint.body).toMatchObject({ status: 'enabled', failing_since: null });
    } finally {
      await receiver.close();
    }
  });

  it('treats a redirect and no answer as failures', async () => {
    const receiver = await startReceiver((_entry, count) => (count === 1 ? 302 : 200));
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      await pay(merchant.secretKey);
      clock.advanceMs(1);
      await deliverDueWebhooks(stack.context);
      const delivery = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(delivery).toMatchObject({ status: 'pending', last_response_status: 302 });
    } finally {
      await receiver.close();
    }
  });

  it('takes a 2xx whose body never ends as delivered, keeping only the first kilobyte of it', async () => {
    // A receiver that answers at once and then streams forever (a proxy, a misbehaving framework).
    const streams = new Set<ServerResponse>();
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('x'.repeat(4096));
      streams.add(response);
      const timer = setInterval(() => response.write('more '), 20);
      response.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const merchant = await merchantWithEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      await pay(merchant.secretKey);
      clock.advanceMs(1);
      const started = performance.now();
      await deliverDueWebhooks(stack.context);
      expect(performance.now() - started).toBeLessThan(5_000);
      const delivery = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, last_response_status: 200 });
      expect(delivery.tries[0].response_body).toBe('x'.repeat(1024));
    } finally {
      for (const response of streams) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('ends a delivery as failed on the try that disables its endpoint, not pending for a later cancel', async () => {
    const receiver = await startReceiver(() => 500);
    try {
      const merchant = await merchantWithEndpoint(receiver.url);
      await sql`update webhook_endpoints set failing_since = ${new Date(clock.nowMs() - 3 * 24 * 3600_000 - 1)} where id = ${merchant.endpoint.id}`.execute(stack.db.db);
      await pay(merchant.secretKey);
      clock.advanceMs(1);
      await deliverDueWebhooks(stack.context);
      expect(await deliveryOf(merchant.endpoint.id, merchant.secretKey)).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
      const endpoint = await stack.api('GET', `/v1/webhook_endpoints/${merchant.endpoint.id}`, undefined, { key: merchant.secretKey });
      expect(endpoint.body.status).toBe('disabled');
    } finally {
      await receiver.close();
    }
  });

  it('disables an endpoint that has failed for 3 days and queues an email to the merchant', async () => {
    const receiver = await startReceiver(() => 503);
    try {
      const merchant = await merchantWithEndpoint(receiver.url, ['payment.succeeded'], 'ops@tea.example');
      await pay(merchant.secretKey);
      const started = clock.nowMs();
      for (let i = 0; i < 60; i += 1) {
        const delivery = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
        if (delivery.status !== 'pending') break;
        clock.setMs(Math.max(clock.nowMs(), Date.parse(delivery.next_attempt_at)));
        await deliverDueWebhooks(stack.context);
      }
      const delivery = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(delivery.status).toBe('failed');
      expect(clock.nowMs() - started).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
      const endpoint = await stack.api('GET', `/v1/webhook_endpoints/${merchant.endpoint.id}`, undefined, { key: merchant.secretKey });
      expect(endpoint.body).toMatchObject({ status: 'disabled', disabled_reason: 'failing_for_3_days' });
      const emails = await sql<{ recipient: string; subject: string; purpose: string }>`
        select recipient, subject, purpose from messages where merchant_id = ${merchant.merchant.merchantId}
      `.execute(stack.db.db);
      expect(emails.rows).toEqual([{ recipient: 'ops@tea.example', subject: `Webhook endpoint disabled: ${receiver.url}`, purpose: 'webhook_endpoint_disabled' }]);
      // Events after the disabling are not queued for it; turning it back on starts afresh.
      await pay(merchant.secretKey);
      const count = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where endpoint_id = ${merchant.endpoint.id}`.execute(stack.db.db);
      expect(count.rows[0]?.n).toBe(1);
      const enabled = await stack.api('POST', `/v1/webhook_endpoints/${merchant.endpoint.id}`, { enabled: true }, { key: merchant.secretKey });
      expect(enabled.body).toMatchObject({ status: 'enabled', failing_since: null, disabled_reason: null });
    } finally {
      await receiver.close();
    }
  });
});

describe('a worker killed mid-delivery', () => {
  it('leaves the delivery to be taken up again once its lease runs out', async () => {
    let child: ChildProcess | null = null;
    let hung = false;
    const receiver = await startReceiver(async (_entry, count) => {
      if (count === 1) {
        hung = true;
        return 0; // never answers: the worker is killed while it waits
      }
      return 200;
    });
    try {
      child = spawn(process.execPath, ['test/support/webhook-worker-child.ts'], {
        env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_MASTER_KEY: testMasterKey.toString('base64') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const merchant = await merchantWithEndpoint(receiver.url);
      clock.setMs(Date.now());
      await pay(merchant.secretKey);
      await waitFor(() => hung, (h) => h, 20_000);
      expect(hung).toBe(true);
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      const stuck = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(stuck).toMatchObject({ status: 'pending', attempts: 1, tries: [] });
      // Before the lease runs out nobody else may take it; after, the sweep does.
      await deliverDueWebhooks(stack.context);
      expect(receiver.received).toHaveLength(1);
      clock.setMs(Date.now() + 61_000);
      await deliverDueWebhooks(stack.context);
      const delivered = await deliveryOf(merchant.endpoint.id, merchant.secretKey);
      expect(delivered).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(receiver.received).toHaveLength(2);
    } finally {
      child?.kill('SIGKILL');
      await receiver.close();
    }
  }, 60_000);
});
