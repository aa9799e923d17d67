import { describe, expect, it } from 'vitest';
import { customerFeatures, divideHalfUp, segmentCustomers, segmentLabel, zScores, type CustomerActivity } from './customer-segments.ts';

function activity(id: string, options: Partial<Omit<CustomerActivity, 'customerId'>> & { amount?: bigint; method?: string } = {}): CustomerActivity {
  const payments = options.payments ?? 5;
  const attempts = options.attempts ?? payments;
  return {
    customerId: id,
    payments,
    canceled: options.canceled ?? 0,
    abandoned: options.abandoned ?? 0,
    attempts,
    amountsByCurrency: options.amountsByCurrency ?? { CNY: { payments, amountSum: (options.amount ?? 5_000n) * BigInt(payments) } },
    attemptsByMethod: options.attemptsByMethod ?? (attempts > 0 ? { [options.method ?? 'card']: attempts } : {}),
  };
}

function ordinary(count: number): CustomerActivity[] {
  return Array.from({ length: count }, (_, i) => activity(`cus_o${String(i).padStart(3, '0')}`, { amount: BigInt(3_000 + ((i * 7919) % 5_000)) }));
}

describe('customer features', () => {
  it('computes rates per payment, the average per currency rounded half up, and the method mix of attempts', () => {
    const f = customerFeatures({
      customerId: 'cus_1',
      payments: 4,
      canceled: 1,
      abandoned: 1,
      attempts: 6,
      amountsByCurrency: { CNY: { payments: 3, amountSum: 1_000n }, USD: { payments: 1, amountSum: 999n } },
      attemptsByMethod: { card: 3, alipay: 3 },
    });
    expect(f).toMatchObject({ cancellationRate: 0.25, abandonmentRate: 0.25, attemptsPerPayment: 1.5, averageAmount: { CNY: 333n, USD: 999n }, methodMix: { card: 0.5, alipay: 0.5 } });
  });

  it('scores a feature that does not vary as 0 for everyone, never NaN', () => {
    expect(zScores([2, 2, 2])).toEqual([0, 0, 0]);
    expect(zScores([1, 3])).toEqual([-1, 1]);
  });

  it('rounds an average half up', () => {
    expect(divideHalfUp(5n, 2n)).toBe(3n);
    expect(divideHalfUp(4n, 3n)).toBe(1n);
  });
});

describe('segmenting customers', () => {
  it('puts every planted frequent canceler into one segment named frequent_cancelers, and no ordinary customer', () => {
    const cancelers = Array.from({ length: 6 }, (_, i) => activity(`cus_c${i}`, { payments: 6, canceled: 5, attempts: 1 }));
    const retriers = Array.from({ length: 4 }, (_, i) => activity(`cus_r${i}`, { payments: 4, attempts: 12 }));
    const result = segmentCustomers([...ordinary(30), ...cancelers, ...retriers], 4);
    const segment = result.segments.find((s) => s.name === 'frequent_cancelers');
    expect(segment?.customers.sort()).toEqual(cancelers.map((c) => c.customerId).sort());
    expect(segment?.distinguishing_feature).toMatchObject({ feature: 'cancellation_rate', direction: 'above' });
    expect(segment?.centroid.cancellation_rate).toBeCloseTo(5 / 6, 4);
    expect(result.segments.find((s) => s.name === 'retriers')?.customers.sort()).toEqual(retriers.map((r) => r.customerId).sort());
    expect(result.segments.reduce((sum, s) => sum + s.size, 0)).toBe(40);
    expect(new Set(result.segments.map((s) => s.name)).size).toBe(result.segments.length);
  });

  it('gives the same segments for the same customers in any order', () => {
    const customers = [...ordinary(20), ...Array.from({ length: 5 }, (_, i) => activity(`cus_w${i}`, { method: 'alipay', amount: 90_000n }))];
    const a = segmentCustomers(customers, 3);
    const b = segmentCustomers([...customers].reverse(), 3);
    expect(b).toEqual(a);
    expect(a.segments.map((s) => s.name)).toContain('alipay_users');
  });

  it('never makes more segments than customers or distinct behaviours', () => {
    expect(segmentCustomers([], 4)).toEqual({ k: 0, segments: [], members: [] });
    const same = [activity('cus_a'), activity('cus_b'), activity('cus_c')];
    const result = segmentCustomers(same, 4);
    expect(result.k).toBe(1);
    expect(result.segments[0]).toMatchObject({ name: 'steady_payers', size: 3, distinguishing_feature: null });
  });

  it('keeps amounts of different currencies apart', () => {
    const yen = Array.from({ length: 5 }, (_, i) => ({ ...activity(`cus_j${i}`), amountsByCurrency: { JPY: { payments: 5, amountSum: 500_000n } } }));
    const result = segmentCustomers([...ordinary(10), ...yen], 2);
    const withYen = result.segments.filter((s) => 'JPY' in s.centroid.average_amount);
    expect(withYen.map((s) => s.centroid.average_amount.JPY)).toEqual([100_000n]);
    // 1000.00 yen is an ordinary amount in yen: it is never compared with fen.
    expect(withYen[0]?.name).not.toBe('big_spenders');
  });

  it('labels segments in every language, numbering a second one of a kind', () => {
    expect(segmentLabel('frequent_cancelers', 'zh-CN')).toBe('经常取消的顾客');
    expect(segmentLabel('steady_payers_2', 'en')).toBe('Steady payers (2)');
    expect(segmentLabel('steady_payers', 'zh-TW')).toBe('穩定付款的顧客');
  });
});
