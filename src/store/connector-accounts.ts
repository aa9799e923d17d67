/**
 * A merchant's accounts at payment providers. Credentials are sealed with
 * AES-256-GCM (bound to the account id) and only opened for a provider call.
 */
import type { ConnectorAccount, ConnectorName } from '../connectors/connector.ts';
import { seal, unseal } from '../domain/secrets.ts';
import type { Db } from './database.ts';
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

export async function insertConnectorAccount(db: Db, scope: Scope, account: NewConnectorAccount, credentialsKey: Buffer): Promise<ConnectorAccountRow> {
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

export function openConnectorAccount(row: ConnectorAccountRow, credentialsKey: Buffer): ConnectorAccount {
  return {
    id: row.id,
    connector: row.connector as ConnectorName,
    mode: row.mode,
    baseUrl: row.base_url,
    credentials: JSON.parse(unseal(row.credentials_encrypted, credentialsKey, row.id)) as Record<string, string>,
  };
}

/** Enabled accounts for one connector, the most preferred first. */
export async function findEnabledAccounts(db: Db, scope: Scope, connector: ConnectorName): Promise<ConnectorAccountRow[]> {
  return db
    .selectFrom('connector_accounts')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('connector', '=', connector)
    .where('enabled', '=', true)
    .orderBy('priority', 'desc')
    .orderBy('id', 'asc')
    .execute();
}

export async function findConnectorAccountById(db: Db, id: string): Promise<ConnectorAccountRow | undefined> {
  return db.selectFrom('connector_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The payment method types a merchant can take now: one per connector with an enabled account. */
export async function enabledPaymentMethodTypes(db: Db, scope: Scope): Promise<string[]> {
  const rows = await db
    .selectFrom('connector_accounts')
    .select('connector')
    .distinct()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('enabled', '=', true)
    .execute();
  return rows.map((row) => row.connector).sort();
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
