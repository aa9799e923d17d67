/**
 * Lets a payment's status changes be heap-only (HOT) updates. The expiry
 * sweep found open payments past their time through `payments_open_by_expiry`,
 * an index partial on `status`: an index that names a column makes every
 * update of that column write a new entry in every index of the row, so each
 * of a payment's transitions (to `processing`, then to its outcome) rewrote
 * all five indexes of `payments` (`n_tup_hot_upd` was 0).
 *
 * The sweep now starts from `payment_expiry_watch`: one row per payment that
 * may still be open when its time runs out, written by the statement that
 * creates the payment (so no payment is ever missing from it) and never
 * updated. The sweep reads the rows past due, checks each payment's status
 * where it lives, and deletes the rows of payments that reached a final
 * status (`succeeded`, `canceled`: neither is ever left), so the table holds
 * the payments created within their time to live plus the few past due and
 * not final. A payment in `processing` or `requires_capture` keeps its row:
 * a declined attempt brings it back to `requires_payment_method`.
 *
 * No foreign key: the row is written in the payment's own statement, and the
 * check would cost a lookup per payment; a row whose payment was archived is
 * deleted like a final one. No primary key either: nothing looks a row up by
 * its payment, and every index is one more entry per payment.
 *
 * `fillfactor` 80 leaves a fifth of each new page of `payments` free, so the
 * next versions of a payment created there fit on its page (a HOT update needs
 * room on the same page); pages written before keep what they have.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table payment_expiry_watch (
      payment_id text not null,
      expires_at timestamptz not null
    );
    create index payment_expiry_watch_by_expiry on payment_expiry_watch (expires_at);
    insert into payment_expiry_watch (payment_id, expires_at)
    select id, expires_at from payments where status not in ('succeeded', 'canceled');
    drop index if exists payments_open_by_expiry;
    alter table payments set (fillfactor = 80);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table payments reset (fillfactor);
    create index if not exists payments_open_by_expiry on payments (expires_at)
      where status in ('requires_payment_method', 'requires_confirmation', 'requires_action');
    drop table if exists payment_expiry_watch;
  `.execute(db);
}
