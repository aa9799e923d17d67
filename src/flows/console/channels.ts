/**
 * The Channels page: per payment method type and connector account, success
 * rate, latency percentiles and decline codes over a range and as a series;
 * and the accounts with their health. The figures are the API's analytics
 * summary (the same flow) for the whole range, and for each bucket the
 * summary's own channel read and arithmetic, so a bucket's channel figures
 * equal the summary's `by_channel` for it.
 */
import { bucketsOf, channelFiguresOf, type AnalyticsGranularity, type ChannelFigures } from '../../domain/insight/analytics.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { readChannelDeclines, readChannels } from '../../store/analytics.ts';
import { accountsWithIncidents } from '../../store/console/channels.ts';
import type { Scope } from '../../store/payments.ts';
import { analyticsSummary } from '../insight/analytics.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

type Figures = Omit<ChannelFigures, 'payment_method_type' | 'connector_account'> & { decline_codes: Record<string, number> };

const channelKey = (type: string, account: string | null) => `${type}\u0000${account ?? ''}`;

function emptyFigures(): Figures {
  return { attempts: 0, attempts_succeeded: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null }, decline_codes: {} };
}

function sortedCodes(counts: Map<string, number> | undefined): Record<string, number> {
  return Object.fromEntries([...(counts ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

async function inBatches<T, R>(items: readonly T[], atOnce: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += atOnce) results.push(...(await Promise.all(items.slice(i, i + atOnce).map(run))));
  return results;
}

export async function channelFigures(context: FlowContext, scope: Scope, parameters: { from: string; to: string; granularity: AnalyticsGranularity; currency?: string }) {
  const whole = await analyticsSummary(context, scope, parameters);
  const buckets = bucketsOf(whole.range, parameters.granularity);
  if (buckets.length > limits.consoleChannelBucketsMax) {
    throw new PaymentError('parameter_invalid', { param: 'granularity', details: { reason: `at most ${limits.consoleChannelBucketsMax} buckets: a shorter range or days` } });
  }
  // The summary's channel figures, bucket by bucket: the same read and the same arithmetic (readChannels, channelFiguresOf),
  // without the summary's totals, which this page does not show (the summary above folded the merchant's changes).
  const [perBucket, declines, accountRows] = await onReadDatabase(context, (db) =>
    Promise.all([
      inBatches(buckets, limits.consoleChannelBucketReadsAtOnce, async (bucket) => ({
        channels: channelFiguresOf(await readChannels(db, scope, { range: { from: bucket.from, to: bucket.to }, currency: whole.currency })),
      })),
      readChannelDeclines(db, scope, { range: whole.range, currency: whole.currency }, parameters.granularity),
      accountsWithIncidents(db, scope),
    ]),
  );
  // channel → bucket start (or -1 for the whole range) → code → attempts
  const declineCounts = new Map<string, Map<number, Map<string, number>>>();
  for (const row of declines) {
    if (row.bucket_start === null) throw new Error('channel declines were read without buckets');
    const byBucket = declineCounts.get(channelKey(row.payment_method_type, row.connector_account_id)) ?? new Map<number, Map<string, number>>();
    for (const at of [new Date(row.bucket_start).getTime(), -1]) {
      const codes = byBucket.get(at) ?? new Map<string, number>();
      codes.set(row.code, (codes.get(row.code) ?? 0) + row.attempts);
      byBucket.set(at, codes);
    }
    declineCounts.set(channelKey(row.payment_method_type, row.connector_account_id), byBucket);
  }
  const accounts = new Map(accountRows.map((a) => [a.id, a.connector]));
  const figuresOf = (channel: ChannelFigures | undefined, codes: Map<string, number> | undefined): Figures => {
    const base = channel ? { attempts: channel.attempts, attempts_succeeded: channel.attempts_succeeded, success_rate: channel.success_rate, latency_ms: channel.latency_ms } : emptyFigures();
    return { ...base, decline_codes: sortedCodes(codes) };
  };
  const channels = whole.channels.map((channel) => {
    const key = channelKey(channel.payment_method_type, channel.connector_account);
    const codes = declineCounts.get(key);
    return {
      payment_method_type: channel.payment_method_type,
      connector_account: channel.connector_account,
      connector: channel.connector_account ? (accounts.get(channel.connector_account) ?? null) : null,
      totals: figuresOf(channel, codes?.get(-1)),
      series: buckets.map((bucket, index) => ({
        from: bucket.from.toISOString(),
        to: bucket.to.toISOString(),
        ...figuresOf(
          perBucket[index]?.channels.find((c) => channelKey(c.payment_method_type, c.connector_account) === key),
          codes?.get(bucket.startMs),
        ),
      })),
    };
  });
  return {
    object: 'channel_figures' as const,
    from: whole.range.from.toISOString(),
    to: whole.range.to.toISOString(),
    granularity: parameters.granularity,
    currency: whole.currency,
    channels,
  };
}

/** The accounts with their circuit (shared by every process), their success rate in this process, and their open circuit incident (shared by every process). */
export async function channelAccounts(context: FlowContext, scope: Scope) {
  const nowMs = context.clock.nowMs();
  const rows = await onReadDatabase(context, (db) => accountsWithIncidents(db, scope));
  const circuits = await context.accountHealth.states(scope.merchantId, rows.map((row) => row.id), nowMs);
  return rows.map((row) => {
    const successRate = context.accountHealth.successRate(row.id, nowMs);
    return {
      id: row.id,
      object: 'connector_account' as const,
      connector: row.connector,
      mode: row.mode,
      enabled: row.enabled,
      priority: row.priority,
      base_url: row.base_url,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      health: {
        circuit: circuits.get(row.id) ?? 'closed',
        recent_success_rate: successRate === null ? null : Math.round(successRate * 10_000) / 10_000,
      },
      open_incident: row.incident_id ? { id: row.incident_id, started_at: row.incident_started_at?.toISOString() ?? null } : null,
    };
  });
}
