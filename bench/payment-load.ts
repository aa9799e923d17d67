/**
 * A million payments in a few minutes: payments, their authorize attempts
 * and refunds inserted by SQL in batches, through the same triggers that
 * keep the analytics rollups in production. Shared by the analytics bench
 * and the console bench.
 */
import { sql } from 'kysely';
import type { Db } from '../src/store/database.ts';

export interface PaymentBatch {
  /** The batch's first and last payment numbers (inclusive) out of `paymentsTotal`, spread evenly over [start, end). */
  first: number;
  last: number;
  paymentsTotal: number;
  start: Date;
  end: Date;
  merchantId: string;
  /** Three connector accounts: two card, one alipay. */
  accounts: string[];
}

/**
 * One statement per batch: the payments, their attempts (a failed one before
 * some successes, none for payments never confirmed) and refunds, so every
 * statement-level trigger sees a realistic mix at once.
 */
export async function loadPaymentBatch(db: Db, batch: PaymentBatch): Promise<void> {
  const { first, last, paymentsTotal, start, end, merchantId, accounts } = batch;
  const spanMs = end.getTime() - start.getTime();
  await sql`
    with drawn as (
      select g, random() as r, random() as r2, random() as r3,
             ${start}::timestamptz + (g::float8 / ${paymentsTotal}::float8) * ${spanMs}::float8 * interval '1 millisecond' as created_at
        from generate_series(${first}::int, ${last}::int) g
    ),
    shaped as (
      select 'pay_bench' || lpad(g::text, 9, '0') || ${merchantId} as id, created_at, r2, r3,
             case when r < 0.05 then 'requires_payment_method' when r < 0.17 then 'requires_payment_method'
                  when r < 0.27 then 'canceled' else 'succeeded' end as status,
             r >= 0.05 and not (r >= 0.17 and r < 0.27 and r2 < 0.5) as attempted,
             case when r3 < 0.7 then 'CNY' when r3 < 0.9 then 'USD' else 'HKD' end as currency,
             (100 + floor(r2 * 100000))::bigint as amount,
             case when r2 < 0.6 then 'abandoned' when r2 < 0.8 then 'requested_by_customer' when r2 < 0.9 then 'duplicate' else 'other' end as reason
        from drawn
    ),
    inserted as (
      insert into payments (id, merchant_id, mode, status, amount, currency, amount_received, capture_method, payment_method_types,
                            client_secret, cancellation_reason, canceled_at, expires_at, created_at, updated_at)
      select id, ${merchantId}, 'test', status, amount, currency, case when status = 'succeeded' then amount else 0 end, 'automatic',
             '{card,alipay}', 'cs_bench', case when status = 'canceled' then reason end, case when status = 'canceled' then created_at end,
             created_at + interval '30 minutes', created_at, created_at
        from shaped
    ),
    -- As the payment's creation does (migration 0047): the expiry sweep finds an open payment through its watch row.
    watched as (
      insert into payment_expiry_watch (payment_id, merchant_id, expires_at)
      select id, ${merchantId}, created_at + interval '30 minutes' from shaped where status not in ('succeeded', 'canceled')
    ),
    attempts as (
      insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id, payment_method_type, status, amount,
                                    provider_idempotency_key, error_code, decline_code, tries, latency_ms, started_at, completed_at)
      select 'att' || substr(s.id, 4) || '_' || n, s.id, ${merchantId}, 'authorize', method, account, method,
             case when n = 2 or s.status = 'succeeded' and n = 1 and not retried then 'succeeded' else 'failed' end,
             s.amount, 'k' || s.id || n,
             case when n = 2 or s.status = 'succeeded' and not retried then null else 'card_declined' end,
             case when n = 2 or s.status = 'succeeded' and not retried then null
                  else (array['insufficient_funds', 'generic_decline', 'lost_card', 'expired_card'])[1 + floor(random() * 4)::int] end,
             1, (20 + floor(power(random(), 3) * 2000))::int, s.created_at, s.created_at + interval '1 second'
        from (select shaped.*, shaped.status = 'succeeded' and shaped.r3 < 0.2 as retried,
                     case when shaped.r2 < 0.15 then 'alipay' else 'card' end as method,
                     case when shaped.r2 < 0.15 then ${accounts[2]!} when shaped.r3 < 0.5 then ${accounts[0]!} else ${accounts[1]!} end as account
                from shaped where shaped.attempted) s
        cross join lateral generate_series(1, case when s.retried then 2 else 1 end) n
    )
    insert into refunds (id, payment_id, merchant_id, mode, amount, currency, status, reason, provider_idempotency_key, created_at, updated_at)
    select 're' || substr(s.id, 4), s.id, ${merchantId}, 'test', s.amount, s.currency, 'succeeded', 'requested_by_customer', 'rk' || s.id,
           s.created_at + interval '1 day', s.created_at + interval '1 day'
      from shaped s
     where s.status = 'succeeded' and s.r2 > 0.95`.execute(db);
}
