/**
 * The pages before a session: email and password, then the second factor
 * when the server asks for it (a TOTP code or a recovery code); forgot
 * password; and the page an emailed link opens (/console/set-password#token=…,
 * a reset or an invitation). The server decides everything: rate limits,
 * lockout and which factor is needed come back as the catalog's errors.
 */
import { useState, type ReactNode } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { ConsoleApiError, type ConsoleApi, type ConsoleLocale } from './context.ts';
import { useT } from './i18n.ts';
import { LanguageSelect } from './language-select.tsx';
import { isPasswordLinkPage } from './route.ts';
import { consolePath, navigate, useRoute } from './router.ts';

type Api = ConsoleApi;

interface SignInProps {
  api: Api;
  locale: ConsoleLocale;
  setLocale(locale: ConsoleLocale): void;
  onSignedIn(answer: { csrf_token: string }): void;
}

interface Credentials {
  email: string;
  password: string;
  merchant?: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function SignInPages(props: SignInProps) {
  const route = useRoute();
  let page: ReactNode;
  if (isPasswordLinkPage(route.page)) page = <SetPasswordForm api={props.api} />;
  else if (route.page === 'forgot-password') page = <ForgotPasswordForm api={props.api} />;
  else page = <SignInForm {...props} />;
  return (
    <main className="console-centre">
      <div className="console-auth-top">
        <span className="console-brand">Paypilot</span>
        <LanguageSelect locale={props.locale} setLocale={props.setLocale} />
      </div>
      {page}
    </main>
  );
}

function SignInForm({ api, onSignedIn }: SignInProps) {
  const t = useT();
  const [credentials, setCredentials] = useState<Credentials | null>(null);
  const [needsMerchant, setNeedsMerchant] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(body: Credentials & { code?: string; recovery_code?: string }) {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ csrf_token: string }>('/console/api/sign_in', body);
      onSignedIn(answer);
    } catch (caught) {
      if (caught instanceof ConsoleApiError && caught.code === 'console_second_factor_required') {
        setCredentials(body);
      } else if (caught instanceof ConsoleApiError && caught.code === 'parameter_missing' && !body.merchant) {
        setNeedsMerchant(true);
        setError(t('merchantIdHelp'));
      } else {
        setError(errorText(caught));
      }
    } finally {
      setBusy(false);
    }
  }

  if (credentials) {
    return (
      <Card className="console-auth-card" title={<h1 style={{ fontSize: 18, margin: 0 }}>{t('secondFactorTitle')}</h1>}>
        <Form
          layout="vertical"
          requiredMark={false}
          onFinish={(values: { code?: string; recovery_code?: string }) =>
            void submit(useRecovery ? { ...credentials, recovery_code: values.recovery_code?.trim() } : { ...credentials, code: values.code?.trim() })
          }
        >
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />}
          {useRecovery ? (
            <Form.Item label={t('recoveryCode')} name="recovery_code" extra={t('recoveryCodeHelp')} rules={[{ required: true, message: t('required') }]}>
              <Input autoComplete="off" autoFocus data-testid="recovery-code" />
            </Form.Item>
          ) : (
            <Form.Item label={t('authCode')} name="code" extra={t('secondFactorHelp')} rules={[{ required: true, message: t('required') }]}>
              <Input inputMode="numeric" autoComplete="one-time-code" maxLength={10} autoFocus data-testid="totp-code" />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="second-factor-submit">
            {t('verify')}
          </Button>
          <Button type="link" block onClick={() => setUseRecovery(!useRecovery)} data-testid="toggle-recovery">
            {useRecovery ? t('useAuthCode') : t('useRecoveryCode')}
          </Button>
          <Button type="link" block onClick={() => setCredentials(null)}>
            {t('back')}
          </Button>
        </Form>
      </Card>
    );
  }

  return (
    <Card className="console-auth-card" title={<h1 style={{ fontSize: 18, margin: 0 }}>{t('signInTitle')}</h1>}>
      <Form layout="vertical" requiredMark={false} onFinish={(values: Credentials) => void submit({ ...values, merchant: values.merchant?.trim() || undefined })}>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="sign-in-error" />}
        <Form.Item label={t('email')} name="email" rules={[{ required: true, message: t('required') }]}>
          <Input type="email" autoComplete="username" autoFocus data-testid="sign-in-email" />
        </Form.Item>
        <Form.Item label={t('password')} name="password" rules={[{ required: true, message: t('required') }]}>
          <Input.Password autoComplete="current-password" data-testid="sign-in-password" />
        </Form.Item>
        {needsMerchant && (
          <Form.Item label={t('merchantId')} name="merchant" rules={[{ required: true, message: t('required') }]}>
            <Input autoComplete="off" data-testid="sign-in-merchant" />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in-submit">
          {t('signIn')}
        </Button>
        <Button type="link" block onClick={() => navigate(consolePath('forgot-password'))}>
          {t('forgotPassword')}
        </Button>
      </Form>
    </Card>
  );
}

function ForgotPasswordForm({ api }: { api: Api }) {
  const t = useT();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(values: { email: string }) {
    setBusy(true);
    setError(null);
    try {
      await api.post('/console/api/password/forgot', { email: values.email });
      setSent(true);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card className="console-auth-card" title={<h1 style={{ fontSize: 18, margin: 0 }}>{t('forgotTitle')}</h1>}>
      {sent ? (
        <Alert type="success" showIcon title={t('linkSent')} data-testid="link-sent" />
      ) : (
        <Form layout="vertical" requiredMark={false} onFinish={(values: { email: string }) => void submit(values)}>
          <Typography.Paragraph>{t('forgotHelp')}</Typography.Paragraph>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
          <Form.Item label={t('email')} name="email" rules={[{ required: true, message: t('required') }]}>
            <Input type="email" autoComplete="username" autoFocus data-testid="forgot-email" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="forgot-submit">
            {t('sendLink')}
          </Button>
        </Form>
      )}
      <Button type="link" block onClick={() => navigate(consolePath(''))}>
        {t('back')}
      </Button>
    </Card>
  );
}

export { isPasswordLinkPage };

/** The token is in the link's fragment, so it never reaches a server log or a Referer header; a query works too. */
function tokenFromFragment(): string | null {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? new URLSearchParams(window.location.search).get('token');
}

function SetPasswordForm({ api }: { api: Api }) {
  const t = useT();
  const [token] = useState(tokenFromFragment);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(values: { password: string }) {
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ email: string }>('/console/api/password/set', { token, password: values.password });
      // The token is spent: take it out of the address bar and the history.
      history.replaceState(null, '', consolePath('set-password'));
      setDone(answer.email);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card className="console-auth-card" title={<h1 style={{ fontSize: 18, margin: 0 }}>{t('setPasswordTitle')}</h1>}>
      {done !== null ? (
        <>
          <Alert type="success" showIcon title={t('passwordSet')} description={done} data-testid="password-set" />
          <Button type="primary" block style={{ marginTop: 16 }} onClick={() => navigate(consolePath(''))} data-testid="go-sign-in">
            {t('signIn')}
          </Button>
        </>
      ) : !token ? (
        <Alert type="error" showIcon title={t('linkMissing')} />
      ) : (
        <Form layout="vertical" requiredMark={false} onFinish={(values: { password: string }) => void submit(values)}>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="set-password-error" />}
          <Form.Item label={t('newPassword')} name="password" extra={t('passwordHelp')} rules={[{ required: true, message: t('required') }]}>
            <Input.Password autoComplete="new-password" autoFocus data-testid="new-password" />
          </Form.Item>
          <Form.Item
            label={t('confirmPassword')}
            name="repeat"
            dependencies={['password']}
            rules={[
              { required: true, message: t('required') },
              ({ getFieldValue }) => ({
                validator: (_rule, value) => (value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('passwordsDiffer')))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" data-testid="repeat-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="set-password-submit">
            {t('setPassword')}
          </Button>
        </Form>
      )}
    </Card>
  );
}
