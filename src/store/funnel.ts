/** The checkout funnel's steps as stored (see migration 0009). */
import type { Db } from './database.ts';
import type { FunnelStepType } from '../domain/insight/funnel.ts';
import type { PaymentRecord } from './payments.ts';

export async function insertClientFunnelStep(
  db: Db,
  payment: PaymentRecord,
  step: { type: FunnelStepType; paymentMethodType: string | null; deviceClass: 'mobile' | 'desktop'; locale: string | null; now: Date },
  exposure: { experimentId: string; variantKey: string; payerKey: string } | null = null,
): Promise<void> {
  if (exposure) {
    // The step and the experiment's exposure are one statement: neither exists without the other.
    // A payer seeing the same payment again keeps the first exposure.
    await db
      .with('step', (cte) => cte.insertInto('funnel_events').values(funnelRow(payment, step)))
      .insertInto('experiment_exposures')
      .values({ experiment_id: exposure.experimentId, payment_id: payment.id, merchant_id: payment.merchant_id, payer_key: exposure.payerKey, variant_key: exposure.variantKey, first_exposed_at: step.now })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    return;
  }
  await db.insertInto('funnel_events').values(funnelRow(payment, step)).execute();
}

function funnelRow(payment: PaymentRecord, step: { type: FunnelStepType; paymentMethodType: string | null; deviceClass: 'mobile' | 'desktop'; locale: string | null; now: Date }) {
  return {
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    mode: payment.mode,
    type: step.type,
    payment_method_type: step.paymentMethodType,
    device_class: step.deviceClass,
    locale: step.locale,
    error_code: null,
    reason: null,
    created_at: step.now,
  };
}

export async function listFunnelSteps(db: Db, merchantId: string, paymentId: string, limit: number) {
  return db
    .selectFrom('funnel_events')
    .select(['type', 'payment_method_type', 'device_class', 'locale', 'error_code', 'reason', 'created_at'])
    .where('payment_id', '=', paymentId)
    .where('merchant_id', '=', merchantId)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}
