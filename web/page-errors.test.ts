import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from './checkout/api.ts';
import { languages } from './checkout/i18n.ts';
import { payerFacingError } from './checkout/page-errors.ts';
import { orderStatusKey } from './checkout/present.ts';

const developerWords = /key|mode|authorization|bearer|developer|sk_|pk_|密钥|模式|開發|开发/i;

describe('payer-facing errors', () => {
  it('a refused link never speaks of keys, modes or developers, in any language', () => {
    const refused = new ApiError(401, { code: 'authentication_required', message: 'No valid API key. Send Authorization: Bearer sk_test_…', suggestion: 'Use your test mode key' });
    for (const lang of languages) {
      for (const page of ['checkout', 'order'] as const) {
        const shown = payerFacingError(refused, lang, page);
        expect(shown).not.toBeNull();
        expect(`${shown?.message} ${shown?.suggestion}`).not.toMatch(developerWords);
      }
    }
    expect(payerFacingError(new ApiError(404, { code: 'resource_missing', message: 'No such order in live mode', suggestion: '' }), 'en', 'order')?.message).toMatch(/order link/);
  });

  it('a server error or a network failure keeps its own words (it is not the link\'s fault)', () => {
    expect(payerFacingError(new ApiError(503, { code: 'unavailable', message: 'm', suggestion: 's' }), 'en', 'checkout')).toBeNull();
    expect(payerFacingError(new NetworkError('offline'), 'en', 'checkout')).toBeNull();
  });
});

describe('the order status the payer reads', () => {
  it('follows refunds that succeeded: partially refunded, then refunded', () => {
    expect(orderStatusKey({ status: 'succeeded', amount: 5000, amount_refunded: 0 })).toBe('succeeded');
    expect(orderStatusKey({ status: 'succeeded', amount: 5000, amount_refunded: 2000 })).toBe('partially_refunded');
    expect(orderStatusKey({ status: 'succeeded', amount: 5000, amount_refunded: 5000 })).toBe('refunded');
    expect(orderStatusKey({ status: 'canceled', amount: 5000, amount_refunded: 0 })).toBe('canceled');
  });
});
