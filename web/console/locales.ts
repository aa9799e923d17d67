/**
 * Ant Design's and dayjs's texts (pagination, date pickers, empty tables) in
 * the member's language, and the merchant's time zone for dayjs. The three
 * languages are few enough to bundle; none is fetched later.
 */
import type { Locale as AntLocale } from 'antd/es/locale/index.js';
import enUS from 'antd/es/locale/en_US.js';
import zhCN from 'antd/es/locale/zh_CN.js';
import zhTW from 'antd/es/locale/zh_TW.js';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import 'dayjs/locale/zh-cn.js';
import 'dayjs/locale/zh-tw.js';
import type { ConsoleLocale } from './context.ts';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * antd's ES files default-export the locale, but their types are read as
 * CommonJS under NodeNext, where the default import is the module itself:
 * take `default` when there is one.
 */
function localeOf(imported: unknown): AntLocale {
  const module = imported as { default?: AntLocale } & AntLocale;
  return module.default ?? module;
}

export const antLocales: Record<ConsoleLocale, AntLocale> = { en: localeOf(enUS), 'zh-CN': localeOf(zhCN), 'zh-TW': localeOf(zhTW) };
const dayjsLocales: Record<ConsoleLocale, string> = { en: 'en', 'zh-CN': 'zh-cn', 'zh-TW': 'zh-tw' };

/** What the switcher offers, each language named in itself. */
export const languageNames: Record<ConsoleLocale, string> = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' };

export function applyLocale(locale: ConsoleLocale): void {
  dayjs.locale(dayjsLocales[locale]);
  document.documentElement.lang = locale;
}

export function applyTimeZone(timeZone: string): void {
  dayjs.tz.setDefault(timeZone);
}

export { browserLocale, rememberLocaleInBrowser } from './browser-locale.ts';
