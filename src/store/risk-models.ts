/** The per-merchant fraud models and the labelled payments they are trained on. */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';

export interface LabelledRow {
  payment_id: string;
  signals: Record<string, unknown>;
  fraudulent: boolean;
}

/**
 * The merchant's labelled payments: each decided payment that succeeded or was
 * marked fraudulent (with its newest decision's signals), newest first, bounded.
 */
export async function labelledPayments(db: Db, scope: Scope, limit: number): Promise<LabelledRow[]> {
  const result = await sql<LabelledRow>`
    select d.payment_id, d.signals, (m.payment_id is not null) as fraudulent
    from (
      select distinct on (payment_id) payment_id, signals
      from risk_decisions where merchant_id = ${scope.merchantId} and mode = ${scope.mode}
      order by payment_id, created_at desc, id desc
    ) d
    join payments p on p.id = d.payment_id
    left join payment_fraud_marks m on m.payment_id = d.payment_id
    where p.status = 'succeeded' or m.payment_id is not null
    order by d.payment_id desc
    limit ${limit}
  `.execute(db);
  return result.rows;
}

/** Merchants (and modes) with at least `fraudsMin` payments marked fraudulent: those a model may be trained for. */
export async function scopesWithFraudMarks(db: Db, fraudsMin: number): Promise<Scope[]> {
  const rows = await db
    .selectFrom('payment_fraud_marks')
    .select(['merchant_id', 'mode'])
    .groupBy(['merchant_id', 'mode'])
    .having((eb) => eb.fn.countAll(), '>=', fraudsMin)
    .execute();
  return rows.map((r) => ({ merchantId: r.merchant_id, mode: r.mode }));
}

export async function saveRiskModel(
  db: Db,
  scope: Scope,
  model: { trainedAt: Date; samples: number; frauds: number; auc: number | null; model: unknown },
): Promise<void> {
  const values = { trained_at: model.trainedAt, samples: model.samples, frauds: model.frauds, auc: model.auc, model: JSON.stringify(model.model) };
  await db
    .insertInto('risk_models')
    .values({ merchant_id: scope.merchantId, mode: scope.mode, ...values })
    .onConflict((oc) => oc.columns(['merchant_id', 'mode']).doUpdateSet(values).where('risk_models.trained_at', '<=', model.trainedAt))
    .execute();
}

export async function findRiskModel(db: Db, scope: Scope) {
  return db.selectFrom('risk_models').select(['trained_at', 'samples', 'frauds', 'auc']).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}
