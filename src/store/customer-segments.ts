/**
 * What customer segmentation reads: one aggregate row per customer over the
 * merchant's payments in a range and their authorization attempts, in a
 * single statement. Payments are found by merchant, mode and range
 * (`payments_by_merchant_created`, migration 0012; `payments_by_merchant`
 * without it) and their attempts; the payments' and the attempts' figures
 * are grouped by customer in one pass, never joined per customer (a subquery
 * per customer, then a join the planner made a nested loop, made the read
 * grow with the square of the customers).
 *
 * Wallet top-ups are left out: moving money into one's own wallet is not a
 * purchase, and would make every wallet user look like a big spender.
 */
import { sql } from 'kysely';
import type { CustomerActivity } from '../domain/insight/customer-segments.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export interface ActivityQuery {
  from: Date;
  to: Date;
  currency: string | null;
  paymentsPerCustomerMin: number;
  /** At most this many customers are answered: the most active ones (most payments, then by id). */
  customersMax: number;
}

export interface ActivityPage {
  customers: CustomerActivity[];
  /** How many customers met the minimum in the range, before `customersMax` was applied. */
  customersTotal: number;
}

interface ActivityRow {
  customer_id: string;
  payments: string;
  canceled: string;
  abandoned: string;
  attempts: string;
  currencies: Record<string, { payments: number; amount_sum: string }>;
  methods: Record<string, number> | null;
  customers_total: string;
}

export async function customerActivity(db: Db, scope: Scope, query: ActivityQuery): Promise<ActivityPage> {
  const currencyFilter = query.currency === null ? sql`` : sql`and p.currency = ${query.currency}`;
  const result = await sql<ActivityRow>`
    with ranged as (
      select p.id, p.customer_id, p.currency, p.amount, p.status, p.cancellation_reason
        from payments p
       where p.merchant_id = ${scope.merchantId} and p.mode = ${scope.mode}
         and p.created_at >= ${query.from} and p.created_at < ${query.to}
         and p.customer_id is not null and p.purpose = 'payment'
         ${currencyFilter}
    ),
    per_currency as (
      select customer_id, currency, count(*)::int as payments, sum(amount)::text as amount_sum,
             count(*) filter (where status = 'canceled' and cancellation_reason is distinct from 'abandoned') as canceled,
             count(*) filter (where status = 'canceled' and cancellation_reason = 'abandoned') as abandoned
        from ranged group by customer_id, currency
    ),
    per_method as (
      -- Each payment's attempts by index (\`offset 0\` keeps the subquery apart): the planner, thinking few of the
      -- range's payments have a customer, otherwise hashed every attempt of every merchant to join a few of them.
      select r.customer_id, a.payment_method_type, count(*)::int as attempts
        from ranged r
        cross join lateral (
          select x.payment_method_type from payment_attempts x where x.payment_id = r.id and x.operation = 'authorize' offset 0
        ) a
       group by r.customer_id, a.payment_method_type
    ),
    -- Both kinds of row grouped by customer in one pass: a join of the two aggregates let the planner, which cannot
    -- estimate how many customers they hold, pick a nested loop over them (450 million comparisons at 30 000 customers).
    both_kinds as (
      select customer_id, currency, payments, amount_sum, canceled, abandoned, null::text as method, 0 as attempts from per_currency
      union all
      select customer_id, null, 0, null, 0, 0, payment_method_type, attempts from per_method
    ),
    customers as (
      select customer_id, sum(payments) as payments, sum(canceled) as canceled, sum(abandoned) as abandoned,
             jsonb_object_agg(currency, jsonb_build_object('payments', payments, 'amount_sum', amount_sum)) filter (where currency is not null) as currencies,
             sum(attempts) as attempts,
             jsonb_object_agg(method, attempts) filter (where method is not null) as methods,
             count(*) over () as customers_total
        from both_kinds
       group by customer_id
      having sum(payments) >= ${query.paymentsPerCustomerMin}
       order by sum(payments) desc, customer_id
       limit ${query.customersMax}
    )
    select customer_id, payments::text, canceled::text, abandoned::text, currencies, customers_total::text, attempts::text, methods
      from customers
     order by customers.payments desc, customers.customer_id
  `.execute(db);
  const rows = result.rows;
  return {
    customersTotal: rows.length === 0 ? 0 : Number(rows[0]?.customers_total ?? 0),
    customers: rows.map((row) => ({
      customerId: row.customer_id,
      payments: Number(row.payments),
      canceled: Number(row.canceled),
      abandoned: Number(row.abandoned),
      attempts: Number(row.attempts),
      amountsByCurrency: Object.fromEntries(
        Object.entries(row.currencies).map(([currency, entry]) => [currency, { payments: entry.payments, amountSum: BigInt(entry.amount_sum) }]),
      ),
      attemptsByMethod: row.methods ?? {},
    })),
  };
}
