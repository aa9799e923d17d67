import { describe, expect, it } from 'vitest';
import { label, languages, t } from './checkout/i18n.ts';
import { afterSalesBadgeKey, orderStatusKey } from './checkout/present.ts';

describe('the order page follows refunds', () => {
  it('says paid, partly refunded and refunded as refunds settle', () => {
    expect(orderStatusKey({ status: 'succeeded', amount: 3_000, amount_refunded: 0 })).toBe('succeeded');
    expect(orderStatusKey({ status: 'succeeded', amount: 3_000, amount_refunded: 1_000 })).toBe('partially_refunded');
    expect(orderStatusKey({ status: 'succeeded', amount: 3_000, amount_refunded: 3_000 })).toBe('refunded');
  });

  it('never shows an approved refund request whose refund failed as approved or refunded', () => {
    const approved = { kind: 'refund', status: 'approved' };
    expect(afterSalesBadgeKey({ ...approved, refund_status: 'failed' })).toBe('refund_failed');
    expect(afterSalesBadgeKey({ ...approved, refund_status: 'pending' })).toBe('refund_pending');
    expect(afterSalesBadgeKey({ ...approved, refund_status: 'succeeded' })).toBe('refunded');
    expect(afterSalesBadgeKey({ kind: 'exchange', status: 'approved', refund_status: null })).toBe('approved');
    expect(afterSalesBadgeKey({ kind: 'refund', status: 'pending', refund_status: null })).toBe('pending');
    for (const lang of languages) {
      for (const value of ['refund_failed', 'refund_pending', 'refunded']) expect(label(lang, 'afterSalesStatus', value), `${lang} ${value}`).not.toBe(value);
      expect(label(lang, 'timeline', 'refund_failed')).not.toBe('refund_failed');
      expect(t(lang, 'order.refundFailedAmount', { amount: '¥20.00' })).toContain('¥20.00');
    }
  });
});
