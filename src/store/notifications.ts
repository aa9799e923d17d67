/**
 * Verified provider notifications: stored once per provider id, and the job
 * that applies each one is queued in the same statement, so a notification
 * that was acknowledged is never lost and never applied twice.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface NewNotification {
  id: string;
  connectorAccountId: string;
  /** The connector account's merchant (migration 0058). */
  merchantId: string;
  providerNotificationId: string;
  orderNumber: string;
  verdict: unknown;
  receivedAt: Date;
}

/** Answers false when the provider had sent this notification before. The job that applies it names it and its merchant. */
export async function storeNotification(db: Db, notification: NewNotification): Promise<boolean> {
  const result = await sql<{ queued: unknown }>`
    with stored as (
      insert into provider_notifications (id, connector_account_id, merchant_id, provider_notification_id, order_number, verdict, received_at)
      values (${notification.id}, ${notification.connectorAccountId}, ${notification.merchantId}, ${notification.providerNotificationId},
              ${notification.orderNumber}, ${JSON.stringify(notification.verdict)}::jsonb, ${notification.receivedAt})
      on conflict do nothing
      returning id, merchant_id
    )
    select graphile_worker.add_job('apply_notification', json_build_object('id', stored.id, 'merchant', stored.merchant_id)) as queued from stored
  `.execute(db);
  return result.rows.length === 1;
}

export interface NotificationRef {
  id: string;
  /** The merchant of the connector account the notification came to. */
  merchantId: string;
}

export async function findUnappliedNotification(db: Db, notification: NotificationRef) {
  return db
    .selectFrom('provider_notifications')
    .selectAll()
    .where('merchant_id', '=', notification.merchantId)
    .where('id', '=', notification.id)
    .where('applied_at', 'is', null)
    .executeTakeFirst();
}

export async function markNotificationApplied(db: Db, notification: NotificationRef, outcome: string, at: Date): Promise<void> {
  await db
    .updateTable('provider_notifications')
    .set({ applied_at: at, outcome })
    .where('merchant_id', '=', notification.merchantId)
    .where('id', '=', notification.id)
    .execute();
}

/**
 * The merchant of a notification, by its id alone: for an `apply_notification` job that names the notification
 * alone, queued by the previous version (during a rolling deploy) or before this release. Every job queued since
 * carries the merchant; this can go in the release after, once those jobs have run.
 */
export async function merchantOfNotification(db: Db, id: string): Promise<string | null> {
  return (await db.selectFrom('provider_notifications').select('merchant_id').where('id', '=', id).executeTakeFirst())?.merchant_id ?? null;
}

/** When the provider is to be asked about an attempt next: at once (after a notification we could not trust), or later. */
export async function requestStatusQuery(db: Db, merchantId: string, attemptId: string, at: Date): Promise<void> {
  await db
    .updateTable('payment_attempts')
    .set({ next_query_at: at })
    .where('id', '=', attemptId)
    .where('merchant_id', '=', merchantId)
    .where('status', 'in', ['pending', 'unknown', 'requires_action'])
    .execute();
}
