import { describe, expect, it } from 'vitest';
import { cardCountry } from './bin-ranges.ts';
import { addressCountry, addressKey, normalizeEmail, normalizePhone } from './payer-keys.ts';
import { computeSignals, hourIn, type RiskHistory } from './signals.ts';

const quiet = { payments1h: 0, amount1h: 0, payments24h: 0, amount24h: 0 };
const history: RiskHistory = {
  customer: { ...quiet, cards24h: 0 },
  card: { ...quiet, customers24h: 0 },
  address: quiet,
  device: quiet,
  declinesInRow: 0,
  customerCreatedAt: null,
  customerSucceededPayments: 0,
  customerUsualAmount: null,
  merchantUsualAmount: null,
  blocklistedKinds: [],
  merchantTimeZone: 'Not/AZone',
};

describe('signals without history', () => {
  it('are 0, false or empty with no customer, no address and an unknown card; the hour falls back to UTC', () => {
    const signals = computeSignals(history, {
      amount: 500, currency: 'CNY', paymentMethodType: 'alipay', hasCustomer: false, cardNumber: null, addressCountry: null, riskScore: -1,
      nowMs: Date.UTC(2026, 0, 1, 23, 59),
    });
    expect(signals).toMatchObject({
      has_customer: false, customer_age_days: -1, is_new_customer: false, amount_to_customer_usual: 0, amount_to_merchant_usual: 0,
      card_country: '', address_country: '', country_mismatch: false, hour_of_day: 23, blocklisted: false, risk_score: -1,
    });
  });

  it('call a customer created an hour ago new, and compare a Chinese card with a Chinese address as no mismatch', () => {
    const nowMs = Date.UTC(2026, 0, 1, 12);
    const signals = computeSignals({ ...history, customerCreatedAt: new Date(nowMs - 3_600_000), customerSucceededPayments: 3 }, {
      amount: 500, currency: 'CNY', paymentMethodType: 'card', hasCustomer: true, cardNumber: '6212345678901232', addressCountry: 'CN', riskScore: 12, nowMs,
    });
    expect(signals).toMatchObject({ customer_age_days: 0, is_new_customer: true, card_country: 'CN', country_mismatch: false, risk_score: 12 });
  });
});

describe('the BIN table and payer keys', () => {
  it('takes the most specific range first', () => {
    expect(cardCountry('4000001560000002')).toBe('CN');
    expect(cardCountry('4000002760003184')).toBe('DE');
    expect(cardCountry('4111111111111111')).toBe('US');
    expect(cardCountry('3530111333300000')).toBe('JP');
    expect(cardCountry('9999999999999999')).toBeNull();
  });

  it('keys an address by its normalized text, never a country alone, and normalizes emails and phones', () => {
    const key = Buffer.alloc(32, 1);
    expect(addressKey({ line1: '1 Nanjing Road', country: 'CN' }, key)).toBe(addressKey({ line1: ' 1  NANJING road. ', country: 'cn' }, key));
    expect(addressKey({ line1: '1 Nanjing Road', country: 'CN' }, key)).not.toBe(addressKey({ line1: '1 Nanjing Road', country: 'JP' }, key));
    expect(addressKey({ line1: '1 Nanjing Road' }, Buffer.alloc(32, 2))).not.toBe(addressKey({ line1: '1 Nanjing Road' }, key));
    expect(addressKey({ country: 'CN' }, key)).toBeNull();
    expect(addressCountry({ country: 'cn' })).toBe('CN');
    expect(addressCountry({ country: 'China' })).toBeNull();
    expect(normalizeEmail(' Li@Example.COM ')).toBe('li@example.com');
    expect(normalizePhone('+86 138-0013-8000')).toBe('+8613800138000');
    expect(hourIn('Asia/Shanghai', Date.UTC(2026, 0, 1, 20))).toBe(4);
  });
});
