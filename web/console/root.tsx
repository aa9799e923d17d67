/**
 * The console from the top: Ant Design's provider in the member's language,
 * then one of three states. No session: the sign-in pages (and the page an
 * emailed link opens). A session whose role needs a second factor not yet
 * enrolled: enrolment, and nothing else. Otherwise the shell with its pages.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { App as AntApp, ConfigProvider, Spin, Button } from 'antd';
import { Notice } from './notice.tsx';
import { createConsoleApi } from './api.ts';
import { ConsoleApiError, type ConsoleLocale } from './context.ts';
import { LocaleContext } from './locale-context.ts';
import { antLocales, applyLocale, browserLocale, rememberLocaleInBrowser } from './locales.ts';
import { translate } from './i18n.ts';
import { isConsoleLocale, memberOf, merchantOf, type SessionAnswer } from './session.ts';
import { prefetchOverview } from './pages/analytics/overview-requests.ts';
import { earlyAnswers, storedMode, takeEarlySession } from './boot.ts';
import { isPasswordLinkPage } from './route.ts';
import { lazyPage, preloadPage } from './page-loaders.ts';
import { PageLoadBoundary } from './page-load-boundary.tsx';
import { parseRoute, useRoute } from './router.ts';

/** Darker than Ant Design's defaults where those fall short of WCAG's 4.5:1 contrast for text (links, secondary and help texts). */
const consoleTheme = {
  // Ant Design's component styles come built with the console's CSS (console.css imports antd/dist/antd.css): none is computed at run time.
  zeroRuntime: true,
  token: {
    // Members who ask their system for less motion get none.
    motion: !window.matchMedia('(prefers-reduced-motion: reduce)').matches,
    colorPrimary: '#1f5fbf', colorLink: '#1f5fbf', colorLinkHover: '#174a94', colorPrimaryHover: '#174a94', colorInfo: '#1f5fbf', colorError: '#c4302b', colorErrorHover: '#a32824', colorSuccess: '#1a7f37', colorWarning: '#8a5a00', colorTextSecondary: 'rgba(0, 0, 0, 0.66)', colorTextTertiary: 'rgba(0, 0, 0, 0.62)', colorTextDescription: 'rgba(0, 0, 0, 0.62)', colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)', borderRadius: 6 },
};

/**
 * The sign-in pages, the signed-in shell and the enrolment page are chunks of their own: a signed-in visit (the usual one)
 * loads no form of the sign-in, and the sign-in loads neither the shell nor any page. The server names the sign-in's chunks
 * in the page when the browser has no session cookie, so they load with the entry then (console-pages.ts).
 */
const signInModule = lazyPage(async () => (await import('./sign-in.tsx')).SignInPages);
const SignInPages = signInModule.Component;
const shellModule = lazyPage(async () => (await import('./shell.tsx')).Shell);
const enrolmentModule = lazyPage(async () => (await import('./enrolment.tsx')).EnrolmentPage);
const Shell = shellModule.Component;
const EnrolmentPage = enrolmentModule.Component;

type SessionState = { kind: 'loading' } | { kind: 'signed_out' } | { kind: 'failed'; message: string } | { kind: 'signed_in'; session: SessionAnswer };

export function ConsoleRoot({ styleNonce }: { styleNonce: string | undefined }) {
  const [locale, setLocaleState] = useState<ConsoleLocale>(browserLocale);
  // The page an emailed link opens needs no session (and looks for none).
  const [state, setState] = useState<SessionState>(() => (isPasswordLinkPage(parseRoute(window.location).page) ? { kind: 'signed_out' } : { kind: 'loading' }));
  const csrf = useRef<string | null>(null);
  const localeRef = useRef(locale);
  localeRef.current = locale;
  const [mode, setModeState] = useState<'live' | 'test'>(storedMode);
  const modeRef = useRef(mode);
  modeRef.current = mode;
  const setMode = useCallback((next: 'live' | 'test') => {
    sessionStorage.setItem('paypilot-console-mode', next);
    modeRef.current = next;
    setModeState(next);
  }, []);
  const route = useRoute();

  const api = useMemo(
    () =>
      createConsoleApi({
        csrfToken: () => csrf.current,
        locale: () => localeRef.current,
        mode: () => modeRef.current,
        onSessionEnded: () => {
          csrf.current = null;
          setState({ kind: 'signed_out' });
        },
        prefetched: earlyAnswers,
      }),
    [],
  );

  const setLocale = useCallback((next: ConsoleLocale) => {
    applyLocale(next);
    rememberLocaleInBrowser(next);
    localeRef.current = next;
    setLocaleState(next);
  }, []);

  const loadSession = useCallback(async () => {
    try {
      // The page's first script asked for the session (and the overview's figures) before this one ran: taken once.
      const early = takeEarlySession();
      const session = await (early ?? api.get<SessionAnswer>('/console/api/session'));
      csrf.current = session.csrf_token;
      // The overview is the page most visits open: its figures are asked for now, while the shell and the page are drawn.
      if (!early && parseRoute(window.location).page === '' && memberOf(session).permissions.includes('analytics.read')) prefetchOverview(api, merchantOf(session));
      if (isConsoleLocale(session.member.locale)) setLocale(session.member.locale);
      setState({ kind: 'signed_in', session });
    } catch (error) {
      if (error instanceof ConsoleApiError && error.status === 401) setState({ kind: 'signed_out' });
      else setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }, [api, setLocale]);

  useEffect(() => {
    applyLocale(localeRef.current);
    if (isPasswordLinkPage(route.page)) signInModule.preload().catch(() => {});
    else {
      // While the session is read, the shell and the page the address names are imported (they are what a signed-in member sees next).
      shellModule.preload().catch(() => {});
      preloadPage(route);
      void loadSession();
    }
    // The session is loaded once; sign-in and sign-out change it afterwards.
  }, []);

  const signedIn = useCallback(
    (answer: { csrf_token: string }) => {
      csrf.current = answer.csrf_token;
      void loadSession();
    },
    [loadSession],
  );
  const signedOut = useCallback(() => {
    csrf.current = null;
    setState({ kind: 'signed_out' });
  }, []);

  let body;
  if (isPasswordLinkPage(route.page) && state.kind !== 'signed_in') {
    body = <SignInPages api={api} locale={locale} setLocale={setLocale} onSignedIn={signedIn} />;
  } else if (state.kind === 'loading') {
    body = (
      <div className="console-centre" role="status">
        <Spin size="large" />
        <span className="console-visually-hidden">{translate(locale, 'loading')}</span>
      </div>
    );
  } else if (state.kind === 'failed') {
    body = (
      <main className="console-centre">
        <Notice status="error" title={state.message} action={<Button onClick={() => void loadSession()}>{translate(locale, 'retry')}</Button>} />
      </main>
    );
  } else if (state.kind === 'signed_out') {
    body = <SignInPages api={api} locale={locale} setLocale={setLocale} onSignedIn={signedIn} />;
  } else if (state.session.two_factor_enrolment_required) {
    body = <EnrolmentPage api={api} session={state.session} required onDone={() => void loadSession()} onSignedOut={signedOut} />;
  } else {
    body = <Shell api={api} session={state.session} locale={locale} setLocale={setLocale} mode={mode} setMode={setMode} onSignedOut={signedOut} onSessionChanged={() => void loadSession()} />;
  }

  return (
    <LocaleContext.Provider value={locale}>
      <ConfigProvider locale={antLocales[locale]} csp={styleNonce ? { nonce: styleNonce } : undefined} theme={consoleTheme}>
        <AntApp>
          <PageLoadBoundary texts={{ failed: translate(locale, 'pageLoadFailed'), retry: translate(locale, 'retry'), reload: translate(locale, 'reloadConsole') }}>
            {body}
          </PageLoadBoundary>
        </AntApp>
      </ConfigProvider>
    </LocaleContext.Provider>
  );
}
