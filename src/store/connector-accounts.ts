/**
 * A merchant's accounts at payment providers. Credentials are sealed with
 * AES-256-GCM (bound to the account id) and only opened for a provider call.
 *
 * Every payment reads which accounts its merchant has enabled (create: which
 * methods it may offer; confirm: which account to call), and they rarely
 * change: an API process keeps them per merchant and mode
 * (`cacheConnectorAccounts`), trusted only while its invalidation listener
 * listens. Any change to an account, by any means (the API, the CLI, plain
 * SQL), is announced by a trigger (migration 0025) as
 * `connector_account:<merchant>:<mode>` and drops that merchant's entry in
 * every process; a change made through this module also waits until every
 * listening process has dropped it, so a disabled account is refused at once
 * everywhere.
 */
import type { ConnectorAccount, ConnectorName } from '../connectors/connector.ts';
import type { Clock } from '../domain/clock.ts';
import { limits } from '../domain/limits.ts';
import { seal, unseal } from '../domain/secrets.ts';
import type { Db } from './database.ts';
import type { InvalidationListener } from './invalidation.ts';
import type { Scope } from './payments.ts';
import type { ConnectorAccountRow } from './schema.ts';

export interface NewConnectorAccount {
  id: string;
  connector: ConnectorName;
  enabled: boolean;
  priority: number;
  baseUrl: string;
  credentials: Record<string, string>;
  now: Date;
}

interface AccountCache {
  listener: InvalidationListener;
  clock: Clock;
  /** Enabled accounts of one merchant and mode, by `<merchant>:<mode>`, the most preferred first. */
  entries: Map<string, { rows: ConnectorAccountRow[]; cachedUntilMs: number }>;
  /** Bumped by every invalidation and reset: a load that began in an older epoch is not kept. */
  epoch: number;
}

/** One cache per database handle, so two API processes in one test keep apart as two real ones do. */
const caches = new WeakMap<Db, AccountCache>();

function subjectOf(scope: Scope): string {
  return `${scope.merchantId}:${scope.mode}`;
}

/**
 * Lets the reads of enabled accounts through `db` come from this process's
 * cache, invalidated through `listener`. Answers a function that stops it.
 */
export function cacheConnectorAccounts(db: Db, listener: InvalidationListener, clock: Clock): () => void {
  const cache: AccountCache = { listener, clock, entries: new Map(), epoch: 0 };
  const unsubscribe = listener.subscribe('connector_account', (subject) => {
    cache.entries.delete(subject);
    cache.epoch += 1;
  });
  const unreset = listener.onReset(() => {
    cache.entries.clear();
    cache.epoch += 1;
  });
  caches.set(db, cache);
  return () => {
    unsubscribe();
    unreset();
    if (caches.get(db) === cache) caches.delete(db);
  };
}

/** Enabled accounts of one merchant and mode, every connector, the most preferred first. */
async function enabledAccounts(db: Db, scope: Scope): Promise<ConnectorAccountRow[]> {
  const cache = caches.get(db);
  const trusted = cache !== undefined && cache.listener.isListening();
  const subject = subjectOf(scope);
  if (trusted) {
    const entry = cache.entries.get(subject);
    if (entry && entry.cachedUntilMs > cache.clock.nowMs()) return entry.rows;
  }
  const startEpoch = cache?.epoch;
  const rows = await db
    .selectFrom('connector_accounts')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('enabled', '=', true)
    .orderBy('priority', 'desc')
    .orderBy('id', 'asc')
    .execute();
  // Read before a change was heard (or while nobody listened): not kept, it may predate the change.
  if (trusted && cache.listener.isListening() && cache.epoch === startEpoch) {
    cache.entries.delete(subject);
    if (cache.entries.size >= limits.connectorAccountCacheScopesMax) cache.entries.delete(cache.entries.keys().next().value as string);
    cache.entries.set(subject, { rows, cachedUntilMs: cache.clock.nowMs() + limits.connectorAccountCacheTtlMs });
  }
  return rows;
}

/**
 * Runs a change to a merchant's accounts and, when it changed something,
 * waits until every listening API process has dropped what it held of them
 * (or `invalidationAcknowledgementWaitMs`): the trigger announces it.
 */
async function changingAccounts<T>(db: Db, scope: Scope, change: () => Promise<T | undefined>): Promise<T | undefined> {
  const barrier = caches.get(db)?.listener.barrier('connector_account', subjectOf(scope));
  let changed: T | undefined;
  try {
    changed = await change();
  } finally {
    if (changed === undefined) barrier?.cancel();
  }
  if (changed !== undefined) await barrier?.settled(limits.invalidationAcknowledgementWaitMs);
  return changed;
}

export async function insertConnectorAccount(db: Db, scope: Scope, account: NewConnectorAccount, credentialsKey: Buffer): Promise<ConnectorAccountRow> {
  const inserted = await changingAccounts(db, scope, () => insertAccountRow(db, scope, account, credentialsKey));
  if (!inserted) throw new Error('connector account insert answered no row');
  return inserted;
}

async function insertAccountRow(db: Db, scope: Scope, account: NewConnectorAccount, credentialsKey: Buffer): Promise<ConnectorAccountRow> {
  return db
    .insertInto('connector_accounts')
    .values({
      id: account.id,
      merchant_id: scope.merchantId,
      mode: scope.mode,
      connector: account.connector,
      enabled: account.enabled,
      priority: account.priority,
      base_url: account.baseUrl,
      credentials_encrypted: seal(JSON.stringify(account.credentials), credentialsKey, account.id),
      created_at: account.now,
      updated_at: account.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Opened accounts of the rows the cache holds, so a payment does not decrypt
 * its account again: kept only as long as the row itself is (a change drops
 * the row, and with it this). The process holds the key that opens them anyway.
 */
const openedRows = new WeakMap<ConnectorAccountRow, { credentialsKey: Buffer; account: ConnectorAccount }>();

export function openConnectorAccount(row: ConnectorAccountRow, credentialsKey: Buffer): ConnectorAccount {
  const opened = openedRows.get(row);
  if (opened && opened.credentialsKey === credentialsKey) return opened.account;
  const account: ConnectorAccount = Object.freeze({
    id: row.id,
    connector: row.connector as ConnectorName,
    mode: row.mode,
    baseUrl: row.base_url,
    credentials: Object.freeze(JSON.parse(unseal(row.credentials_encrypted, credentialsKey, row.id)) as Record<string, string>),
  });
  openedRows.set(row, { credentialsKey, account });
  return account;
}

/** Enabled accounts for one connector, the most preferred first. */
export async function findEnabledAccounts(db: Db, scope: Scope, connector: ConnectorName): Promise<ConnectorAccountRow[]> {
  return (await enabledAccounts(db, scope)).filter((row) => row.connector === connector);
}

export async function findConnectorAccountById(db: Db, merchantId: string, id: string): Promise<ConnectorAccountRow | undefined> {
  return db.selectFrom('connector_accounts').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
}

/**
 * By id alone, for the two callers that know nothing but the account: a
 * provider's notification (the account id in its URL, /v1/notify/:account,
 * and in the stored notification) and the operator's reconcile command. The
 * account then tells the merchant; everything else names it (above).
 */
export async function findConnectorAccountOfAnyMerchant(db: Db, id: string): Promise<ConnectorAccountRow | undefined> {
  return db.selectFrom('connector_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The payment method types a merchant can take now: one per connector with an enabled account. */
export async function enabledPaymentMethodTypes(db: Db, scope: Scope): Promise<string[]> {
  const rows = await enabledAccounts(db, scope);
  return [...new Set(rows.map((row) => row.connector))].sort();
}

export async function listConnectorAccounts(db: Db, scope: Scope, limit: number): Promise<ConnectorAccountRow[]> {
  return db
    .selectFrom('connector_accounts')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export interface ConnectorAccountChange {
  enabled?: boolean;
  priority?: number;
  baseUrl?: string;
  credentials?: Record<string, string>;
  now: Date;
}

/** Changes what was given; credentials are replaced whole and sealed again. */
export async function updateConnectorAccount(
  db: Db,
  scope: Scope,
  id: string,
  change: ConnectorAccountChange,
  credentialsKey: Buffer,
): Promise<ConnectorAccountRow | undefined> {
  return changingAccounts(db, scope, () => updateAccountRow(db, scope, id, change, credentialsKey));
}

async function updateAccountRow(
  db: Db,
  scope: Scope,
  id: string,
  change: ConnectorAccountChange,
  credentialsKey: Buffer,
): Promise<ConnectorAccountRow | undefined> {
  return db
    .updateTable('connector_accounts')
    .set({
      ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
      ...(change.priority === undefined ? {} : { priority: change.priority }),
      ...(change.baseUrl === undefined ? {} : { base_url: change.baseUrl }),
      ...(change.credentials === undefined ? {} : { credentials_encrypted: seal(JSON.stringify(change.credentials), credentialsKey, id) }),
      updated_at: change.now,
    })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .returningAll()
    .executeTakeFirst();
}
