/**
 * Console benchmark: loads a million payments (bench/payment-load.ts, the
 * analytics bench's loader) ending now, with their cancellation records,
 * ratings, alerts, incidents, after-sales requests and reconciliation
 * mismatches, into a merchant in Asia/Shanghai, signs an owner in (password
 * and TOTP), then:
 *
 * 1. times each analytics and operations page's data request: every call
 *    the page makes when it opens, sent at once as the page sends them,
 *    through HTTP (`app.inject`: routing, the session check, validation and
 *    serialization count), and prints p50/p95/max against 300 ms;
 * 2. times the overview in Chromium (Debian's, as the browser tests use)
 *    until every figure and chart is drawn, against 1 s: from navigation in
 *    fresh windows (a session cookie, empty cache) and in one window opened
 *    again (script cached); and after signing in (no cookie, empty cache:
 *    the sign-in page, password, TOTP, the overview drawn in the same page),
 *    from the TOTP code's submit.
 *
 * Prints figures; never fails on time.
 *
 *   node bench/console.ts [--payments N] [--days D] [--batch B] [--repetitions R] [--renders R] [--merchant ID]
 *
 * `--merchant` measures again a merchant an earlier run loaded into the
 * same DATABASE_URL (its id is printed), without loading anything: for
 * trying a change to a query at a million payments in minutes, not an hour.
 *
 * Uses DATABASE_URL, or an embedded PostgreSQL in a temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { hashPassword } from '../src/domain/console/password.ts';
import { totp } from '../src/domain/console/totp.ts';
import { cryptoRandom } from '../src/domain/clock.ts';
import { buildApp } from '../src/http/app.ts';
import { consoleAssets } from '../src/http/routes/console-pages.ts';
import { describeConsolePages, describeConsoleSize } from '../web/console-build.ts';
import { createFlowContext } from '../src/runtime.ts';
import { foldAnalytics } from '../src/store/analytics.ts';
import { insertMember } from '../src/store/console/members.ts';
import { insertConnectorAccount } from '../src/store/connector-accounts.ts';
import { browserAvailable, launchBrowser } from '../test/support/browser.ts';
import { createBenchMerchant, openBenchDatabase } from './database.ts';
import { loadPaymentBatch } from './payment-load.ts';
import { loadSegmentCustomers } from './segments.ts';

const { values: flags } = parseArgs({
  options: {
    payments: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    batch: { type: 'string', default: '20000' },
    repetitions: { type: 'string', default: '10' },
    renders: { type: 'string', default: '5' },
    merchant: { type: 'string' },
    'segment-customers': { type: 'string', default: '3000' },
  },
});
const paymentsTotal = Number(flags.payments);
const days = Number(flags.days);
const batchSize = Number(flags.batch);
const repetitions = Number(flags.repetitions);
const renders = Number(flags.renders);
const segmentCustomers = Number(flags['segment-customers']);
const dayMs = 24 * 60 * 60 * 1000;
const dataRequestTargetMs = 300;
const overviewRenderTargetMs = 1000;
const timeZone = 'Asia/Shanghai';
// The data ends now, so the pages' default ranges ("the last 7 days") fall on it.
const end = new Date();
const start = new Date(end.getTime() - days * dayMs);

const database = await openBenchDatabase(process.env.DATABASE_URL);
try {
  const context = createFlowContext({ db: database.admin.db, masterKey: randomBytes(32), publicBaseUrl: 'http://127.0.0.1' });
  console.log(`console bench: PostgreSQL ${database.serverVersion} (${database.origin}); ${database.planningNote}`);
  const merchantId = flags.merchant ?? (await loadMerchant(context));
  if (flags.merchant) console.log(`measuring again ${merchantId}, loaded by an earlier run (nothing loaded; ${await foldAndVacuum(context)} changes it left unfolded folded now)`);

  const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: 0 });
  const signedIn = await signIn(app, merchantId);
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method: 'GET', url, headers: { cookie: signedIn.cookie, 'paypilot-mode': 'test', ...headers } });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return response;
  };

  if (repetitions > 0) await timePageRequests(get, merchantId);
  await renderOverview(app, signedIn.cookie, merchantId);
  await app.close();
} finally {
  await database.close();
}

/** Each page's data request, timed through the app (`--repetitions 0` skips this: the render alone, when trying a change to the console). */
async function timePageRequests(get: (url: string) => Promise<unknown>, merchantId: string): Promise<void> {
  console.log(`\nEach page's data request: every call it makes on opening, at once; ${repetitions} repetitions after one unmeasured, ms (target ${dataRequestTargetMs} ms):`);
  console.log(`(first: that unmeasured opening; for Segments it is made with nothing kept, so it is the cold path: the read and k-means)`);
  console.log(`${'page'.padEnd(44)} ${'calls'.padStart(5)} ${'first'.padStart(8)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  target`);
  for (const page of pageRequests(merchantId)) {
    let firstMs: number;
    try {
      await page.cold?.();
      const firstStartedMs = performance.now();
      await Promise.all(page.urls.map((url) => get(url)));
      firstMs = performance.now() - firstStartedMs;
    } catch (error) {
      console.log(`${page.name.padEnd(44)} ${String(page.urls.length).padStart(5)}  not measured: ${error instanceof Error ? error.message.slice(0, 120) : error}`);
      continue;
    }
    const times: number[] = [];
    const perCall = page.urls.map(() => [] as number[]);
    for (let i = 0; i < repetitions; i += 1) {
      if (page.coldEach) await page.cold?.();
      const startedMs = performance.now();
      await Promise.all(
        page.urls.map(async (url, index) => {
          await get(url);
          perCall[index]!.push(performance.now() - startedMs);
        }),
      );
      times.push(performance.now() - startedMs);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.max(0, Math.ceil((p / 100) * times.length) - 1)]!;
    const verdict = at(95) <= dataRequestTargetMs ? 'met' : 'NOT met';
    console.log(`${page.name.padEnd(44)} ${String(page.urls.length).padStart(5)} ${firstMs.toFixed(1).padStart(8)} ${at(50).toFixed(1).padStart(8)} ${at(95).toFixed(1).padStart(8)} ${times.at(-1)!.toFixed(1).padStart(8)}  ${verdict} (p95)`);
    if (verdict !== 'met') {
      // Which call the page waits for: each call's median time to its answer, with the others in flight.
      const medians = perCall.map((list, index) => ({ url: page.urls[index]!, ms: list.sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)]! }));
      const slowest = medians.sort((a, b) => b.ms - a.ms)[0]!;
      console.log(`${''.padEnd(6)}slowest: ${slowest.url.split('?')[0]} ${slowest.ms.toFixed(0)} ms (median, answered while the page's other calls ran)`);
    }
  }
}

/** A new merchant with three connector accounts and `--payments` payments, their operations records, folded and analyzed: its id. */
async function loadMerchant(context: ReturnType<typeof createFlowContext>): Promise<string> {
  const merchant = await createBenchMerchant(context, `console bench ${new Date().toISOString()}`, { url: 'http://127.0.0.1:9', apiKey: 'unused' });
  const scope = { merchantId: merchant.merchantId, mode: 'test' as const };
  const accounts: string[] = [];
  for (const connector of ['card', 'card', 'alipay'] as const) {
    const id = context.ids.newId('ca');
    await insertConnectorAccount(context.db, scope, { id, connector, enabled: true, priority: 50, baseUrl: 'http://127.0.0.1:9', credentials: {}, now: new Date() }, context.keys.credentials);
    accounts.push(id);
  }
  console.log(`loading ${paymentsTotal.toLocaleString('en')} payments over the last ${days} days into ${merchant.merchantId} …`);
  const loadStartedMs = performance.now();
  for (let first = 0; first < paymentsTotal; first += batchSize) {
    const last = Math.min(first + batchSize, paymentsTotal) - 1;
    await loadPaymentBatch(database.admin.db, { first, last, paymentsTotal, start, end, merchantId: merchant.merchantId, accounts });
    if ((first / batchSize) % 10 === 9) console.log(`  ${(last + 1).toLocaleString('en')} payments, ${((performance.now() - loadStartedMs) / 1000).toFixed(0)} s`);
  }
  // The loaded payments have no customer: the Segments page segments these (bench/segments.ts, as bench/payments.ts loads them).
  if (segmentCustomers > 0) {
    const loaded = await loadSegmentCustomers(database.admin, merchant.merchantId, segmentCustomers);
    console.log(`  ${loaded.customers} customers with ${loaded.payments} payments for the Segments page, ${(loaded.tookMs / 1000).toFixed(0)} s`);
  }
  await seedOperations(merchant.merchantId, accounts);
  await foldAndVacuum(context);
  console.log(`loaded and folded in ${((performance.now() - loadStartedMs) / 1000).toFixed(0)} s`);
  return merchant.merchantId;
}

/**
 * Folds what is noted (also what an earlier run left unfolded, for `--merchant`), in batches small enough for the
 * statement timeout on a busy machine, then does what autovacuum would have done by the time anyone looks (this
 * machine runs without it): folding leaves every noted change dead in analytics_changes, and each analytics
 * request's fold read them all (0.1–0.5 s) until vacuumed.
 */
async function foldAndVacuum(context: ReturnType<typeof createFlowContext>): Promise<number> {
  const folded = await foldAnalytics(context.db, null, { batchSize: 5_000, batchesMax: 1_000_000 });
  if (folded === 0) return 0;
  // A vacuum of a million dead rows outlasts the pool's statement timeout on a busy machine: lifted on its connection only.
  await context.db.connection().execute(async (connection) => {
    await sql`set statement_timeout = 0`.execute(connection);
    await sql`vacuum analyze`.execute(connection);
    await sql`reset statement_timeout`.execute(connection);
  });
  return folded;
}

/** The calls each page makes when it opens with its default range (web/console/pages/*.tsx), in the merchant's days. */
function pageRequests(merchantId: string): { name: string; urls: string[]; cold?: () => Promise<void>; coldEach?: boolean }[] {
  const iso = (date: Date) => date.toISOString();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(end);
  const startOfDay = (daysBack: number) => new Date(Date.parse(`${today}T00:00:00+08:00`) - daysBack * dayMs);
  const rangeOf = (lastDays: number) => ({ from: startOfDay(lastDays - 1), to: startOfDay(-1) });
  const before = (range: { from: Date; to: Date }) => ({ from: new Date(2 * range.from.getTime() - range.to.getTime()), to: range.from });
  const q = (range: { from: Date; to: Date }, extra = '') => `from=${iso(range.from)}&to=${iso(range.to)}${extra}`;
  const buckets = (range: { from: Date; to: Date }, size: number) => {
    const list: { from: Date; to: Date }[] = [];
    for (let at = range.from.getTime(); at < range.to.getTime(); at += size) list.push({ from: new Date(at), to: new Date(Math.min(at + size, range.to.getTime())) });
    return list;
  };
  const overview = (lastDays: number, granularity: string) => {
    const range = rangeOf(lastDays);
    return [
      `/v1/analytics/summary?${q(range, '&currency=CNY')}`,
      `/v1/analytics/summary?${q(before(range), '&currency=CNY')}`,
      `/v1/analytics/timeseries?${q(range, `&currency=CNY&granularity=${granularity}`)}`,
      `/v1/analytics/feedback?${q(range)}`,
      `/v1/analytics/feedback?${q(before(range))}`,
    ];
  };
  const week = rangeOf(7);
  const month = rangeOf(30);
  const quarter = rangeOf(90);
  const forgetSegments = async () => {
    await sql`delete from customer_segment_results where merchant_id = ${merchantId}`.execute(database.admin.db);
  };
  return [
    // 7 days in Shanghai are asked by the hour and added into local days; 90 days by (UTC) day.
    { name: 'overview, last 7 days (default)', urls: overview(7, 'hour') },
    { name: 'overview, last 90 days', urls: overview(90, 'day') },
    { name: 'channels, last 7 days', urls: [`/console/api/channels?mode=test&${q(week, '&granularity=day')}`, '/console/api/channels/accounts?mode=test'] },
    {
      name: 'cancellations, last 7 days (14 buckets)',
      urls: [
        `/v1/analytics/cancellations/summary?${q(week)}`,
        `/v1/analytics/cancellations/summary?${q(before(week))}`,
        ...buckets(week, 12 * 60 * 60 * 1000).map((bucket) => `/v1/analytics/cancellations/summary?${q(bucket)}`),
        `/v1/analytics/cancellations?${q(week, '&limit=25')}`,
      ],
    },
    // The page's answer is kept (migration 0034) and answered while fresh: the repetitions measure that warm path, the first
    // opening (with what an earlier run kept forgotten) the cold one, which a request meets only when nothing is kept for
    // its question or what is kept is over a day old.
    {
      name: 'segments, last 90 days',
      urls: [`/v1/analytics/customer_segments?${q(quarter, '&k=4')}`],
      cold: forgetSegments,
    },
    // Not a page's opening: the same request with nothing kept each time (what the first request of a question costs).
    { name: 'segments, cold path (nothing kept)', urls: [`/v1/analytics/customer_segments?${q(quarter, '&k=4')}`], cold: forgetSegments, coldEach: true },
    { name: 'alerts (open alerts tab)', urls: ['/v1/alerts?state=triggered&limit=100'] },
    { name: 'alerts: rules, past alerts, incidents 30 days', urls: ['/v1/alert_rules?limit=100', '/v1/alerts?state=resolved&limit=100', `/v1/analytics/incidents?${q(month)}`] },
    { name: 'after-sales (pending)', urls: ['/console/api/after_sales_requests?mode=test&status=pending&limit=25'] },
    {
      name: 'feedback, last 30 days (10 buckets)',
      urls: [
        `/v1/analytics/feedback?${q(month)}`,
        `/v1/analytics/feedback?${q(before(month))}`,
        ...buckets(month, 3 * dayMs).map((bucket) => `/v1/analytics/feedback?${q(bucket)}`),
        `/console/api/feedback/comments?mode=test&${q(month, '&limit=20')}`,
      ],
    },
    { name: 'reconciliation', urls: ['/console/api/reconciliation/runs?mode=test&limit=50', '/console/api/reconciliation/mismatches?mode=test&limit=50'] },
  ];
}

/** An owner with a second factor, signed in as a browser would: the session cookie. */
async function signIn(app: Awaited<ReturnType<typeof buildApp>>, merchantId: string): Promise<{ cookie: string }> {
  const owner = await enrolOwner(app, merchantId);
  const headers = { 'content-type': 'application/json', cookie: owner.cookie, 'x-csrf-token': owner.csrf };
  const zone = await app.inject({ method: 'POST', url: '/console/api/settings', headers, payload: JSON.stringify({ time_zone: timeZone }) });
  if (zone.statusCode !== 200) console.log(`(the merchant's time zone could not be set: ${zone.statusCode}; times are in UTC)`);
  return { cookie: owner.cookie };
}

/**
 * A new owner of the merchant, enrolled in TOTP through the API (which signs it in): its email, password and
 * TOTP secret. Enrolment takes the current TOTP step, and a step is never taken twice (src/flows/console/sign-in.ts).
 */
async function enrolOwner(
  app: Awaited<ReturnType<typeof buildApp>>,
  merchantId: string,
): Promise<{ email: string; password: string; secret: Buffer; cookie: string; csrf: string }> {
  const email = `bench-owner-${Date.now()}-${randomBytes(4).toString('hex')}@console-bench.example.com`;
  const password = 'correct horse battery staple';
  const context = createFlowContext({ db: database.admin.db, masterKey: randomBytes(32), publicBaseUrl: 'http://127.0.0.1' });
  await insertMember(database.admin.db, { id: context.ids.newId('mem'), merchantId, email, name: 'bench', role: 'owner', passwordHash: await hashPassword(password, cryptoRandom), locale: 'en', now: new Date() });
  const json = { 'content-type': 'application/json' };
  const signed = await app.inject({ method: 'POST', url: '/console/api/sign_in', headers: json, payload: JSON.stringify({ email, password }) });
  if (signed.statusCode !== 200) throw new Error(`sign-in: ${signed.body}`);
  const cookie = String(signed.headers['set-cookie']).split(';')[0]!;
  const csrf = (JSON.parse(signed.body) as { csrf_token: string }).csrf_token;
  const headers = { ...json, cookie, 'x-csrf-token': csrf };
  const enrolment = await app.inject({ method: 'POST', url: '/console/api/two_factor/enrolment', headers, payload: '{}' });
  const secret = base32Decode(new URL((JSON.parse(enrolment.body) as { otpauth_uri: string }).otpauth_uri).searchParams.get('secret') ?? '');
  const confirmed = await app.inject({ method: 'POST', url: '/console/api/two_factor/confirmation', headers, payload: JSON.stringify({ code: totp(secret, Date.now()) }) });
  if (confirmed.statusCode !== 200) throw new Error(`enrolment: ${confirmed.body}`);
  return { email, password, secret, cookie, csrf };
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * What the operations pages read besides payments: a cancellation record per
 * canceled payment (as the cancel flow writes them), a rating for 2 % of the
 * successes (a third with a comment), alert rules with alerts and incidents,
 * after-sales requests and reconciliation mismatches.
 */
async function seedOperations(merchantId: string, accounts: string[]): Promise<void> {
  const db = database.admin.db;
  await sql`
    insert into cancellation_records (payment_id, merchant_id, mode, amount, currency, payment_method_type, connector, connector_account_id, stage, reason,
                                      comment, source, detected_cause, customer, counts_toward_abuse, payment_created_at, created_at)
    select p.id, p.merchant_id, p.mode, p.amount, p.currency, 'card', 'card', ${accounts[0]!},
           (array['created', 'checkout_viewed', 'method_chosen', 'attempt_failed'])[1 + (hashtext(p.id) & 3)],
           p.cancellation_reason, null, case when p.cancellation_reason = 'abandoned' then 'system' else 'payer' end,
           case when p.cancellation_reason = 'abandoned' then 'unknown' else 'payment_failed' end, null, false, p.created_at, p.canceled_at
      from payments p where p.merchant_id = ${merchantId} and p.status = 'canceled'`.execute(db);
  await sql`
    insert into payment_feedback (payment_id, merchant_id, rating, comment, nps_score, created_at)
    select p.id, p.merchant_id, 1 + (hashtext(p.id) & 4294967295) % 5, case when hashtext(p.id) % 3 = 0 then 'bench comment' end,
           (hashtext(p.id || 'n') & 4294967295) % 11, p.created_at + interval '2 minutes'
      from payments p where p.merchant_id = ${merchantId} and p.status = 'succeeded' and (hashtext(p.id) & 4294967295) % 50 = 0`.execute(db);
  const ids = createFlowContext({ db, masterKey: randomBytes(32), publicBaseUrl: 'http://127.0.0.1' }).ids;
  for (let i = 0; i < 200; i += 1) {
    const at = new Date(end.getTime() - i * 10 * 60 * 60 * 1000);
    const ruleId = ids.newId('alr');
    await sql`
      insert into alert_rules (id, merchant_id, mode, kind, payment_method_type, connector_account_id, window_seconds, threshold, baseline_k_stddev,
                               baseline_windows, min_sample, enabled, description, created_at, updated_at)
      values (${ruleId}, ${merchantId}, 'test', 'failure_rate', 'card', null, 300, 0.5, null, 12, 20, ${i < 10}, 'bench', ${at}, ${at})`.execute(db);
    await sql`
      insert into alerts (id, rule_id, merchant_id, mode, kind, payment_method_type, connector_account_id, state, value, threshold, sample_count,
                          onset_at, triggered_at, resolved_at, resolved_value, resolution, created_at, updated_at)
      values (${ids.newId('alt')}, ${ruleId}, ${merchantId}, 'test', 'failure_rate', 'card', null, ${i < 3 ? 'triggered' : 'resolved'}, 0.6, 0.5, 40,
              ${at}, ${at}, ${i < 3 ? null : new Date(at.getTime() + 20 * 60_000)}, ${i < 3 ? null : 0.1}, ${i < 3 ? null : 'recovered'}, ${at}, ${at})`.execute(db);
    await sql`
      insert into connector_incidents (id, merchant_id, mode, kind, connector_account_id, payment_method_type, alert_id, started_at, ended_at, created_at)
      values (${ids.newId('inc')}, ${merchantId}, 'test', 'circuit_open', ${accounts[i % 3]!}, null, null, ${at}, ${new Date(at.getTime() + (i + 1) * 60_000)}, ${at})`.execute(db);
  }
  await sql`
    insert into after_sales_requests (id, payment_id, merchant_id, mode, kind, reason, amount, status, merchant_note, refund_id, created_at, decided_at)
    select 'asr_bench' || g || '_' || ${merchantId}, 'pay_bench' || lpad(g::text, 9, '0') || ${merchantId}, ${merchantId}, 'test',
           (array['refund', 'exchange', 'repair'])[1 + g % 3], 'bench', null, case when g % 4 = 0 then 'pending' else 'approved' end, null, null,
           now() - g * interval '1 minute', null
      from generate_series(1, 2000) g`.execute(db);
  await sql`
    insert into reconciliation_mismatches (id, merchant_id, connector_account_id, statement_date, kind, order_number, refund_number, our_amount, their_amount, our_status, repaired, note, created_at)
    select 'rcm_bench' || g || '_' || ${merchantId}, ${merchantId}, (array[${accounts[0]!}, ${accounts[1]!}, ${accounts[2]!}])[1 + g % 3], (now() - (g % 90) * interval '1 day')::date, 'status_differs', 'ord' || g, '', 100, 100, 'processing', g % 2 = 0, 'bench', now()
      from generate_series(1, 5000) g`.execute(db);
}

interface Phases {
  document: number;
  scripts: number;
  scriptKib: number;
  sessionAsked: number;
  sessionAnswered: number;
  dataAsked: number;
  dataAnswered: number;
  drawn: number;
}

/** Run in the page once the overview is drawn: when each part of the way ended, in ms from navigation (Resource Timing). */
function phasesInPage(): Phases {
  // Resource and Navigation Timing entries, as the browser gives them (this file is typed for Node, without the DOM's types).
  type Timing = { name: string; startTime: number; responseEnd: number; transferSize: number };
  const entries = (type: string) => (performance as unknown as { getEntriesByType(type: string): Timing[] }).getEntriesByType(type);
  const resources = entries('resource');
  const scripts = resources.filter((entry) => entry.name.includes('/console/assets/'));
  const session = resources.find((entry) => entry.name.includes('/console/api/session'));
  const data = resources.filter((entry) => entry.name.includes('/v1/analytics/'));
  const navigation = entries('navigation')[0];
  return {
    document: navigation?.responseEnd ?? 0,
    scripts: Math.max(0, ...scripts.map((entry) => entry.responseEnd)),
    scriptKib: scripts.reduce((sum, entry) => sum + entry.transferSize, 0) / 1024,
    sessionAsked: session?.startTime ?? 0,
    sessionAnswered: session?.responseEnd ?? 0,
    dataAsked: Math.min(...data.map((entry) => entry.startTime)),
    dataAnswered: Math.max(0, ...data.map((entry) => entry.responseEnd)),
    drawn: performance.now(),
  };
}

interface SignInPhases {
  signedIn: number;
  sessionAnswered: number;
  scripts: number;
  scriptKib: number;
  scriptCount: number;
  scriptNames: string[];
  dataAsked: number;
  dataAnswered: number;
  drawn: number;
}

/** Run in the page once the overview is drawn after signing in: when each part of the way ended, in ms from the TOTP submit (`submittedAt`, the page's clock). */
function signInPhasesInPage(submittedAt: number): SignInPhases {
  type Timing = { name: string; startTime: number; responseEnd: number; transferSize: number };
  const since = (performance as unknown as { getEntriesByType(type: string): Timing[] }).getEntriesByType('resource').filter((entry) => entry.startTime >= submittedAt);
  const signIn = since.find((entry) => entry.name.includes('/console/api/sign_in'));
  const session = since.find((entry) => entry.name.includes('/console/api/session'));
  // What the page still had to fetch after the submit (the shell and the overview are imported while the sign-in page shows).
  const scripts = since.filter((entry) => entry.name.includes('/console/assets/'));
  const data = since.filter((entry) => entry.name.includes('/v1/analytics/'));
  const from = (at: number | undefined) => (at === undefined ? 0 : at - submittedAt);
  return {
    signedIn: from(signIn?.responseEnd),
    sessionAnswered: from(session?.responseEnd),
    scripts: Math.max(0, ...scripts.map((entry) => entry.responseEnd - submittedAt)),
    scriptKib: scripts.reduce((sum, entry) => sum + entry.transferSize, 0) / 1024,
    scriptCount: scripts.length,
    scriptNames: scripts.map((entry) => entry.name.replace(/^.*\/console\/assets\//, '')),
    dataAsked: Math.min(...data.map((entry) => entry.startTime - submittedAt)),
    dataAnswered: Math.max(0, ...data.map((entry) => entry.responseEnd - submittedAt)),
    drawn: performance.now() - submittedAt,
  };
}

/** The overview in Chromium: navigation until every figure and chart is drawn, in fresh windows (no cache) after one unmeasured visit. */
async function renderOverview(app: Awaited<ReturnType<typeof buildApp>>, cookie: string, merchantId: string): Promise<void> {
  const assets = await consoleAssets();
  console.log(`\nthe console's files, as a first visit loads them (gzipped): ${describeConsoleSize(assets)}\n${describeConsolePages(assets)}`);
  if (renders === 0) return;
  if (!browserAvailable) {
    console.log('\noverview render: not measured (no Chromium; Debian: apt-get install chromium)');
    return;
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/console`;
  const browser = await launchBrowser();
  try {
    const [name, value] = cookie.split('=') as [string, string];
    const visit = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
      await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
      const page = await context.newPage();
      // Chromium's own counters of the page's main thread: how much of the wait was script, style and layout.
      const devtools = await context.newCDPSession(page);
      await devtools.send('Performance.enable');
      const startedMs = performance.now();
      await page.goto(url);
      await page.getByTestId('console-page').waitFor({ timeout: 30_000 });
      const shellMs = performance.now() - startedMs;
      await page.getByTestId('figure-nps').waitFor({ timeout: 30_000 });
      const figuresMs = performance.now() - startedMs;
      await page.getByTestId('chart-aov').locator('canvas').waitFor({ timeout: 30_000 });
      const elapsedMs = performance.now() - startedMs;
      const phases = await page.evaluate(phasesInPage);
      const mainThread = await mainThreadCounters(devtools);
      await context.close();
      return { shellMs, figuresMs, elapsedMs, phases, mainThread };
    };
    // A member with an empty cache has no session either: the sign-in page (the entry and the sign-in chunk), email and
    // password, then the TOTP code, and the overview drawn in the same page. Timed from the TOTP submit. Each visit is a
    // new owner: a TOTP step is taken once per member, and the code sent is the next step's (accepted: one step of drift).
    const signInVisit = async () => {
      const owner = await enrolOwner(app, merchantId);
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
      const page = await context.newPage();
      const devtools = await context.newCDPSession(page);
      await devtools.send('Performance.enable');
      await page.goto(url);
      await page.getByTestId('sign-in-email').fill(owner.email);
      await page.getByTestId('sign-in-password').fill(owner.password);
      await page.getByTestId('sign-in-submit').click();
      await page.getByTestId('totp-code').fill(totp(owner.secret, Date.now() + 30_000));
      const counters = () => mainThreadCounters(devtools);
      const before = await counters();
      const submittedInPage = await page.evaluate(() => performance.now());
      const startedMs = performance.now();
      await page.getByTestId('second-factor-submit').click();
      await page.getByTestId('console-page').waitFor({ timeout: 30_000 });
      const shellMs = performance.now() - startedMs;
      await page.getByTestId('figure-nps').waitFor({ timeout: 30_000 });
      const figuresMs = performance.now() - startedMs;
      await page.getByTestId('chart-aov').locator('canvas').waitFor({ timeout: 30_000 });
      const elapsedMs = performance.now() - startedMs;
      const phases = await page.evaluate(signInPhasesInPage, submittedInPage);
      const after = await counters();
      const mainThread = { script: after.script - before.script, style: after.style - before.style, layout: after.layout - before.layout, tasks: after.tasks - before.tasks };
      await context.close();
      return { shellMs, figuresMs, elapsedMs, phases, mainThread };
    };
    await visit();
    if (process.env.PAYPILOT_RENDER_PROFILE) await profileVisit(browser, url, name, value, process.env.PAYPILOT_RENDER_PROFILE);
    // A member's browser keeps the hashed script (cached for good): the same window, opened again.
    const warmContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await warmContext.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
    await warmContext.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    const warmPage = await warmContext.newPage();
    const warm: number[] = [];
    for (let i = 0; i <= renders; i += 1) {
      const startedMs = performance.now();
      await warmPage.goto(`${url}?visit=${i}`);
      await warmPage.getByTestId('figure-nps').waitFor({ timeout: 30_000 });
      await warmPage.getByTestId('chart-aov').locator('canvas').waitFor({ timeout: 30_000 });
      if (i > 0) warm.push(performance.now() - startedMs);
    }
    await warmContext.close();
    const times: { shellMs: number; figuresMs: number; elapsedMs: number; phases: Phases; mainThread: Record<'script' | 'style' | 'layout' | 'tasks', number> }[] = [];
    for (let i = 0; i < renders; i += 1) times.push(await visit());
    await signInVisit();
    const signIns: Awaited<ReturnType<typeof signInVisit>>[] = [];
    for (let i = 0; i < renders; i += 1) signIns.push(await signInVisit());
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
    const total = median(times.map((t) => t.elapsedMs));
    console.log(`\noverview render in Chromium, 1280×800, ${renders} fresh windows (empty cache) after one unmeasured, ms (target ${overviewRenderTargetMs} ms):`);
    console.log(`  the console's shell drawn (script loaded, session read): median ${median(times.map((t) => t.shellMs)).toFixed(0)}`);
    console.log(`  the overview's figures (its cards) drawn:               median ${median(times.map((t) => t.figuresMs)).toFixed(0)}`);
    console.log(`  every figure and chart of the overview drawn:           median ${total.toFixed(0)}, max ${Math.max(...times.map((t) => t.elapsedMs)).toFixed(0)}  ${total <= overviewRenderTargetMs ? 'met' : 'NOT met'} (median)`);
    const phase = (key: keyof Phases) => median(times.map((t) => t.phases[key])).toFixed(0);
    console.log(
      `  where the time goes, median ms from navigation: page ${phase('document')}, scripts ${phase('scripts')} (${phase('scriptKib')} KiB over the wire), ` +
        `session asked ${phase('sessionAsked')} answered ${phase('sessionAnswered')}, overview data asked ${phase('dataAsked')} answered ${phase('dataAnswered')}, drawn ${phase('drawn')}`,
    );
    const busy = (key: 'script' | 'style' | 'layout' | 'tasks') => median(times.map((t) => t.mainThread[key])).toFixed(0);
    console.log(`  the page's main thread until drawn, median ms (Chromium's counters): busy ${busy('tasks')}, of which script ${busy('script')}, style ${busy('style')}, layout ${busy('layout')}`);
    const warmMedian = median(warm);
    console.log(`  the same, script in the browser's cache (a member's next visit): median ${warmMedian.toFixed(0)}, max ${Math.max(...warm).toFixed(0)}  ${warmMedian <= overviewRenderTargetMs ? 'met' : 'NOT met'} (median)`);
    const signInTotal = median(signIns.map((t) => t.elapsedMs));
    console.log(`\noverview render after signing in: ${renders} fresh windows without a cookie (empty cache) after one unmeasured, each a new owner;`);
    console.log(`the sign-in page, email and password, the TOTP code; from the code's submit, ms (target ${overviewRenderTargetMs} ms):`);
    console.log(`  the console's shell drawn (signed in, session read):   median ${median(signIns.map((t) => t.shellMs)).toFixed(0)}`);
    console.log(`  the overview's figures (its cards) drawn:               median ${median(signIns.map((t) => t.figuresMs)).toFixed(0)}`);
    console.log(`  every figure and chart of the overview drawn:           median ${signInTotal.toFixed(0)}, max ${Math.max(...signIns.map((t) => t.elapsedMs)).toFixed(0)}  ${signInTotal <= overviewRenderTargetMs ? 'met' : 'NOT met'} (median)`);
    const signInPhase = (key: Exclude<keyof SignInPhases, 'scriptNames'>) => median(signIns.map((t) => t.phases[key])).toFixed(0);
    console.log(
      `  where the time goes, median ms from the submit: signed in (answer) ${signInPhase('signedIn')}, session answered ${signInPhase('sessionAnswered')}, ` +
        `scripts fetched after the submit ${signInPhase('scripts')} (${signInPhase('scriptKib')} KiB over the wire, ${signInPhase('scriptCount')} files: ${signIns.at(-1)!.phases.scriptNames.join(', ') || 'none'}), ` +
        `overview data asked ${signInPhase('dataAsked')} answered ${signInPhase('dataAnswered')}, drawn ${signInPhase('drawn')}`,
    );
    const signInBusy = (key: 'script' | 'style' | 'layout' | 'tasks') => median(signIns.map((t) => t.mainThread[key])).toFixed(0);
    console.log(`  the page's main thread from the submit until drawn, median ms (Chromium's counters): busy ${signInBusy('tasks')}, of which script ${signInBusy('script')}, style ${signInBusy('style')}, layout ${signInBusy('layout')}`);
  } finally {
    await browser.close();
  }
}

/** One more fresh visit under Chromium's sampling profiler; its profile is written where PAYPILOT_RENDER_PROFILE says (open it in DevTools). */
type DevtoolsSession = Awaited<ReturnType<Awaited<ReturnType<Awaited<ReturnType<typeof launchBrowser>>['newContext']>>['newCDPSession']>>;

/** Chromium's own counters of the page's main thread so far, ms: how much was script, style, layout and all tasks. */
async function mainThreadCounters(devtools: DevtoolsSession): Promise<{ script: number; style: number; layout: number; tasks: number }> {
  const { metrics } = await devtools.send('Performance.getMetrics');
  const ms = (name: string) => (metrics.find((metric) => metric.name === name)?.value ?? 0) * 1000;
  return { script: ms('ScriptDuration'), style: ms('RecalcStyleDuration'), layout: ms('LayoutDuration'), tasks: ms('TaskDuration') };
}

async function profileVisit(browser: Awaited<ReturnType<typeof launchBrowser>>, url: string, name: string, value: string, file: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
  await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send('Profiler.enable');
  await devtools.send('Profiler.setSamplingInterval', { interval: 200 });
  await devtools.send('Profiler.start');
  await page.goto(url);
  await page.getByTestId('chart-aov').locator('canvas').waitFor({ timeout: 30_000 });
  const { profile } = await devtools.send('Profiler.stop');
  await writeFile(file, JSON.stringify(profile));
  console.log(`  a profile of one more fresh visit: ${file}`);
  await context.close();
}
