/** What the shell's own pages (the account page) need beyond `useConsole()`: the raw session, and a way to reload it. */
import { createContext, useContext } from 'react';
import type { SessionAnswer } from './session.ts';

export interface ShellValue {
  session: SessionAnswer;
  refreshSession(): void;
}

export const ShellContext = createContext<ShellValue | null>(null);

export function useShell(): ShellValue {
  const value = useContext(ShellContext);
  if (!value) throw new Error('useShell() outside the console shell');
  return value;
}
