/**
 * The worker: a graphile-worker runner on the same PostgreSQL (embedded or
 * not). Its recurring jobs keep payments moving to a final status: expire
 * abandoned ones, ask providers about unknown outcomes, forget idempotency
 * keys past their retention. Several workers may run at once: graphile-worker
 * hands each job to one of them, and every sweep is safe to repeat.
 */
import { Logger, run, runMigrations, type LogLevel, type Runner, type TaskList } from 'graphile-worker';
import { applyQueuedNotification } from '../flows/channels/apply-notification.ts';
import type pg from 'pg';
import { limits } from '../domain/limits.ts';
import type { FlowContext } from '../flows/context.ts';
import { expireAbandonedPayments } from '../flows/payments/expire-payments.ts';
import { pollOrder, resolveUnknownOutcomes } from '../flows/channels/resolve-outcomes.ts';
import { deleteExpiredIdempotencyKeys } from '../store/idempotency.ts';
import { deliverDueWebhooks, deliverWebhook } from '../flows/notifications/deliver-webhook.ts';
import { notifyPayer } from '../flows/notifications/notify-payer.ts';
import { sendDueMessages, sendMessage } from '../flows/notifications/send-message.ts';
import { evaluateAlerts } from '../flows/insight/evaluate-alerts.ts';
import { foldAllAnalytics } from '../flows/insight/analytics.ts';
import { runPointsExpiry } from '../flows/loyalty/expire-points.ts';
import { refreshCustomerSegments } from '../flows/insight/kept-customer-segments.ts';
import { analyzeQueuedComments } from '../flows/insight/analyze-comments.ts';
import { forgetIdleRateLimitBuckets } from '../flows/rate-limits/forget-idle-buckets.ts';
import { trainRiskModels } from '../flows/risk/train-models.ts';
import { redactLogLine } from '../observability/logging.ts';
import { sendDueSurveys } from '../flows/support/nps-surveys.ts';
import { purgeOldFaqSearches } from '../flows/support/faq.ts';
import { startWorkerHeartbeat } from '../flows/operations/worker-heartbeat.ts';

/** The typed job catalog: every job the worker knows, by name. */
export const jobNames = [
  'expire_payments',
  'resolve_outcomes',
  'poll_order',
  'purge_idempotency_keys',
  'purge_faq_searches',
  'apply_notification',
  'deliver_webhook',
  'notify_payer',
  'send_message',
  'sweep_deliveries',
  'evaluate_alerts',
  'fold_analytics',
  'expire_points',
  'refresh_customer_segments',
  'analyze_comments',
  'send_nps_surveys',
  'forget_rate_limit_buckets',
  'train_risk_models',
] as const;
export type JobName = (typeof jobNames)[number];

export function taskList(context: FlowContext): Record<JobName, TaskList[string]> {
  return {
    expire_payments: async (_payload, helpers) => {
      const canceled = await expireAbandonedPayments(context);
      if (canceled > 0) helpers.logger.info(`canceled ${canceled} abandoned payments`);
    },
    resolve_outcomes: async (_payload, helpers) => {
      const settled = await resolveUnknownOutcomes(context);
      if (settled > 0) helpers.logger.info(`settled ${settled} unknown outcomes`);
    },
    // Queued by the database (migration 0024) when a payer starts waiting at a provider or a query is asked for sooner;
    // queues its own next run with backoff while the payer waits. One job per attempt (its key): requests merge, and
    // a request that came while this run was going keeps its earlier time (preserve_run_at).
    poll_order: async (payload, helpers) => {
      const id = stringField(payload, 'attempt');
      if (!id) return;
      const delayMs = await pollOrder(context, id);
      if (delayMs === null) return;
      await helpers.addJob('poll_order', { attempt: id }, { jobKey: `poll_order:${id}`, jobKeyMode: 'preserve_run_at', runAt: new Date(Date.now() + delayMs), maxAttempts: 3 });
    },
    // Queued with the notification; every job queued by this version carries its merchant (see applyQueuedNotification).
    apply_notification: async (payload) => {
      const id = stringField(payload, 'id');
      if (id) await applyQueuedNotification(context, { id, merchantId: stringField(payload, 'merchant') });
    },
    // Queued by the events trigger and by each failed try (for its next time); a lost job is caught by sweep_deliveries.
    // Every job carries the delivery's merchant (the trigger's since migration 0061, the flows' since the release
    // before). One that names the delivery alone, queued before those, is left to sweep_deliveries as a lost job is:
    // the delivery is still due, and the sweep finds it with the merchant of its row within a minute.
    deliver_webhook: async (payload) => {
      const id = stringField(payload, 'id');
      const merchantId = stringField(payload, 'merchant');
      if (id && merchantId) await deliverWebhook(context, { id, merchantId });
    },
    notify_payer: async (payload) => {
      const eventId = stringField(payload, 'event');
      if (eventId) await notifyPayer(context, eventId, stringField(payload, 'merchant'));
    },
    // Every job queued by this version carries the message's merchant. One queued by the previous version (a rolling
    // deploy) names the message alone: it is left to sweep_deliveries, which finds the message due (it was never
    // claimed) and sends it with the merchant of its row within a minute.
    send_message: async (payload) => {
      const id = stringField(payload, 'id');
      const merchantId = stringField(payload, 'merchant');
      if (id && merchantId) await sendMessage(context, { id, merchantId });
    },
    sweep_deliveries: async (_payload, helpers) => {
      const delivered = await deliverDueWebhooks(context);
      const sent = await sendDueMessages(context);
      if (delivered + sent > 0) helpers.logger.info(`swept ${delivered} webhook deliveries and ${sent} messages`);
    },
    // Every enabled alert rule; safe with several workers at once (each alert changes once).
    evaluate_alerts: async (_payload, helpers) => {
      const summary = await evaluateAlerts(context);
      if (summary.triggered + summary.resolved + summary.failed > 0) {
        helpers.logger.info(`alerts: ${summary.triggered} triggered, ${summary.resolved} resolved, ${summary.failed} rules not measured`);
      }
    },
    // Folds the analytics changes noted by every payment's statements, then runs again in a few seconds
    // (one queued run at a time, by its job key); the crontab restarts the chain if it is ever lost.
    fold_analytics: async (_payload, helpers) => {
      const folded = await foldAllAnalytics(context);
      if (folded > 0) helpers.logger.debug(`folded ${folded} analytics changes`);
      await helpers.addJob('fold_analytics', {}, { jobKey: 'fold_analytics', runAt: new Date(Date.now() + limits.analyticsFoldIntervalMs) });
    },
    // Nightly: mature what is due, then expire what is left of lots past their expiry (safe to repeat).
    expire_points: async (_payload, helpers) => {
      const summary = await runPointsExpiry(context);
      if (summary.lotsMatured + summary.customersExpired > 0) {
        helpers.logger.info(`points: ${summary.lotsMatured} lots matured, ${summary.pointsExpired} points of ${summary.customersExpired} customers expired`);
      }
    },
    // Queued by a request that answered a kept segmentation past its freshness (one per question, by its job key);
    // safe to repeat: it keeps its result only over an older one.
    refresh_customer_segments: async (payload) => {
      await refreshCustomerSegments(context, payload);
    },
    // Every minute: the comments queued by the statements that wrote them (migration 0042), batch by batch.
    // Safe to repeat and to run on several workers: a batch leaves the queue only with its analyses.
    analyze_comments: async (_payload, helpers) => {
      const analyzed = await analyzeQueuedComments(context);
      if (analyzed > 0) helpers.logger.info(`analyzed ${analyzed} comments`);
    },
    // Hourly: surveys due are queued with their emails (one per customer and period, whatever runs at once).
    send_nps_surveys: async (_payload, helpers) => {
      const queued = await sendDueSurveys(context);
      if (queued > 0) helpers.logger.info(`queued ${queued} NPS surveys`);
    },
    forget_rate_limit_buckets: async (_payload, helpers) => {
      const forgotten = await forgetIdleRateLimitBuckets(context);
      if (forgotten > 0) helpers.logger.debug(`forgot ${forgotten} idle rate-limit buckets`);
    },
    // Each merchant's fraud model, from its labelled payments (flows/risk/train-models.ts); safe to repeat.
    train_risk_models: async (_payload, helpers) => {
      for (const report of await trainRiskModels(context)) {
        helpers.logger.info(`risk model for ${report.merchantId} (${report.mode}): ${report.samples} labelled, ${report.frauds} fraudulent, AUC ${report.auc?.toFixed(3) ?? 'n/a'} on ${report.heldOut} held out`);
      }
    },
    // Daily: payers' FAQ searches past their retention (their words may hold personal data).
    purge_faq_searches: async (_payload, helpers) => {
      const purged = await purgeOldFaqSearches(context);
      if (purged > 0) helpers.logger.info(`purged ${purged} FAQ searches`);
    },
    purge_idempotency_keys: async () => {
      const before = new Date(context.clock.nowMs() - limits.idempotencyKeyRetentionMs - 60 * 60 * 1000);
      await deleteExpiredIdempotencyKeys(context.db, before, 10_000);
    },
  };
}

// Minute granularity is what cron offers; a payment expires at most a minute late.
const crontab = [
  '* * * * * expire_payments ?max=1',
  '* * * * * resolve_outcomes ?max=1',
  '* * * * * sweep_deliveries ?max=1',
  '* * * * * evaluate_alerts ?max=1',
  '* * * * * fold_analytics ?max=1',
  '* * * * * analyze_comments ?max=1',
  '17 * * * * purge_idempotency_keys ?max=1',
  '27 * * * * forget_rate_limit_buckets ?max=1',
  '7 3 * * * expire_points ?max=1',
  '23 * * * * send_nps_surveys ?max=1',
  '37 4 * * * train_risk_models ?max=1',
  '47 3 * * * purge_faq_searches ?max=1',
].join('\n');

function stringField(payload: unknown, name: string): string | null {
  const value = (payload as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : null;
}

const logLevelRank: Record<string, number> = { error: 0, warning: 1, info: 2, debug: 3 };
const configuredRank: Record<string, number> = { silent: -1, fatal: 0, error: 0, warn: 1, info: 2, debug: 3, trace: 3 };

/** graphile-worker's own tables: the API queues jobs into them, so they exist before the first request. */
export async function prepareJobQueue(pgPool: pg.Pool): Promise<void> {
  await runMigrations({ pgPool, logger: workerLogger('warn') });
}

/** Where worker log lines go: standard output, errors to standard error, unless a test reads them. */
export type WorkerLogWriter = (level: LogLevel, line: string) => void;

const consoleWriter: WorkerLogWriter = (level, line) => (level === 'error' ? console.error(line) : console.log(line));

/**
 * graphile-worker's logs at the level Paypilot is configured with. Its messages
 * quote errors, which may quote a URL or a card: each line is redacted.
 */
function workerLogger(logLevel: string, write: WorkerLogWriter = consoleWriter): Logger {
  const threshold = configuredRank[logLevel] ?? 2;
  return new Logger((scope) => (level: LogLevel, message: string) => {
    if ((logLevelRank[level] ?? 2) > threshold) return;
    write(level, redactLogLine(`[worker${scope.label ? ` ${scope.label}` : ''}] ${message}`));
  });
}

export interface WorkerOptions {
  concurrency?: number;
  logLevel?: string;
  logWriter?: WorkerLogWriter;
  /** On stop, jobs in flight get this long to finish before they are aborted and released for another worker. */
  shutdownGraceMs?: number;
}

/**
 * Runs the worker and its heartbeat (read by `/ready`). `stop()` is graphile-worker's graceful shutdown: it takes
 * no new job, lets those running finish within the grace period, and releases what it holds so another worker
 * takes it; the heartbeat stops with it.
 */
export async function startWorker(context: FlowContext, pgPool: pg.Pool, options: WorkerOptions = {}): Promise<Runner> {
  const logger = workerLogger(options.logLevel ?? 'info', options.logWriter);
  const runner = await run({
    pgPool,
    logger,
    concurrency: options.concurrency ?? 4,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: taskList(context),
    crontab,
    preset: { worker: { gracefulShutdownAbortTimeout: options.shutdownGraceMs ?? limits.shutdownGraceMsDefault } },
  });
  const heartbeat = await startWorkerHeartbeat(context.db, (error) => logger.scope({ label: 'heartbeat' }).error(`heartbeat not written: ${String(error)}`)).catch(
    async (error: unknown) => {
      await runner.stop();
      throw error;
    },
  );
  runner.promise.finally(() => heartbeat.stop()).catch(() => undefined);
  return runner;
}
