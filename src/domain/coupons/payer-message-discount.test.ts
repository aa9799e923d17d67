/** The payer's email shows a coupon's discount beside the amount charged, in each language. */
import { describe, expect, it } from 'vitest';
import { renderPayerMessage, type PayerMessageInput } from '../payer-messages.ts';

const base: PayerMessageInput = {
  kind: 'payment_succeeded',
  locale: 'en',
  merchantName: 'Tea House',
  customerName: 'Alice',
  orderNumber: '1001',
  paymentId: 'pay_01JD0000000000000000000000',
  amount: 1760n,
  currency: 'CNY',
  refundAmount: null,
  paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
  occurredAt: new Date('2026-11-22T08:05:00Z'),
  timeZone: 'Asia/Shanghai',
  orderUrl: 'https://pay.example.com/orders/pay_01JD0000000000000000000000',
  cancellationReason: null,
  failureMessage: null,
};

describe('the discount in the payer email', () => {
  it('shows the original price, the coupon and what it took off, then the amount charged', () => {
    const message = renderPayerMessage({ ...base, coupon: { code: 'SPRING12', discount: 239n } });
    expect(message.text).toContain('Original price: CN¥19.99');
    expect(message.text).toContain('Coupon SPRING12: −CN¥2.39');
    expect(message.text).toContain('Amount: CN¥17.60');
    expect(message.text.indexOf('Original price')).toBeLessThan(message.text.indexOf('Amount:'));
    expect(message.html).toContain('SPRING12');
    expect(message.html).toContain('−CN¥2.39');
  });

  it('says it in Simplified and Traditional Chinese', () => {
    expect(renderPayerMessage({ ...base, locale: 'zh-CN', coupon: { code: 'SPRING12', discount: 239n } }).text).toContain('优惠码 SPRING12：−¥2.39');
    expect(renderPayerMessage({ ...base, locale: 'zh-TW', coupon: { code: 'SPRING12', discount: 239n } }).text).toContain('優惠碼 SPRING12：');
    expect(renderPayerMessage({ ...base, locale: 'zh-TW', coupon: { code: 'SPRING12', discount: 239n } }).text).toContain('原價');
  });

  it('shows nothing of a coupon when there is none, and none on a refund message', () => {
    expect(renderPayerMessage(base).text).not.toContain('Coupon');
    const refund = renderPayerMessage({ ...base, kind: 'refund_succeeded', refundAmount: 500n, coupon: { code: 'SPRING12', discount: 239n } });
    expect(refund.text).not.toContain('SPRING12');
  });
});
