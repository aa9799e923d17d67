/**
 * Everything a confirm's risk check reads, in one statement: the history the
 * signals are computed from (velocity over the merchant's recent decisions by
 * customer, card fingerprint, device and address; declines in a row; the
 * customer's age and usual amount; the merchant's usual amount; blocklist
 * matches), the merchant's enabled rules in order, and its model.
 *
 * Each part is bounded: decisions of the last 24 hours reached through the
 * partial indexes of migration 0035, the newest 50 (customer) or 200
 * (merchant) succeeded payments for the usual amounts, and the blocklist by
 * its unique key.
 */
import { sql } from 'kysely';
import type { RiskHistory, Velocity } from '../domain/risk/signals.ts';
import type { Db } from './database.ts';
import type { RiskAction } from './schema.ts';
import type { Scope } from './scope.ts';

export interface RiskKeys {
  paymentId: string;
  customerId: string | null;
  cardFingerprint: string | null;
  deviceId: string | null;
  addressKey: string | null;
  email: string | null;
  phone: string | null;
  currency: string;
}

export interface StoredRule {
  id: string;
  name: string;
  expression: string;
  action: RiskAction;
}

export interface RiskReading {
  history: RiskHistory;
  rules: StoredRule[];
  model: unknown;
  hasBlocklist: boolean;
  /** The payment's review, if it was ever held for one: a payment held once stays held. */
  reviewStatus: 'pending' | 'approved' | 'rejected' | null;
}

const hourMs = 3_600_000;

interface Row {
  c_1h: string; c_amount_1h: string; c_24h: string; c_amount_24h: string; c_cards: string;
  f_1h: string; f_amount_1h: string; f_24h: string; f_amount_24h: string; f_customers: string;
  a_1h: string; a_amount_1h: string; a_24h: string; a_amount_24h: string;
  d_1h: string; d_amount_1h: string; d_24h: string; d_amount_24h: string;
  declines_in_row: string;
  customer_created_at: Date | null;
  customer_succeeded: string;
  customer_usual: string | null;
  merchant_usual: string | null;
  blocklisted: string[] | null;
  has_blocklist: boolean;
  time_zone: string | null;
  rules: StoredRule[] | null;
  model: unknown;
  review_status: 'pending' | 'approved' | 'rejected' | null;
}

export async function readRiskContext(db: Db, scope: Scope, keys: RiskKeys, at: Date): Promise<RiskReading> {
  const since24h = new Date(at.getTime() - 24 * hourMs);
  const since1h = new Date(at.getTime() - hourMs);
  // Every key is cast: a null parameter has no type Postgres could infer.
  const text = (value: string | null) => sql`${value}::text`;
  const [c, f, d, a, cur] = [keys.customerId, keys.cardFingerprint, keys.deviceId, keys.addressKey, keys.currency].map(text) as [
    ReturnType<typeof text>, ReturnType<typeof text>, ReturnType<typeof text>, ReturnType<typeof text>, ReturnType<typeof text>,
  ];
  const velocity = (column: string, key: ReturnType<typeof text>, prefix: string) => sql`
    count(*) filter (where ${sql.ref(column)} = ${key} and created_at > ${since1h}) as ${sql.raw(`${prefix}_1h`)},
    coalesce(sum(amount) filter (where ${sql.ref(column)} = ${key} and created_at > ${since1h} and currency = ${cur}), 0) as ${sql.raw(`${prefix}_amount_1h`)},
    count(*) filter (where ${sql.ref(column)} = ${key}) as ${sql.raw(`${prefix}_24h`)},
    coalesce(sum(amount) filter (where ${sql.ref(column)} = ${key} and currency = ${cur}), 0) as ${sql.raw(`${prefix}_amount_24h`)}`;
  // Nothing past \`setup\` is read for a merchant with no rules, blocklist, model or review: every
  // heavier part is behind \`active\` (PostgreSQL runs a CASE branch's subquery only when it is taken).
  const result = await sql<Row>`
    with setup as (
      select
        (select json_agg(json_build_object('id', id, 'name', name, 'expression', expression, 'action', action) order by position, id)
          from risk_rules where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and enabled) as rules,
        exists (select 1 from risk_blocklist_entries where merchant_id = ${scope.merchantId} and mode = ${scope.mode}) as has_blocklist,
        (select model from risk_models where merchant_id = ${scope.merchantId} and mode = ${scope.mode}) as model,
        (select status from risk_reviews where payment_id = ${keys.paymentId}) as review_status
    ),
    active as (
      select (rules is not null or has_blocklist or model is not null or review_status is not null) as is_on from setup
    ),
    recent as (
      select distinct on (payment_id) payment_id, customer_id, card_fingerprint, device_id, address_key, amount, currency, created_at
      from risk_decisions
      where (select is_on from active) and merchant_id = ${scope.merchantId} and mode = ${scope.mode} and created_at > ${since24h} and payment_id <> ${keys.paymentId}
        and (customer_id = ${c} or card_fingerprint = ${f} or device_id = ${d} or address_key = ${a})
      order by payment_id, created_at desc
    ),
    attempts as (
      select a.status, a.decline_code, a.started_at
      from payment_attempts a join recent r on r.payment_id = a.payment_id
      where a.operation = 'authorize' and (r.customer_id = ${c} or r.card_fingerprint = ${f})
    ),
    velocity as (
      select ${velocity('customer_id', c, 'c')},
        count(distinct card_fingerprint) filter (where customer_id = ${c} and card_fingerprint is distinct from ${f}) as c_cards,
        ${velocity('card_fingerprint', f, 'f')},
        count(distinct customer_id) filter (where card_fingerprint = ${f} and customer_id is distinct from ${c}) as f_customers,
        ${velocity('address_key', a, 'a')},
        ${velocity('device_id', d, 'd')}
      from recent
    ),
    customer as (
      select created_at, email, phone from customers where id = ${c} and merchant_id = ${scope.merchantId} and mode = ${scope.mode}
    )
    select velocity.*, setup.rules, setup.has_blocklist, setup.model, setup.review_status,
      case when active.is_on then (select count(*) from attempts
        where status = 'failed' and decline_code is not null
          and started_at > coalesce((select max(started_at) from attempts where status = 'succeeded'), '-infinity')) end as declines_in_row,
      case when active.is_on then (select created_at from customer) end as customer_created_at,
      case when active.is_on then (select count(*) from (select 1 from payments where customer_id = ${c} and status = 'succeeded' limit 1000) p) end as customer_succeeded,
      case when active.is_on then (select avg(amount) from (select amount from payments where customer_id = ${c} and status = 'succeeded' and currency = ${cur}
                                order by id desc limit 50) p) end as customer_usual,
      case when active.is_on then (select avg(amount) from (select amount from payments where merchant_id = ${scope.merchantId} and mode = ${scope.mode}
                                and status = 'succeeded' and currency = ${cur} order by id desc limit 200) p) end as merchant_usual,
      case when setup.has_blocklist then (select array_agg(distinct kind) from risk_blocklist_entries
        where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and (
          (kind = 'card_fingerprint' and value = ${f}) or (kind = 'device' and value = ${d}) or (kind = 'address' and value = ${a})
          or (kind = 'customer' and value = ${c})
          or (kind = 'email' and value in (lower(${text(keys.email)}), (select lower(email) from customer)))
          or (kind = 'phone' and value in (${text(keys.phone)}, (select regexp_replace(phone, '[^0-9+]', '', 'g') from customer))))) end as blocklisted,
      case when active.is_on then (select time_zone from merchants where id = ${scope.merchantId}) end as time_zone
    from velocity, setup, active
  `.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('the risk reading answers one row');
  const n = (value: string | null) => (value === null ? 0 : Math.round(Number(value)));
  const v = (prefix: 'c' | 'f' | 'a' | 'd'): Velocity => ({
    payments1h: n(row[`${prefix}_1h`]),
    amount1h: n(row[`${prefix}_amount_1h`]),
    payments24h: n(row[`${prefix}_24h`]),
    amount24h: n(row[`${prefix}_amount_24h`]),
  });
  return {
    history: {
      customer: { ...v('c'), cards24h: keys.customerId === null ? 0 : n(row.c_cards) + (keys.cardFingerprint === null ? 0 : 1) },
      card: { ...v('f'), customers24h: keys.cardFingerprint === null ? 0 : n(row.f_customers) + (keys.customerId === null ? 0 : 1) },
      address: v('a'),
      device: v('d'),
      declinesInRow: n(row.declines_in_row),
      customerCreatedAt: row.customer_created_at,
      customerSucceededPayments: n(row.customer_succeeded),
      customerUsualAmount: row.customer_usual === null ? null : Number(row.customer_usual),
      merchantUsualAmount: row.merchant_usual === null ? null : Number(row.merchant_usual),
      blocklistedKinds: row.blocklisted ?? [],
      merchantTimeZone: row.time_zone ?? 'UTC',
    },
    rules: row.rules ?? [],
    model: row.model,
    hasBlocklist: row.has_blocklist,
    reviewStatus: row.review_status,
  };
}
