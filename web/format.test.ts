import { describe, expect, it } from 'vitest';
import { formatAmount, formatDateTime } from './checkout/format.ts';

describe('formatAmount', () => {
  it('formats CNY for each language', () => {
    expect(formatAmount(1234, 'CNY', 'en')).toBe('CN¥12.34');
    expect(formatAmount(1234, 'CNY', 'zh-CN')).toBe('¥12.34');
    expect(formatAmount(1234, 'CNY', 'zh-TW')).toContain('12.34');
  });

  it('uses the currency exponent from our table: none for JPY, three for KWD', () => {
    expect(formatAmount(1234, 'JPY', 'en')).toBe('¥1,234');
    expect(formatAmount(1234, 'KWD', 'en')).toMatch(/1\.234$/);
    expect(formatAmount(5, 'USD', 'en')).toBe('$0.05');
  });

  it('keeps every digit of the largest amount the API allows (no floating-point rounding)', () => {
    expect(formatAmount(1_000_000_000_000, 'CNY', 'en')).toBe('CN¥10,000,000,000.00');
    expect(formatAmount(999_999_999_999, 'KWD', 'en')).toMatch(/999,999,999\.999$/);
    expect(formatAmount(Number.MAX_SAFE_INTEGER, 'USD', 'en')).toBe('$90,071,992,547,409.91');
  });

  it('shows what it was given rather than a wrong amount for an unknown currency or a non-integer', () => {
    expect(formatAmount(1234, 'XXX', 'en')).toBe('1234 XXX');
    expect(formatAmount(12.5, 'CNY', 'en')).toBe('12.5 CNY');
    expect(formatAmount(-1, 'CNY', 'en')).toBe('-1 CNY');
  });
});

describe('formatDateTime', () => {
  const at = '2025-03-04T05:06:07.000Z';

  it('formats in the payer’s language and time zone', () => {
    expect(formatDateTime(at, 'en', 'UTC')).toBe('Mar 4, 2025, 5:06 AM');
    expect(formatDateTime(at, 'zh-CN', 'Asia/Shanghai')).toBe('2025年3月4日 13:06');
    expect(formatDateTime(at, 'zh-TW', 'Asia/Taipei')).toBe('2025年3月4日 下午1:06');
  });

  it('shows an unreadable timestamp as it came', () => {
    expect(formatDateTime('not a date', 'en', 'UTC')).toBe('not a date');
  });
});
