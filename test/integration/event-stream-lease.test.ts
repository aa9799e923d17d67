/**
 * The event stream's publisher lease and rounds (flows/event-stream/,
 * migration 0046), with a sink that records what it is given instead of a
 * broker (the broker itself: event-stream-jetstream.test.ts). One publisher
 * at a time holds the lease, a dead one's lease is taken over once it runs
 * out, and a payment's events stop at the first that fails, so nothing of
 * that payment overtakes it; other payments go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishOwedEvents } from '../../src/flows/event-stream/publish-events.ts';
import { eventStreamPublisherName, turnEventStreamOff } from '../../src/flows/event-stream/run-publisher.ts';
import type { EventStreamSink, StreamMessage } from '../../src/messaging/event-stream-nats.ts';
import { countOwedPublications, leasePublisher, registerPublisher } from '../../src/store/event-stream.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await registerPublisher(stack.db.db, eventStreamPublisherName, new Date());
});
afterAll(async () => {
  if (stack) await turnEventStreamOff(stack.context);
  await stack?.close();
});

function recordingSink(failFor: (message: StreamMessage) => boolean): EventStreamSink & { published: StreamMessage[] } {
  const published: StreamMessage[] = [];
  return {
    published,
    async publish(message) {
      if (failFor(message)) throw new Error('no acknowledgement');
      published.push(message);
      return { duplicate: false };
    },
    subjectOf: (event) => `events.${event.merchantId}.${event.mode}.${event.orderingKey}`,
    async close() {},
  };
}

describe('the event stream publisher', () => {
  it('holds the lease for one publisher at a time, and hands it over only once it has run out', async () => {
    const at = new Date(Date.UTC(2030, 0, 1));
    const leaseMs = 60_000;
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'a', now: at, leaseMs })).toBe(true);
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'b', now: new Date(at.getTime() + leaseMs - 1), leaseMs })).toBe(false);
    // The holder renews its own.
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'a', now: new Date(at.getTime() + 1_000), leaseMs })).toBe(true);
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'b', now: new Date(at.getTime() + leaseMs + 999), leaseMs })).toBe(false);
    // `a` died: once its renewed lease has run out, `b` takes over.
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'b', now: new Date(at.getTime() + leaseMs + 1_000), leaseMs })).toBe(true);
    expect(await leasePublisher(stack.db.db, { name: eventStreamPublisherName, holder: 'a', now: new Date(at.getTime() + leaseMs + 2_000), leaseMs })).toBe(false);
  });

  it('stops a payment at its first failed event, goes on with the others, and publishes the rest in order once it succeeds', async () => {
    const merchant = await stack.newMerchant({ name: 'Lease' });
    const payments: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await stack.api<{ id: string }>('POST', '/v1/payments', { amount: 500, currency: 'CNY', payment_method_types: ['card'] }, { key: merchant.secretKey });
      await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: merchant.secretKey });
      payments.push(created.body.id);
    }
    const owed = await countOwedPublications(stack.db.db);
    expect(owed).toBeGreaterThanOrEqual(6);
    const failing = payments[1]!;
    // The failing payment's first event fails: its later events must not go out before it.
    const first = recordingSink((message) => message.subject.endsWith(failing));
    const round = await publishOwedEvents(stack.context, first);
    expect(round.failed).toBe(1);
    expect(first.published.some((m) => m.subject.endsWith(failing))).toBe(false);
    expect(new Set(first.published.map((m) => m.subject.split('.').pop()))).toEqual(new Set([payments[0], payments[2]]));
    const left = await countOwedPublications(stack.db.db);
    expect(left).toBeGreaterThanOrEqual(2);

    const second = recordingSink(() => false);
    expect((await publishOwedEvents(stack.context, second)).published).toBe(left);
    expect(await countOwedPublications(stack.db.db)).toBe(0);
    const sequences = second.published.filter((m) => m.subject.endsWith(failing)).map((m) => BigInt(m.headers['Paypilot-Sequence']!));
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Each event once, across both rounds.
    const ids = [...first.published, ...second.published].map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('turned off (`paypilot event-stream off`), forgets what was owed and queues nothing more', async () => {
    const merchant = await stack.newMerchant({ name: 'Off' });
    const pay = () => stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY', payment_method_types: ['card'] }, { key: merchant.secretKey });
    expect((await pay()).status).toBe(200);
    const owed = await countOwedPublications(stack.db.db);
    expect(owed).toBeGreaterThan(0);
    expect(await turnEventStreamOff(stack.context)).toEqual({ forgotten: owed });
    expect((await pay()).status).toBe(200);
    expect(await countOwedPublications(stack.db.db)).toBe(0);
  });
});
