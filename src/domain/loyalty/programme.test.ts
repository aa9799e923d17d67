import { describe, expect, it } from 'vitest';
import { checkTerms, pointsEarned, pointsValue, redemptionOf, refundShare, type Programme } from './programme.ts';

const programme: Programme = {
  enabled: true,
  currency: 'CNY',
  version: 1,
  terms: {
    earn: {
      points_per_unit: 1,
      by_payment_method: { alipay: 2 },
      segment_percent: { gold: 150 },
      campaigns: [{ name: 'double', starts_at: '2026-12-01T00:00:00Z', ends_at: '2026-12-08T00:00:00Z', percent: 200 }],
    },
    spend_delay_hours: 24,
    expiry_days: 365,
    redemption: { points: 100, amount: 100, cap_percent: 50 },
  },
};
const before = new Date('2026-11-01T00:00:00Z');
const during = new Date('2026-12-02T00:00:00Z');

describe('earning points', () => {
  it('earns points per whole currency unit, rounded down', () => {
    expect(pointsEarned(programme, { amountReceived: 12_399n, currency: 'CNY', paymentMethodType: 'card', segment: null, at: before })).toBe(123n);
  });
  it('takes the method rate instead of the default', () => {
    expect(pointsEarned(programme, { amountReceived: 12_399n, currency: 'CNY', paymentMethodType: 'alipay', segment: null, at: before })).toBe(247n);
  });
  it('multiplies segment and campaign, rounding once at the end', () => {
    // 123.99 units × 1 × 1.5 × 2 = 371.97 → 371 (rounding each step would give 123 × 1.5 = 184 → 368).
    expect(pointsEarned(programme, { amountReceived: 12_399n, currency: 'CNY', paymentMethodType: 'card', segment: 'gold', at: during })).toBe(371n);
  });
  it('campaign windows are [starts_at, ends_at)', () => {
    const end = new Date('2026-12-08T00:00:00Z');
    expect(pointsEarned(programme, { amountReceived: 100n, currency: 'CNY', paymentMethodType: 'card', segment: null, at: end })).toBe(1n);
  });
  it('earns nothing in another currency or when disabled', () => {
    expect(pointsEarned(programme, { amountReceived: 10_000n, currency: 'USD', paymentMethodType: 'card', segment: null, at: before })).toBe(0n);
    expect(pointsEarned({ ...programme, enabled: false }, { amountReceived: 10_000n, currency: 'CNY', paymentMethodType: 'card', segment: null, at: before })).toBe(0n);
  });
  it('uses the currency exponent (JPY has none)', () => {
    expect(pointsEarned({ ...programme, currency: 'JPY' }, { amountReceived: 1_234n, currency: 'JPY', paymentMethodType: 'card', segment: null, at: before })).toBe(1_234n);
  });
});

describe('redeeming points', () => {
  it('caps the value at the share of the amount and takes only the points it needs', () => {
    expect(redemptionOf(programme, 1_000n, 10_000n)).toEqual({ points: 500n, value: 500n });
    expect(redemptionOf(programme, 1_000n, 300n)).toEqual({ points: 300n, value: 300n });
  });
  it('rounds the value down and takes the points that value needs, rounded up', () => {
    const odd: Programme = { ...programme, terms: { ...programme.terms, redemption: { points: 3, amount: 2, cap_percent: 100 } } };
    // 10 points × 2/3 = 6.67 → 6 minor units, which need 9 points.
    expect(redemptionOf(odd, 1_000n, 10n)).toEqual({ points: 9n, value: 6n });
    expect(pointsValue(odd, 10n)).toBe(6n);
  });
  it('always leaves one minor unit to pay, even at a 100 % cap', () => {
    const full: Programme = { ...programme, terms: { ...programme.terms, redemption: { points: 1, amount: 1, cap_percent: 100 } } };
    expect(redemptionOf(full, 1_000n, 5_000n)).toEqual({ points: 999n, value: 999n });
  });
  it('gives nothing for points worth less than a minor unit', () => {
    const dear: Programme = { ...programme, terms: { ...programme.terms, redemption: { points: 100, amount: 1, cap_percent: 50 } } };
    expect(redemptionOf(dear, 1_000n, 99n)).toEqual({ points: 0n, value: 0n });
  });
});

describe("a refund's share", () => {
  it('sums to exactly all points over partial refunds, whatever their order', () => {
    const shares = [333n, 333n, 334n].reduce<{ before: bigint; taken: bigint[] }>(
      (state, amount) => ({ before: state.before + amount, taken: [...state.taken, refundShare(100n, 1_000n, state.before, state.before + amount)] }),
      { before: 0n, taken: [] },
    );
    expect(shares.taken.reduce((a, b) => a + b, 0n)).toBe(100n);
    expect(shares.taken).toEqual([33n, 33n, 34n]);
  });
});

describe('programme terms', () => {
  it('refuses expiry before points become spendable, and a campaign ending before it starts', () => {
    expect(checkTerms({ ...programme.terms, expiry_days: 1, spend_delay_hours: 48 })).toMatch(/expire after/);
    expect(checkTerms({ ...programme.terms, earn: { ...programme.terms.earn, campaigns: [{ name: 'x', starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-01T00:00:00Z', percent: 100 }] } })).toMatch(/ends after/);
    expect(checkTerms(programme.terms)).toBeNull();
  });
});
