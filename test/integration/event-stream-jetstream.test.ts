/**
 * Events published to NATS JetStream (flows/event-stream/, migration 0046),
 * against a nats-server this test starts with JetStream and a store
 * directory of its own, kills in the middle and starts again on the same
 * port and directory. A durable subscriber that reads before the kill and
 * after the restart receives every event, each once, and each payment's
 * events in order; a publication repeated after a crash (acknowledged by the
 * stream but not yet recorded) is dropped by the stream by its message id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { limits } from '../../src/domain/limits.ts';
import { eventStreamPublisherName, startEventStreamPublisher } from '../../src/flows/event-stream/run-publisher.ts';
import { natsEventStream, type EventStreamSink } from '../../src/messaging/event-stream-nats.ts';
import { countOwedPublications, unregisterPublisher } from '../../src/store/event-stream.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

const streamName = 'PAYPILOT_EVENTS_TEST';
const subjectPrefix = 'paypilot.test_events';
let stack: Stack;
let storeDir: string;
let port: number;
let server: ChildProcess | null = null;
let sink: EventStreamSink;
let publisher: { stop(): Promise<void> };
let failedRounds = 0;
let subscriberConnection: NatsConnection | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function accepting(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function startNats(): Promise<void> {
  const child = spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
  server = child;
  await until(accepting, 'nats-server accepts connections');
}

async function killNats(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  server = null;
}

beforeAll(async () => {
  storeDir = await mkdtemp(path.join(tmpdir(), 'paypilot-jetstream-'));
  port = await freePort();
  await startNats();
  stack = await startStack();
  sink = natsEventStream({
    url: `nats://127.0.0.1:${port}`,
    stream: streamName,
    subjectPrefix,
    duplicateWindowMs: limits.eventStreamDuplicateWindowMs,
    publishTimeoutMs: 1_000,
  });
  publisher = await startEventStreamPublisher(stack.context, sink, {
    holder: 'test-publisher',
    onRound: (round) => {
      if (round.failed > 0) failedRounds += 1;
    },
  });
});
afterAll(async () => {
  await publisher?.stop();
  await sink?.close();
  await subscriberConnection?.close().catch(() => {});
  if (stack) await unregisterPublisher(stack.db.db, eventStreamPublisherName);
  await killNats();
  await stack?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

interface Received {
  id: string;
  type: string;
  subject: string;
  sequence: bigint;
}

/** Reads what the durable consumer has for us now, acknowledging each message. */
async function readAvailable(): Promise<Received[]> {
  subscriberConnection ??= await connect({ servers: `nats://127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const consumer = await jetstream(subscriberConnection).consumers.get(streamName, 'subscriber');
  const received: Received[] = [];
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 200, expires: 1_000 });
    let count = 0;
    for await (const message of batch) {
      const body = message.json<{ id: string; type: string }>();
      received.push({ id: body.id, type: body.type, subject: message.subject, sequence: BigInt(message.headers?.get('Paypilot-Sequence') ?? '0') });
      message.ack();
      count += 1;
    }
    if (count === 0) return received;
  }
}

async function payAndRefund(merchantKey: string, refunds: number): Promise<string> {
  const created = await stack.api<{ id: string }>('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', payment_method_types: ['card'] }, { key: merchantKey });
  expect(created.status).toBe(200);
  const confirmed = await stack.api<{ status: string }>('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: merchantKey });
  expect(confirmed.body.status).toBe('succeeded');
  for (let i = 0; i < refunds; i += 1) await refund(merchantKey, created.body.id);
  return created.body.id;
}

async function refund(merchantKey: string, paymentId: string): Promise<void> {
  const refunded = await stack.api('POST', '/v1/refunds', { payment: paymentId, amount: 100 }, { key: merchantKey });
  expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
}

describe('the event stream on NATS JetStream', () => {
  it('delivers every event once, in order per payment, to a subscriber reading across a broker restart', async () => {
    const merchant = await stack.newMerchant({ name: 'Streamed' });
    const before: string[] = [];
    for (let i = 0; i < 4; i += 1) before.push(await payAndRefund(merchant.secretKey, 1));
    await until(async () => (await countOwedPublications(stack.db.db)) === 0, 'the first payments are published');
    const admin = await connect({ servers: `nats://127.0.0.1:${port}` });
    const manager = await jetstreamManager(admin);
    await manager.consumers.add(streamName, { durable_name: 'subscriber', ack_policy: AckPolicy.Explicit, filter_subject: `${subjectPrefix}.${merchant.merchant.merchantId}.>` });
    await admin.close();
    const received = await readAvailable();
    expect(received.length).toBeGreaterThan(0);

    // The broker dies; payments go on, and refunds on payments already streamed.
    await subscriberConnection?.close();
    subscriberConnection = null;
    await killNats();
    const during: string[] = [];
    for (let i = 0; i < 3; i += 1) during.push(await payAndRefund(merchant.secretKey, 1));
    for (const id of before) await refund(merchant.secretKey, id);
    await until(() => failedRounds > 0, 'the publisher fails to reach the broker');
    expect(await countOwedPublications(stack.db.db)).toBeGreaterThan(0);

    await startNats();
    for (let i = 0; i < 2; i += 1) during.push(await payAndRefund(merchant.secretKey, 2));
    await until(async () => (await countOwedPublications(stack.db.db)) === 0, 'everything owed is published after the restart', 60_000);
    received.push(...(await readAvailable()));

    const events = await stack.db.db.selectFrom('events').select(['id', 'type', 'object_id']).where('merchant_id', '=', merchant.merchant.merchantId).orderBy('id').execute();
    expect(events.length).toBeGreaterThan(20);
    // Every event, each once.
    expect(received.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
    // One subject per payment, and along it the events in the order they were queued.
    const bySubject = new Map<string, Received[]>();
    for (const r of received) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
    expect(new Set(bySubject.keys())).toEqual(new Set([...before, ...during].map((id) => `${subjectPrefix}.${merchant.merchant.merchantId}.test.${id}`)));
    for (const [subject, stream] of bySubject) {
      for (let i = 1; i < stream.length; i += 1) expect(stream[i]!.sequence > stream[i - 1]!.sequence, subject).toBe(true);
      const types = stream.map((r) => r.type);
      // A payment's success precedes its refunds' events.
      expect(types.indexOf('payment.succeeded'), subject).toBeGreaterThanOrEqual(0);
      const firstRefund = types.findIndex((type) => type.startsWith('refund.'));
      expect(firstRefund, subject).toBeGreaterThan(types.indexOf('payment.succeeded'));
    }

    // A crash after the stream's acknowledgement, before the publication was recorded: it is owed again.
    const repeated = events.slice(0, 3);
    for (const event of repeated) {
      await sql`insert into event_stream_outbox (event_id, merchant_id, mode, ordering_key, created_at)
                select id, merchant_id, mode, object_id, created_at from events where id = ${event.id}`.execute(stack.db.db);
    }
    await until(async () => (await countOwedPublications(stack.db.db)) === 0, 'the repeated publications are settled');
    // Published again, and dropped by the stream as duplicates: the subscriber sees nothing new.
    expect(await readAvailable()).toEqual([]);
  });

  it('queues nothing for the stream once no publisher is registered (the stream is off by default)', async () => {
    await publisher.stop();
    await unregisterPublisher(stack.db.db, eventStreamPublisherName);
    const merchant = await stack.newMerchant({ name: 'Not streamed' });
    await payAndRefund(merchant.secretKey, 1);
    expect(await countOwedPublications(stack.db.db)).toBe(0);
    const queued = await stack.db.db.selectFrom('events').select('id').where('merchant_id', '=', merchant.merchant.merchantId).execute();
    expect(queued.length).toBeGreaterThan(0);
  });
});
