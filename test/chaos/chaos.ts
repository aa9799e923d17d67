/**
 * `npm run chaos -- --payments N --seed S`: Paypilot under crashes and
 * provider faults, checked from outside.
 *
 * It starts PostgreSQL (embedded, unless DATABASE_URL is set), the
 * simulators as a process of their own (`paypilot simulators`), the API
 * (`paypilot serve`) and the worker (`paypilot worker`); drives N payments
 * through the API as a merchant and its payers would (every POST with an
 * Idempotency-Key, retried with the same key after errors), while it kills
 * the API and the worker with SIGKILL at seeded random times and restarts
 * them, and has the simulators fail a share of requests, late answers and
 * lost answers included, and send duplicate and forged notifications. Then
 * it stops the chaos, waits a settle window, and prints the invariants as
 * figures: double charges and refunds (the simulators' records against
 * Paypilot's), lost payments, unsettled payments, one key → one object,
 * `paypilot ledger verify`, every event delivered to its webhook receiver.
 * Exits 1 when one fails. Everything listens on 127.0.0.1, and everything it
 * started is stopped at the end.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/store/embedded-postgres.ts';
import { checkInvariants, type SimulatorRecords } from './checks.ts';
import { ApiClient } from './client.ts';
import { freePortRun, managed, runCommand, type Managed } from './processes.ts';
import { planApiAddress, startNodes, type Topology } from './topology.ts';
import { planScripts, play, seededFloats, type World } from './scenario.ts';

const limitsOfRun = { paymentsMax: 20_000, concurrencyMax: 64, paymentsInPlayMax: 2_000, settleSecondsMax: 1_800, keyRetrySecondsMax: 900, nodesMax: 8 } as const;

interface Options {
  payments: number;
  seed: number;
  /** Requests on the wire at once, as a merchant's connection pool would allow. */
  concurrency: number;
  /** Payments being played at once (most of them waiting: a backoff, a key in progress, a payer). */
  paymentsInPlay: number;
  settleSeconds: number;
  keyRetrySeconds: number;
  killEverySeconds: number;
  faultPercent: number;
  /** The driving stops taking new payments past this; what was not played is reported. */
  driveSecondsMax: number;
  keep: boolean;
  /** `--api N --workers M`: a cluster behind the proxy; absent: one API and one worker, addressed directly. */
  topology: Topology;
  /** `--compare`: the same seeded run on one API and one worker, then on the cluster, both behind the proxy; figures side by side. */
  compare: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      payments: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'payments-in-play': { type: 'string' },
      'settle-seconds': { type: 'string' },
      'key-retry-seconds': { type: 'string' },
      'kill-every-seconds': { type: 'string' },
      'fault-percent': { type: 'string' },
      'drive-seconds-max': { type: 'string' },
      keep: { type: 'boolean' },
      api: { type: 'string' },
      workers: { type: 'string' },
      compare: { type: 'boolean' },
    },
  });
  const integer = (text: string | undefined, name: string, fallback: number, min: number, max: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    payments: integer(values.payments, 'payments', 200, 1, limitsOfRun.paymentsMax),
    seed: integer(values.seed, 'seed', 1, 0, 2 ** 31 - 1),
    concurrency: integer(values.concurrency, 'concurrency', 24, 1, limitsOfRun.concurrencyMax),
    paymentsInPlay: integer(values['payments-in-play'], 'payments-in-play', 24, 1, limitsOfRun.paymentsInPlayMax),
    settleSeconds: integer(values['settle-seconds'], 'settle-seconds', 360, 0, limitsOfRun.settleSecondsMax),
    keyRetrySeconds: integer(values['key-retry-seconds'], 'key-retry-seconds', 90, 1, limitsOfRun.keyRetrySecondsMax),
    killEverySeconds: integer(values['kill-every-seconds'], 'kill-every-seconds', 8, 1, 3_600),
    faultPercent: integer(values['fault-percent'], 'fault-percent', 20, 0, 100),
    driveSecondsMax: integer(values['drive-seconds-max'], 'drive-seconds-max', 3_600, 10, 24 * 3_600),
    keep: values.keep ?? false,
    topology: {
      api: integer(values.api, 'api', 1, 1, limitsOfRun.nodesMax),
      workers: integer(values.workers, 'workers', 1, 1, limitsOfRun.nodesMax),
      cluster: values.api !== undefined || values.workers !== undefined,
    },
    compare: values.compare ?? false,
  };
}

const log = (line: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** What stops everything the run started, newest first; also run on Ctrl-C. */
const cleanups: (() => Promise<unknown>)[] = [];

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
}

async function main(): Promise<number> {
  const run = options();
  takeSignals();
  if (!run.compare) return (await runOnce(run, run.topology)).failed === 0 ? 0 : 1;
  const cluster = run.topology.cluster ? run.topology : { api: 3, workers: 2, cluster: true };
  const single = await runOnce(run, { api: 1, workers: 1, cluster: true });
  const several = await runOnce(run, cluster);
  printComparison([single, several]);
  return single.failed + several.failed === 0 ? 0 : 1;
}

interface RunFigures {
  topology: Topology;
  failed: number;
  played: number;
  /** From the first payment to the last (start-up and the merchant's set-up left out). */
  drivingSeconds: number;
  settleSeconds: number;
  kills: number;
  requests: number;
  retries: number;
  networkErrors: number;
  serverErrors: number;
  gatewayErrors: number;
  gaveUp: number;
  badGateway: number | null;
}

function printComparison(runs: RunFigures[]): void {
  const label = (figures: RunFigures) => `${figures.topology.api} api + ${figures.topology.workers} worker${figures.topology.workers > 1 ? 's' : ''}`;
  const rows: [string, (figures: RunFigures) => string][] = [
    ['payments played', (f) => String(f.played)],
    ['payments driven in (s)', (f) => f.drivingSeconds.toFixed(0)],
    ['payments/s driven', (f) => (f.played / Math.max(f.drivingSeconds, 1)).toFixed(2)],
    ['settled in (s)', (f) => f.settleSeconds.toFixed(0)],
    ['SIGKILLs', (f) => String(f.kills)],
    ['requests', (f) => String(f.requests)],
    ['retries (same key)', (f) => String(f.retries)],
    ['network errors', (f) => String(f.networkErrors)],
    ['502/503 retried', (f) => String(f.gatewayErrors)],
    ['other 5xx', (f) => String(f.serverErrors)],
    ['proxy 502', (f) => String(f.badGateway ?? '-')],
    ['keys given up', (f) => String(f.gaveUp)],
    ['invariants failed', (f) => String(f.failed)],
  ];
  console.log(`\nOne node against several (same seed, same payments, same chaos):`);
  console.log(`  ${''.padEnd(26)}${runs.map((figures) => label(figures).padStart(22)).join('')}`);
  for (const [name, figure] of rows) console.log(`  ${name.padEnd(26)}${runs.map((figures) => figure(figures).padStart(22)).join('')}`);
}

async function runOnce(run: Options, topology: Topology): Promise<RunFigures> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'paypilot-chaos-'));
  const startedMs = Date.now();
  const cleanupsBefore = cleanups.length;
  try {
    let databaseUrl = process.env.DATABASE_URL;
    let embedded: EmbeddedDatabase | null = null;
    if (!databaseUrl) {
      // A directory of its own: started as root, the server runs as `postgres`, which must reach it.
      const postgresDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-chaos-postgres-'));
      cleanups.push(() => rm(postgresDir, { recursive: true, force: true }));
      embedded = await startEmbeddedPostgres(postgresDir, { persistent: false });
      cleanups.push(() => embedded!.stop());
      takeSignals();
      databaseUrl = embedded.url;
    }
    const plan = await planApiAddress(topology);
    const apiPort = plan.apiPort;
    const simulatorPort = await freePortRun(6);
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: databaseUrl,
      PAYPILOT_DATA_DIR: path.join(work, 'paypilot'),
      PAYPILOT_MASTER_KEY: randomBytes(32).toString('base64'),
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
      // The simulators listen on 127.0.0.1: the merchant's test-mode accounts and webhook receiver must reach them.
      PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST: 'true',
      // Payers' emails and SMS go to the simulators' catcher.
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(simulatorPort + 4),
      SMS_URL: `http://127.0.0.1:${simulatorPort + 5}/sms`,
    };
    const migrated = await runCommand(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed:\n${migrated.output}`);

    const receiver = await startReceiver();
    cleanups.push(() => new Promise((resolve) => receiver.server.close(resolve)));

    const simulators = managed({
      name: 'simulators', env, logDir: work,
      args: ['simulators', '--port', String(simulatorPort), '--data-dir', path.join(work, 'simulators'), '--notify-delay-scale', '0.02'],
      ready: (output) => output.includes('{"simulators"'),
    });
    cleanups.push(() => simulators.stop());
    const [nodes] = await Promise.all([startNodes(topology, plan, env, work), simulators.start()]);
    cleanups.push(() => nodes.close());
    log(topology.cluster ? `cluster: ${topology.api} API and ${topology.workers} worker processes behind ${nodes.apiUrl}` : `one API process at ${nodes.apiUrl} and one worker`);
    const sim = (offset: number) => `http://127.0.0.1:${simulatorPort + offset}`;
    const urls = { card: sim(0), alipay: sim(1), wechat_pay: sim(2), unionpay: sim(3) };

    const merchant = await runCommand(['merchant', 'create', '--name', 'Chaos Shop'], env);
    const keys = JSON.parse(merchant.output.slice(merchant.output.indexOf('{'), merchant.output.lastIndexOf('}') + 1)) as { merchant_id: string; secret_test: string };
    const client = new ApiClient(`http://127.0.0.1:${apiPort}`, keys.secret_test, run.keyRetrySeconds * 1000, run.concurrency);
    const world = await setUpMerchant(client, urls, receiver, run.seed);
    log(`merchant ${keys.merchant_id}; work directory ${work}`);

    // The chaos: faults at the providers, and crashes of the API and the worker.
    const chaos = startChaos(run, urls, [...nodes.apis, ...nodes.workers], topology.cluster);
    const scripts = planScripts(run.payments, run.seed);
    const createdPaymentIds: string[] = [];
    const refundKeysByPayment = new Map<string, string[]>();
    let done = 0;
    const driveDeadlineMs = Date.now() + run.driveSecondsMax * 1000;
    const drivingStartedMs = Date.now();
    await inPool(scripts, run.paymentsInPlay, driveDeadlineMs, async (script) => {
      const played = await play(world, script);
      if (played.paymentId !== null) {
        createdPaymentIds.push(played.paymentId);
        if (played.refundKeys.length > 0) refundKeysByPayment.set(played.paymentId, played.refundKeys);
      }
      done += 1;
      if (done % Math.max(10, Math.round(scripts.length / 10)) === 0) log(`${done}/${scripts.length} payments played`);
    });
    const driveSeconds = (Date.now() - startedMs) / 1000;
    const drivingSeconds = (Date.now() - drivingStartedMs) / 1000;
    const chaosFigures = await chaos.stop();
    log(`driven in ${driveSeconds.toFixed(0)} s; ${chaosFigures.kills} kills; settling (at most ${run.settleSeconds} s)`);

    const settleSeconds = await settle(databaseUrl, keys.merchant_id, receiver, run.settleSeconds);
    const records: Record<string, SimulatorRecords> = {};
    for (const [name, url] of Object.entries(urls)) records[name] = (await (await fetch(`${url}/_control/records`)).json()) as SimulatorRecords;
    const ledger = await runCommand(['ledger', 'verify'], env);
    const findings = await checkInvariants({
      databaseUrl, merchantId: keys.merchant_id, client, createdPaymentIds, refundKeysByPayment, records,
      receivedEventIds: receiver.eventIds, badSignatures: receiver.badSignatures, ledger,
    });
    findings.push({
      name: 'each delivery job run by one worker at a time (deliveries of one event overlapping at the receiver)',
      figure: receiver.overlaps, ok: receiver.overlaps === 0, samples: receiver.overlapSamples,
    });

    const figures = client.figures;
    if (done < scripts.length) console.log(`TIME LIMIT: ${done} of ${scripts.length} payments played within --drive-seconds-max ${run.driveSecondsMax}`);
    console.log(`Chaos run: ${run.payments} payments, seed ${run.seed}, ${run.concurrency} requests in flight, ${run.paymentsInPlay} payments in play, ${run.faultPercent} % provider faults`);
    console.log(`  driven in ${driveSeconds.toFixed(0)} s, settled in ${settleSeconds.toFixed(0)} s (window ${run.settleSeconds} s); total ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
    const restarts = [...nodes.apis, ...nodes.workers].map((node) => `${node.name} ${node.starts - 1}`).join(', ');
    console.log(`  nodes: ${topology.api} API, ${topology.workers} worker${topology.cluster ? `, behind the round-robin proxy (${nodes.proxyFigures()?.requests ?? 0} requests, ${nodes.proxyFigures()?.badGateway ?? 0} answered 502)` : ''}`);
    console.log(`  crashes: ${chaosFigures.kills} SIGKILLs (restarts: ${restarts}); fault settings ${chaosFigures.faultSettings}`);
    console.log(`  client: ${figures.requests} requests, ${figures.retries} retries with the same key, ${figures.networkErrors} network errors, ${figures.gatewayErrors} × 502/503 from the proxy or a closing node, ${figures.serverErrors} other 5xx, ${figures.inUseAnswers} × 409 idempotency_key_in_use (${figures.answeredAfterInUse} requests answered after one, the longest after ${figures.longestInUseWaitSeconds} s), ${figures.replayed} replays, gave up on ${figures.gaveUp} keys after ${run.keyRetrySeconds} s`);
    for (const sample of figures.gaveUpSamples) console.log(`    gave up: ${sample}`);
    for (const sample of figures.internalErrorSamples) console.log(`    500: ${sample}`);
    for (const [name, each] of Object.entries(records)) {
      const summary = (each as unknown as { summary: Record<string, { count: number; amount: string }> }).summary;
      console.log(`  ${name} simulator: ${Object.entries(summary).map(([kind, s]) => `${kind} ${s.count}`).join(', ')}; keys seen more than once ${each.keys_seen_more_than_once}`);
    }
    let failed = 0;
    for (const finding of findings) {
      if (finding.info) {
        console.log(`  ${finding.name}`);
        continue;
      }
      console.log(`  ${finding.ok ? 'ok  ' : 'FAIL'} ${finding.name}: ${finding.figure}`);
      for (const sample of finding.samples) console.log(`         ${sample}`);
      if (!finding.ok) failed += 1;
    }
    console.log(failed === 0 ? 'All invariants hold.' : `${failed} INVARIANTS FAILED (logs in ${run.keep ? work : 'the work directory; rerun with --keep'})`);
    return {
      topology, failed, played: done, drivingSeconds, settleSeconds, kills: chaosFigures.kills,
      requests: figures.requests, retries: figures.retries, networkErrors: figures.networkErrors, serverErrors: figures.serverErrors, gatewayErrors: figures.gatewayErrors, gaveUp: figures.gaveUp,
      badGateway: nodes.proxyFigures()?.badGateway ?? null,
    };
  } finally {
    // What this run started, newest first (a comparison runs twice in one process).
    for (const cleanup of cleanups.splice(cleanupsBefore).reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
    if (!run.keep) await rm(work, { recursive: true, force: true });
  }
}

interface Receiver {
  server: Server;
  url: string;
  eventIds: Set<string>;
  badSignatures: number;
  secret: string;
  /**
   * Deliveries of one event that overlapped: a second arrived while the first was still being answered. Each
   * delivery is one job's work; two at once would be one job run by two workers at a time.
   */
  overlaps: number;
  overlapSamples: string[];
}

/** The merchant's webhook endpoint: checks each delivery's signature and keeps the event ids. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { server: createServer(), url: '', eventIds: new Set(), badSignatures: 0, secret: '', overlaps: 0, overlapSamples: [] };
  const inFlight = new Map<string, number>();
  receiver.server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // Answered after a short hold, so that a second delivery of the same event at the same time would be seen.
      let eventId = '';
      try {
        eventId = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id ?? '');
      } catch {
        // counted as a bad signature when answered
      }
      const now = (inFlight.get(eventId) ?? 0) + 1;
      inFlight.set(eventId, now);
      if (now > 1) {
        receiver.overlaps += 1;
        if (receiver.overlapSamples.length < 5) receiver.overlapSamples.push(`${eventId}: ${now} deliveries at once`);
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (inFlight.get(eventId) ?? 1) - 1;
        if (left === 0) inFlight.delete(eventId);
        else inFlight.set(eventId, left);
      };
      response.once('close', release);
      setTimeout(() => {
        release();
        if (!response.destroyed) answer();
      }, 25);
    });
    const answer = () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = String(request.headers['paypilot-signature'] ?? '');
      const t = /t=(\d+)/.exec(header)?.[1];
      const v1 = /v1=([0-9a-f]+)/.exec(header)?.[1];
      const expected = createHmac('sha256', receiver.secret).update(`${t}.${body}`).digest('hex');
      if (v1 !== expected) receiver.badSignatures += 1;
      try {
        receiver.eventIds.add((JSON.parse(body) as { id: string }).id);
      } catch {
        receiver.badSignatures += 1;
      }
      response.writeHead(200).end('ok');
    };
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/webhooks`;
  return receiver;
}

/** Connector accounts at the simulators, a webhook endpoint, and payers with a topped-up wallet. */
async function setUpMerchant(client: ApiClient, urls: Record<'card' | 'alipay' | 'wechat_pay' | 'unionpay', string>, receiver: Receiver, seed: number): Promise<World> {
  const must = (answer: Awaited<ReturnType<ApiClient['post']>>, what: string) => {
    if (answer?.status !== 200) throw new Error(`${what}: ${JSON.stringify(answer?.body)}`);
    return answer.body;
  };
  const register = async (url: string) => (await (await fetch(`${url}/_control/merchants`, { method: 'POST' })).json()) as Record<string, string>;
  const alipay = await register(urls.alipay);
  const wechat = await register(urls.wechat_pay);
  const unionpay = await register(urls.unionpay);
  const run = `chaos${seed}x${randomBytes(3).toString('hex')}`;
  const accounts: [string, string, Record<string, string>][] = [
    ['card', urls.card, { api_key: 'sk_sim_card_demo' }],
    ['alipay', urls.alipay, alipay],
    ['wechat_pay', urls.wechat_pay, wechat],
    ['unionpay', urls.unionpay, unionpay],
  ];
  for (const [connector, baseUrl, credentials] of accounts) {
    must(await client.post('/v1/connector_accounts', { connector, base_url: baseUrl, credentials }, `${run}-account-${connector}`), `connector account ${connector}`);
  }
  const endpoint = must(await client.post('/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['*'] }, `${run}-endpoint`), 'webhook endpoint');
  receiver.secret = endpoint.secret as string;
  const walletPin = '147258';
  const walletCustomers: string[] = [];
  for (let n = 0; n < 5; n += 1) {
    const customer = must(await client.post('/v1/customers', { name: `Chaos payer ${n}` }, `${run}-customer-${n}`), 'customer');
    must(await client.post(`/v1/customers/${customer.id}/wallet/pin`, { pin: walletPin }, `${run}-pin-${n}`, 'PUT'), 'wallet PIN');
    const topUp = must(await client.post(`/v1/customers/${customer.id}/wallet/top_ups`, { amount: 1_000_000, currency: 'CNY' }, `${run}-topup-${n}`), 'top-up');
    const card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' };
    must(await client.post(`/v1/payments/${topUp.id}/confirm`, { payment_method: { type: 'card', card } }, `${run}-topup-confirm-${n}`), 'top-up confirm');
    walletCustomers.push(customer.id as string);
  }
  return {
    client, run,
    simulators: { alipay: urls.alipay, wechat_pay: urls.wechat_pay, unionpay: urls.unionpay },
    unionpayMerId: unionpay.mer_id as string,
    wechatMchid: wechat.mchid as string,
    walletCustomers,
    walletPin,
  };
}

const failModes: Record<string, string[]> = {
  card: ['error_500', 'error_500', 'timeout', 'respond_late', 'drop_after_processing'],
  alipay: ['error_500', 'error_20000', 'timeout', 'respond_late'],
  wechat_pay: ['error_500', 'error_500', 'timeout', 'respond_late'],
  unionpay: ['error_500', 'error_500', 'timeout', 'respond_late'],
};

/** Every two seconds, new faults at each provider; at seeded random times, a SIGKILL of the API or the worker and a restart. */
function startChaos(run: Options, urls: Record<string, string>, victims: Managed[], cluster: boolean): { stop(): Promise<{ kills: number; faultSettings: number }> } {
  const random = seededFloats(run.seed ^ 0x5eed);
  let stopped = false;
  // Ends the kill loop's wait at once on stop: with a long interval (`--kill-every-seconds 3600`, a run without
  // crashes) the run would otherwise wait out the interval after the last payment.
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  let kills = 0;
  let faultSettings = 0;
  const setFaults = async (off: boolean) => {
    for (const [name, url] of Object.entries(urls)) {
      const modes = failModes[name] ?? ['error_500'];
      const faults: Record<string, unknown> = off
        ? { failPercent: 0, failNext: 0 }
        : { failPercent: run.faultPercent, failMode: modes[Math.floor(random() * modes.length)], lateMs: 11_000 };
      if (!off && name === 'alipay') Object.assign(faults, { duplicateNotifications: random() < 0.2 ? 2 : 0, forgeNotifications: random() < 0.2 ? 1 : 0 });
      if (!off && name === 'unionpay') Object.assign(faults, { duplicateNotifications: random() < 0.2 ? 2 : 0, forgeNotifications: random() < 0.2 ? 1 : 0 });
      if (name === 'wechat_pay') Object.assign(faults, { duplicateNotifications: !off && random() < 0.2, forgeNotifications: !off && random() < 0.2 });
      if (off && name !== 'card' && name !== 'wechat_pay') Object.assign(faults, { duplicateNotifications: 0, forgeNotifications: 0 });
      const answer = await fetch(`${url}/_control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) }).catch(() => null);
      if (answer?.ok) faultSettings += 1;
      else log(`${name} refused faults ${JSON.stringify(faults)}: ${answer ? await answer.text() : 'no answer'}`);
    }
  };
  const faultLoop = (async () => {
    while (!stopped) {
      await setFaults(false);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  })();
  // A restart that fails ends the chaos (the run then fails, after stopping everything): it never goes unhandled.
  let failure: unknown = null;
  // One node: killed and started again before the next kill. A cluster: a killed node starts again in the
  // background while the others serve, and the next kill may come meanwhile (any node that is up), as in a
  // fleet where crashes do not wait for each other.
  const restarting = new Set<Managed>();
  const restarts: Promise<void>[] = [];
  const killLoop = (async () => {
    while (!stopped) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([woken, new Promise((resolve) => (timer = setTimeout(resolve, (0.5 + random()) * run.killEverySeconds * 1000)))]);
      clearTimeout(timer);
      if (stopped) break;
      const up = victims.filter((victim) => !restarting.has(victim));
      if (up.length === 0) continue;
      const victim = up[Math.floor(random() * up.length)] as Managed;
      await victim.kill();
      kills += 1;
      const pauseMs = 200 + random() * 1_000;
      const restart = (async () => {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        await victim.start();
      })();
      if (!cluster) {
        await restart;
        continue;
      }
      restarting.add(victim);
      restarts.push(
        restart.then(
          () => void restarting.delete(victim),
          (error: unknown) => {
            failure = error;
            stopped = true;
          },
        ),
      );
    }
  })().catch((error: unknown) => {
    failure = error;
    stopped = true;
  });
  return {
    async stop() {
      stopped = true;
      wake();
      await killLoop;
      await Promise.all(restarts);
      await faultLoop;
      await setFaults(true);
      if (failure !== null) throw failure;
      for (const victim of victims) if (!victim.running()) await victim.start();
      return { kills, faultSettings };
    },
  };
}

/** Waits until nothing is processing or pending and every event reached the receiver, or the window ends; answers the seconds waited. */
async function settle(databaseUrl: string, merchantId: string, receiver: Receiver, windowSeconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const startedMs = Date.now();
  let loggedMs = startedMs;
  try {
    while ((Date.now() - startedMs) / 1000 < windowSeconds) {
      const open = await pool.query<{ payments: string; refunds: string; late: string }>(
        `select (select count(*) from payments where merchant_id = $1 and status = 'processing')::text as payments,
                (select count(*) from refunds where merchant_id = $1 and status = 'pending')::text as refunds,
                (select count(*) from late_payment_refunds where merchant_id = $1 and status = 'pending')::text as late`, [merchantId]);
      const events = await pool.query<{ id: string }>('select id from events where merchant_id = $1', [merchantId]);
      const undelivered = events.rows.filter((row) => !receiver.eventIds.has(row.id)).length;
      const { payments = '0', refunds = '0', late = '0' } = open.rows[0] ?? {};
      if (Number(payments) + Number(refunds) + Number(late) === 0 && undelivered === 0) break;
      // What is still open, every 30 s: a long settle says which part waits.
      if (Date.now() - loggedMs >= 30_000) {
        loggedMs = Date.now();
        log(`settling, ${Math.round((loggedMs - startedMs) / 1000)} s: payments processing ${payments}, refunds pending ${refunds}, late-payment refunds pending ${late}, events not received ${undelivered}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    return (Date.now() - startedMs) / 1000;
  } finally {
    await pool.end();
  }
}

/** Runs `work` over the items, `concurrency` at once, taking no new item past the deadline. */
async function inPool<T>(items: readonly T[], concurrency: number, deadlineMs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && Date.now() < deadlineMs) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

/** Ctrl-C stops the children, then the database. embedded-postgres installs exit hooks of its own when it starts: called again after it. */
function takeSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
