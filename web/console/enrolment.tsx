/**
 * Turning the second factor on: the server makes a secret and its QR code,
 * the member confirms with a first code, and the server answers ten recovery
 * codes, shown this once. Owners and admins meet this page right after their
 * first sign-in (their session reaches nothing else until it is done); other
 * roles find it under "My account".
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Space, Typography } from 'antd';
import type { ConsoleApi } from './context.ts';
import { useT } from './i18n.ts';
import type { SessionAnswer } from './session.ts';

interface Enrolment {
  otpauth_uri: string;
  secret: string;
  qr_code: string;
}

export function EnrolmentPage(props: { api: ConsoleApi; session: SessionAnswer; required: boolean; onDone(): void; onSignedOut?(): void }) {
  const t = useT();
  return (
    <main className="console-centre">
      <Card className="console-auth-card" style={{ maxWidth: 520 }} title={<h1 style={{ fontSize: 18, margin: 0 }}>{t('enrolTitle')}</h1>}>
        <EnrolmentSteps {...props} />
        {props.onSignedOut && (
          <Button
            type="link"
            block
            onClick={() => {
              void props.api.post('/console/api/sign_out').finally(() => props.onSignedOut?.());
            }}
          >
            {t('signOut')}
          </Button>
        )}
      </Card>
    </main>
  );
}

/** The steps themselves, also shown inside the shell's account page. */
export function EnrolmentSteps({ api, session, required, onDone }: { api: ConsoleApi; session: SessionAnswer; required: boolean; onDone(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  if (recoveryCodes) {
    return (
      <div data-testid="recovery-codes">
        <Typography.Title level={2} style={{ fontSize: 16 }}>
          {t('recoveryTitle')}
        </Typography.Title>
        <Alert type="warning" showIcon title={t('recoveryHelp')} style={{ marginBottom: 16 }} />
        <ul className="console-recovery-codes">
          {recoveryCodes.map((code) => (
            <li key={code} data-testid="recovery-code-item">
              {code}
            </li>
          ))}
        </ul>
        <Space wrap>
          <Button
            onClick={() => {
              void navigator.clipboard?.writeText(recoveryCodes.join('\n')).then(() => message.success(t('copied')));
            }}
          >
            {t('recoveryCopy')}
          </Button>
          <Button type="primary" onClick={onDone} data-testid="recovery-done">
            {t('recoveryDone')}
          </Button>
        </Space>
      </div>
    );
  }

  return (
    <div>
      <Typography.Paragraph>{required ? t('enrolRequired', { role: t(`role_${session.member.role}`) }) : t('enrolOffered')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="enrol-error" />}
      {!enrolment ? (
        <Button type="primary" loading={busy} onClick={() => void run(async () => setEnrolment(await api.post<Enrolment>('/console/api/two_factor/enrolment')))} data-testid="enrol-start">
          {t('enrolStart')}
        </Button>
      ) : (
        <Form
          layout="vertical"
          requiredMark={false}
          onFinish={(values: { code: string }) =>
            void run(async () => {
              const confirmed = await api.post<{ recovery_codes: string[] }>('/console/api/two_factor/confirmation', { code: values.code.trim() });
              setRecoveryCodes(confirmed.recovery_codes);
            })
          }
        >
          <Typography.Paragraph>{t('enrolScan')}</Typography.Paragraph>
          <img className="console-qr" src={enrolment.qr_code} alt={t('enrolQrAlt')} data-testid="enrol-qr" />
          <Typography.Paragraph>
            {t('enrolKey')}: <code className="console-mono" data-testid="enrol-secret">{enrolment.secret}</code>
          </Typography.Paragraph>
          <Form.Item label={t('authCode')} name="code" rules={[{ required: true, message: t('required') }]}>
            <Input inputMode="numeric" autoComplete="one-time-code" maxLength={10} data-testid="enrol-code" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="enrol-confirm">
            {t('enrolConfirm')}
          </Button>
        </Form>
      )}
    </div>
  );
}
