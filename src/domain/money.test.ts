import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.ts';
import { limits } from './limits.ts';
import { amountToJson, currencyExponent, currencyExponents, formatDecimal, isCurrency, isValidAmount, parseDecimal, type Currency } from './money.ts';

describe('currency exponents (ISO 4217)', () => {
  it('has 0 for JPY, 3 for KWD and 2 for CNY', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CNY')).toBe(2);
  });

  it('has 0 for the zero-decimal currencies PROTOCOLS.md lists, and 3 for the three-decimal ones', () => {
    for (const code of ['JPY', 'KRW', 'VND', 'CLP'] as const) expect(currencyExponent(code)).toBe(0);
    for (const code of ['BHD', 'JOD', 'KWD', 'OMR', 'TND'] as const) expect(currencyExponent(code)).toBe(3);
    for (const code of ['CNY', 'HKD', 'TWD', 'USD', 'EUR'] as const) expect(currencyExponent(code)).toBe(2);
  });

  it('lists only upper-case three-letter codes with exponent 0, 2 or 3', () => {
    for (const [code, exponent] of Object.entries(currencyExponents)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3]).toContain(exponent);
    }
  });

  it('accepts listed codes only: not lower case, not XXX, not inherited object keys', () => {
    expect(isCurrency('CNY')).toBe(true);
    for (const code of ['cny', 'Cny', 'XXX', '', 'CNYY', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(isCurrency(code), code).toBe(false);
    }
  });
});

describe('isValidAmount', () => {
  it('accepts 1 and 10^12, the bounds', () => {
    expect(isValidAmount(1n)).toBe(true);
    expect(isValidAmount(1_000_000_000_000n)).toBe(true);
    expect(limits.amountMinorUnitsMax).toBe(1_000_000_000_000n);
  });

  it('refuses 0, negatives and 10^12 + 1', () => {
    for (const amount of [0n, -1n, -1_000_000_000_000n, 1_000_000_000_001n, 10n ** 30n]) expect(isValidAmount(amount), String(amount)).toBe(false);
  });
});

describe('formatDecimal', () => {
  const cases: [bigint, Currency, string][] = [
    [1234n, 'CNY', '12.34'],
    [0n, 'CNY', '0.00'],
    [1n, 'CNY', '0.01'],
    [10n, 'CNY', '0.10'],
    [100n, 'CNY', '1.00'],
    [1_000_000_000_000n, 'CNY', '10000000000.00'],
    [1234n, 'JPY', '1234'],
    [0n, 'JPY', '0'],
    [5n, 'KWD', '0.005'],
    [1000n, 'KWD', '1.000'],
    [123456n, 'KWD', '123.456'],
  ];
  for (const [amount, currency, text] of cases) {
    it(`writes ${amount} ${currency} as "${text}"`, () => {
      expect(formatDecimal(amount, currency)).toBe(text);
    });
  }

  it('refuses a negative amount with an assertion', () => {
    expect(() => formatDecimal(-1n, 'CNY')).toThrow(AssertionError);
  });
});

describe('parseDecimal', () => {
  const valid: [string, Currency, bigint][] = [
    ['12.34', 'CNY', 1234n],
    ['12.3', 'CNY', 1230n],
    ['12', 'CNY', 1200n],
    ['0.01', 'CNY', 1n],
    ['0', 'CNY', 0n],
    ['007.50', 'CNY', 750n],
    ['100', 'JPY', 100n],
    ['0.005', 'KWD', 5n],
    ['1.5', 'KWD', 1500n],
    ['100000000.00', 'CNY', 10_000_000_000n],
    ['999999999999999', 'JPY', 999_999_999_999_999n],
  ];
  for (const [text, currency, amount] of valid) {
    it(`reads "${text}" ${currency} as ${amount}`, () => {
      expect(parseDecimal(text, currency)).toBe(amount);
    });
  }

  it('refuses more decimals than the currency has', () => {
    expect(parseDecimal('12.345', 'CNY')).toBeNull();
    expect(parseDecimal('1.5', 'JPY')).toBeNull();
    expect(parseDecimal('1.0', 'JPY')).toBeNull();
    expect(parseDecimal('0.0005', 'KWD')).toBeNull();
  });

  it('refuses malformed text: signs, exponents, separators, spaces, missing digits, non-ASCII digits', () => {
    const malformed = ['', ' ', '12.34 ', ' 12.34', '-1.00', '+1', '1e3', '1E3', '.5', '5.', '12.34.5', '1,00', '1_000', 'abc', '0x10',
      'NaN', 'Infinity', '１２', '12\n', '٣', '1 000'];
    for (const text of malformed) expect(parseDecimal(text, 'CNY'), JSON.stringify(text)).toBeNull();
  });

  it('refuses more than 15 integer digits (a bound on the input)', () => {
    expect(parseDecimal('1'.repeat(15), 'JPY')).toBe(111_111_111_111_111n);
    expect(parseDecimal('1'.repeat(16), 'JPY')).toBeNull();
    expect(parseDecimal('9'.repeat(10_000), 'CNY')).toBeNull();
  });

  it('round-trips formatDecimal for every currency and edge amounts', () => {
    const amounts = [0n, 1n, 9n, 10n, 11n, 99n, 100n, 101n, 999n, 1000n, 1001n, 123_456_789n, 1_000_000_000_000n];
    for (const currency of Object.keys(currencyExponents) as Currency[]) {
      for (const amount of amounts) expect(parseDecimal(formatDecimal(amount, currency), currency), `${amount} ${currency}`).toBe(amount);
    }
  });
});

describe('amountToJson', () => {
  it('converts the largest amount exactly', () => {
    expect(amountToJson(1_000_000_000_000n)).toBe(1_000_000_000_000);
    expect(amountToJson(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses what a JSON number cannot carry exactly, and negatives', () => {
    expect(() => amountToJson(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toThrow(AssertionError);
    expect(() => amountToJson(-1n)).toThrow(AssertionError);
  });
});
