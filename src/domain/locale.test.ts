import { describe, expect, it } from 'vitest';
import { isLocale, locales, matchLocale, negotiateLocale } from './locale.ts';

describe('negotiateLocale', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'en'],
    ['', 'en'],
    ['en', 'en'],
    ['en-US', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['ZH-tw', 'zh-TW'],
    ['fr', 'en'],
    ['fr-FR, de;q=0.9', 'en'],
    ['*', 'en'],
    ['zhx', 'en'],
    ['zh-TWN', 'en'],
    ['fr;q=1, zh-TW;q=0.5', 'zh-TW'],
    ['en;q=0.2, zh-CN;q=0.9', 'zh-CN'],
    ['zh-CN;q=0.5, zh-TW;q=0.8', 'zh-TW'],
    ['zh-TW, zh-CN', 'zh-TW'],
    ['zh-CN, zh-TW', 'zh-CN'],
    [' zh-TW ; q=0.8 , fr', 'zh-TW'],
    ['zh-CN;q=0, en', 'en'],
    ['zh-CN;q=0', 'en'],
    ['zh-CN;q=0.000', 'en'],
  ];
  for (const [header, locale] of cases) {
    it(`picks ${locale} for ${JSON.stringify(header)}`, () => {
      expect(negotiateLocale(header)).toBe(locale);
    });
  }

  it('treats q=0 as "not acceptable" even for a supported language listed first', () => {
    expect(negotiateLocale('zh-TW;q=0, zh-CN;q=0.1')).toBe('zh-CN');
  });

  it('falls back to en on garbage without throwing', () => {
    for (const header of [';;;', ',,,', 'q=1', ';q=abc', 'zh-CN;q=abc', '\u0000', '🙂', 'zh-CN;q=-1']) {
      expect(() => negotiateLocale(header)).not.toThrow();
      expect(locales).toContain(negotiateLocale(header));
    }
  });

  it('looks at the first 20 entries only (a bound on the work one header causes)', () => {
    const twenty = Array.from({ length: 20 }, () => 'fr').join(', ');
    expect(negotiateLocale(`${twenty}, zh-TW`)).toBe('en');
    expect(negotiateLocale(`${Array.from({ length: 19 }, () => 'fr').join(', ')}, zh-TW`)).toBe('zh-TW');
  });

  it('answers a very long header quickly', () => {
    const startedMs = performance.now();
    expect(negotiateLocale(`${'a'.repeat(100_000)},${'zh-TW;q=0.5,'.repeat(10_000)}`)).toBe('zh-TW');
    expect(performance.now() - startedMs).toBeLessThan(500);
  });
});

describe('matchLocale and isLocale', () => {
  it('maps a single tag or answers null', () => {
    expect(matchLocale('zh-hk')).toBe('zh-TW');
    expect(matchLocale('en-GB')).toBe('en');
    expect(matchLocale('ja')).toBeNull();
    expect(matchLocale('english')).toBeNull();
  });

  it('knows exactly en, zh-CN and zh-TW', () => {
    expect([...locales]).toEqual(['en', 'zh-CN', 'zh-TW']);
    for (const locale of locales) expect(isLocale(locale)).toBe(true);
    for (const value of ['zh', 'zh-cn', 'EN', 'fr', '']) expect(isLocale(value), value).toBe(false);
  });
});
