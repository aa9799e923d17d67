import { describe, expect, it } from 'vitest';
import {
  cancellationCustomerPseudonym,
  causeRules,
  countsTowardAbuse,
  detectCancellationCause,
  stageReached,
  tooComplicatedBoundMs,
  type AttemptEvidence,
  type CancellationEvidence,
} from './cancellation-cause.ts';

const minute = 60_000;
const created = Date.UTC(2026, 0, 1, 12, 0, 0);

function evidence(overrides: Partial<CancellationEvidence> = {}): CancellationEvidence {
  return {
    canceledAtMs: created + 2 * minute,
    createdAtMs: created,
    checkoutViewedAtMs: created + 10_000,
    statedReason: 'requested_by_customer',
    source: 'payer',
    authorizations: [],
    priceChangedAtMs: null,
    normalTimeToSuccess: null,
    ...overrides,
  };
}

const failed = (errorCode: string, atMs: number): AttemptEvidence => ({ status: 'failed', errorCode, atMs });

describe('the detected cause of a cancellation', () => {
  it('is network_issue when the last attempt just before failed for a technical reason (processing_error, connector_unavailable, no answer)', () => {
    for (const code of ['processing_error', 'connector_unavailable']) {
      expect(detectCancellationCause(evidence({ authorizations: [failed(code, created + minute)] }))).toBe('network_issue');
    }
    expect(detectCancellationCause(evidence({ authorizations: [{ status: 'unknown', errorCode: null, atMs: created + minute }] }))).toBe('network_issue');
  });

  it('is payment_failed when the last attempt just before was declined', () => {
    for (const code of ['card_declined', 'expired_card', 'incorrect_cvc', 'authentication_failed', 'payment_failed_at_provider']) {
      expect(detectCancellationCause(evidence({ authorizations: [failed(code, created + minute)] })), code).toBe('payment_failed');
    }
  });

  it('takes the latest attempt: a decline after a technical failure is payment_failed, a technical failure after a decline network_issue', () => {
    expect(detectCancellationCause(evidence({ authorizations: [failed('processing_error', created + 30_000), failed('card_declined', created + minute)] }))).toBe('payment_failed');
    expect(detectCancellationCause(evidence({ authorizations: [failed('card_declined', created + 30_000), failed('processing_error', created + minute)] }))).toBe('network_issue');
  });

  it('is network_issue when a technical failure came shortly before even if the payer then left a provider page unpaid', () => {
    const authorizations = [failed('connector_unavailable', created + 30_000), failed('payment_not_completed', created + minute)];
    expect(detectCancellationCause(evidence({ authorizations }))).toBe('network_issue');
  });

  it('ignores attempts older than the window: a decline long before says nothing', () => {
    const canceledAtMs = created + causeRules.recentAttemptWindowMs + 2 * minute;
    const authorizations = [failed('card_declined', created + minute - 1)];
    expect(detectCancellationCause(evidence({ canceledAtMs, checkoutViewedAtMs: canceledAtMs - minute, authorizations }))).toBe('unknown');
  });

  it('is price_changed when the amount changed before the cancellation and no attempt explains it', () => {
    expect(detectCancellationCause(evidence({ priceChangedAtMs: created + minute }))).toBe('price_changed');
    // A decline just before is the nearer cause.
    expect(detectCancellationCause(evidence({ priceChangedAtMs: created + 30_000, authorizations: [failed('card_declined', created + minute)] }))).toBe('payment_failed');
  });

  it('is too_complicated past the fixed 15 minutes when the merchant has too few successes to judge by', () => {
    const bound = causeRules.tooComplicatedFixedMs;
    const viewed = created + 10_000;
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: viewed, canceledAtMs: viewed + bound + 1 }))).toBe('too_complicated');
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: viewed, canceledAtMs: viewed + bound }))).toBe('unknown');
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: viewed, canceledAtMs: viewed + bound + 1, normalTimeToSuccess: { medianMs: 1_000, sample: 19 } }))).toBe('too_complicated');
  });

  it('is too_complicated past 3× the merchant median time to success with enough sample, never under a minute', () => {
    const normal = { medianMs: 2 * minute, sample: 20 };
    expect(tooComplicatedBoundMs(normal)).toBe(6 * minute);
    const viewed = created;
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: viewed, canceledAtMs: viewed + 6 * minute + 1, normalTimeToSuccess: normal }))).toBe('too_complicated');
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: viewed, canceledAtMs: viewed + 6 * minute, normalTimeToSuccess: normal }))).toBe('unknown');
    expect(tooComplicatedBoundMs({ medianMs: 5_000, sample: 100 })).toBe(causeRules.tooComplicatedFloorMs);
  });

  it('measures from creation when the checkout was never viewed, but only for a payer who canceled', () => {
    const late = created + causeRules.tooComplicatedFixedMs + minute;
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: null, canceledAtMs: late }))).toBe('too_complicated');
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: null, canceledAtMs: late, source: 'system', statedReason: 'abandoned' }))).toBe('unknown');
    expect(detectCancellationCause(evidence({ checkoutViewedAtMs: null, canceledAtMs: late, source: 'merchant', statedReason: 'duplicate' }))).toBe('duplicate');
  });

  it('falls back to the reason given when it says something, else unknown', () => {
    expect(detectCancellationCause(evidence({ statedReason: 'quality_concern' }))).toBe('quality_concern');
    expect(detectCancellationCause(evidence({ statedReason: 'price_changed' }))).toBe('price_changed');
    expect(detectCancellationCause(evidence({ statedReason: 'requested_by_customer' }))).toBe('unknown');
    expect(detectCancellationCause(evidence({ statedReason: 'other' }))).toBe('unknown');
  });
});

describe('the stage a canceled payment reached', () => {
  it('is the furthest funnel step, created when there is none, authorized once money was held', () => {
    expect(stageReached([], 'requires_payment_method', false)).toBe('created');
    expect(stageReached(['checkout_viewed', 'method_chosen', 'checkout_viewed'], 'requires_payment_method', false)).toBe('method_chosen');
    expect(stageReached(['checkout_viewed', 'confirm_submitted', 'attempt_failed'], 'requires_payment_method', false)).toBe('attempt_failed');
    expect(stageReached(['confirm_submitted', 'action_required', 'attempt_failed'], 'requires_payment_method', false)).toBe('action_required');
    expect(stageReached(['confirm_submitted'], 'requires_capture', false)).toBe('authorized');
    expect(stageReached(['confirm_submitted'], 'processing', true)).toBe('authorized');
  });
});

describe('what counts toward abuse of cancellation', () => {
  it('counts the payer canceling and the merchant canceling at their request, not abandonment or the merchant\'s own reasons', () => {
    expect(countsTowardAbuse('payer', 'too_complicated')).toBe(true);
    expect(countsTowardAbuse('merchant', 'requested_by_customer')).toBe(true);
    expect(countsTowardAbuse('merchant', 'duplicate')).toBe(false);
    expect(countsTowardAbuse('system', 'abandoned')).toBe(false);
  });
});

describe('the pseudonymous customer', () => {
  it('is stable for one customer of one merchant, differs across merchants and keys, and never contains the id', () => {
    const key = Buffer.alloc(32, 1);
    const a = cancellationCustomerPseudonym('mer_1', 'cus_abc', key);
    expect(a).toBe(cancellationCustomerPseudonym('mer_1', 'cus_abc', key));
    expect(a).not.toBe(cancellationCustomerPseudonym('mer_2', 'cus_abc', key));
    expect(a).not.toBe(cancellationCustomerPseudonym('mer_1', 'cus_abd', key));
    expect(a).not.toBe(cancellationCustomerPseudonym('mer_1', 'cus_abc', Buffer.alloc(32, 2)));
    expect(a).toMatch(/^cusp_[A-Za-z0-9_-]{26}$/);
    expect(a).not.toContain('abc');
  });
});
