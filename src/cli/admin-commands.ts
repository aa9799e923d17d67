/** The CLI's administrative commands: merchants, keys, audit and ledger verification, reconciliation. */
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config/config.ts';
import { createApiKey, createMerchant } from '../flows/merchants/create-merchant.ts';
import { revokeApiKey } from '../flows/api-keys/revoke-api-key.ts';
import { rollApiKey } from '../flows/api-keys/roll-api-key.ts';
import { PaymentError, localizeError } from '../domain/errors.ts';
import { limits } from '../domain/limits.ts';
import { findApiKeyScope } from '../store/api-keys.ts';
import { reconcile } from '../ops/reconcile.ts';
import type { FlowContext } from '../flows/context.ts';
import { createFlowContext, loadMasterKey, openConfiguredDatabase, outboundPolicyOf } from '../runtime.ts';
import { findMerchant } from '../store/merchants.ts';
import { verifyLedger } from '../store/ledger.ts';
import { createConsoleOwner } from '../flows/console/owner.ts';
import { verifyAudit } from '../flows/console/audit.ts';
import { turnEventStreamOff } from '../flows/event-stream/run-publisher.ts';


async function withContext<T>(config: Config, work: (context: FlowContext) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  try {
    return await work(createFlowContext({ db: database.handle.db, masterKey: await loadMasterKey(config), publicBaseUrl: config.publicBaseUrl, outboundPolicy: outboundPolicyOf(config) }));
  } finally {
    await database.close();
  }
}

export async function merchantCreate(config: Config, args: string[]): Promise<void> {
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

export async function auditVerifyCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { merchant: { type: 'string' } } });
  const report = await withContext(config, (context) => verifyAudit(context.db, values.merchant));
  console.log(`audit: ${report.merchants} chains, ${report.rows} rows`);
  for (const problem of report.problems) console.log(`  ${problem.kind.padEnd(14)} ${problem.merchantId} row ${problem.seq}${problem.id ? ` (${problem.id})` : ''}  ${problem.detail}`);
  console.log(report.problems.length === 0 ? 'audit verified: every chain is whole' : `audit NOT verified: ${report.problems.length} problems`);
  if (report.problems.length > 0) process.exitCode = 1;
}

export async function keysCreate(config: Config, args: string[]): Promise<void> {
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

export async function keysRoll(config: Config, args: string[]): Promise<void> {
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

export async function keysRevoke(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { key: { type: 'string' }, 'confirm-no-secret-key-left': { type: 'boolean' } } });
  const keyId = values.key;
  if (!keyId) throw new ConfigError('keys revoke needs --key key_…');
  const confirmNoSecretKeyLeft = values['confirm-no-secret-key-left'] ?? false;
  const revoked = await withContext(config, async (context) => revokeApiKey(context, await keyScope(context, keyId), keyId, { confirmNoSecretKeyLeft })).catch(asConfigError);
  console.log(JSON.stringify(revoked.key, null, 2));
}

export async function reconcileCommand(config: Config, args: string[]): Promise<void> {
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

export async function ledgerVerify(config: Config, args: string[]): Promise<void> {
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

export async function eventStreamOff(config: Config, args: string[]): Promise<void> {
  parseArgs({ args, options: {} });
  const { forgotten } = await withContext(config, (context) => turnEventStreamOff(context));
  console.log(`event stream off: new events are no longer queued for it; ${forgotten} owed publications forgotten`);
}
