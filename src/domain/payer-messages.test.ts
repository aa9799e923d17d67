/**
 * The payer's messages: every kind in every language names the merchant and
 * the order, amounts and times are exact and in the payer's zone, and nothing
 * a merchant types can inject markup or a script link into the HTML.
 */
import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.ts';
import { locales, type Locale } from './locale.ts';
import { cancellationReasons } from './payments/payment-state.ts';
import {
  formatAmountForPayer,
  formatTimeForPayer,
  payerMessageKinds,
  paymentMethodLabel,
  renderPayerMessage,
  type PayerMessageInput,
  type PayerMessageKind,
} from './payer-messages.ts';

/** 22 Nov 2026, 08:05 UTC: 16:05 in Shanghai, 03:05 in New York (EST). */
const occurredAt = new Date('2026-11-22T08:05:00Z');

function input(kind: PayerMessageKind, locale: Locale, overrides: Partial<PayerMessageInput> = {}): PayerMessageInput {
  return {
    kind,
    locale,
    merchantName: 'Tea House',
    customerName: 'Alice',
    orderNumber: '1001',
    paymentId: 'pay_01JD0000000000000000000000',
    amount: 1234n,
    currency: 'CNY',
    refundAmount: kind === 'refund_succeeded' ? 500n : null,
    paymentMethod: { type: 'card', brand: 'visa', last4: '4242' },
    occurredAt,
    timeZone: 'Asia/Shanghai',
    orderUrl: 'https://pay.example.com/orders/pay_01JD0000000000000000000000',
    cancellationReason: kind === 'payment_canceled' ? 'abandoned' : null,
    failureMessage: kind === 'payment_failed' ? 'The card was declined.' : null,
    ...overrides,
  };
}

describe('renderPayerMessage in every kind and language', () => {
  for (const kind of payerMessageKinds) {
    for (const locale of locales) {
      it(`${kind} in ${locale} names the merchant and the order in subject, text, HTML and SMS`, () => {
        const message = renderPayerMessage(input(kind, locale));
        for (const [part, value] of Object.entries(message)) {
          expect(value.trim(), part).not.toBe('');
          expect(value, part).toContain('1001');
          expect(value, part).toContain('Tea House');
        }
        expect(message.text).toContain('12.34');
        expect(message.text).toContain('Visa •••• 4242');
        expect(message.text).toContain(formatTimeForPayer(occurredAt, 'Asia/Shanghai', locale));
        expect(message.text.split('\n')).toContain('https://pay.example.com/orders/pay_01JD0000000000000000000000');
        expect(message.html).toContain('href="https://pay.example.com/orders/pay_01JD0000000000000000000000"');
      });

      it(`${kind} in ${locale} keeps the SMS to one line of at most 160 characters`, () => {
        const { sms } = renderPayerMessage(input(kind, locale));
        expect(sms).not.toMatch(/[\r\n]/);
        expect(sms.length).toBeLessThanOrEqual(160);
        expect(sms).toContain('https://pay.example.com/orders/pay_01JD0000000000000000000000');
        if (locale !== 'en') expect(sms.startsWith('【Tea House】')).toBe(true);
      });
    }
  }

  it('writes subjects as a native reader expects them', () => {
    expect(renderPayerMessage(input('payment_succeeded', 'en')).subject).toBe('Payment received: order 1001 at Tea House');
    expect(renderPayerMessage(input('payment_succeeded', 'zh-CN')).subject).toBe('【Tea House】订单 1001 付款成功');
    expect(renderPayerMessage(input('payment_failed', 'zh-TW')).subject).toBe('【Tea House】訂單 1001 付款失敗');
  });

  it('shows both the refunded amount and the payment amount in a refund', () => {
    const { text, sms } = renderPayerMessage(input('refund_succeeded', 'en'));
    expect(text).toContain('CN¥5.00');
    expect(text).toContain('CN¥12.34');
    expect(sms).toContain('CN¥5.00');
  });

  it('tells when refunded money arrives: days for a card, at once for the wallet, per provider otherwise', () => {
    const card = renderPayerMessage(input('refund_succeeded', 'en')).text;
    const wallet = renderPayerMessage(input('refund_succeeded', 'en', { paymentMethod: { type: 'wallet' } })).text;
    const alipay = renderPayerMessage(input('refund_succeeded', 'zh-CN', { paymentMethod: { type: 'alipay' } })).text;
    expect(card).toContain('a few business days');
    expect(wallet).toContain('wallet balance now');
    expect(wallet).not.toContain('business days');
    expect(alipay).toContain('到账时间以支付宝为准');
  });

  it('gives the failure message and the next step when a payment failed', () => {
    const en = renderPayerMessage(input('payment_failed', 'en')).text;
    expect(en).toContain('The card was declined.');
    expect(en).toContain('try again or choose another payment method');
    const zh = renderPayerMessage(input('payment_failed', 'zh-CN', { failureMessage: '银行卡余额不足。' })).text;
    expect(zh).toContain('银行卡余额不足。');
    expect(zh).toContain('重新付款');
  });

  it('renders a failure without a message, and does not print "null"', () => {
    const { text, html } = renderPayerMessage(input('payment_failed', 'en', { failureMessage: null }));
    expect(text).not.toContain('null');
    expect(html).not.toContain('null');
    expect(text).toContain('try again');
  });

  it('leaves the payment method out when it is unknown', () => {
    const { text } = renderPayerMessage(input('payment_succeeded', 'en', { paymentMethod: null }));
    expect(text).not.toContain('Payment method');
    expect(text).not.toContain('null');
  });

  it('says no money was taken when a payment is canceled', () => {
    expect(renderPayerMessage(input('payment_canceled', 'en')).text).toContain('No money has been taken');
    expect(renderPayerMessage(input('payment_canceled', 'zh-CN')).text).toContain('未从您的账户扣除任何款项');
    expect(renderPayerMessage(input('payment_canceled', 'zh-TW')).text).toContain('未從您的帳戶扣除任何款項');
  });

  it('refuses a refund message without a refunded amount, or with more than the payment', () => {
    expect(() => renderPayerMessage(input('refund_succeeded', 'en', { refundAmount: null }))).toThrow(AssertionError);
    expect(() => renderPayerMessage(input('refund_succeeded', 'en', { refundAmount: 1235n }))).toThrow(AssertionError);
  });
});

describe('cancellation reasons', () => {
  it('says "it was not paid in time" for an abandoned payment', () => {
    expect(renderPayerMessage(input('payment_canceled', 'en')).text).toContain('it was not paid in time');
  });

  for (const locale of locales) {
    it(`has a sentence of its own for every reason in ${locale}`, () => {
      const texts = cancellationReasons.map(
        (reason) => renderPayerMessage(input('payment_canceled', locale, { cancellationReason: reason })).text,
      );
      // The texts differ only in the reason sentence, so ten reasons must give ten different texts.
      expect(new Set(texts).size).toBe(cancellationReasons.length);
    });
  }

  it('reads a missing reason like "other"', () => {
    const missing = renderPayerMessage(input('payment_canceled', 'zh-TW', { cancellationReason: null })).text;
    const other = renderPayerMessage(input('payment_canceled', 'zh-TW', { cancellationReason: 'other' })).text;
    expect(missing).toBe(other);
  });
});

describe('formatAmountForPayer', () => {
  it('shows CNY with two decimals in every language', () => {
    expect(formatAmountForPayer(1234n, 'CNY', 'en')).toBe('CN¥12.34');
    expect(formatAmountForPayer(1234n, 'CNY', 'zh-CN')).toBe('¥12.34');
    for (const locale of locales) expect(formatAmountForPayer(1234n, 'CNY', locale)).toContain('12.34');
  });

  it('shows JPY without decimals', () => {
    for (const locale of locales) {
      const text = formatAmountForPayer(1234n, 'JPY', locale);
      expect(text).toContain('1,234');
      expect(text).not.toMatch(/1,234\./);
    }
  });

  it('shows KWD with three decimals', () => {
    for (const locale of locales) expect(formatAmountForPayer(1234n, 'KWD', locale)).toContain('1.234');
  });

  it('shows 10^12 minor units, the largest amount, exactly', () => {
    expect(formatAmountForPayer(1_000_000_000_000n, 'CNY', 'en')).toBe('CN¥10,000,000,000.00');
    expect(formatAmountForPayer(999_999_999_999n, 'CNY', 'zh-CN')).toBe('¥9,999,999,999.99');
  });

  it('does not round through a floating-point number, even past 2^53', () => {
    // 2^53 + 1 has no exact double: a Number() on the way would print ...992.
    expect(formatAmountForPayer(9_007_199_254_740_993n, 'JPY', 'en')).toContain('9,007,199,254,740,993');
  });

  it('shows a small amount with its leading zero', () => {
    expect(formatAmountForPayer(5n, 'CNY', 'en')).toBe('CN¥0.05');
    expect(formatAmountForPayer(5n, 'KWD', 'en')).toContain('0.005');
  });
});

describe('formatTimeForPayer', () => {
  it('shows the same instant as 16:05 in Shanghai and 03:05 in New York', () => {
    expect(formatTimeForPayer(occurredAt, 'Asia/Shanghai', 'zh-CN')).toBe('2026年11月22日 16:05 GMT+8');
    expect(formatTimeForPayer(occurredAt, 'America/New_York', 'zh-CN')).toBe('2026年11月22日 03:05 GMT-5');
    expect(formatTimeForPayer(occurredAt, 'Asia/Shanghai', 'en')).toBe('Nov 22, 2026, 4:05 PM GMT+8');
    expect(formatTimeForPayer(occurredAt, 'America/New_York', 'en')).toBe('Nov 22, 2026, 3:05 AM EST');
  });

  it('moves the date too when the zone puts the instant on another day', () => {
    const lateEvening = new Date('2026-11-22T20:30:00Z');
    expect(formatTimeForPayer(lateEvening, 'Asia/Shanghai', 'zh-CN')).toContain('11月23日 04:30');
    expect(formatTimeForPayer(lateEvening, 'America/New_York', 'zh-CN')).toContain('11月22日 15:30');
  });

  it('falls back to UTC for an unknown time zone instead of throwing', () => {
    expect(formatTimeForPayer(occurredAt, 'Mars/Olympus_Mons', 'zh-CN')).toBe('2026年11月22日 08:05 UTC');
    const message = renderPayerMessage(input('payment_succeeded', 'en', { timeZone: 'not a zone' }));
    expect(message.text).toContain('8:05 AM UTC');
  });
});

describe('paymentMethodLabel', () => {
  it('shows a card as its brand and last four digits', () => {
    expect(paymentMethodLabel({ type: 'card', brand: 'visa', last4: '4242' }, 'en')).toBe('Visa •••• 4242');
    expect(paymentMethodLabel({ type: 'card', brand: 'unionpay', last4: '0001' }, 'zh-CN')).toBe('银联 •••• 0001');
  });

  it('names the wallets and schemes in each language', () => {
    expect(paymentMethodLabel({ type: 'alipay' }, 'zh-CN')).toBe('支付宝');
    expect(paymentMethodLabel({ type: 'wechat_pay' }, 'zh-CN')).toBe('微信支付');
    expect(paymentMethodLabel({ type: 'unionpay' }, 'zh-CN')).toBe('银联');
    expect(paymentMethodLabel({ type: 'unionpay' }, 'zh-TW')).toBe('銀聯');
    expect(paymentMethodLabel({ type: 'wallet' }, 'en')).toBe('Wallet balance');
    expect(paymentMethodLabel({ type: 'wallet' }, 'zh-CN')).toBe('钱包余额');
    expect(paymentMethodLabel({ type: 'wallet' }, 'zh-TW')).toBe('錢包餘額');
  });

  it('refuses a card whose last four are not four digits', () => {
    expect(() => paymentMethodLabel({ type: 'card', brand: 'visa', last4: '4242424242424242' }, 'en')).toThrow(AssertionError);
  });
});

describe('HTML safety', () => {
  const hostileName = `<script>alert(1)</script> & "Tea" 'House'`;

  it('escapes a merchant name full of markup everywhere in the HTML', () => {
    for (const kind of payerMessageKinds) {
      const { html } = renderPayerMessage(input(kind, 'en', { merchantName: hostileName, customerName: '<b>Bob</b>' }));
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<b>Bob</b>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Tea&quot; &#39;House&#39;');
      expect(html).toContain('&lt;b&gt;Bob&lt;/b&gt;');
    }
  });

  it('keeps the plain text and the SMS verbatim, since they are not markup', () => {
    const message = renderPayerMessage(input('payment_succeeded', 'zh-CN', { merchantName: hostileName }));
    expect(message.text).toContain(hostileName);
    expect(message.sms.startsWith(`【${hostileName}】`)).toBe(true);
  });

  it('does not render a javascript: order URL as a link', () => {
    const orderUrl = 'javascript:alert(document.cookie)';
    const { html } = renderPayerMessage(input('payment_succeeded', 'en', { orderUrl }));
    expect(html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
    expect(html).not.toContain('<a ');
    expect(html).toContain('javascript:alert(document.cookie)');
  });

  it('escapes the characters of an http URL inside the href', () => {
    const orderUrl = 'https://pay.example.com/o?id=1&x="><script>';
    const { html } = renderPayerMessage(input('payment_succeeded', 'en', { orderUrl }));
    expect(html).toContain('href="https://pay.example.com/o?id=1&amp;x=&quot;&gt;&lt;script&gt;"');
    expect(html).not.toContain('<script>');
  });

  it('is a complete document in the payer\'s language with inline styles only', () => {
    const { html } = renderPayerMessage(input('refund_succeeded', 'zh-TW'));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="zh-TW">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<table');
    expect(html).not.toContain('<style');
    expect(html).not.toContain('<link');
  });

  it('turns line breaks in a merchant name into spaces, so no line or header can be forged', () => {
    const message = renderPayerMessage(input('payment_succeeded', 'en', { merchantName: 'Tea\r\nBcc: victim@example.com' }));
    expect(message.subject).toBe('Payment received: order 1001 at Tea Bcc: victim@example.com');
    expect(message.sms).not.toMatch(/[\r\n]/);
  });
});

describe('Traditional Chinese', () => {
  it('uses traditional characters in every message, never the simplified ones', () => {
    for (const kind of payerMessageKinds) {
      const { subject, text, html, sms } = renderPayerMessage(input(kind, 'zh-TW', { failureMessage: null }));
      for (const part of [subject, text, html, sms]) {
        expect(part).toContain('訂單');
        expect(part).not.toMatch(/[订单时间钱联请详细页账户银]/);
      }
    }
  });

  it('uses Taiwan wording for a card refund', () => {
    const { text } = renderPayerMessage(input('refund_succeeded', 'zh-TW'));
    expect(text).toContain('信用卡');
    expect(text).toContain('工作天');
  });
});
