/**
 * How fast the event outbox drains to NATS JetStream (flows/event-stream/):
 * events written straight into `events` (the trigger queues them), then
 * published round after round until nothing is owed. Many payments go out
 * side by side; one payment's events go one at a time, each awaiting its
 * acknowledgement. Prints figures; never passes or fails on time.
 *
 *   DATABASE_URL=postgres://… NATS_URL=nats://127.0.0.1:4222 node bench/event-stream.ts
 */
import { sql } from 'kysely';
import { prepareJobQueue } from '../src/jobs/worker.ts';
import { publishOwedEvents } from '../src/flows/event-stream/publish-events.ts';
import { eventStreamPublisherName } from '../src/flows/event-stream/run-publisher.ts';
import { natsEventStream } from '../src/messaging/event-stream-nats.ts';
import { openDatabase } from '../src/store/database.ts';
import { countOwedPublications, registerPublisher, unregisterPublisher } from '../src/store/event-stream.ts';
import { migrateToLatest } from '../src/store/migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const handle = openDatabase(url, { poolSize: 4 });
await migrateToLatest(handle.db);
await prepareJobQueue(handle.pool); // the events trigger queues webhook jobs into graphile-worker's tables
const clock = { nowMs: () => Date.now() };
const sink = natsEventStream({
  url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  stream: 'PAYPILOT_EVENTS_BENCH',
  subjectPrefix: 'paypilot.bench_events',
  duplicateWindowMs: 10 * 60 * 1000,
  publishTimeoutMs: 5_000,
});

async function measure(label: string, events: number, payments: number): Promise<void> {
  const run = `${Date.now()}`;
  await sql`
    insert into events (id, merchant_id, mode, type, object_id, data, created_at)
    select 'evt_bench_' || ${run} || '_' || lpad(i::text, 8, '0'), 'mer_bench', 'test', 'payment.updated',
           'pay_bench_' || ${run} || '_' || (i % ${payments}), jsonb_build_object('object', jsonb_build_object('n', i)), now()
      from generate_series(1, ${events}) as i`.execute(handle.db);
  const started = performance.now();
  let rounds = 0;
  while ((await countOwedPublications(handle.db)) > 0) {
    const round = await publishOwedEvents({ db: handle.db, clock }, sink);
    if (round.failed > 0) throw new Error(`publishing failed: ${round.firstError}`);
    rounds += 1;
  }
  const elapsedMs = performance.now() - started;
  console.log(`${label.padEnd(34)} ${events} events in ${rounds} rounds: ${Math.round((events * 1000) / elapsedMs).toString().padStart(6)} events/s`);
}

try {
  await registerPublisher(handle.db, eventStreamPublisherName, new Date());
  await measure('1,000 payments (side by side)', 10_000, 1_000);
  await measure('32 payments', 5_000, 32);
  await measure('1 payment (one at a time)', 1_000, 1);
} finally {
  await unregisterPublisher(handle.db, eventStreamPublisherName);
  await sql`delete from events where merchant_id = 'mer_bench'`.execute(handle.db);
  await sink.close();
  await handle.close();
}
