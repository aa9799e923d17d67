/** The checkout funnel's steps as stored (see migration 0009). */
import type { Db } from './database.ts';
import type { FunnelStepType } from '../domain/insight/funnel.ts';
import type { PaymentRecord } from './payments.ts';

export async function insertClientFunnelStep(
  db: Db,
  payment: PaymentRecord,
  step: { type: FunnelStepType; paymentMethodType: string | null; deviceClass: 'mobile' | 'desktop'; locale: string | null; now: Date },
): Promise<void> {
  await db
    .insertInto('funnel_events')
    .values({
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
    })
    .execute();
}

export async function listFunnelSteps(db: Db, paymentId: string, limit: number) {
  return db
    .selectFrom('funnel_events')
    .select(['type', 'payment_method_type', 'device_class', 'locale', 'error_code', 'reason', 'created_at'])
    .where('payment_id', '=', paymentId)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}
