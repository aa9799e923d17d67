/**
 * Fraud marks the card acquirer reports (an early fraud warning, a
 * chargeback) and the merchant's risk settings. A provider's mark is applied
 * in one transaction: the fraud mark (a payment keeps its first), the dispute
 * with its amount (once per acquirer dispute id), the blocklist entries the
 * merchant's settings choose, and the merchant's webhook event, written only
 * with what was new, so a duplicate notification, or applying one again after
 * a crash, marks, records and tells the merchant once.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';
import { addBlocklistEntries, type NewBlocklistEntry } from './risk-blocklist.ts';

export interface ProviderMark {
  paymentId: string;
  source: 'early_fraud_warning' | 'chargeback';
  note: string | null;
  dispute: { id: string; providerDisputeId: string; amount: bigint; currency: string; reason: string | null } | null;
  entries: readonly NewBlocklistEntry[];
  event: { id: string; type: 'payment.fraud_warning' | 'payment.disputed'; data: Record<string, unknown> };
}

/** Answers what was new: the mark, the dispute (both false when the notification had been applied already). */
export async function applyProviderMark(db: Db, scope: Scope, mark: ProviderMark, at: Date): Promise<{ marked: boolean; disputed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const marked = await trx
      .insertInto('payment_fraud_marks')
      .values({ payment_id: mark.paymentId, merchant_id: scope.merchantId, mode: scope.mode, source: mark.source, note: mark.note, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .returning('payment_id')
      .executeTakeFirst();
    let disputed = false;
    if (mark.dispute) {
      const inserted = await trx
        .insertInto('payment_disputes')
        .values({
          id: mark.dispute.id,
          payment_id: mark.paymentId,
          merchant_id: scope.merchantId,
          mode: scope.mode,
          provider_dispute_id: mark.dispute.providerDisputeId,
          amount: mark.dispute.amount,
          currency: mark.dispute.currency,
          reason: mark.dispute.reason,
          created_at: at,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      disputed = inserted !== undefined;
    }
    await addBlocklistEntries(trx, scope, mark.entries, at);
    // A warning is told with the mark it made (a payment the merchant marked already is not told again); a dispute once per dispute.
    const tell = mark.dispute ? disputed : marked !== undefined;
    if (tell) {
      await sql`
        insert into events (id, merchant_id, mode, type, object_id, data, created_at)
        values (${mark.event.id}, ${scope.merchantId}, ${scope.mode}, ${mark.event.type}, ${mark.paymentId}, ${JSON.stringify(mark.event.data)}::jsonb, ${at})
      `.execute(trx);
    }
    return { marked: marked !== undefined, disputed };
  });
}

export async function listDisputes(db: Db, scope: Scope, paymentId: string) {
  return db
    .selectFrom('payment_disputes')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .orderBy('created_at')
    .execute();
}

/**
 * The payment an acquirer's authorization belongs to, on that connector account.
 * No index holds provider_reference yet: a rare read (a notification), to be
 * given one built concurrently outside the migrator's transaction.
 */
export async function paymentOfAuthorization(db: Db, account: { id: string; merchantId: string }, authorization: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('payment_attempts')
    .select('payment_id')
    .where('merchant_id', '=', account.merchantId)
    .where('connector_account_id', '=', account.id)
    .where('provider_reference', '=', authorization)
    .executeTakeFirst();
  return row?.payment_id;
}

export async function findRiskSettings(db: Db, scope: Scope) {
  return db.selectFrom('risk_settings').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function saveRiskSettings(db: Db, scope: Scope, settings: { providerMarkBlocks: readonly string[] }, at: Date) {
  return db
    .insertInto('risk_settings')
    .values({ merchant_id: scope.merchantId, mode: scope.mode, provider_mark_blocks: JSON.stringify(settings.providerMarkBlocks), updated_at: at })
    .onConflict((oc) => oc.columns(['merchant_id', 'mode']).doUpdateSet({ provider_mark_blocks: JSON.stringify(settings.providerMarkBlocks), updated_at: at }))
    .returningAll()
    .executeTakeFirstOrThrow();
}
