import { describe, expect, it } from 'vitest';
import { formatDuration, formatMoney, formatRate } from './format.ts';

describe('console formats', () => {
  it('writes minor units in major units with the currency', () => {
    expect(formatMoney(12345, 'CNY', 'en')).toBe('CN¥123.45');
    expect(formatMoney(12345, 'CNY', 'zh-CN')).toBe('¥123.45');
    expect(formatMoney(500, 'JPY', 'en')).toBe('¥500');
  });
  it('writes rates as percentages and nothing to divide as a dash', () => {
    expect(formatRate(0.9734, 'en')).toBe('97.3%');
    expect(formatRate(null, 'en')).toBe('–');
  });
  it('writes durations a person reads', () => {
    expect(formatDuration(850, 'en')).toBe('850 ms');
    expect(formatDuration(2400, 'en')).toBe('2.4 sec');
    expect(formatDuration(200_000, 'en')).toBe('3 min 20 sec');
    expect(formatDuration(7_500_000, 'en')).toBe('2 hr 5 min');
  });
});
