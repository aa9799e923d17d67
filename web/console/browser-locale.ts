/**
 * The member's language as the browser knows it before the session is read
 * (what the member chose here last, else the browser's languages). Apart
 * from locales.ts, which brings Ant Design's and dayjs's texts, so that the
 * console's first script (boot.ts) can name it too.
 */
import type { ConsoleLocale } from './context.ts';

/** The language the browser prefers, before any member is known. */
export function browserLocale(): ConsoleLocale {
  const stored = localStorage.getItem('paypilot-console-locale');
  if (stored === 'en' || stored === 'zh-CN' || stored === 'zh-TW') return stored;
  for (const language of navigator.languages) {
    const lower = language.toLowerCase();
    if (lower === 'zh-tw' || lower === 'zh-hk' || lower.startsWith('zh-hant')) return 'zh-TW';
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function rememberLocaleInBrowser(locale: ConsoleLocale): void {
  localStorage.setItem('paypilot-console-locale', locale);
}
