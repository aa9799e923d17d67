import { describe, expect, it } from 'vitest';
import { payButtonLabels, presentationOf, presentedMethods } from '../src/domain/experiments/checkout-presentation.ts';
import type { CheckoutSession, Payment } from './checkout/api-types.ts';
import { cardContinueText, payButtonText } from './checkout/experiments/presentation-texts.ts';
import { languages } from './checkout/i18n.ts';
import * as S from './checkout/state.ts';

function session(fields: Partial<CheckoutSession> = {}): CheckoutSession {
  const payment = { id: 'pay_1', status: 'requires_payment_method', amount: 1234, currency: 'CNY', amount_refunded: 0, payment_method: null, order: null,
    description: null, next_action: null, last_error: null, cancellation_reason: null, expires_at: null, created_at: '', updated_at: '' } as unknown as Payment;
  return {
    object: 'checkout', payment, merchant: { name: 'Tea House' }, customer_locale: null, methods: ['card', 'alipay', 'wallet'], preselected_method: null, wallet: null,
    cancellation_reasons: [], order_url: null, feedback: null, ...fields,
  };
}

describe('the checkout presentation', () => {
  it('keeps the automatic order and the first method without a setting or variant', () => {
    expect(presentedMethods(['alipay', 'card', 'wallet'], presentationOf())).toEqual({ methods: ['alipay', 'card', 'wallet'], preselected: 'alipay' });
  });

  it('puts the wallet first, then the explicit order, the rest as they were; preselects the named method only when offered', () => {
    const shown = presentedMethods(['alipay', 'wechat_pay', 'card', 'wallet'], presentationOf({ wallet_first: true, method_order: ['card'], preselected_method: 'card' }));
    expect(shown).toEqual({ methods: ['wallet', 'card', 'alipay', 'wechat_pay'], preselected: 'card' });
    expect(presentedMethods(['alipay'], presentationOf({ preselected_method: 'card' })).preselected).toBe('alipay');
  });

  it('layers the variant over the merchant setting over the defaults', () => {
    expect(presentationOf({ coupon_field: 'open', pay_button_label: 'pay_now' }, { pay_button_label: 'complete_purchase' })).toEqual({
      method_order: null, preselected_method: null, card_form: 'one_page', wallet_first: false, pay_button_label: 'complete_purchase', coupon_field: 'open',
    });
  });

  it('opens the coupon field, folds the card form and preselects as the session presentation says', () => {
    const plain = S.loaded(session(), ['card', 'alipay']);
    expect([plain.coupon.open, plain.cardDetailsOpen, plain.method]).toEqual([false, true, 'card']);
    const varied = S.loaded(session({ presentation: { coupon_field: 'open', card_form: 'two_step' } }), ['card', 'alipay'], 'alipay');
    expect([varied.coupon.open, varied.cardDetailsOpen, varied.method]).toEqual([true, false, 'alipay']);
    expect(S.cardDetailsOpened(varied).cardDetailsOpen).toBe(true);
  });

  it('words every Pay button in every language with the amount, each differently', () => {
    for (const lang of languages) {
      const texts = payButtonLabels.map((label) => payButtonText(lang, label, '¥12.00'));
      for (const text of texts) expect(text).toContain('¥12.00');
      expect(new Set(texts).size).toBe(payButtonLabels.length);
      expect(cardContinueText(lang).length).toBeGreaterThan(0);
    }
  });
});
