/** The language switcher, on the sign-in pages and in the shell: a file of its own so that the shell does not bring the sign-in pages. */
import { Select } from 'antd';
import { consoleLocales, type ConsoleLocale } from './context.ts';
import { useT } from './i18n.ts';
import { languageNames } from './locales.ts';

export function LanguageSelect({ locale, setLocale }: { locale: ConsoleLocale; setLocale(locale: ConsoleLocale): void }) {
  const t = useT();
  return (
    <Select
      aria-label={t('language')}
      data-testid="language-select"
      value={locale}
      onChange={setLocale}
      style={{ width: 120 }}
      options={consoleLocales.map((value) => ({ value, label: <span lang={value}>{languageNames[value]}</span> }))}
    />
  );
}
