/**
 * Two things the worker needs to keep every payment moving.
 *
 * `payment_expiry_retries`: an expired payment whose order could not be
 * closed at its provider (the provider cannot be reached) gets a next try
 * time with backoff, and the expiry sweep orders by it, so a batch of such
 * payments never keeps the others from expiring (they used to stay the oldest
 * and be taken first in every round).
 *
 * `poll_order` jobs: when an attempt at Alipay, WeChat Pay or UnionPay starts
 * waiting for the payer (a QR code or a redirect shown), a job is queued to
 * ask the provider within seconds; the job queues its own next run with
 * backoff while the payer is still waiting. When something asks for the next
 * status query to come sooner than planned (a notification that failed
 * verification, an account that answers again), the job is brought forward to
 * now. The job key makes every request for one attempt one job. The
 * once-a-minute sweep stays as the safety net.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table payment_expiry_retries (
      payment_id text primary key references payments (id) on delete cascade,
      tries integer not null check (tries > 0),
      next_try_at timestamptz not null
    );

    create function payment_attempts_poll_order() returns trigger language plpgsql as $$
    begin
      perform graphile_worker.add_job(
        'poll_order',
        json_build_object('attempt', new.id),
        run_at => now() + case when new.status = 'requires_action' and (tg_op = 'INSERT' or old.status is distinct from 'requires_action')
                               then interval '5 seconds' else interval '0 seconds' end,
        max_attempts => 3,
        job_key => 'poll_order:' || new.id
      );
      return null;
    end $$;

    create trigger payment_attempts_poll_order_inserted after insert on payment_attempts
      for each row when (new.status = 'requires_action' and new.connector in ('alipay', 'wechat_pay', 'unionpay'))
      execute function payment_attempts_poll_order();

    create trigger payment_attempts_poll_order_updated after update of status, next_query_at on payment_attempts
      for each row when (
        new.connector in ('alipay', 'wechat_pay', 'unionpay')
        and (
          (new.status = 'requires_action' and old.status is distinct from 'requires_action')
          or (new.status in ('pending', 'unknown', 'requires_action') and new.next_query_at < old.next_query_at)
        )
      )
      execute function payment_attempts_poll_order();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists payment_attempts_poll_order_updated on payment_attempts;
    drop trigger if exists payment_attempts_poll_order_inserted on payment_attempts;
    drop function if exists payment_attempts_poll_order();
    drop table if exists payment_expiry_retries;
  `.execute(db);
}
