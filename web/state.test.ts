import { describe, expect, it } from 'vitest';
import type { CheckoutSession, Payment } from './checkout/api-types.ts';
import * as S from './checkout/state.ts';
import type { ShownError } from './checkout/present.ts';

const now = Date.UTC(2025, 0, 1, 12);
const safe = (url: string) => (url.startsWith('https://') ? url : null);

function payment(fields: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_1', status: 'requires_payment_method', amount: 1234, currency: 'CNY', amount_refunded: 0, payment_method: null, order: null,
    description: null, next_action: null, last_error: null, cancellation_reason: null, expires_at: new Date(now + 60_000).toISOString(),
    created_at: new Date(now - 60_000).toISOString(), updated_at: new Date(now - 60_000).toISOString(), ...fields,
  };
}

function session(fields: Partial<CheckoutSession> = {}): CheckoutSession {
  return {
    object: 'checkout', payment: payment(), merchant: { name: 'Tea House' }, customer_locale: null, methods: ['card', 'alipay'], preselected_method: null, wallet: null,
    cancellation_reasons: ['requested_by_customer', 'price_changed', 'other'], order_url: null, feedback: null, ...fields,
  };
}

const later = (ms: number) => new Date(now + ms).toISOString();
const shown: ShownError = { code: 'x', message: 'Something', suggestion: 'Try', detail: null };

describe('the checkout state', () => {
  it('starts loading, and a loaded session preselects the first method of the shown order', () => {
    expect(S.viewOf(S.loading, now)).toEqual({ kind: 'loading' });
    const ready = S.loaded(session(), ['alipay', 'card']);
    expect(ready.method).toBe('alipay');
    expect(S.viewOf(ready, now)).toEqual({ kind: 'pay' });
  });

  it('a load failure is a fatal view with or without a retry', () => {
    expect(S.viewOf(S.failed(shown, true), now)).toEqual({ kind: 'fatal', error: shown, retry: true });
  });

  it('choosing a method not offered, or the one already chosen, changes nothing', () => {
    const ready = S.loaded(session(), ['card', 'alipay']);
    expect(S.methodChosen(ready, 'wallet')).toBe(ready);
    expect(S.methodChosen(ready, 'card')).toBe(ready);
    const chosen = S.methodChosen({ ...ready, error: shown }, 'alipay');
    expect(chosen).toMatchObject({ method: 'alipay', error: null });
  });

  it('an older copy of the payment from a slow poll is dropped; a newer one is taken', () => {
    const ready = S.loaded(session(), ['card']);
    expect(S.paymentApplied(ready, payment({ updated_at: later(-120_000), status: 'succeeded' }), 'poll', now, safe)).toBeNull();
    const applied = S.paymentApplied(ready, payment({ updated_at: later(0), status: 'succeeded' }), 'poll', now, safe);
    expect(S.viewOf(applied!.state, now)).toEqual({ kind: 'succeeded', authorizedOnly: false });
    expect(applied!.refreshSession).toBe(true);
  });

  it('a confirm that answers redirect_to_url navigates only to an http(s) address', () => {
    const ready = S.loaded(session(), ['card']);
    const redirect = (url: string) => payment({ status: 'requires_action', next_action: { type: 'redirect_to_url', redirect_to_url: { url } }, updated_at: later(0) });
    const going = S.paymentApplied(ready, redirect('https://bank.example/pay'), 'confirm', now, safe)!;
    expect(going).toMatchObject({ navigateTo: 'https://bank.example/pay', state: { redirecting: true } });
    const refused = S.paymentApplied(ready, redirect('javascript:alert(1)'), 'confirm', now, safe)!;
    expect(refused.navigateTo).toBeNull();
    expect(refused.state.redirecting).toBe(false);
  });

  it('leaving a QR code shows the methods again until the next payment from a confirm', () => {
    const qr = payment({ status: 'requires_action', next_action: { type: 'display_qr_code', display_qr_code: { data: 'https://qr.example', expires_at: null } } });
    const ready = S.choseAnotherMethod({ ...S.loaded(session(), ['alipay', 'card']), payment: qr });
    expect(S.viewOf(ready, now)).toEqual({ kind: 'pay' });
    const polled = S.paymentApplied(ready, { ...qr, updated_at: later(0) }, 'poll', now, safe)!;
    expect(S.viewOf(polled.state, now)).toEqual({ kind: 'pay' });
    const confirmed = S.paymentApplied(ready, { ...qr, updated_at: later(0) }, 'confirm', now, safe)!;
    expect(S.viewOf(confirmed.state, now).kind).toBe('qr');
  });

  it('payment_expired shows the expired page even before the payment says so, never over a success', () => {
    const ready = S.loaded(session(), ['card']);
    const failure = S.confirmFailed(ready, shown, { code: 'payment_expired', message: 'm', suggestion: 's' }, 'en');
    expect(failure).toMatchObject({ reload: true, focusId: 'step-heading', state: { forcedExpired: true, error: null } });
    expect(S.viewOf(failure.state, now)).toEqual({ kind: 'canceled', expired: true });
    expect(S.viewOf({ ...failure.state, payment: payment({ status: 'succeeded' }) }, now).kind).toBe('succeeded');
  });

  it('a wrong PIN clears the PIN and keeps the attempts left; a lock keeps its end', () => {
    const ready = S.loaded(session(), ['wallet']);
    expect(S.confirmFailed(ready, shown, { code: 'incorrect_pin', message: 'm', suggestion: 's', attempts_remaining: 3 }, 'en')).toMatchObject({ clear: 'pin', focusId: 'pin-input', state: { pinAttemptsRemaining: 3 } });
    expect(S.confirmFailed(ready, shown, { code: 'pin_locked', message: 'm', suggestion: 's', unlocks_at: later(900_000) }, 'en').state.walletLockedUntil).toBe(later(900_000));
  });

  it('insufficient funds adds the available balance as a third line, in the payer\'s language', () => {
    const ready = S.loaded(session(), ['wallet']);
    const failure = S.confirmFailed(ready, shown, { code: 'insufficient_funds', message: 'm', suggestion: 's', available: 500 }, 'en');
    expect(failure.state.error?.detail).toContain('5.00');
  });

  it('an expired customer code forgets what was submitted and asks for a reload', () => {
    const ready = { ...S.loaded(session(), ['card']), submitted: { payment_method: { type: 'card' } }, codeAttemptsRemaining: 2 };
    const failure = S.confirmFailed(ready, shown, { code: 'verification_code_expired', message: 'm', suggestion: 's' }, 'en');
    expect(failure).toMatchObject({ clear: 'otp', reload: true, state: { submitted: null, codeAttemptsRemaining: null } });
    expect(failure.state.error?.detail).toBeTruthy();
  });

  it('polling gives up after its budget, and checking again starts it over', () => {
    let ready: S.Ready = S.loaded(session(), ['card']);
    for (let i = 0; i < 3; i += 1) ready = S.pollCounted(ready, 3) as S.Ready;
    expect(ready).toMatchObject({ polls: 3, pollGaveUp: false });
    ready = S.pollCounted(ready, 3);
    expect(ready.pollGaveUp).toBe(true);
    expect(S.checkAgain(ready)).toMatchObject({ polls: 0, pollGaveUp: false });
  });

  it('a payment the merchant canceled as fraudulent is the merchant\'s word, not the payer\'s reason', () => {
    const canceled = { ...S.loaded(session(), ['card']), payment: payment({ status: 'canceled', cancellation_reason: 'fraudulent' }) };
    expect(S.cancellationSpeaker(canceled, false)).toBe('merchant');
    expect(S.cancellationSpeaker({ ...canceled, payment: payment({ status: 'canceled', cancellation_reason: 'price_changed' }) }, false)).toBe('payer');
    expect(S.cancellationSpeaker(S.canceledByPayer({ ...canceled, payment: payment({ status: 'canceled', cancellation_reason: 'other' }) }), false)).toBe('payer');
    expect(S.cancellationSpeaker(canceled, true)).toBe('expired');
  });

  it('a refreshed session keeps the feedback given here and the newer payment', () => {
    const ready = S.feedbackSaved(S.loaded(session(), ['card']), { rating: 5, comment: null, nps_score: null });
    const fresher = S.sessionRefreshed(ready, session({ order_url: 'https://x/orders/1', payment: payment({ updated_at: later(0), status: 'succeeded' }) }));
    expect(fresher).toMatchObject({ feedback: { rating: 5 }, session: { order_url: 'https://x/orders/1' }, payment: { status: 'succeeded' } });
  });
});
