/**
 * Reading the console's address (/console/<page>[/<id>]): pure, without
 * React, so the console's first script (boot.ts) can read it too. router.ts
 * follows the address as it changes.
 */

export const consoleBasePath = '/console';

export interface Route {
  /** The first segment after /console ('' for the overview). */
  page: string;
  /** The second segment, e.g. a payment's id. */
  id: string | null;
  search: URLSearchParams;
}

export function parseRoute(location: { pathname: string; search: string; hash: string }): Route {
  const rest = location.pathname.startsWith(consoleBasePath) ? location.pathname.slice(consoleBasePath.length) : location.pathname;
  const [page = '', id = null] = rest.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  return { page, id, search: new URLSearchParams(location.search) };
}

/** The emailed link's page: /console/set-password#token=… (or /console/password?token=…). */
export function isPasswordLinkPage(page: string): boolean {
  return page === 'set-password' || page === 'password';
}
