/**
 * Each console page is a chunk of its own, imported when a member opens it,
 * so the first page loads only what it draws (ECharts comes with the pages
 * that chart, never with the sign-in). A page's import starts as early as
 * the address is known (root.tsx asks for the page in the address while the
 * session is read), and is kept, so opening the page again costs nothing.
 * A failed import (the network, or a server restarted with a newer build) is
 * forgotten, so that trying again imports again.
 */
import { createElement, lazy, useState, type ComponentType } from 'react';

export interface LazyPage<P extends object> {
  Component: ComponentType<P>;
  preload(): Promise<unknown>;
}

/**
 * A page imported on first use. When its chunk has already arrived (it was
 * preloaded while the session was read, or the page was opened before), the
 * page is drawn at once: through React.lazy it would suspend once anyway, and
 * React holds a revealed Suspense boundary back for up to 300 ms, for the
 * shell and again for the page. Each mounted page keeps the way it was drawn
 * first, so a chunk arriving later never remounts it.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): LazyPage<P> {
  let loading: Promise<ComponentType<P>> | null = null;
  let loaded: ComponentType<P> | null = null;
  const preload = () => {
    loading ??= load().then(
      (component) => (loaded = component),
      (error: unknown) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };
  const Lazy = lazy(async () => ({ default: await preload() }));
  function Component(props: P) {
    const [ready] = useState(() => loaded);
    return ready ? createElement(ready, props) : createElement(Lazy, props);
  }
  return { Component, preload };
}

type NoProps = Record<string, never>;

/** By the address segment after /console ('' is the overview). */
export const pageModules: Record<string, { list: LazyPage<NoProps>; detail?: LazyPage<{ id: string }> }> = {
  '': { list: lazyPage(async () => (await import('./pages/overview.tsx')).default) },
  payments: {
    list: lazyPage(async () => (await import('./pages/payments.tsx')).PaymentsPage),
    detail: lazyPage(async () => (await import('./pages/payment-detail.tsx')).PaymentDetailPage),
  },
  customers: {
    list: lazyPage(async () => (await import('./pages/customers.tsx')).CustomersPage),
    detail: lazyPage(async () => (await import('./pages/customer-detail.tsx')).CustomerDetailPage),
  },
  risk: { list: lazyPage(async () => (await import('./pages/risk.tsx')).default) },
  cancellations: { list: lazyPage(async () => (await import('./pages/cancellations.tsx')).default) },
  channels: { list: lazyPage(async () => (await import('./pages/channels.tsx')).default) },
  coupons: { list: lazyPage(async () => (await import('./pages/coupons.tsx')).default) },
  experiments: { list: lazyPage(async () => (await import('./pages/experiments.tsx')).default) },
  loyalty: { list: lazyPage(async () => (await import('./pages/loyalty.tsx')).default) },
  segments: { list: lazyPage(async () => (await import('./pages/segments.tsx')).default) },
  alerts: { list: lazyPage(async () => (await import('./pages/alerts.tsx')).default) },
  'after-sales': { list: lazyPage(async () => (await import('./pages/after-sales.tsx')).default) },
  support: { list: lazyPage(async () => (await import('./pages/support.tsx')).default) },
  feedback: { list: lazyPage(async () => (await import('./pages/feedback.tsx')).default) },
  reconciliation: { list: lazyPage(async () => (await import('./pages/reconciliation.tsx')).default) },
  developers: { list: lazyPage(async () => (await import('./pages/developers.tsx')).DevelopersPage) },
  team: { list: lazyPage(async () => (await import('./pages/team.tsx')).TeamPage) },
  audit: { list: lazyPage(async () => (await import('./pages/audit-log.tsx')).AuditLogPage) },
  settings: { list: lazyPage(async () => (await import('./pages/settings.tsx')).SettingsPage) },
  account: { list: lazyPage(async () => (await import('./pages/account.tsx')).AccountPage) },
};

/** Starts importing the page an address names (nothing for an unknown one); a failure shows when the page renders. */
export function preloadPage(route: { page: string; id: string | null }): void {
  const entry = Object.hasOwn(pageModules, route.page) ? pageModules[route.page] : undefined;
  const page = route.id !== null && entry?.detail ? entry.detail : entry?.list;
  page?.preload().catch(() => {});
}
