/** The payer's email after a payment shows the points it used and earned, in every language. */
import { describe, expect, it } from 'vitest';
import { renderPayerMessage, type PayerMessageInput } from '../payer-messages.ts';

function succeeded(locale: PayerMessageInput['locale'], points?: PayerMessageInput['points']): PayerMessageInput {
  return {
    kind: 'payment_succeeded',
    locale,
    merchantName: 'Tea House',
    customerName: 'Alice',
    orderNumber: '1001',
    paymentId: 'pay_01JD0000000000000000000000',
    amount: 617n,
    currency: 'CNY',
    refundAmount: null,
    paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
    occurredAt: new Date('2026-11-22T08:05:00Z'),
    timeZone: 'Asia/Shanghai',
    orderUrl: 'https://pay.example.com/orders/pay_01JD0000000000000000000000',
    cancellationReason: null,
    failureMessage: null,
    points,
  };
}

describe('points in the payer message', () => {
  it('lists the points used with their value and the points earned', () => {
    const { text, html } = renderPayerMessage(succeeded('en', { earned: 1_234n, redeemed: 617n, value: 617n }));
    expect(text).toContain('Points used: 617 (−CN¥6.17)');
    expect(text).toContain('Points earned: 1,234');
    expect(html).toContain('Points earned');
    expect(renderPayerMessage(succeeded('zh-CN', { earned: 6n, redeemed: 0n, value: 0n })).text).toContain('获得积分：6');
    expect(renderPayerMessage(succeeded('zh-TW', { earned: 6n, redeemed: 0n, value: 0n })).text).toContain('獲得點數：6');
  });

  it('says nothing of points when none moved', () => {
    const { text } = renderPayerMessage(succeeded('en', { earned: 0n, redeemed: 0n, value: 0n }));
    expect(text).not.toContain('Points');
    expect(renderPayerMessage(succeeded('en')).text).not.toContain('Points');
  });
});
