/**
 * What the payer's pages need: the merchant's publishable key kept sealed
 * (it is public by design, but the checkout page must be able to hand it to
 * the browser), the payer's satisfaction rating, the order's fulfilment steps
 * and the payer's after-sales requests.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_keys add column key_sealed bytea;

    create table payment_feedback (
      payment_id text primary key references payments (id),
      merchant_id text not null,
      rating integer not null check (rating between 1 and 5),
      comment text check (length(comment) <= 500),
      created_at timestamptz not null
    );

    create table fulfillment_events (
      id text primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      type text not null check (type in ('shipped', 'delivered')),
      carrier text,
      tracking_number text,
      note text,
      created_at timestamptz not null
    );
    create index fulfillment_events_by_payment on fulfillment_events (payment_id, id);

    create table after_sales_requests (
      id text primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      mode text not null,
      kind text not null check (kind in ('refund', 'exchange', 'repair')),
      reason text not null check (length(reason) between 1 and 500),
      amount bigint check (amount > 0),
      status text not null check (status in ('pending', 'approved', 'rejected')),
      merchant_note text,
      refund_id text references refunds (id),
      created_at timestamptz not null,
      decided_at timestamptz
    );
    create index after_sales_requests_by_merchant on after_sales_requests (merchant_id, mode, id desc);
    create index after_sales_requests_by_payment on after_sales_requests (payment_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists after_sales_requests, fulfillment_events, payment_feedback;
    alter table api_keys drop column if exists key_sealed;
  `.execute(db);
}
