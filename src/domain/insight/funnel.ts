/**
 * The steps of the checkout funnel, and which change of a payment's status
 * is which step. Pure: the store writes what `funnelStepOf` decides, in the
 * same statement as the change.
 */
import type { PaymentStatus } from '../payments/payment-state.ts';

export const funnelStepTypes = [
  'checkout_viewed',
  'method_chosen',
  'confirm_submitted',
  'action_required',
  'succeeded',
  'attempt_failed',
  'canceled',
  'abandoned',
] as const;
export type FunnelStepType = (typeof funnelStepTypes)[number];

/** The steps only the payer's browser sees; the checkout reports them. */
export const clientFunnelSteps = ['checkout_viewed', 'method_chosen'] as const satisfies readonly FunnelStepType[];
export type ClientFunnelStep = (typeof clientFunnelSteps)[number];

export interface FunnelStep {
  type: FunnelStepType;
  errorCode: string | null;
  reason: string | null;
}

/** The funnel step a status change is, if any. */
export function funnelStepOf(change: {
  from: PaymentStatus;
  to: PaymentStatus;
  newAuthorization: boolean;
  errorCode: string | null;
  reason: string | null;
}): FunnelStep | null {
  const step = (type: FunnelStepType, details: Partial<Omit<FunnelStep, 'type'>> = {}): FunnelStep => ({ type, errorCode: null, reason: null, ...details });
  if (change.newAuthorization && change.to === 'processing') return step('confirm_submitted');
  if (change.to === 'requires_action' && change.from !== 'requires_action') return step('action_required');
  if (change.to === 'succeeded') return step('succeeded');
  if (change.to === 'requires_payment_method' && change.errorCode) return step('attempt_failed', { errorCode: change.errorCode });
  if (change.to === 'canceled') return change.reason === 'abandoned' ? step('abandoned', { reason: 'abandoned' }) : step('canceled', { reason: change.reason });
  return null;
}

/** A browser's class from its User-Agent, as the API also decides QR code or redirect. */
export function deviceClassOf(userAgent: string | undefined): 'mobile' | 'desktop' {
  return /Mobi|Android|iPhone|iPad/i.test(userAgent ?? '') ? 'mobile' : 'desktop';
}
