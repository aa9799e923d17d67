import { describe, expect, it } from 'vitest';
import { experienceFigures } from './experience.ts';

const none = { customers: { payingPrevious: 0, payingCurrent: 0, churned: 0, repeatCustomers: 0 }, revenue: [], timeToPay: [], feedback: [] };

describe('experienceFigures', () => {
  it('divides revenue by churn in one rounding, half up, per currency', () => {
    const figures = experienceFigures({
      ...none,
      customers: { payingPrevious: 3, payingCurrent: 2, churned: 2, repeatCustomers: 1 },
      revenue: [
        { currency: 'USD', purchases: 2, customers: 2, revenue: 10_999n },
        { currency: 'CNY', purchases: 2, customers: 1, revenue: 6_001n },
      ],
    });
    expect(figures.customers).toEqual({
      paying_previous_period: 3,
      paying_this_period: 2,
      churned: 2,
      churn_rate: 0.6667,
      repeat_customers: 1,
      repeat_purchase_rate: 0.5,
      expected_lifetime_periods: 1.5,
    });
    // Sorted by currency; 6 001 × 3 / 2 = 9 001.5 → 9 002; 10 999 / 2 = 5 499.5 → 5 500, and 10 999 × 3 / 4 = 8 249.25 → 8 249 (not 5 500 × 1.5).
    expect(figures.revenue.map((r) => [r.currency, r.revenue_per_customer, r.customer_lifetime_value])).toEqual([
      ['CNY', 6_001n, 9_002n],
      ['USD', 5_500n, 8_249n],
    ]);
  });

  it('answers null, not 0 or infinity, when nobody churned or nobody paid', () => {
    const figures = experienceFigures({ ...none, customers: { payingPrevious: 2, payingCurrent: 2, churned: 0, repeatCustomers: 0 }, revenue: [{ currency: 'CNY', purchases: 2, customers: 2, revenue: 100n }] });
    expect(figures.customers.churn_rate).toBe(0);
    expect(figures.customers.expected_lifetime_periods).toBeNull();
    expect(figures.revenue[0]?.customer_lifetime_value).toBeNull();
    const empty = experienceFigures(none);
    expect(empty.customers.churn_rate).toBeNull();
    expect(empty.customers.repeat_purchase_rate).toBeNull();
    expect(empty.time_to_pay.overall).toEqual({ payments: 0, average_ms: null });
    expect(empty.satisfaction).toEqual({ responses: 0, csat: null, nps_responses: 0, nps: null });
  });

  it('averages time to pay half up per method and per device, in name order', () => {
    const figures = experienceFigures({
      ...none,
      timeToPay: [
        { dimension: 'all', key: null, payments: 3, totalMs: 100_001n },
        { dimension: 'device', key: 'mobile', payments: 2, totalMs: 3n },
        { dimension: 'device', key: 'desktop', payments: 1, totalMs: 99_998n },
        { dimension: 'method', key: 'card', payments: 3, totalMs: 100_001n },
      ],
    });
    expect(figures.time_to_pay.overall).toEqual({ payments: 3, average_ms: 33_334 });
    expect(figures.time_to_pay.by_device).toEqual([
      { device_class: 'desktop', payments: 1, average_ms: 99_998 },
      { device_class: 'mobile', payments: 2, average_ms: 2 },
    ]);
    expect(figures.time_to_pay.by_method).toEqual([{ payment_method_type: 'card', payments: 3, average_ms: 33_334 }]);
  });

  it('refuses counts that cannot be: more churned than paid before', () => {
    expect(() => experienceFigures({ ...none, customers: { payingPrevious: 1, payingCurrent: 0, churned: 2, repeatCustomers: 0 } })).toThrow();
  });
});
