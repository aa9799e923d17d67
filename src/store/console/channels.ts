/**
 * What the Channels page reads besides the analytics rollups: failed
 * authorize attempts per channel, code and bucket (the rollups count decline
 * codes per merchant only), and the merchant's accounts with their open
 * circuit incidents.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';

export interface ChannelDeclineRow {
  bucket_start: Date;
  payment_method_type: string;
  connector_account_id: string | null;
  code: string;
  attempts: number;
}

/**
 * Failed authorize attempts of the payments created in [from, to), as the
 * summary counts them, per UTC hour or day of the payment's creation.
 */
export async function channelDeclines(db: Db, scope: Scope, range: { from: Date; to: Date }, unit: 'hour' | 'day', currency: string | null): Promise<ChannelDeclineRow[]> {
  const result = await sql<ChannelDeclineRow>`
    select date_trunc(${unit}, p.created_at at time zone 'UTC') at time zone 'UTC' as bucket_start,
           a.payment_method_type, a.connector_account_id, analytics_decline_code(a) as code, count(*)::int as attempts
      from payments p join payment_attempts a on a.payment_id = p.id
     where p.merchant_id = ${scope.merchantId} and p.mode = ${scope.mode}
       and p.created_at >= ${range.from}::timestamptz and p.created_at < ${range.to}::timestamptz
       and (${currency}::text is null or p.currency = ${currency})
       and a.operation = 'authorize' and a.status = 'failed'
     group by 1, 2, 3, 4`.execute(db);
  return result.rows;
}

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
