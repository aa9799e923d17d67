/** When "no such order" from a provider comes to mean "never made". */
import { describe, expect, it } from 'vitest';
import { limits } from '../../domain/limits.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { AttemptRow } from '../../store/schema.ts';
import { isOrderNeverMade } from './channel-payments.ts';

const createdAtMs = Date.UTC(2026, 10, 2, 2, 0, 0);
const payment = (status: PaymentRecord['status'], expiresInMs: number) => ({ status, expires_at: new Date(createdAtMs + expiresInMs) }) as PaymentRecord;
const attempt = (status: AttemptRow['status']) => ({ status, started_at: new Date(createdAtMs) }) as AttemptRow;
const hourMs = 60 * 60 * 1000;

describe('isOrderNeverMade', () => {
  it('waits channelOrderMissingSettleAfterMs after the creation of an order whose outcome is unknown', () => {
    const bound = createdAtMs + limits.channelOrderMissingSettleAfterMs;
    for (const status of ['unknown', 'pending'] as const) {
      expect(isOrderNeverMade(payment('processing', hourMs), attempt(status), bound - 1)).toBe(false);
      expect(isOrderNeverMade(payment('processing', hourMs), attempt(status), bound)).toBe(true);
    }
  });

  it('judges at the payment expiry when it comes first, but never while the confirm that creates the order may still run', () => {
    expect(isOrderNeverMade(payment('processing', 120_000), attempt('unknown'), createdAtMs + 120_000)).toBe(true);
    expect(isOrderNeverMade(payment('processing', 120_000), attempt('unknown'), createdAtMs + 119_999)).toBe(false);
    expect(isOrderNeverMade(payment('processing', 1_000), attempt('unknown'), createdAtMs + limits.httpRequestTimeoutMs - 1)).toBe(false);
    expect(isOrderNeverMade(payment('processing', 1_000), attempt('unknown'), createdAtMs + limits.httpRequestTimeoutMs)).toBe(true);
  });

  it('never judges an order the payer was shown, nor a payment no longer waiting on its creation', () => {
    const late = createdAtMs + 10 * hourMs;
    expect(isOrderNeverMade(payment('requires_action', hourMs), attempt('requires_action'), late)).toBe(false);
    expect(isOrderNeverMade(payment('processing', hourMs), attempt('requires_action'), late)).toBe(false);
    expect(isOrderNeverMade(payment('requires_payment_method', hourMs), attempt('failed'), late)).toBe(false);
    expect(isOrderNeverMade(payment('succeeded', hourMs), attempt('succeeded'), late)).toBe(false);
  });
});
