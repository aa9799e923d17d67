/** The language the console speaks, known before sign-in too (the sign-in pages read it). */
import { createContext, useContext } from 'react';
import type { ConsoleLocale } from './context.ts';

export const LocaleContext = createContext<ConsoleLocale>('en');

export function useConsoleLocale(): ConsoleLocale {
  return useContext(LocaleContext);
}
