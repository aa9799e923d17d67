import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cardBrand, isExpired, luhnValid } from './card.ts';
import { cardFingerprint, toStoredCard } from './stored-card.ts';

/** The "Test cards" table of shared/PROTOCOLS.md. */
const testCards = [
  '4242424242424242', '5555555555554444', '6200000000000005', '4000000000000002', '4000000000009995', '4000000000009987',
  '4000000000009979', '4000000000000069', '4000000000000127', '4000000000000119', '4000000000006975', '4000002760003184',
  '4100000000000019',
];

describe('luhnValid', () => {
  it('accepts every test card of PROTOCOLS.md', () => {
    for (const number of testCards) expect(luhnValid(number), number).toBe(true);
  });

  it('refuses 4242424242424241, the test number that fails the check', () => {
    expect(luhnValid('4242424242424241')).toBe(false);
  });

  it('refuses a single mistyped digit in a valid number', () => {
    for (let position = 0; position < 16; position += 1) {
      const digits = [...'4242424242424242'];
      digits[position] = String((Number(digits[position]) + 1) % 10);
      expect(luhnValid(digits.join('')), `digit ${position}`).toBe(false);
    }
  });

  it('refuses non-digits, spaces, and lengths outside 12–19', () => {
    for (const number of ['', '4242 4242 4242 4242', '4242-4242-4242-4242', '42424242424242a2', '00000000000', '4'.repeat(20), '４２４２４２４２４２４２４２４２', ' 4242424242424242']) {
      expect(luhnValid(number), JSON.stringify(number)).toBe(false);
    }
    expect(luhnValid('000000000000')).toBe(true);
  });
});

describe('cardBrand', () => {
  const brands: [string, string][] = [
    ['4242424242424242', 'visa'],
    ['4000002760003184', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['6200000000000005', 'unionpay'],
    ['378282246310005', 'amex'],
    ['371449635398431', 'amex'],
    ['3530111333300000', 'jcb'],
    ['6011111111111117', 'discover'],
    ['6500000000000002', 'discover'],
    ['9999999999999995', 'unknown'],
    ['2721000000000000', 'unknown'],
    ['5600000000000000', 'unknown'],
  ];
  for (const [number, brand] of brands) {
    it(`names ${number} ${brand}`, () => {
      expect(cardBrand(number)).toBe(brand);
    });
  }
});

describe('isExpired', () => {
  it('keeps a card valid through the last millisecond of its expiry month, in UTC', () => {
    expect(isExpired(12, 2026, Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe(false);
    expect(isExpired(12, 2026, Date.UTC(2027, 0, 1, 0, 0, 0, 0))).toBe(true);
  });

  it('handles a 31-day month, a 30-day month, and February in a leap year', () => {
    expect(isExpired(1, 2027, Date.UTC(2027, 0, 31, 23, 59, 59, 999))).toBe(false);
    expect(isExpired(1, 2027, Date.UTC(2027, 1, 1))).toBe(true);
    expect(isExpired(4, 2027, Date.UTC(2027, 3, 30, 23, 59))).toBe(false);
    expect(isExpired(4, 2027, Date.UTC(2027, 4, 1))).toBe(true);
    expect(isExpired(2, 2028, Date.UTC(2028, 1, 29, 23, 59, 59, 999))).toBe(false);
    expect(isExpired(2, 2028, Date.UTC(2028, 2, 1))).toBe(true);
  });

  it('treats a card expiring this month as valid and last month as expired', () => {
    const nowMs = Date.UTC(2026, 5, 15);
    expect(isExpired(6, 2026, nowMs)).toBe(false);
    expect(isExpired(5, 2026, nowMs)).toBe(true);
    expect(isExpired(12, 2025, nowMs)).toBe(true);
    expect(isExpired(1, 2030, nowMs)).toBe(false);
  });
});

describe('fingerprints and what is stored', () => {
  const key = Buffer.alloc(32, 1);
  const otherKey = Buffer.alloc(32, 2);

  it('gives one card the same fingerprint under one key, and another under another key', () => {
    expect(cardFingerprint('4242424242424242', key)).toBe(cardFingerprint('4242424242424242', key));
    expect(cardFingerprint('4242424242424242', key)).not.toBe(cardFingerprint('4242424242424242', otherKey));
  });

  it('gives the fingerprints it always gave (the key object is kept per key, the value is unchanged)', () => {
    // Computed before the key object was kept: stored fingerprints must keep matching new ones.
    const known: [string, string, string][] = [
      ['4242424242424242', 'iYSpZqtTPKBEgNz4hDzvVn', 'R94ykbH11amTT7EqXhhU2L'],
      ['5555555555554444', 'MYtS_S5DgP35ZDKtcqmEh4', 'qFyh6QDtwThu0Bza_RQ5oT'],
      ['6200000000000005', 'opqEgdM1lnwPp84VPLAzko', 'rn6rROMnW7hpXm2QkdVMSS'],
    ];
    for (let round = 0; round < 2; round += 1) {
      for (const [number, underKey, underOtherKey] of known) {
        expect(cardFingerprint(number, key)).toBe(underKey);
        expect(cardFingerprint(number, otherKey)).toBe(underOtherKey);
        // Another Buffer with the same bytes is the same key.
        expect(cardFingerprint(number, Buffer.from(key))).toBe(underKey);
      }
    }
    for (const number of testCards) {
      expect(cardFingerprint(number, key)).toBe(createHmac('sha256', key).update(number).digest('base64url').slice(0, 22));
    }
  });

  it('gives different cards different fingerprints, 22 url-safe characters that do not contain the number', () => {
    const fingerprints = testCards.map((number) => cardFingerprint(number, key));
    expect(new Set(fingerprints).size).toBe(testCards.length);
    for (const [i, fingerprint] of fingerprints.entries()) {
      expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(fingerprint).not.toContain(testCards[i]!.slice(-4));
    }
  });

  it('stores brand, last four, expiry and fingerprint, and never the full number or the CVC', () => {
    for (const number of testCards) {
      const stored = toStoredCard({ number, exp_month: 3, exp_year: 2031, cvc: '987' }, key);
      expect(Object.keys(stored).sort()).toEqual(['brand', 'exp_month', 'exp_year', 'fingerprint', 'last4']);
      expect(stored).toMatchObject({ last4: number.slice(-4), exp_month: 3, exp_year: 2031, brand: cardBrand(number) });
      const text = JSON.stringify(stored);
      expect(text).not.toContain(number);
      expect(text).not.toContain(number.slice(0, 8));
      expect(Object.values(stored)).not.toContain('987');
    }
  });
});
