import { describe, expect, it } from 'vitest';
import { planTraffic, slotMs, type Step } from './traffic-plan.ts';

const endMs = Date.UTC(2026, 10, 30, 12);

describe('the traffic plan', () => {
  it('is the same for the same seed and end, and different for another seed', () => {
    const a = planTraffic({ payments: 300, days: 3, seed: 7, endMs });
    expect(planTraffic({ payments: 300, days: 3, seed: 7, endMs })).toEqual(a);
    expect(planTraffic({ payments: 300, days: 3, seed: 8, endMs }).payments).not.toEqual(a.payments);
  });

  it('spreads the payments over the days asked, in slot order, each expiring after whole slots', () => {
    const plan = planTraffic({ payments: 500, days: 2, seed: 1, endMs });
    expect(plan.startMs).toBe(endMs - 2 * 24 * 3_600_000);
    expect(plan.slots).toBe((2 * 24 * 3_600_000) / slotMs);
    expect(plan.payments).toHaveLength(500);
    const slots = plan.payments.map((p) => p.slot);
    expect(slots).toEqual([...slots].sort((x, y) => x - y));
    expect(Math.min(...slots)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...slots)).toBeLessThan(plan.slots);
    expect(new Set(slots.map((slot) => Math.floor((slot * slotMs) / 86_400_000))).size).toBe(2);
    for (const payment of plan.payments) expect((payment.expiresInSeconds * 1000) % slotMs).toBe(0);
  });

  it('plants frequent cancelers, retriers and wallet users, and pays USD by card only', () => {
    const plan = planTraffic({ payments: 400, days: 1, seed: 3, endMs });
    const personas = new Set(plan.customers.map((c) => c.persona));
    expect([...personas]).toEqual(expect.arrayContaining(['frequent_canceler', 'retrier', 'wallet_user', 'big_spender', 'ordinary']));
    const steps = (p: { steps: Step[]; onProviderFailure: Step[] }) => [...p.steps, ...p.onProviderFailure];
    for (const payment of plan.payments.filter((p) => p.currency === 'USD')) expect(steps(payment).some((s) => s.kind === 'qr')).toBe(false);
    const kinds = new Set(plan.payments.flatMap((p) => p.steps.map((s) => (s.kind === 'qr' ? s.channel : s.kind))));
    expect([...kinds]).toEqual(expect.arrayContaining(['card', 'cancel', 'alipay', 'wechat_pay', 'unionpay']));
  });

  it('degrades card or Alipay for sixteen hours within one UTC day', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plan = planTraffic({ payments: 10, days: 3, seed, endMs });
      const from = plan.startMs + plan.degraded.fromSlot * slotMs;
      const to = plan.startMs + plan.degraded.toSlot * slotMs;
      expect(['card', 'alipay']).toContain(plan.degraded.channel);
      expect(to - from).toBe(16 * 3_600_000);
      expect(new Date(from).toISOString().slice(0, 10)).toBe(new Date(to - 1).toISOString().slice(0, 10));
    }
  });

  it('refuses counts beyond its bounds', () => {
    expect(() => planTraffic({ payments: 0, days: 1, seed: 1, endMs })).toThrow();
    expect(() => planTraffic({ payments: 10, days: 366, seed: 1, endMs })).toThrow();
    expect(() => planTraffic({ payments: 10, days: 1, seed: 1, endMs: endMs + 1 })).toThrow();
  });
});
