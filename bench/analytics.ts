/**
 * Analytics benchmark: loads a million payments (with their attempts and
 * refunds) into a throwaway merchant, through the same triggers that keep
 * the rollups in production, then times the summary and the time series
 * over HTTP (`app.inject`, so routing, validation and serialization count)
 * and prints p50/p95 per call. Prints figures; never fails on time.
 *
 *   node bench/analytics.ts [--payments N] [--days D] [--batch B] [--repetitions R] [--merchant ID]
 *
 * `--merchant ID` (with DATABASE_URL) loads nothing and times the calls on a
 * merchant an earlier run loaded, so that two versions of the code can be
 * compared on the same data, back to back.
 *
 * Uses DATABASE_URL, or an embedded PostgreSQL in a temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { buildApp } from '../src/http/app.ts';
import { createApiKeyForMerchant } from '../src/flows/api-keys/create-api-key.ts';
import { createFlowContext } from '../src/runtime.ts';
import { foldAnalytics } from '../src/store/analytics.ts';
import { insertConnectorAccount } from '../src/store/connector-accounts.ts';
import { createBenchMerchant, openBenchDatabase } from './database.ts';
import { loadPaymentBatch } from './payment-load.ts';

const { values: flags } = parseArgs({
  options: {
    payments: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    batch: { type: 'string', default: '20000' },
    repetitions: { type: 'string', default: '20' },
    merchant: { type: 'string' },
  },
});
const paymentsTotal = Number(flags.payments);
const days = Number(flags.days);
const batchSize = Number(flags.batch);
const repetitions = Number(flags.repetitions);
const dayMs = 24 * 60 * 60 * 1000;
const start = new Date(Date.UTC(2026, 0, 1));
const end = new Date(start.getTime() + days * dayMs);

const database = await openBenchDatabase(process.env.DATABASE_URL);
try {
  const context = createFlowContext({ db: database.admin.db, masterKey: randomBytes(32), publicBaseUrl: 'http://127.0.0.1' });
  const merchant = flags.merchant
    ? { merchantId: flags.merchant, secretKey: (await createApiKeyForMerchant(context, { merchantId: flags.merchant, mode: 'test' }, { kind: 'secret' })).secret }
    : await createBenchMerchant(context, `analytics bench ${new Date().toISOString()}`, { url: 'http://127.0.0.1:9', apiKey: 'unused' });
  const scope = { merchantId: merchant.merchantId, mode: 'test' as const };
  console.log(`analytics bench: PostgreSQL ${database.serverVersion} (${database.origin}); ${database.planningNote}`);
  if (!flags.merchant) await load();
  // Loads the payments, folds their analytics changes and prints the rows they made.
  async function load(): Promise<void> {
    const accounts: string[] = [];
    for (const connector of ['card', 'card', 'alipay'] as const) {
      const id = context.ids.newId('ca');
      await insertConnectorAccount(
        context.db,
        scope,
        { id, connector, enabled: true, priority: 50, baseUrl: 'http://127.0.0.1:9', credentials: {}, now: new Date() },
        context.keys.credentials,
      );
      accounts.push(id);
    }
    console.log(`loading ${paymentsTotal.toLocaleString('en')} payments over ${days} days into ${merchant.merchantId}, ${batchSize.toLocaleString('en')} per statement …`);

    const loadStartedMs = performance.now();
    for (let first = 0; first < paymentsTotal; first += batchSize) {
      const last = Math.min(first + batchSize, paymentsTotal) - 1;
      await loadPaymentBatch(database.admin.db, { first, last, paymentsTotal, start, end, merchantId: merchant.merchantId, accounts });
      if ((first / batchSize) % 10 === 9) {
        const seconds = (performance.now() - loadStartedMs) / 1000;
        console.log(`  ${(last + 1).toLocaleString('en')} payments, ${seconds.toFixed(0)} s (${((last + 1) / seconds).toFixed(0)} payments/s)`);
      }
    }
    // The rollups are folded from the changes the load noted, as the worker would.
    const foldStartedMs = performance.now();
    const folded = await foldAnalytics(context.db, null, { batchSize: 20_000, batchesMax: 1_000_000 });
    console.log(`folded ${folded.toLocaleString('en')} analytics changes in ${((performance.now() - foldStartedMs) / 1000).toFixed(1)} s`);
    const loadSeconds = (performance.now() - loadStartedMs) / 1000;
    await sql`analyze payments, payment_attempts, refunds, analytics_payment_facts, analytics_hourly_payments, analytics_hourly_cancellations,
      analytics_hourly_declines, analytics_hourly_channels, analytics_daily_payments, analytics_daily_cancellations, analytics_daily_declines,
      analytics_daily_channel_spans, analytics_daily_channels`.execute(context.db);
    type Counts = { payments: bigint; attempts: bigint; refunds: bigint; hourly_payments: bigint; hourly_channels: bigint; hourly_declines: bigint; hourly_cancellations: bigint };
    const counts = await sql<Counts & { daily_payments: bigint; daily_spans: bigint; daily_channels: bigint; daily_declines: bigint; daily_cancellations: bigint }>`
      select (select count(*) from payments where merchant_id = ${scope.merchantId}) as payments,
             (select count(*) from payment_attempts where merchant_id = ${scope.merchantId}) as attempts,
             (select count(*) from refunds where merchant_id = ${scope.merchantId}) as refunds,
             (select count(*) from analytics_hourly_payments where merchant_id = ${scope.merchantId}) as hourly_payments,
             (select count(*) from analytics_hourly_channels where merchant_id = ${scope.merchantId}) as hourly_channels,
             (select count(*) from analytics_hourly_declines where merchant_id = ${scope.merchantId}) as hourly_declines,
             (select count(*) from analytics_hourly_cancellations where merchant_id = ${scope.merchantId}) as hourly_cancellations,
             (select count(*) from analytics_daily_payments where merchant_id = ${scope.merchantId}) as daily_payments,
             (select count(*) from analytics_daily_channel_spans where merchant_id = ${scope.merchantId}) as daily_spans,
             (select count(*) from analytics_daily_channels where merchant_id = ${scope.merchantId}) as daily_channels,
             (select count(*) from analytics_daily_declines where merchant_id = ${scope.merchantId}) as daily_declines,
             (select count(*) from analytics_daily_cancellations where merchant_id = ${scope.merchantId}) as daily_cancellations`.execute(context.db);
    const c = counts.rows[0]!;
    console.log(`loaded in ${loadSeconds.toFixed(0)} s (${(paymentsTotal / loadSeconds).toFixed(0)} payments/s with their attempts and refunds, through the triggers)`);
    console.log(`rows: ${c.payments} payments, ${c.attempts} attempts, ${c.refunds} refunds`);
    console.log(`hourly rollups: ${c.hourly_payments} payment, ${c.hourly_channels} channel-latency, ${c.hourly_declines} decline, ${c.hourly_cancellations} cancellation rows`);
    console.log(`daily rollups: ${c.daily_payments} payment, ${c.daily_spans} channel-span, ${c.daily_channels} channel-latency, ${c.daily_declines} decline, ${c.daily_cancellations} cancellation rows`);
  }

  const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: 0 });
  const iso = (ms: number) => new Date(ms).toISOString();
  const oddFrom = start.getTime() + 17 * 60_000 + 123; // 00:17:00.123: both edges counted from the raw tables
  const oddTo = end.getTime() - 43 * 60_000;
  const lastWeek = end.getTime() - 7 * dayMs;
  const calls: { name: string; path: string; csv?: boolean }[] = [
    { name: `summary, ${days} days, aligned`, path: `/v1/analytics/summary?from=${iso(start.getTime())}&to=${iso(end.getTime())}` },
    { name: `summary, ${days} days, edges not aligned`, path: `/v1/analytics/summary?from=${iso(oddFrom)}&to=${iso(oddTo)}` },
    { name: `summary, ${days} days, currency=CNY`, path: `/v1/analytics/summary?from=${iso(start.getTime())}&to=${iso(end.getTime())}&currency=CNY` },
    { name: 'summary, 1 day, edges not aligned', path: `/v1/analytics/summary?from=${iso(lastWeek + 17 * 60_000)}&to=${iso(lastWeek + dayMs - 43 * 60_000)}` },
    { name: `timeseries, day, ${days} days`, path: `/v1/analytics/timeseries?granularity=day&from=${iso(start.getTime())}&to=${iso(end.getTime())}` },
    { name: 'timeseries, hour, 7 days', path: `/v1/analytics/timeseries?granularity=hour&from=${iso(lastWeek)}&to=${iso(end.getTime())}` },
    { name: 'timeseries, hour, 31 days, not aligned', path: `/v1/analytics/timeseries?granularity=hour&from=${iso(oddTo - 31 * dayMs)}&to=${iso(oddTo)}` },
    { name: `summary CSV, ${days} days`, path: `/v1/analytics/summary?from=${iso(start.getTime())}&to=${iso(end.getTime())}`, csv: true },
    { name: `timeseries CSV, day, ${days} days`, path: `/v1/analytics/timeseries?granularity=day&from=${iso(start.getTime())}&to=${iso(end.getTime())}`, csv: true },
  ];
  console.log(`\n${repetitions} repetitions each (after one unmeasured call), ms:`);
  console.log(`${'call'.padEnd(44)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`);
  for (const call of calls) {
    const headers = { authorization: `Bearer ${merchant.secretKey}`, ...(call.csv ? { accept: 'text/csv' } : {}) };
    const first = await app.inject({ method: 'GET', url: call.path, headers });
    if (first.statusCode !== 200) throw new Error(`${call.name}: ${first.statusCode} ${first.body.slice(0, 300)}`);
    const times: number[] = [];
    for (let i = 0; i < repetitions; i += 1) {
      const startedMs = performance.now();
      const response = await app.inject({ method: 'GET', url: call.path, headers });
      times.push(performance.now() - startedMs);
      if (response.statusCode !== 200) throw new Error(`${call.name}: ${response.statusCode}`);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.max(0, Math.ceil((p / 100) * times.length) - 1)]!;
    console.log(`${call.name.padEnd(44)} ${at(50).toFixed(1).padStart(8)} ${at(95).toFixed(1).padStart(8)} ${times.at(-1)!.toFixed(1).padStart(8)}`);
  }

  // For scale: the same figures counted from the raw tables alone, once.
  const rawStartedMs = performance.now();
  await sql`
    select currency, count(*), count(*) filter (where status = 'succeeded'), sum(amount_received) filter (where status = 'succeeded'),
           count(*) filter (where exists (select 1 from payment_attempts a where a.payment_id = p.id and a.operation = 'authorize')),
           count(*) filter (where exists (select 1 from refunds r where r.payment_id = p.id and r.status = 'succeeded'))
      from payments p where merchant_id = ${scope.merchantId} and mode = 'test' and created_at >= ${start} and created_at < ${end}
     group by currency`.execute(context.db);
  await sql`
    select a.payment_method_type, a.connector_account_id, percentile_disc(array[0.5, 0.95, 0.99]) within group (order by a.latency_ms), count(*)
      from payments p join payment_attempts a on a.payment_id = p.id
     where p.merchant_id = ${scope.merchantId} and p.mode = 'test' and p.created_at >= ${start} and p.created_at < ${end}
       and a.operation = 'authorize' and a.status in ('succeeded', 'failed')
     group by 1, 2`.execute(context.db);
  console.log(`\nfor scale: counts and percentiles straight from the raw tables over ${days} days, once: ${(performance.now() - rawStartedMs).toFixed(0)} ms`);
  await app.close();
} finally {
  await database.close();
}
