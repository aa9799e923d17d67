/**
 * Prometheus metrics: what a payment operator graphs and alerts on. Counters
 * and histograms are kept in the process that does the work (the API for
 * payments and provider calls, the worker for webhooks and messages); queue
 * and backlog gauges are read from PostgreSQL when scraped, so every process
 * reports the same backlog. Each context has its own registry (tests start
 * several in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'kysely';
import type { Db } from '../store/database.ts';

export interface Metrics {
  registry: Registry;
  paymentsCreated: Counter<'currency'>;
  paymentTransitions: Counter<'to' | 'payment_method_type'>;
  paymentAttempts: Counter<'connector' | 'payment_method_type' | 'operation'>;
  paymentAttemptResults: Counter<'payment_method_type' | 'status'>;
  providerCallSeconds: Histogram<'connector' | 'operation' | 'outcome'>;
  providerCallTries: Counter<'connector' | 'operation'>;
  webhookDeliverySeconds: Histogram<'outcome'>;
  messagesSent: Counter<'channel' | 'outcome'>;
  /** hit: served from this process's cache; miss: looked up and cached; bypass: looked up, the cache untrusted (no listener). */
  apiKeyCacheLookups: Counter<'result'>;
  /** Read-only use cases, by the database that answered (replica or primary) and why (caught_up, lagging, replica_failed). */
  readsByDatabase: Counter<'database' | 'reason'>;
  queueJobs: Gauge<'task' | 'state'>;
  backlog: Gauge<'kind'>;
}

/** Provider calls take milliseconds to the 10-second limit; the buckets cover that range. */
const callBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25];

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'paypilot_process_' });
  const registers = [registry];
  return {
    registry,
    paymentsCreated: new Counter({ name: 'paypilot_payments_created_total', help: 'Payments created.', labelNames: ['currency'], registers }),
    paymentTransitions: new Counter({
      name: 'paypilot_payment_transitions_total',
      help: 'Payment status changes, by the status reached and the payment method.',
      labelNames: ['to', 'payment_method_type'],
      registers,
    }),
    paymentAttempts: new Counter({
      name: 'paypilot_payment_attempts_total',
      help: 'Attempts started (authorize, capture, void), by connector and payment method.',
      labelNames: ['connector', 'payment_method_type', 'operation'],
      registers,
    }),
    paymentAttemptResults: new Counter({
      name: 'paypilot_payment_attempt_results_total',
      help: 'Attempt outcomes recorded (succeeded, failed, requires_action, unknown, pending), by payment method.',
      labelNames: ['payment_method_type', 'status'],
      registers,
    }),
    providerCallSeconds: new Histogram({
      name: 'paypilot_provider_call_duration_seconds',
      help: 'Calls to a provider (with their retries), by connector, operation and outcome.',
      labelNames: ['connector', 'operation', 'outcome'],
      buckets: callBucketsSeconds,
      registers,
    }),
    providerCallTries: new Counter({ name: 'paypilot_provider_call_tries_total', help: 'Requests sent to providers, retries included.', labelNames: ['connector', 'operation'], registers }),
    webhookDeliverySeconds: new Histogram({
      name: 'paypilot_webhook_delivery_duration_seconds',
      help: 'Webhook delivery tries, by outcome.',
      labelNames: ['outcome'],
      buckets: callBucketsSeconds,
      registers,
    }),
    messagesSent: new Counter({ name: 'paypilot_messages_total', help: 'Emails and SMS handled, by outcome.', labelNames: ['channel', 'outcome'], registers }),
    apiKeyCacheLookups: new Counter({
      name: 'paypilot_api_key_cache_lookups_total',
      help: 'API key checks: hit (from the cache), miss (looked up, then cached), bypass (looked up; the cache is off while the invalidation listener is down).',
      labelNames: ['result'],
      registers,
    }),
    readsByDatabase: new Counter({
      name: 'paypilot_reads_by_database_total',
      help: 'Reads that may use the read replica (DATABASE_READ_URL), by the database that answered and why: caught_up (replica), lagging or replica_failed (primary).',
      labelNames: ['database', 'reason'],
      registers,
    }),
    queueJobs: new Gauge({ name: 'paypilot_queue_jobs', help: 'Jobs in the queue, by task and state (ready, scheduled, running, failing).', labelNames: ['task', 'state'], registers }),
    backlog: new Gauge({ name: 'paypilot_backlog', help: 'Work waiting in PostgreSQL: pending webhook deliveries and messages, unresolved provider outcomes.', labelNames: ['kind'], registers }),
  };
}

/** The exposition text, with the gauges read from the database first. */
export async function metricsText(metrics: Metrics, db: Db): Promise<string> {
  const jobs = await sql<{ task: string; state: string; count: number }>`
    select task_identifier as task,
           case when locked_at is not null then 'running'
                when attempts > 0 and last_error is not null then 'failing'
                when run_at > now() then 'scheduled' else 'ready' end as state,
           count(*)::int as count
      from graphile_worker.jobs group by 1, 2
  `.execute(db);
  metrics.queueJobs.reset();
  for (const row of jobs.rows) metrics.queueJobs.set({ task: row.task, state: row.state }, row.count);
  const backlog = await sql<{ deliveries: number; messages: number; attempts: number; refunds: number }>`
    select (select count(*) from webhook_deliveries where status = 'pending')::int as deliveries,
           (select count(*) from messages where status = 'pending')::int as messages,
           (select count(*) from payment_attempts where status in ('pending', 'unknown'))::int as attempts,
           (select count(*) from refunds where status = 'pending')::int as refunds
  `.execute(db);
  const row = backlog.rows[0];
  if (row) {
    metrics.backlog.set({ kind: 'webhook_deliveries_pending' }, row.deliveries);
    metrics.backlog.set({ kind: 'messages_pending' }, row.messages);
    metrics.backlog.set({ kind: 'provider_outcomes_unknown' }, row.attempts);
    metrics.backlog.set({ kind: 'refunds_pending' }, row.refunds);
  }
  return metrics.registry.metrics();
}
