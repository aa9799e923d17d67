/**
 * What every console page may rely on, provided by the shell (web/console/app.tsx):
 * who is signed in, the merchant, the language, the mode, and one way to call the
 * server. Pages read it with `useConsole()`; they never call `fetch` themselves, so
 * the CSRF token, errors and signing out are handled in one place.
 */
import { createContext, useContext } from 'react';

export type ConsoleLocale = 'en' | 'zh-CN' | 'zh-TW';
export const consoleLocales: readonly ConsoleLocale[] = ['en', 'zh-CN', 'zh-TW'];

/** A text in each of the console's languages. */
export type Localized = Record<ConsoleLocale, string>;

export function pick(locale: ConsoleLocale, text: Localized): string {
  return text[locale];
}

export interface ConsoleMember {
  id: string;
  email: string;
  role: 'owner' | 'admin' | 'developer' | 'operator' | 'support' | 'analyst';
  /** The permissions of domain/console/permissions.ts this member's role grants. */
  permissions: readonly string[];
}

export interface ConsoleMerchant {
  id: string;
  name: string;
  /** IANA time zone ranges and times are shown in, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** The currency amounts default to, e.g. `CNY`. */
  currency: string;
}

export { ConsoleApiError } from './api-error.ts';

export type QueryValue = string | number | boolean | null | undefined;

export interface ConsoleApi {
  /** GET a console or /v1 path (`/console/api/…` or `/v1/…`) with query parameters; rejects with ConsoleApiError. */
  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T>;
  /**
   * Starts a GET a page is about to make (before the page is drawn), so its
   * answer is on the way while the page renders; the page's own `get` of the
   * same address, in the same mode, within a few seconds takes it, once.
   */
  prefetch(path: string, query?: Record<string, QueryValue>): void;
  /** POST JSON with the CSRF token (and an Idempotency-Key for /v1 writes); rejects with ConsoleApiError. */
  post<T>(path: string, body?: unknown): Promise<T>;
  /** PATCH JSON with the CSRF token. */
  patch<T>(path: string, body?: unknown): Promise<T>;
  /** PUT JSON with the CSRF token (a PUT replaces the whole object, so the same body again changes nothing: no Idempotency-Key). */
  put<T>(path: string, body?: unknown): Promise<T>;
  /** DELETE with the CSRF token. */
  delete<T>(path: string): Promise<T>;
  /** An address to download from (CSV exports), with the query parameters. */
  downloadUrl(path: string, query?: Record<string, QueryValue>): string;
  /** Fetches `path` with `Accept: text/csv` (how the server's CSV answers are asked for) and saves it as `filename`. */
  downloadCsv(path: string, query: Record<string, QueryValue>, filename: string): Promise<void>;
}

export interface ConsoleContextValue {
  member: ConsoleMember;
  merchant: ConsoleMerchant;
  locale: ConsoleLocale;
  /** Whose data the console shows: the merchant's live payments (default) or test ones. */
  mode: 'live' | 'test';
  api: ConsoleApi;
  can(permission: string): boolean;
}

export const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole() outside the console shell');
  return value;
}
