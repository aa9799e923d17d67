/** The languages every human-readable text comes in, and how a request picks one. */
export const locales = ['en', 'zh-CN', 'zh-TW'] as const;
export type Locale = (typeof locales)[number];

export function isLocale(value: string): value is Locale {
  return (locales as readonly string[]).includes(value);
}

/** Maps one language tag to a supported locale, or null when it is none of ours. */
export function matchLocale(tag: string): Locale | null {
  const lower = tag.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (/^zh-(tw|hk|mo|hant)(-|$)/.test(lower)) return 'zh-TW';
  if (lower === 'zh' || /^zh-(cn|sg|hans)(-|$)/.test(lower)) return 'zh-CN';
  return null;
}

/** Picks the best locale from an Accept-Language header, honouring q-values; `en` otherwise. */
export function negotiateLocale(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=(.*)$/i.exec(p)?.[1]).find((value) => value !== undefined);
      // A malformed weight is not a weight of 1: such an entry is skipped.
      return { tag, q: q === undefined ? 1 : /^\s*[01](\.\d{0,3})?\s*$/.test(q) ? Number(q) : Number.NaN, index };
    })
    .filter((entry) => Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const locale = matchLocale(entry.tag);
    if (locale) return locale;
  }
  return 'en';
}
