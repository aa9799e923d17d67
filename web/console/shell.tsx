/**
 * The signed-in console: a menu of the pages the member's permissions allow
 * (hiding is a courtesy; the server checks every request), a header with the
 * language (remembered per member on the server), live or test data, and
 * signing out; and the page the address names. Every page reads
 * `useConsole()`.
 */
import { useMemo, useState, type ComponentType, type ReactNode } from 'react';
import { App, Button, Drawer, Grid, Layout, Menu, Segmented, Spin, Tooltip, Typography } from 'antd';
import {
  ApiOutlined,
  AlertOutlined,
  AuditOutlined,
  BranchesOutlined,
  ClusterOutlined,
  CreditCardOutlined,
  CustomerServiceOutlined,
  DashboardOutlined,
  IdcardOutlined,
  LogoutOutlined,
  MenuOutlined,
  MessageOutlined,
  SafetyOutlined,
  SettingOutlined,
  SmileOutlined,
  TagsOutlined,
  ExperimentOutlined,
  GiftOutlined,
  StopOutlined,
  SwapOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { ConsoleContext, type ConsoleApi, type ConsoleContextValue, type ConsoleLocale } from './context.ts';
import { useT, type TextKey } from './i18n.ts';
import { applyTimeZone } from './locales.ts';
import { consolePath, navigate, useRoute } from './router.ts';
import { memberOf, merchantOf, type SessionAnswer } from './session.ts';
import { LanguageSelect } from './language-select.tsx';
import { ShellContext } from './shell-context.ts';
import { Notice } from './notice.tsx';
import { pageModules, preloadPage } from './page-loaders.ts';
import { PageLoadBoundary } from './page-load-boundary.tsx';

interface PageEntry {
  /** The address segment after /console ('' is the overview). */
  path: string;
  label: TextKey;
  icon: ReactNode;
  /** Shown when the member has any of these. */
  anyOf: readonly string[];
  list: ComponentType;
  /** The page for /console/<path>/<id>, when there is one. */
  detail?: ComponentType<{ id: string }>;
}

export const consolePages: readonly PageEntry[] = [
  { path: '', label: 'navOverview', icon: <DashboardOutlined />, anyOf: ['analytics.read'], list: pageModules['']!.list.Component },
  { path: 'payments', label: 'navPayments', icon: <CreditCardOutlined />, anyOf: ['payments.read'], list: pageModules['payments']!.list.Component, detail: pageModules['payments']!.detail!.Component },
  { path: 'customers', label: 'navCustomers', icon: <UserOutlined />, anyOf: ['customers.read'], list: pageModules['customers']!.list.Component, detail: pageModules['customers']!.detail!.Component },
  { path: 'risk', label: 'navRisk', icon: <SafetyOutlined />, anyOf: ['risk.read', 'analytics.read'], list: pageModules['risk']!.list.Component },
  { path: 'cancellations', label: 'navCancellations', icon: <StopOutlined />, anyOf: ['analytics.read'], list: pageModules['cancellations']!.list.Component },
  { path: 'channels', label: 'navChannels', icon: <BranchesOutlined />, anyOf: ['analytics.read', 'connector_accounts.read'], list: pageModules['channels']!.list.Component },
  { path: 'segments', label: 'navSegments', icon: <ClusterOutlined />, anyOf: ['analytics.read'], list: pageModules['segments']!.list.Component },
  { path: 'alerts', label: 'navAlerts', icon: <AlertOutlined />, anyOf: ['alerts.read'], list: pageModules['alerts']!.list.Component },
  { path: 'after-sales', label: 'navAfterSales', icon: <CustomerServiceOutlined />, anyOf: ['after_sales.manage'], list: pageModules['after-sales']!.list.Component },
  { path: 'support', label: 'navSupport', icon: <MessageOutlined />, anyOf: ['support_requests.manage'], list: pageModules['support']!.list.Component },
  { path: 'feedback', label: 'navFeedback', icon: <SmileOutlined />, anyOf: ['analytics.read'], list: pageModules['feedback']!.list.Component },
  { path: 'coupons', label: 'navCoupons', icon: <TagsOutlined />, anyOf: ['coupons.read', 'analytics.read'], list: pageModules['coupons']!.list.Component },
  { path: 'experiments', label: 'navExperiments', icon: <ExperimentOutlined />, anyOf: ['experiments.read', 'analytics.read'], list: pageModules['experiments']!.list.Component },
  { path: 'loyalty', label: 'navLoyalty', icon: <GiftOutlined />, anyOf: ['loyalty.read'], list: pageModules['loyalty']!.list.Component },
  { path: 'reconciliation', label: 'navReconciliation', icon: <SwapOutlined />, anyOf: ['payments.read'], list: pageModules['reconciliation']!.list.Component },
  { path: 'developers', label: 'navDevelopers', icon: <ApiOutlined />, anyOf: ['keys.manage', 'webhooks.manage', 'logs.read'], list: pageModules['developers']!.list.Component },
  { path: 'team', label: 'navTeam', icon: <TeamOutlined />, anyOf: ['team.read'], list: pageModules['team']!.list.Component },
  { path: 'audit', label: 'navAudit', icon: <AuditOutlined />, anyOf: ['audit.read'], list: pageModules['audit']!.list.Component },
  { path: 'settings', label: 'navSettings', icon: <SettingOutlined />, anyOf: ['settings.read'], list: pageModules['settings']!.list.Component },
  { path: 'account', label: 'navAccount', icon: <IdcardOutlined />, anyOf: ['session'], list: pageModules['account']!.list.Component },
];

interface ShellProps {
  api: ConsoleApi;
  session: SessionAnswer;
  locale: ConsoleLocale;
  setLocale(locale: ConsoleLocale): void;
  mode: 'live' | 'test';
  setMode(mode: 'live' | 'test'): void;
  onSignedOut(): void;
  onSessionChanged(): void;
}

export function Shell({ api, session, locale, setLocale, mode, setMode, onSignedOut, onSessionChanged }: ShellProps) {
  const t = useT();
  const { message } = App.useApp();
  const route = useRoute();
  const screens = Grid.useBreakpoint();
  const phone = screens.md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const value = useMemo<ConsoleContextValue>(() => {
    const member = memberOf(session);
    return { member, merchant: merchantOf(session), locale, mode, api, can: (permission: string) => member.permissions.includes(permission) };
  }, [session, locale, mode, api]);
  const { member, merchant } = value;
  applyTimeZone(merchant.timeZone);
  const shell = useMemo(() => ({ session, refreshSession: onSessionChanged }), [session, onSessionChanged]);
  const allowed = consolePages.filter((page) => page.anyOf.some((permission) => value.can(permission)));
  const current = consolePages.find((page) => page.path === route.page);

  async function changeLanguage(next: ConsoleLocale) {
    setLocale(next);
    try {
      await api.post('/console/api/session/preferences', { locale: next });
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
  }

  async function signOut() {
    try {
      await api.post('/console/api/sign_out');
    } finally {
      navigate(consolePath(''), { replace: true });
      onSignedOut();
    }
  }

  let page: ReactNode;
  if (route.page === '' && !value.can('analytics.read') && allowed[0]) {
    // A member without the overview starts on the first page their role has.
    const first = allowed[0];
    queueMicrotask(() => navigate(consolePath(first.path), { replace: true }));
    page = <Spin />;
  } else if (!current) {
    page = <Notice status="404" title={t('notFound')} action={<Button onClick={() => navigate(consolePath(''))}>{t('backToOverview')}</Button>} />;
  } else if (!allowed.includes(current)) {
    page = <Notice status="403" title={t('forbidden')} action={<Button onClick={() => navigate(consolePath(''))}>{t('backToOverview')}</Button>} />;
  } else if (route.id !== null && current.detail) {
    const Detail = current.detail;
    page = <Detail id={route.id} key={`${route.page}/${route.id}`} />;
  } else {
    const List = current.list;
    page = <List key={route.page} />;
  }

  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[current?.path ?? '']}
      items={allowed.map((entry) => ({
        key: entry.path,
        icon: entry.icon,
        label: (
          <a
            href={consolePath(entry.path)}
            data-testid={`nav-${entry.path || 'overview'}`}
            onMouseEnter={() => preloadPage({ page: entry.path, id: null })}
            onFocus={() => preloadPage({ page: entry.path, id: null })}
            onClick={(event) => {
              event.preventDefault();
              setDrawerOpen(false);
              navigate(consolePath(entry.path));
            }}
          >
            {t(entry.label)}
          </a>
        ),
      }))}
    />
  );

  return (
    <ConsoleContext.Provider value={value}>
      <ShellContext.Provider value={shell}>
      <Layout style={{ minHeight: '100vh' }}>
        {!phone && (
          <Layout.Sider width={220} theme="light" style={{ borderRight: '1px solid #e5e7eb' }}>
            <div style={{ padding: '16px 24px' }} className="console-brand">
              {merchant.name}
            </div>
            <nav aria-label={t('menu')}>{menu}</nav>
          </Layout.Sider>
        )}
        <Layout>
          <header className="console-header">
            {phone && <Button icon={<MenuOutlined />} aria-label={t('menu')} onClick={() => setDrawerOpen(true)} data-testid="menu-open" />}
            <span className="console-header-space" />
            <Tooltip title={t('modeLabel')}>
              <Segmented
                size={phone ? 'small' : 'middle'}
                aria-label={t('modeLabel')}
                value={mode}
                onChange={(next) => setMode(next as 'live' | 'test')}
                options={[
                  { value: 'live', label: t('live') },
                  { value: 'test', label: t('test') },
                ]}
                data-testid="mode-switch"
              />
            </Tooltip>
            <LanguageSelect locale={locale} setLocale={(next) => void changeLanguage(next)} />
            <Typography.Text className="console-hide-phone" type="secondary">
              {member.email}
            </Typography.Text>
            <Tooltip title={t('signOut')}>
              <Button icon={<LogoutOutlined />} aria-label={t('signOut')} onClick={() => void signOut()} data-testid="sign-out" />
            </Tooltip>
          </header>
          {mode === 'test' && (
            <div className="console-test-banner" role="status">
              {t('testBanner')}
            </div>
          )}
          <main className="console-content" data-testid="console-page" key={mode}>
            <PageLoadBoundary key={`${route.page}/${route.id ?? ''}`} texts={{ failed: t('pageLoadFailed'), retry: t('retry'), reload: t('reloadConsole') }}>
              {page}
            </PageLoadBoundary>
          </main>
        </Layout>
      </Layout>
      {phone && (
        <Drawer placement="left" open={drawerOpen} onClose={() => setDrawerOpen(false)} size={260} title={merchant.name} styles={{ body: { padding: 0 } }}>
          <nav aria-label={t('menu')}>{menu}</nav>
        </Drawer>
      )}
      </ShellContext.Provider>
    </ConsoleContext.Provider>
  );
}
