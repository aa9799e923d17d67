/** What a member who may refund only up to a limit (support) may refund per payment, per currency; none set means nothing. */
import type { Db } from '../database.ts';

export async function findRefundLimit(db: Db, merchantId: string, currency: string): Promise<bigint> {
  const row = await db.selectFrom('console_refund_limits').select('amount_max').where('merchant_id', '=', merchantId).where('currency', '=', currency).executeTakeFirst();
  return row ? BigInt(row.amount_max) : 0n;
}

export async function listRefundLimits(db: Db, merchantId: string): Promise<{ currency: string; amount_max: bigint }[]> {
  const rows = await db.selectFrom('console_refund_limits').select(['currency', 'amount_max']).where('merchant_id', '=', merchantId).orderBy('currency').execute();
  return rows.map((row) => ({ currency: row.currency, amount_max: BigInt(row.amount_max) }));
}

export async function setRefundLimit(db: Db, merchantId: string, currency: string, amountMax: bigint, now: Date): Promise<void> {
  await db
    .insertInto('console_refund_limits')
    .values({ merchant_id: merchantId, currency, amount_max: amountMax, updated_at: now })
    .onConflict((conflict) => conflict.columns(['merchant_id', 'currency']).doUpdateSet({ amount_max: amountMax, updated_at: now }))
    .execute();
}
