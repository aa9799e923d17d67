/**
 * Heavy work next to payments: a merchant with many customers, loaded
 * straight through SQL (a few thousand customers with 2–6 payments each in the
 * last 30 days, their authorize attempts, statuses, cancellation reasons and
 * amounts drawn per customer so that k-means has shapes to find), and
 * `GET /v1/analytics/customer_segments` on it sent while payments run at a
 * fixed offered rate. The API's longest event-loop delay over that window
 * says whether the request blocks everyone else's payments.
 *
 * The rows go through the same triggers as production's (the rollups), a
 * thousand customers per statement.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/store/database.ts';

export interface SegmentsLoad {
  customers: number;
  payments: number;
  attempts: number;
  tookMs: number;
}

/** Customers per statement: each statement stays well inside the pool's statement timeout on a busy machine. */
const customersPerStatement = 1_000;

/** Fills the merchant (in test mode, with a card account already) with `customers` customers and their payments. */
export async function loadSegmentCustomers(admin: DatabaseHandle, merchantId: string, customers: number): Promise<SegmentsLoad> {
  const startedMs = performance.now();
  let payments = 0;
  let attempts = 0;
  for (let first = 1; first <= customers; first += customersPerStatement) {
    const last = Math.min(customers, first + customersPerStatement - 1);
    const counts = await loadBatch(admin, merchantId, first, last);
    payments += counts.payments;
    attempts += counts.attempts;
  }
  await sql`analyze customers, payments, payment_attempts`.execute(admin.db);
  return { customers, payments, attempts, tookMs: performance.now() - startedMs };
}

async function loadBatch(admin: DatabaseHandle, merchantId: string, first: number, last: number): Promise<{ payments: number; attempts: number }> {
  await sql`
    insert into customers (id, merchant_id, mode, created_at)
    select 'cus_bench_' || ${merchantId} || '_' || g, ${merchantId}, 'test', now() - interval '60 days'
      from generate_series(${first}::int, ${last}::int) g`.execute(admin.db);
  // Each customer gets its own leanings (h1…h3 from its id), each payment its own draw (r, r2) around them.
  const result = await sql<{ payments: string; attempts: string }>`
    with shaped_customers as (
      select id as customer_id,
             (abs(hashtext(id)) % 1000) / 1000.0 as h1,
             (abs(hashtext(id || 'b')) % 1000) / 1000.0 as h2,
             (abs(hashtext(id || 'c')) % 1000) / 1000.0 as h3
        from (select 'cus_bench_' || ${merchantId} || '_' || g as id from generate_series(${first}::int, ${last}::int) g) ids
    ),
    drawn as (
      select c.*, n, random() as r, random() as r2, now() - random() * interval '30 days' as created_at
        from shaped_customers c cross join lateral generate_series(1, 2 + (abs(hashtext(c.customer_id)) % 5)) n
    ),
    shaped as (
      select 'pay_' || substr(md5(customer_id || '/' || n), 1, 24) as id, customer_id, created_at, r2,
             case when r < 0.15 * h1 then 'requires_payment_method' when r < 0.5 * h1 then 'canceled' else 'succeeded' end as status,
             case when r2 < h2 then 'abandoned' else 'requested_by_customer' end as reason,
             (100 + floor(power(h3, 3) * 200000 * (0.5 + r2)))::bigint as amount,
             r2 < 0.3 * h2 as retried
        from drawn
    ),
    inserted as (
      insert into payments (id, merchant_id, mode, status, amount, currency, amount_received, capture_method, payment_method_types,
                            customer_id, client_secret, cancellation_reason, canceled_at, expires_at, created_at, updated_at)
      select id, ${merchantId}, 'test', status, amount, 'CNY', case when status = 'succeeded' then amount else 0 end, 'automatic',
             '{card}', customer_id, 'cs_bench', case when status = 'canceled' then reason end, case when status = 'canceled' then created_at end,
             created_at + interval '30 minutes', created_at, created_at
        from shaped
      returning id
    ),
    -- As the payment's creation does (migration 0047): the expiry sweep finds an open payment through its watch row.
    watched as (
      insert into payment_expiry_watch (payment_id, merchant_id, expires_at)
      select id, ${merchantId}, created_at + interval '30 minutes' from shaped where status not in ('succeeded', 'canceled')
    ),
    attempts as (
      insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id, payment_method_type, status, amount,
                                    provider_idempotency_key, error_code, decline_code, tries, latency_ms, started_at, completed_at)
      select 'att_' || substr(s.id, 5) || '_' || k, s.id, ${merchantId}, 'authorize', 'card',
             (select id from connector_accounts where merchant_id = ${merchantId} and mode = 'test' order by id limit 1), 'card',
             case when s.status = 'succeeded' and k = (case when s.retried then 2 else 1 end) then 'succeeded' else 'failed' end,
             s.amount, 'k' || s.id || k,
             case when s.status = 'succeeded' and k = (case when s.retried then 2 else 1 end) then null else 'card_declined' end,
             case when s.status = 'succeeded' and k = (case when s.retried then 2 else 1 end) then null else 'generic_decline' end,
             1, (20 + floor(power(s.r2, 3) * 1000))::int, s.created_at, s.created_at + interval '1 second'
        from shaped s cross join lateral generate_series(1, case when s.retried then 2 else 1 end) k
       where s.status <> 'requires_payment_method'
      returning id
    )
    select (select count(*) from inserted) as payments, (select count(*) from attempts) as attempts`.execute(admin.db);
  return { payments: Number(result.rows[0]?.payments ?? 0), attempts: Number(result.rows[0]?.attempts ?? 0) };
}

/** The request the bench sends: the default 90-day range, which holds every loaded payment. */
export const segmentsPath = '/v1/analytics/customer_segments';
