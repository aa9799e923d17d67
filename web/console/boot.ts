/**
 * The console's first script. The page loads it (async) beside the entry:
 * it weighs a few KiB, so it runs while the browser still fetches and
 * compiles the entry (React, Ant Design), and takes the session the page
 * carries (a signed-in visitor's page is sent with it) or asks for it at
 * once, then, when the address is the overview and the member may read
 * analytics, asks for the overview's figures (`prefetchOverview`). The entry (root.tsx)
 * takes the session's answer once instead of asking again, and its API
 * client finds the figures among these answers. Nothing here draws; a
 * failure is seen by whoever takes the answer, as if it had asked itself.
 *
 * root.tsx imports this module too, so the two share one instance (one
 * chunk), and a page that runs without this script still asks early.
 */
import { createConsoleApi, type PrefetchedAnswers } from './api.ts';
import { browserLocale } from './browser-locale.ts';
import { prefetchOverview } from './pages/analytics/overview-requests.ts';
import { isPasswordLinkPage, parseRoute } from './route.ts';
import { memberOf, merchantOf, type SessionAnswer } from './session.ts';

/** Answers asked for ahead, by mode and address: the console's API client takes each once (api.ts). */
export const earlyAnswers: PrefetchedAnswers = new Map();

/** Live or test data, as this tab last chose (root.tsx keeps it from there). */
export function storedMode(): 'live' | 'test' {
  return sessionStorage.getItem('paypilot-console-mode') === 'test' ? 'test' : 'live';
}

let earlySession: Promise<SessionAnswer> | null = null;

function start(): void {
  const route = parseRoute(window.location);
  // The page an emailed link opens needs no session (and looks for none).
  if (isPasswordLinkPage(route.page)) return;
  const api = createConsoleApi({ csrfToken: () => null, locale: browserLocale, mode: storedMode, onSessionEnded: () => {}, prefetched: earlyAnswers });
  // A signed-in visitor's page carries the session's answer (src/http/routes/console-pages.ts): no round trip to wait for.
  const carried = carriedSession();
  earlySession = (carried ? Promise.resolve(carried) : api.get<SessionAnswer>('/console/api/session')).then((session) => {
    if (route.page === '' && memberOf(session).permissions.includes('analytics.read')) prefetchOverview(api, merchantOf(session));
    return session;
  });
  // Taken by root.tsx, which sees its failure; never an unhandled rejection here.
  earlySession.catch(() => {});
}

/** The session answer the page was sent with, if any (a meta element: the policy allows no inline script). */
function carriedSession(): SessionAnswer | null {
  const text = document.querySelector<HTMLMetaElement>('meta[name="paypilot-session"]')?.content;
  if (!text) return null;
  try {
    return JSON.parse(text) as SessionAnswer;
  } catch {
    return null;
  }
}

/** The session asked for when the page loaded, once (null after): a later read (after signing in) asks again. */
export function takeEarlySession(): Promise<SessionAnswer> | null {
  const session = earlySession;
  earlySession = null;
  return session;
}

start();
