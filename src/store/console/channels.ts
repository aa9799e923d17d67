/**
 * What the Channels page reads besides the analytics rollups (decline codes
 * per channel are among those: readChannelDeclines in ../analytics.ts): the
 * merchant's accounts with their open circuit incidents.
 */
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';

export async function accountsWithIncidents(db: Db, scope: Scope) {
  return db
    .selectFrom('connector_accounts')
    .leftJoin('connector_incidents as incidents', (join) =>
      join.onRef('incidents.connector_account_id', '=', 'connector_accounts.id').on('incidents.kind', '=', 'circuit_open').on('incidents.ended_at', 'is', null),
    )
    .select([
      'connector_accounts.id',
      'connector_accounts.connector',
      'connector_accounts.mode',
      'connector_accounts.enabled',
      'connector_accounts.priority',
      'connector_accounts.base_url',
      'connector_accounts.created_at',
      'connector_accounts.updated_at',
      'incidents.id as incident_id',
      'incidents.started_at as incident_started_at',
    ])
    .where('connector_accounts.merchant_id', '=', scope.merchantId)
    .where('connector_accounts.mode', '=', scope.mode)
    .orderBy('connector_accounts.connector')
    .orderBy('connector_accounts.priority', 'desc')
    .orderBy('connector_accounts.id')
    .execute();
}
