/** What a simulate-traffic run did, counted from the database, and its printed form. */
import { sql } from 'kysely';
import { type World } from './world.ts';
import { slotMs, type Channel, type TrafficPlan } from './traffic-plan.ts';


export interface TrafficSummary {
  run: string;
  merchant: string;
  seed: number;
  from: string;
  to: string;
  payments: number;
  elapsed_seconds: number;
  payments_per_second: number;
  degraded: { channel: Channel; from: string; to: string };
  by_status: Record<string, number>;
  abandoned: number;
  cancellations_by_reason: Record<string, number>;
  by_channel: Record<string, { attempts: number; succeeded: number }>;
  decline_codes: Record<string, number>;
  refunds: number;
  ratings: number;
  /** Requests the API answered with 500 (a bug, never the simulated outage), the first few of them. */
  internal_errors: number;
  internal_error_samples: string[];
}


export async function summarize(world: World, plan: TrafficPlan, merchantId: string, elapsedSeconds: number): Promise<TrafficSummary> {
  const db = world.context.db;
  const tag = JSON.stringify({ simulation: world.run });
  const scope = sql`p.merchant_id = ${merchantId} and p.mode = 'test' and p.created_at >= ${new Date(plan.startMs)} and p.created_at < ${new Date(plan.endMs)} and p.metadata @> ${tag}::jsonb`;
  const statuses = await sql<{ status: string; reason: string | null; count: string }>`
    select p.status, p.cancellation_reason as reason, count(*)::text as count from payments p where ${scope} group by 1, 2`.execute(db);
  const attempts = await sql<{ method: string; status: string; code: string | null; count: string }>`
    select a.payment_method_type as method, a.status, coalesce(a.decline_code, a.error_code) as code, count(*)::text as count
      from payments p join payment_attempts a on a.payment_id = p.id
     where ${scope} and a.operation = 'authorize' group by 1, 2, 3`.execute(db);
  const refunds = await sql<{ count: string }>`
    select count(*)::text as count from payments p join refunds r on r.payment_id = p.id where ${scope}`.execute(db);
  const ratings = await sql<{ count: string }>`
    select count(*)::text as count from payments p join payment_feedback f on f.payment_id = p.id where ${scope}`.execute(db);
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const row of statuses.rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + Number(row.count);
    if (row.reason) byReason[row.reason] = (byReason[row.reason] ?? 0) + Number(row.count);
  }
  const byChannel: Record<string, { attempts: number; succeeded: number }> = {};
  const declines: Record<string, number> = {};
  for (const row of attempts.rows) {
    const channel = (byChannel[row.method] ??= { attempts: 0, succeeded: 0 });
    channel.attempts += Number(row.count);
    if (row.status === 'succeeded') channel.succeeded += Number(row.count);
    if (row.status === 'failed' && row.code) declines[row.code] = (declines[row.code] ?? 0) + Number(row.count);
  }
  const iso = (slot: number) => new Date(plan.startMs + slot * slotMs).toISOString();
  return {
    run: world.run,
    merchant: merchantId,
    seed: plan.seed,
    from: new Date(plan.startMs).toISOString(),
    to: new Date(plan.endMs).toISOString(),
    payments: plan.payments.length,
    elapsed_seconds: Math.round(elapsedSeconds * 10) / 10,
    payments_per_second: Math.round(plan.payments.length / Math.max(elapsedSeconds, 0.001)),
    degraded: { channel: plan.degraded.channel, from: iso(plan.degraded.fromSlot), to: iso(plan.degraded.toSlot) },
    by_status: sortedRecord(byStatus),
    abandoned: byReason.abandoned ?? 0,
    cancellations_by_reason: sortedRecord(byReason),
    by_channel: Object.fromEntries(Object.entries(byChannel).sort(([a], [b]) => (a < b ? -1 : 1))),
    decline_codes: sortedRecord(declines),
    refunds: Number(refunds.rows[0]?.count ?? 0),
    ratings: Number(ratings.rows[0]?.count ?? 0),
    internal_errors: world.internalErrors.length,
    internal_error_samples: world.internalErrors.slice(0, 5),
  };
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function formatSummary(summary: TrafficSummary): string {
  const pairs = (record: Record<string, number>) => Object.entries(record).map(([key, count]) => `${key} ${count}`).join(', ') || 'none';
  const channels = Object.entries(summary.by_channel)
    .map(([channel, c]) => `${channel} ${c.attempts} attempts, ${c.succeeded} succeeded (${c.attempts === 0 ? 0 : Math.round((c.succeeded / c.attempts) * 100)} %)`)
    .join('; ');
  return [
    `Simulated ${summary.payments} payments for ${summary.merchant} from ${summary.from} to ${summary.to} (seed ${summary.seed}, run ${summary.run})`,
    `  in ${summary.elapsed_seconds} s: ${summary.payments_per_second} payments per second`,
    `  payments by status: ${pairs(summary.by_status)} (abandoned ${summary.abandoned})`,
    `  cancellations by reason: ${pairs(summary.cancellations_by_reason)}`,
    `  attempts by channel: ${channels}`,
    `  failed attempts by code: ${pairs(summary.decline_codes)}`,
    `  refunds: ${summary.refunds}; checkout ratings: ${summary.ratings}`,
    `  degraded: ${summary.degraded.channel} failed every request from ${summary.degraded.from} to ${summary.degraded.to}`,
    ...(summary.internal_errors > 0 ? [`  ${summary.internal_errors} requests answered 500 (bugs to report):`, ...summary.internal_error_samples.map((line) => `    ${line}`)] : []),
    `Every payment carries metadata.simulation = "${summary.run}".`,
  ].join('\n');
}

