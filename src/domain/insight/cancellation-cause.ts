/**
 * What a cancellation record says about a cancellation: how far the payer
 * got (the stage), who canceled (the source), and the cause detected from
 * what preceded it. Pure: the flow gathers the evidence, this decides.
 *
 * The cause, first rule that holds wins:
 * 1. the payment's last authorization, shortly before, failed for a
 *    technical reason (provider unreachable, processing error, no answer)
 *    → `network_issue`; it was declined → `payment_failed`;
 * 2. a technical failure among the authorizations shortly before
 *    → `network_issue`;
 * 3. the amount was changed after the payment was created → `price_changed`;
 * 4. the time in checkout (from the checkout's first view, else from the
 *    payment's creation) is far above the merchant's normal → `too_complicated`.
 *    Normal is the median time to success over the merchant's recent
 *    payments; "far above" is over 3× it (and over a minute), with at
 *    least 20 successes to judge by, else over a fixed 15 minutes. A
 *    cancellation not made by the payer, who never opened the checkout,
 *    says nothing of the checkout;
 * 5. otherwise the reason given, when it says something (`unknown` for
 *    `requested_by_customer`, `abandoned` and `other`).
 */
import { createHmac } from 'node:crypto';
import { assert } from '../assert.ts';
import type { FunnelStepType } from './funnel.ts';
import type { Actor, CancellationReason, PaymentStatus } from '../payments/payment-state.ts';

export const cancellationStages = [
  'created',
  'checkout_viewed',
  'method_chosen',
  'confirm_submitted',
  'attempt_failed',
  'action_required',
  'authorized',
] as const;
export type CancellationStage = (typeof cancellationStages)[number];

export const cancellationSources = ['payer', 'merchant', 'provider', 'system'] as const satisfies readonly Actor[];
export type CancellationSource = (typeof cancellationSources)[number];

export const detectedCauses = [
  'network_issue',
  'payment_failed',
  'too_complicated',
  'price_changed',
  'payment_method_unavailable',
  'quality_concern',
  'duplicate',
  'fraudulent',
  'unknown',
] as const;
export type DetectedCause = (typeof detectedCauses)[number];

/** Error codes that say the provider could not be reached or could not process, not that the payer was refused. */
export const technicalErrorCodes: ReadonlySet<string> = new Set(['connector_unavailable', 'processing_error', 'service_unavailable', 'timeout']);
/** Codes of a failed attempt that are neither a refusal nor a technical fault (the payer left a provider's page). */
const neutralErrorCodes: ReadonlySet<string> = new Set(['payment_not_completed']);

export const causeRules = {
  /** An attempt counts as "just before" the cancellation within this long. */
  recentAttemptWindowMs: 15 * 60 * 1000,
  tooComplicatedMedianMultiple: 3,
  tooComplicatedFloorMs: 60 * 1000,
  tooComplicatedFixedMs: 15 * 60 * 1000,
  medianSampleMin: 20,
} as const;

assert(causeRules.tooComplicatedFloorMs < causeRules.tooComplicatedFixedMs, 'the floor stays below the fixed bound');

export interface AttemptEvidence {
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'unknown';
  errorCode: string | null;
  /** When its outcome was recorded (or it started, if none was). */
  atMs: number;
}

export interface CancellationEvidence {
  canceledAtMs: number;
  createdAtMs: number;
  checkoutViewedAtMs: number | null;
  statedReason: CancellationReason;
  source: CancellationSource;
  /** The payment's authorizations, oldest first. */
  authorizations: AttemptEvidence[];
  /** When the amount last changed, if it ever did. */
  priceChangedAtMs: number | null;
  /** The merchant's median time from checkout to success, and over how many payments. */
  normalTimeToSuccess: { medianMs: number; sample: number } | null;
}

export function detectCancellationCause(evidence: CancellationEvidence): DetectedCause {
  const recent = evidence.authorizations.filter((a) => evidence.canceledAtMs - a.atMs <= causeRules.recentAttemptWindowMs);
  const last = recent.at(-1);
  if (last && isTechnicalFailure(last)) return 'network_issue';
  if (last && isRefusal(last)) return 'payment_failed';
  if (recent.some(isTechnicalFailure)) return 'network_issue';
  if (evidence.priceChangedAtMs !== null && evidence.priceChangedAtMs <= evidence.canceledAtMs) return 'price_changed';
  const inCheckoutMs = timeInCheckoutMs(evidence);
  if (inCheckoutMs !== null && inCheckoutMs > tooComplicatedBoundMs(evidence.normalTimeToSuccess)) return 'too_complicated';
  return causeFromStatedReason(evidence.statedReason);
}

function isTechnicalFailure(attempt: AttemptEvidence): boolean {
  return attempt.status === 'unknown' || (attempt.status === 'failed' && technicalErrorCodes.has(attempt.errorCode ?? ''));
}

function isRefusal(attempt: AttemptEvidence): boolean {
  return attempt.status === 'failed' && attempt.errorCode !== null && !technicalErrorCodes.has(attempt.errorCode) && !neutralErrorCodes.has(attempt.errorCode);
}

export function timeInCheckoutMs(evidence: Pick<CancellationEvidence, 'canceledAtMs' | 'createdAtMs' | 'checkoutViewedAtMs' | 'source'>): number | null {
  if (evidence.checkoutViewedAtMs === null && evidence.source !== 'payer') return null;
  return evidence.canceledAtMs - (evidence.checkoutViewedAtMs ?? evidence.createdAtMs);
}

/** How long in checkout is "far above normal" for this merchant. */
export function tooComplicatedBoundMs(normal: CancellationEvidence['normalTimeToSuccess']): number {
  if (!normal || normal.sample < causeRules.medianSampleMin) return causeRules.tooComplicatedFixedMs;
  return Math.max(causeRules.tooComplicatedFloorMs, normal.medianMs * causeRules.tooComplicatedMedianMultiple);
}

function causeFromStatedReason(reason: CancellationReason): DetectedCause {
  switch (reason) {
    case 'network_issue':
    case 'price_changed':
    case 'too_complicated':
    case 'payment_method_unavailable':
    case 'quality_concern':
    case 'duplicate':
    case 'fraudulent':
      return reason;
    case 'requested_by_customer':
    case 'abandoned':
    case 'other':
      return 'unknown';
  }
}

const stageOrder: Record<FunnelStepType, CancellationStage | null> = {
  checkout_viewed: 'checkout_viewed',
  method_chosen: 'method_chosen',
  confirm_submitted: 'confirm_submitted',
  attempt_failed: 'attempt_failed',
  action_required: 'action_required',
  succeeded: null,
  canceled: null,
  abandoned: null,
};

/**
 * The furthest funnel stage the payment reached, in the order of
 * `cancellationStages`; a payment canceled once authorized (releasing the
 * hold) reached `authorized`.
 */
export function stageReached(steps: readonly FunnelStepType[], canceledFrom: PaymentStatus, authorized: boolean): CancellationStage {
  if (canceledFrom === 'requires_capture' || authorized) return 'authorized';
  let furthest = 0;
  for (const step of steps) {
    const stage = stageOrder[step];
    if (stage) furthest = Math.max(furthest, cancellationStages.indexOf(stage));
  }
  return cancellationStages[furthest] ?? 'created';
}

/**
 * Whether a cancellation counts against the customer for abuse: one they
 * made themselves at checkout, or one the merchant made at their request.
 * Abandonments and the merchant's own decisions do not.
 */
export function countsTowardAbuse(source: CancellationSource, reason: CancellationReason): boolean {
  return source === 'payer' || reason === 'requested_by_customer';
}

/**
 * The customer as cancellation records show them: a keyed HMAC of the
 * merchant and the customer, the same for one customer of one merchant,
 * different across merchants, and not reversible without the key.
 */
export function cancellationCustomerPseudonym(merchantId: string, customerId: string, key: Buffer): string {
  return `cusp_${createHmac('sha256', key).update(`cancellation-records:${merchantId}:${customerId}`).digest('base64url').slice(0, 26)}`;
}
