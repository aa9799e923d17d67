/**
 * What the triggers on the payment path queue, in the statement that writes
 * the row (issue 14 moved them, migration 0061; what they queue is unchanged).
 *
 * Writing a merchant event (migrations 0006 and 0046, merged into one
 * statement-level trigger by 0061): for each event, exactly one event-stream row while a publisher is
 * registered (none otherwise), in the order the events were written; one
 * webhook delivery and one `deliver_webhook` job per enabled endpoint of the
 * event's merchant and mode that subscribes to its type; and one
 * `notify_payer` job for an outcome of a payment that names a customer or a
 * refund of such a payment. Both jobs name the event's merchant (since 0061,
 * so the worker reads through it: tenant keys). Checked for a statement writing several events
 * at once (ids deliberately not in the order written), for single-event
 * statements, and for a statement writing none. Everything is written inside
 * a transaction that is rolled back, so no other test sees the publisher or
 * the endpoints.
 *
 * Changing a channel attempt (migration 0024; its condition moved from the
 * trigger's WHEN clause into the function by 0061): a `poll_order` job, due in
 * 5 s when an Alipay, WeChat Pay or UnionPay attempt starts waiting for the
 * payer, due at once when its next status query is brought forward; none for
 * a card attempt or any other change.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let merchantId: string;
let refundOfCustomerPayment: string;
let refundWithoutCustomer: string;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
  merchantId = stack.merchant.merchantId;
  const customer = await stack.api<{ id: string }>('POST', '/v1/customers', { name: 'Queue Payer', email: `queue-${Date.now()}@example.com` });
  expect(customer.status).toBe(200);
  refundOfCustomerPayment = await paidAndRefunded(customer.body.id);
  refundWithoutCustomer = await paidAndRefunded(null);
});
afterAll(async () => {
  await stack?.close();
});

async function paidAndRefunded(customer: string | null): Promise<string> {
  const created = await stack.api<{ id: string }>('POST', '/v1/payments', { amount: 1_000, currency: 'USD', ...(customer ? { customer } : {}) });
  expect(created.status).toBe(200);
  const paid = await stack.api<{ status: string }>('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body.status).toBe('succeeded');
  const refunded = await stack.api<{ id: string; status: string }>('POST', '/v1/refunds', { payment: created.body.id, amount: 100 });
  expect(refunded.body.status).toBe('succeeded');
  return refunded.body.id;
}

class RolledBack extends Error {}

/** Runs `work` in a transaction that is always rolled back. */
async function insideRolledBack(work: (trx: Kysely<unknown>) => Promise<void>): Promise<void> {
  try {
    await (stack.db.db as unknown as Kysely<unknown>).transaction().execute(async (trx) => {
      await work(trx);
      throw new RolledBack('rolled back');
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
}

interface EventInput {
  id: string;
  type: string;
  objectId: string;
  data: unknown;
  mode?: 'test' | 'live';
}

/** One INSERT statement writing every event given, in the order given. */
async function insertEvents(trx: Kysely<unknown>, events: EventInput[]): Promise<void> {
  const rows = events.map((e) => ({ id: e.id, mode: e.mode ?? 'test', type: e.type, object_id: e.objectId, data: e.data }));
  await sql`
    insert into events (id, merchant_id, mode, type, object_id, data, created_at)
    select e.id, ${merchantId}, e.mode, e.type, e.object_id, e.data, now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(id text, mode text, type text, object_id text, data jsonb)
  `.execute(trx);
}

async function addEndpoint(trx: Kysely<unknown>, id: string, fields: { events: string[]; status?: string; mode?: string; deleted?: boolean }) {
  await sql`
    insert into webhook_endpoints (id, merchant_id, mode, url, enabled_events, secret_sealed, status, created_at, updated_at, deleted_at)
    values (${id}, ${merchantId}, ${fields.mode ?? 'test'}, 'https://example.com/hook', ${fields.events}, '\\x00'::bytea,
            ${fields.status ?? 'enabled'}, now(), now(), ${fields.deleted ? sql`now()` : sql`null`})
  `.execute(trx);
}

interface Queued {
  stream: { event_id: string; ordering_key: string; merchant_id: string; mode: string }[];
  deliveries: { id: string; endpoint_id: string; event_id: string }[];
  deliverJobs: string[];
  payerJobs: string[];
}

/** What is queued for the given events, each list in the order it was queued. */
async function queuedFor(trx: Kysely<unknown>, eventIds: string[]): Promise<Queued> {
  const stream = await sql<Queued['stream'][number]>`
    select event_id, ordering_key, merchant_id, mode from event_stream_outbox where event_id = any(${eventIds}::text[]) order by sequence
  `.execute(trx);
  const deliveries = await sql<Queued['deliveries'][number]>`
    select id, endpoint_id, event_id from webhook_deliveries where event_id = any(${eventIds}::text[]) order by event_id, endpoint_id
  `.execute(trx);
  const deliveryIds = deliveries.rows.map((row) => row.id);
  const deliverJobs = await sql<{ id: string }>`
    select j.payload ->> 'id' as id from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where t.identifier = 'deliver_webhook' and j.payload ->> 'id' = any(${deliveryIds}::text[])
       and j.payload ->> 'merchant' = ${merchantId} order by j.id
  `.execute(trx);
  const payerJobs = await sql<{ event: string }>`
    select j.payload ->> 'event' as event from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where t.identifier = 'notify_payer' and j.payload ->> 'event' = any(${eventIds}::text[])
       and j.payload ->> 'merchant' = ${merchantId} order by j.id
  `.execute(trx);
  return {
    stream: stream.rows,
    deliveries: deliveries.rows,
    deliverJobs: deliverJobs.rows.map((row) => row.id),
    payerJobs: payerJobs.rows.map((row) => row.event),
  };
}

/** The delivery id the trigger derives: the event's time part, then a part unique to the endpoint. */
async function deliveryId(trx: Kysely<unknown>, eventId: string, endpointId: string): Promise<string> {
  const row = await sql<{ id: string }>`select 'wd_' || substr(${eventId}::text, 5, 10) || substr(md5(${eventId}::text || ${endpointId}::text), 1, 16) as id`.execute(trx);
  return row.rows[0]!.id;
}

const run = `${Date.now().toString(36)}`;
/** Ids that sort in the reverse of the order they are written in: the stream's order must follow the writing. */
const ids = ['evt_q9' + run, 'evt_q8' + run, 'evt_q7' + run, 'evt_q6' + run, 'evt_q5' + run];

describe('what writing events queues', () => {
  it('queues one stream row per event in the order written, one delivery and job per subscribed endpoint, and payer notices for customers only', async () => {
    await insideRolledBack(async (trx) => {
      await sql`insert into event_stream_publishers (name, registered_at) values (${'queue-test-' + run}, now())`.execute(trx);
      const all = 'we_qall' + run;
      const succeededOnly = 'we_qsucc' + run;
      await addEndpoint(trx, all, { events: ['*'] });
      await addEndpoint(trx, succeededOnly, { events: ['payment.succeeded', 'refund.succeeded'] });
      await addEndpoint(trx, 'we_qoff' + run, { events: ['*'], status: 'disabled' });
      await addEndpoint(trx, 'we_qgone' + run, { events: ['*'], deleted: true });
      await addEndpoint(trx, 'we_qlive' + run, { events: ['*'], mode: 'live' });

      const events: EventInput[] = [
        { id: ids[0]!, type: 'payment.succeeded', objectId: 'pay_q1', data: { object: { id: 'pay_q1', customer: 'cus_q1' } } },
        { id: ids[1]!, type: 'payment.created', objectId: 'pay_q2', data: { object: { id: 'pay_q2', customer: 'cus_q1' } } },
        { id: ids[2]!, type: 'refund.succeeded', objectId: refundOfCustomerPayment, data: { object: { id: refundOfCustomerPayment, payment: 'pay_q3' } } },
        { id: ids[3]!, type: 'refund.succeeded', objectId: refundWithoutCustomer, data: { object: { id: refundWithoutCustomer, payment_id: 'pay_q4' } } },
        { id: ids[4]!, type: 'payment.canceled', objectId: 'pay_q5', data: { object: { id: 'pay_q5', customer: null } } },
      ];
      await insertEvents(trx, events);
      const queued = await queuedFor(trx, ids);

      expect(queued.stream).toEqual([
        { event_id: ids[0], ordering_key: 'pay_q1', merchant_id: merchantId, mode: 'test' },
        { event_id: ids[1], ordering_key: 'pay_q2', merchant_id: merchantId, mode: 'test' },
        { event_id: ids[2], ordering_key: 'pay_q3', merchant_id: merchantId, mode: 'test' },
        { event_id: ids[3], ordering_key: 'pay_q4', merchant_id: merchantId, mode: 'test' },
        { event_id: ids[4], ordering_key: 'pay_q5', merchant_id: merchantId, mode: 'test' },
      ]);

      const subscribed: [string, string][] = [
        [ids[0]!, all], [ids[0]!, succeededOnly],
        [ids[1]!, all],
        [ids[2]!, all], [ids[2]!, succeededOnly],
        [ids[3]!, all], [ids[3]!, succeededOnly],
        [ids[4]!, all],
      ];
      const expected = await Promise.all(subscribed.map(async ([event, endpoint]) => ({ id: await deliveryId(trx, event, endpoint), endpoint_id: endpoint, event_id: event })));
      const byEventThenEndpoint = (a: { event_id: string; endpoint_id: string }, b: { event_id: string; endpoint_id: string }) =>
        a.event_id === b.event_id ? (a.endpoint_id < b.endpoint_id ? -1 : 1) : a.event_id < b.event_id ? -1 : 1;
      expect(queued.deliveries).toEqual([...expected].sort(byEventThenEndpoint));
      // One job per delivery, queued in the order the events were written.
      expect([...queued.deliverJobs].sort()).toEqual(expected.map((d) => d.id).sort());
      const eventOfJob = new Map(expected.map((d) => [d.id, d.event_id]));
      const jobEvents = queued.deliverJobs.map((id) => eventOfJob.get(id));
      expect(jobEvents).toEqual(subscribed.map(([event]) => event));

      // A payment outcome naming a customer, and a refund of a customer's payment; nothing else.
      expect(queued.payerJobs).toEqual([ids[0], ids[2]]);
    });
  });

  it('queues the same for events written one statement at a time, and nothing for a statement that writes none', async () => {
    await insideRolledBack(async (trx) => {
      await sql`insert into event_stream_publishers (name, registered_at) values (${'queue-test-' + run}, now())`.execute(trx);
      const endpoint = 'we_qone' + run;
      await addEndpoint(trx, endpoint, { events: ['payment.canceled'] });
      await insertEvents(trx, []);
      await insertEvents(trx, [{ id: ids[0]!, type: 'payment.canceled', objectId: 'pay_q1', data: { object: { id: 'pay_q1', customer: 'cus_q1' } } }]);
      await insertEvents(trx, [{ id: ids[1]!, type: 'order.fulfillment_updated', objectId: 'ord_q2', data: { object: { id: 'ord_q2', payment: 'pay_q2' } } }]);
      const queued = await queuedFor(trx, ids);
      expect(queued.stream.map((row) => [row.event_id, row.ordering_key])).toEqual([
        [ids[0], 'pay_q1'],
        [ids[1], 'pay_q2'],
      ]);
      expect(queued.deliveries).toEqual([{ id: await deliveryId(trx, ids[0]!, endpoint), endpoint_id: endpoint, event_id: ids[0] }]);
      expect(queued.deliverJobs).toEqual([queued.deliveries[0]!.id]);
      expect(queued.payerJobs).toEqual([ids[0]]);
    });
  });

  it('queues no stream row while no publisher is registered, and nothing for a merchant without endpoints', async () => {
    await insideRolledBack(async (trx) => {
      await sql`delete from event_stream_publishers`.execute(trx);
      await insertEvents(trx, [
        { id: ids[0]!, type: 'payment.succeeded', objectId: 'pay_q1', data: { object: { id: 'pay_q1' } } },
        { id: ids[1]!, type: 'payment.created', objectId: 'pay_q2', data: { object: { id: 'pay_q2' } } },
      ]);
      expect(await queuedFor(trx, ids)).toEqual({ stream: [], deliveries: [], deliverJobs: [], payerJobs: [] });
    });
  });
});

describe('what changing an attempt queues', () => {
  interface AttemptCase {
    name: string;
    connector: string;
    status: string;
    /** Seconds from now of next_query_at when inserted (null: none). */
    nextQueryIn: number | null;
    /** The change made after the insert, as SET assignments; none: the insert alone. */
    change?: string;
    /** Seconds from now the job is due, or null: no job. */
    dueIn: number | null;
  }
  const cases: AttemptCase[] = [
    { name: 'alipay inserted waiting for the payer', connector: 'alipay', status: 'requires_action', nextQueryIn: 60, dueIn: 5 },
    { name: 'card inserted waiting for the payer', connector: 'card', status: 'requires_action', nextQueryIn: 60, dueIn: null },
    { name: 'alipay inserted pending', connector: 'alipay', status: 'pending', nextQueryIn: 60, dueIn: null },
    { name: 'alipay starts waiting', connector: 'alipay', status: 'pending', nextQueryIn: 60, change: "status = 'requires_action'", dueIn: 5 },
    { name: 'unionpay starts waiting', connector: 'unionpay', status: 'pending', nextQueryIn: 60, change: "status = 'requires_action'", dueIn: 5 },
    { name: 'card starts waiting', connector: 'card', status: 'pending', nextQueryIn: 60, change: "status = 'requires_action'", dueIn: null },
    { name: 'alipay waiting, query brought forward', connector: 'alipay', status: 'requires_action', nextQueryIn: 60, change: 'next_query_at = now()', dueIn: 0 },
    { name: 'wechat_pay unknown, query brought forward', connector: 'wechat_pay', status: 'unknown', nextQueryIn: 60, change: 'next_query_at = now()', dueIn: 0 },
    { name: 'alipay pending, query brought forward', connector: 'alipay', status: 'pending', nextQueryIn: 60, change: 'next_query_at = now()', dueIn: 0 },
    { name: 'alipay pending, query put back', connector: 'alipay', status: 'pending', nextQueryIn: 60, change: "next_query_at = now() + interval '2 minutes'", dueIn: null },
    { name: 'alipay pending, query set where there was none', connector: 'alipay', status: 'pending', nextQueryIn: null, change: 'next_query_at = now()', dueIn: null },
    { name: 'alipay waiting, succeeded', connector: 'alipay', status: 'requires_action', nextQueryIn: 60, change: "status = 'succeeded', next_query_at = null", dueIn: null },
    { name: 'alipay succeeded, query brought forward', connector: 'alipay', status: 'succeeded', nextQueryIn: 60, change: 'next_query_at = now()', dueIn: null },
    { name: 'alipay waiting, tried again', connector: 'alipay', status: 'requires_action', nextQueryIn: 60, change: 'tries = tries + 1', dueIn: null },
    { name: 'alipay waiting, still waiting', connector: 'alipay', status: 'requires_action', nextQueryIn: 60, change: "status = 'requires_action'", dueIn: null },
    { name: 'card unknown, query brought forward', connector: 'card', status: 'unknown', nextQueryIn: 60, change: 'next_query_at = now()', dueIn: null },
  ];

  it('queues a poll exactly for a channel attempt that starts waiting or whose query comes sooner', async () => {
    const payment = await stack.api<{ id: string }>('POST', '/v1/payments', { amount: 1_000, currency: 'USD' });
    expect(payment.status).toBe(200);
    await insideRolledBack(async (trx) => {
      const due: Record<string, number | null> = {};
      for (const [index, c] of cases.entries()) {
        const attemptId = `att_qpoll${index}_${run}`;
        await sql`
          insert into payment_attempts (id, payment_id, merchant_id, operation, connector, payment_method_type, status, amount,
                                        provider_idempotency_key, started_at, next_query_at)
          values (${attemptId}, ${payment.body.id}, ${merchantId}, 'authorize', ${c.connector}, ${c.connector}, ${c.status}, 1000,
                  ${attemptId}, now(), now() + ${c.nextQueryIn}::int * interval '1 second')
        `.execute(trx);
        if (c.change) {
          // Only a job the change queues counts: the insert's own is taken off first.
          await sql`delete from graphile_worker._private_jobs where key = ${`poll_order:${attemptId}`}`.execute(trx);
          await sql.raw(`update payment_attempts set ${c.change} where id = '${attemptId}'`).execute(trx);
        }
        const job = await sql<{ due_in: number }>`
          select extract(epoch from run_at - now())::float8 as due_in from graphile_worker.jobs where key = ${`poll_order:${attemptId}`}
        `.execute(trx);
        due[c.name] = job.rows[0]?.due_in ?? null;
      }
      expect(due).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.dueIn])));
    });
  });
});
