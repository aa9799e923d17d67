import { describe, expect, it } from 'vitest';
import { couponProblem, discountOf, normalizeCouponCode, redemptionStepOf, type CouponTerms } from './coupon-rules.ts';

const terms: CouponTerms = {
  discountType: 'percentage',
  percentOff: 12,
  amountOff: null,
  currency: 'CNY',
  minimumAmount: 1000n,
  startsAt: new Date('2026-12-01T00:00:00Z'),
  endsAt: new Date('2027-01-01T00:00:00Z'),
  paymentMethodTypes: ['card', 'alipay'],
  disabledAt: null,
};
const use = { now: new Date('2026-12-06T00:00:00Z'), currency: 'CNY', amountOriginal: 1999n, paymentMethodTypes: ['card'] };

describe('coupon discounts', () => {
  it('rounds a percentage down to a whole minor unit', () => {
    expect(discountOf(terms, 1999n)).toBe(239n); // 239.88
    expect(discountOf(terms, 100n)).toBe(12n);
    expect(discountOf(terms, 8n)).toBe(0n); // 0.96
    expect(discountOf({ ...terms, percentOff: 33 }, 1_000_000_000_000n)).toBe(330_000_000_000n);
  });

  it('leaves at least one minor unit to pay', () => {
    expect(discountOf({ ...terms, percentOff: 100 }, 1000n)).toBe(999n);
    expect(discountOf({ discountType: 'fixed_amount', percentOff: null, amountOff: 5000n }, 1000n)).toBe(999n);
    expect(discountOf({ discountType: 'fixed_amount', percentOff: null, amountOff: 5000n }, 1n)).toBe(0n);
    expect(discountOf({ discountType: 'fixed_amount', percentOff: null, amountOff: 300n }, 1000n)).toBe(300n);
  });

  it('compares codes without case or surrounding spaces', () => {
    expect(normalizeCouponCode('  spring-10 ')).toBe('SPRING-10');
  });
});

describe('whether a coupon applies', () => {
  it('applies within its window, currency, minimum and methods', () => {
    expect(couponProblem(terms, use)).toBeNull();
    expect(couponProblem({ ...terms, paymentMethodTypes: null }, { ...use, paymentMethodTypes: ['wallet'] })).toBeNull();
  });

  it('names the first reason it does not', () => {
    expect(couponProblem({ ...terms, disabledAt: use.now }, use)).toBe('coupon_disabled');
    expect(couponProblem(terms, { ...use, now: new Date('2026-11-30T23:59:59Z') })).toBe('coupon_not_yet_valid');
    // The end is exclusive.
    expect(couponProblem(terms, { ...use, now: new Date('2027-01-01T00:00:00Z') })).toBe('coupon_expired');
    expect(couponProblem(terms, { ...use, currency: 'USD' })).toBe('coupon_currency_mismatch');
    expect(couponProblem(terms, { ...use, amountOriginal: 999n })).toBe('coupon_minimum_not_met');
    expect(couponProblem(terms, { ...use, amountOriginal: 1000n })).toBeNull();
    expect(couponProblem(terms, { ...use, paymentMethodTypes: ['wallet'] })).toBe('coupon_not_for_method');
    expect(couponProblem(terms, { ...use, paymentMethodTypes: ['wallet', 'alipay'] })).toBeNull();
  });
});

describe('what a status change does to a redemption', () => {
  it('reserves on confirm, consumes on success, releases on failure, cancel and abandonment', () => {
    expect(redemptionStepOf('requires_payment_method', 'processing')).toBe('reserve');
    expect(redemptionStepOf('requires_payment_method', 'requires_action')).toBe('reserve');
    expect(redemptionStepOf('requires_payment_method', 'succeeded')).toBe('reserve_consumed');
    expect(redemptionStepOf('processing', 'succeeded')).toBe('consume');
    expect(redemptionStepOf('requires_action', 'succeeded')).toBe('consume');
    expect(redemptionStepOf('processing', 'requires_payment_method')).toBe('release');
    expect(redemptionStepOf('requires_action', 'canceled')).toBe('release');
    expect(redemptionStepOf('requires_capture', 'canceled')).toBe('release');
  });

  it('does nothing for changes that neither confirm nor end the attempt', () => {
    expect(redemptionStepOf('requires_payment_method', 'requires_payment_method')).toBeNull();
    expect(redemptionStepOf('requires_payment_method', 'canceled')).toBeNull();
    expect(redemptionStepOf('processing', 'processing')).toBeNull();
    expect(redemptionStepOf('processing', 'requires_action')).toBeNull();
    expect(redemptionStepOf('processing', 'requires_capture')).toBeNull();
    expect(redemptionStepOf('requires_capture', 'processing')).toBeNull();
  });
});
