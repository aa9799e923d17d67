/**
 * What presentation a payer's checkout gets: the merchant's checkout
 * setting, and over it the variant of the running experiment the payer is
 * assigned to. The payer is the payment's customer, else the first-party id
 * the checkout keeps in the browser; without either there is no assignment
 * (and no exposure): the setting alone.
 */
import { assignVariant, payerKeyPattern } from '../../domain/experiments/assignment.ts';
import { presentationOf, type CheckoutPresentation, type PresentationOverrides } from '../../domain/experiments/checkout-presentation.ts';
import { findCheckoutSetting, findRunningExperiment } from '../../store/experiments.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { now } from '../context.ts';
import { parseVariants } from './variants.ts';

export interface CheckoutAssignment {
  experimentId: string;
  variantKey: string;
  payerKey: string;
}

/** The payer's key for assignment, or null when the payment has no customer and the browser sent no usable id. */
export function payerKeyOf(payment: PaymentRecord, payerId: string | undefined): string | null {
  if (payment.customer_id) return payment.customer_id;
  return payerId !== undefined && payerKeyPattern.test(payerId) ? payerId : null;
}

/** The running experiment's variant for this payer, when one is running now. */
export async function checkoutAssignment(context: FlowContext, payment: PaymentRecord, payerId: string | undefined): Promise<(CheckoutAssignment & { overrides: PresentationOverrides }) | null> {
  const payerKey = payerKeyOf(payment, payerId);
  if (!payerKey) return null;
  const experiment = await findRunningExperiment(context.db, { merchantId: payment.merchant_id, mode: payment.mode });
  if (!experiment) return null;
  const at = now(context);
  if ((experiment.starts_at && at < experiment.starts_at) || (experiment.ends_at && at >= experiment.ends_at)) return null;
  const variant = assignVariant(experiment.id, payerKey, parseVariants(experiment.variants));
  return { experimentId: experiment.id, variantKey: variant.key, payerKey, overrides: variant.presentation };
}

export async function checkoutPresentation(
  context: FlowContext,
  payment: PaymentRecord,
  payerId: string | undefined,
): Promise<{ presentation: CheckoutPresentation; experiment: { id: string; variant: string } | null }> {
  const [setting, assignment] = await Promise.all([
    findCheckoutSetting(context.db, { merchantId: payment.merchant_id, mode: payment.mode }),
    checkoutAssignment(context, payment, payerId),
  ]);
  const merchantOverrides = setting ? (JSON.parse(setting.presentation) as PresentationOverrides) : null;
  return {
    presentation: presentationOf(merchantOverrides, assignment?.overrides),
    experiment: assignment && { id: assignment.experimentId, variant: assignment.variantKey },
  };
}
