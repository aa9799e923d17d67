/**
 * The counts the experience KPIs are made of (src/domain/insight/experience.ts):
 * customers who purchased in a period and the one before, revenue per
 * currency, and time to pay per method and device. A purchase is a payment
 * (purpose `payment`, not a wallet top-up) with a customer, succeeded,
 * counted by its creation time.
 */
import { sql } from 'kysely';
import type { CustomerCounts, RevenueCount, TimeToPayGroup } from '../domain/insight/experience.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export interface ExperienceRange {
  previousFrom: Date;
  from: Date;
  to: Date;
}

export async function customerCounts(db: Db, scope: Scope, range: ExperienceRange): Promise<CustomerCounts> {
  const result = await sql<{ paying_previous: number; paying_current: number; churned: number; repeat_customers: number }>`
    with per_customer as (
      select customer_id,
             count(*) filter (where created_at < ${range.from}) as previous,
             count(*) filter (where created_at >= ${range.from}) as current
        from payments
       where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and purpose = 'payment' and status = 'succeeded'
         and customer_id is not null and created_at >= ${range.previousFrom} and created_at < ${range.to}
       group by customer_id
    )
    select count(*) filter (where previous > 0)::int as paying_previous,
           count(*) filter (where current > 0)::int as paying_current,
           count(*) filter (where previous > 0 and current = 0)::int as churned,
           count(*) filter (where current >= 2)::int as repeat_customers
      from per_customer
  `.execute(db);
  const row = result.rows[0];
  return { payingPrevious: row?.paying_previous ?? 0, payingCurrent: row?.paying_current ?? 0, churned: row?.churned ?? 0, repeatCustomers: row?.repeat_customers ?? 0 };
}

export async function revenueCounts(db: Db, scope: Scope, range: ExperienceRange): Promise<RevenueCount[]> {
  const result = await sql<{ currency: string; purchases: number; customers: number; revenue: string }>`
    select currency, count(*)::int as purchases, count(distinct customer_id)::int as customers, sum(amount_received)::text as revenue
      from payments
     where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and purpose = 'payment' and status = 'succeeded'
       and customer_id is not null and created_at >= ${range.from} and created_at < ${range.to}
     group by currency
  `.execute(db);
  return result.rows.map((row) => ({ currency: row.currency, purchases: row.purchases, customers: row.customers, revenue: BigInt(row.revenue) }));
}

/**
 * Per method, per device class and overall: payments created in the range
 * that succeeded after their checkout was first viewed, and the sum of the
 * milliseconds between the two (the device is the first view's).
 */
export async function timeToPayGroups(db: Db, scope: Scope, range: ExperienceRange): Promise<TimeToPayGroup[]> {
  const result = await sql<{ method_grouped: number; device_grouped: number; method: string; device: string; payments: number; total_ms: string }>`
    with timed as (
      select coalesce(p.payment_method ->> 'type', 'unknown') as method, coalesce(v.device_class, 'unknown') as device,
             greatest(0, floor(extract(epoch from (s.created_at - v.created_at)) * 1000))::bigint as ms
        from payments p
        join lateral (select f.created_at, f.device_class from funnel_events f
                       where f.payment_id = p.id and f.type = 'checkout_viewed' order by f.id limit 1) v on true
        join lateral (select e.created_at from payment_events e
                       where e.payment_id = p.id and e.to_status = 'succeeded' order by e.id limit 1) s on true
       where p.merchant_id = ${scope.merchantId} and p.mode = ${scope.mode} and p.purpose = 'payment'
         and p.created_at >= ${range.from} and p.created_at < ${range.to}
    )
    select grouping(method)::int as method_grouped, grouping(device)::int as device_grouped, method, device,
           count(*)::int as payments, sum(ms)::text as total_ms
      from timed
     group by grouping sets ((method), (device), ())
  `.execute(db);
  return result.rows.map((row) => ({
    dimension: row.method_grouped === 0 ? 'method' : row.device_grouped === 0 ? 'device' : 'all',
    key: row.method_grouped === 0 ? row.method : row.device_grouped === 0 ? row.device : null,
    payments: row.payments,
    totalMs: BigInt(row.total_ms ?? '0'),
  }));
}
