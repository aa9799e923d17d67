import { describe, expect, it } from 'vitest';
import { ApiError, IdempotencyKeys, NetworkError } from './checkout/api.ts';
import type { Payment } from './checkout/api-types.ts';
import {
  clientSecretFromHash,
  customerVerificationOf,
  isNewer,
  isPolledView,
  isVerificationExpired,
  otpConfirmBody,
  paymentIdFromPath,
  safeRedirectUrl,
  viewForPayment,
} from './checkout/flow.ts';
import { describeMethod, shownError } from './checkout/present.ts';

const now = Date.UTC(2025, 0, 1, 12);

function payment(fields: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_1', status: 'requires_payment_method', amount: 1234, currency: 'CNY', amount_refunded: 0, payment_method: null, order: null,
    description: null, next_action: null, last_error: null, cancellation_reason: null, expires_at: new Date(now + 60_000).toISOString(),
    created_at: new Date(now - 60_000).toISOString(), updated_at: new Date(now - 60_000).toISOString(), ...fields,
  };
}

describe('the step a payment calls for', () => {
  it('asks for a method while the payment awaits one', () => {
    expect(viewForPayment(payment(), now)).toEqual({ kind: 'pay' });
    expect(viewForPayment(payment({ status: 'requires_confirmation' }), now)).toEqual({ kind: 'pay' });
  });

  it('shows an unpaid payment past its expiry as expired even before the sweeper cancels it', () => {
    expect(viewForPayment(payment({ expires_at: new Date(now - 1).toISOString() }), now)).toEqual({ kind: 'canceled', expired: true });
  });

  it('follows next_action: one-time code, QR code, redirect', () => {
    expect(viewForPayment(payment({ status: 'requires_action', next_action: { type: 'verify_otp' } }), now)).toEqual({ kind: 'otp', verification: null });
    const qr = payment({ status: 'requires_action', next_action: { type: 'display_qr_code', display_qr_code: { data: 'https://qr.example/x', expires_at: null } } });
    expect(viewForPayment(qr, now)).toEqual({ kind: 'qr', data: 'https://qr.example/x', expiresAt: null });
    const redirect = payment({ status: 'requires_action', next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://pay.example/' } } });
    expect(viewForPayment(redirect, now)).toEqual({ kind: 'redirect', url: 'https://pay.example/' });
  });

  it('waits (never assumes an outcome) for processing, an unknown action or an unknown status', () => {
    expect(viewForPayment(payment({ status: 'processing' }), now)).toEqual({ kind: 'processing' });
    expect(viewForPayment(payment({ status: 'requires_action', next_action: null }), now)).toEqual({ kind: 'processing' });
    expect(viewForPayment(payment({ status: 'something_new' as Payment['status'] }), now)).toEqual({ kind: 'processing' });
  });

  it('shows success for succeeded, and an authorization awaiting capture as authorized', () => {
    expect(viewForPayment(payment({ status: 'succeeded' }), now)).toEqual({ kind: 'succeeded', authorizedOnly: false });
    expect(viewForPayment(payment({ status: 'requires_capture' }), now)).toEqual({ kind: 'succeeded', authorizedOnly: true });
  });

  it('tells an abandoned payment (expired) from one the payer canceled', () => {
    expect(viewForPayment(payment({ status: 'canceled', cancellation_reason: 'abandoned' }), now)).toEqual({ kind: 'canceled', expired: true });
    expect(viewForPayment(payment({ status: 'canceled', cancellation_reason: 'price_changed' }), now)).toEqual({ kind: 'canceled', expired: false });
  });

  it('polls only the steps that wait on someone else', () => {
    expect(['qr', 'redirect', 'processing'].every((kind) => isPolledView({ kind }))).toBe(true);
    expect(['pay', 'otp', 'succeeded', 'canceled', 'loading'].some((kind) => isPolledView({ kind }))).toBe(false);
  });

  it('drops a poll answer older than the payment shown', () => {
    const shown = payment({ updated_at: new Date(now).toISOString() });
    expect(isNewer(payment({ updated_at: new Date(now - 1).toISOString() }), shown)).toBe(false);
    expect(isNewer(payment({ updated_at: new Date(now + 1).toISOString() }), shown)).toBe(true);
    expect(isNewer(shown, null)).toBe(true);
  });
});

describe('the customer\'s own code (abuse of cancellation) beside a card\'s', () => {
  const verification = { reason: 'customer_verification', channel: 'sms', sent_to: '•••• 8000', expires_at: new Date(now + 10 * 60_000).toISOString() } as const;
  const card = { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } };

  it('is told from the bank\'s code by verify_otp.reason', () => {
    const customers = payment({ status: 'requires_action', next_action: { type: 'verify_otp', verify_otp: verification } });
    expect(viewForPayment(customers, now)).toEqual({ kind: 'otp', verification });
    expect(customerVerificationOf({ type: 'verify_otp' })).toBeNull();
    expect(customerVerificationOf({ type: 'redirect_to_url', redirect_to_url: { url: 'https://pay.example/' } })).toBeNull();
    expect(customerVerificationOf(null)).toBeNull();
    // A reason this page does not know is not taken for the customer's code.
    expect(customerVerificationOf({ type: 'verify_otp', verify_otp: { ...verification, reason: 'something_new' as 'customer_verification' } })).toBeNull();
  });

  it('sends the customer\'s code with the method just submitted, so one call verifies and pays; the bank\'s code alone', () => {
    expect(otpConfirmBody('cs_1', '123456', verification, { payment_method: card })).toEqual({ client_secret: 'cs_1', otp: '123456', payment_method: card });
    expect(otpConfirmBody('cs_1', '123456', verification, { payment_method: { type: 'alipay' }, return_url: 'https://shop.test/checkout/pay_1' })).toEqual({
      client_secret: 'cs_1', otp: '123456', payment_method: { type: 'alipay' }, return_url: 'https://shop.test/checkout/pay_1',
    });
    // Nothing remembered (the page was reloaded): the code only verifies.
    expect(otpConfirmBody('cs_1', '123456', verification, null)).toEqual({ client_secret: 'cs_1', otp: '123456' });
    // The bank's code never carries the method again.
    expect(otpConfirmBody('cs_1', '000000', null, { payment_method: card })).toEqual({ client_secret: 'cs_1', otp: '000000' });
  });

  it('expires at expires_at, and an unreadable time is left to the API', () => {
    expect(isVerificationExpired(verification, now)).toBe(false);
    expect(isVerificationExpired(verification, Date.parse(verification.expires_at))).toBe(true);
    expect(isVerificationExpired({ ...verification, expires_at: 'soon' }, now)).toBe(false);
  });
});

describe('addresses', () => {
  it('follows only http(s) redirects', () => {
    expect(safeRedirectUrl('https://pay.example/x?y=1', 'https://shop.test/')).toBe('https://pay.example/x?y=1');
    expect(safeRedirectUrl('/orders/pay_1?token=t', 'https://shop.test/checkout/pay_1')).toBe('https://shop.test/orders/pay_1?token=t');
    expect(safeRedirectUrl('javascript:alert(1)', 'https://shop.test/')).toBeNull();
    expect(safeRedirectUrl('data:text/html,x', 'https://shop.test/')).toBeNull();
  });

  it('reads the payment id from the page path, and nothing else', () => {
    expect(paymentIdFromPath('/checkout/pay_01JABC', 'checkout')).toBe('pay_01JABC');
    expect(paymentIdFromPath('/orders/pay_01JABC/', 'orders')).toBe('pay_01JABC');
    expect(paymentIdFromPath('/checkout/pay_1/../x', 'checkout')).toBeNull();
    expect(paymentIdFromPath('/orders/pay_1', 'checkout')).toBeNull();
  });

  it('reads the client_secret from the fragment', () => {
    expect(clientSecretFromHash('#pay_1_secret_AbC-d_9')).toBe('pay_1_secret_AbC-d_9');
    expect(clientSecretFromHash('')).toBeNull();
    expect(clientSecretFromHash('#')).toBeNull();
    expect(clientSecretFromHash('#a<b')).toBeNull();
    expect(clientSecretFromHash('#%E0%A4%A')).toBeNull();
  });
});

describe('idempotency keys', () => {
  it('gives each payer action a new key', () => {
    const keys = new IdempotencyKeys();
    const first = keys.keyFor('confirm:a');
    keys.settle('confirm:a', first, null);
    expect(keys.keyFor('confirm:a')).not.toBe(first);
  });

  it('reuses the key when the same action is retried after no answer came', () => {
    const keys = new IdempotencyKeys();
    const first = keys.keyFor('confirm:a');
    keys.settle('confirm:a', first, new NetworkError('offline'));
    expect(keys.keyFor('confirm:a')).toBe(first);
    expect(keys.keyFor('confirm:b')).not.toBe(first);
  });

  it('reuses the key while the first request is still running, but not after a decline', () => {
    const keys = new IdempotencyKeys();
    const first = keys.keyFor('x');
    keys.settle('x', first, new ApiError(409, { code: 'idempotency_key_in_use', message: 'm', suggestion: 's' }));
    expect(keys.keyFor('x')).toBe(first);
    keys.settle('x', first, new ApiError(402, { code: 'card_declined', message: 'm', suggestion: 's' }));
    expect(keys.keyFor('x')).not.toBe(first);
  });
});

describe('what the payer reads', () => {
  it('shows the API’s own message and suggestion', () => {
    const error = new ApiError(402, { code: 'card_declined', message: 'The card was declined.', suggestion: 'Try another card.' });
    expect(shownError(error, 'en')).toEqual({ code: 'card_declined', message: 'The card was declined.', suggestion: 'Try another card.', detail: null });
  });

  it('words a network failure and an unreadable answer itself, in the page language', () => {
    expect(shownError(new NetworkError('x'), 'zh-TW').message).toBe('無法連線至伺服器。');
    expect(shownError(new ApiError(502, { code: 'unreadable_response', message: '', suggestion: '' }), 'en').message).toBe('Something went wrong on our side.');
  });

  it('describes a card by brand and last four, other methods by name', () => {
    expect(describeMethod({ type: 'card', card: { brand: 'visa', last4: '4242' } }, 'en')).toBe('Visa ending in 4242');
    expect(describeMethod({ type: 'alipay' }, 'zh-CN')).toBe('支付宝');
    expect(describeMethod(null, 'en')).toBe('—');
  });
});
