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

describe('the original price with points used', () => {
  it('counts the value of the points in the original price, and reads down: original, coupon, points, amount', () => {
    const message = renderPayerMessage({ ...base, amount: 700n, coupon: { code: 'SPRING12', discount: 200n }, points: { earned: 70n, redeemed: 100n, value: 100n } });
    const order = ['Original price: CN¥10.00', 'Coupon SPRING12: −CN¥2.00', 'Points used: 100 (−CN¥1.00)', 'Amount: CN¥7.00', 'Points earned: 70'];
    const positions = order.map((line) => message.text.indexOf(line));
    expect(positions.every((position) => position >= 0), message.text).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('shows the original price when points alone took part of it off', () => {
    const message = renderPayerMessage({ ...base, amount: 900n, points: { earned: 0n, redeemed: 100n, value: 100n } });
    expect(message.text).toContain('Original price: CN¥10.00');
    expect(message.text).not.toContain('Coupon');
  });
});
