/**
 * My account: who I am, my role, and my second factor: turned on here by
 * roles that are offered it (owners and admins turned it on at their first
 * sign-in), and turned off with a current code by roles that may.
 */
import { useState } from 'react';
import { App, Button, Card, Descriptions, Form, Input, Space } from 'antd';
import { useConsole } from '../context.ts';
import { EnrolmentSteps } from '../enrolment.tsx';
import { l, useT, useTexts } from '../i18n.ts';
import { PageTitle, useFormats } from '../page-kit.tsx';
import { useShell } from '../shell-context.ts';

const texts = {
  title: l('My account', '我的账户', '我的帳戶'),
  email: l('Email', '邮箱', '電子郵件'),
  role: l('Role', '角色', '角色'),
  merchant: l('Merchant', '商户', '商戶'),
  timeZone: l('Time zone', '时区', '時區'),
  sessionEnds: l('Session ends at the latest', '会话最迟结束于', '工作階段最遲結束於'),
  twoFactor: l('Two-step verification', '两步验证', '兩步驟驗證'),
} satisfies Record<string, Record<string, string>>;

export function AccountPage() {
  const { api, member, merchant } = useConsole();
  const { session, refreshSession } = useShell();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const [enrolling, setEnrolling] = useState(false);
  const twoFactor = session.member.two_factor;
  return (
    <>
      <PageTitle>{p('title')}</PageTitle>
      <Space direction="vertical" size={16} style={{ width: '100%', maxWidth: 720 }}>
        <Descriptions bordered size="small" column={1}>
          <Descriptions.Item label={p('email')}>{member.email}</Descriptions.Item>
          <Descriptions.Item label={p('role')}>{t(`role_${member.role}`)}</Descriptions.Item>
          <Descriptions.Item label={p('merchant')}>{`${merchant.name} (${merchant.id})`}</Descriptions.Item>
          <Descriptions.Item label={p('timeZone')}>{merchant.timeZone}</Descriptions.Item>
          {'expires_at' in session && <Descriptions.Item label={p('sessionEnds')}>{f.time((session as { expires_at?: string }).expires_at)}</Descriptions.Item>}
        </Descriptions>
        <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{p('twoFactor')}</h2>}>
          {twoFactor.enabled ? (
            <>
              <p data-testid="two-factor-on">{t('twoFactorOn', { date: f.time(twoFactor.enabled_at) })}</p>
              {!twoFactor.required && (
                <Form
                  layout="inline"
                  onFinish={(values: { code: string }) =>
                    void api.post('/console/api/two_factor/disable', { code: values.code.trim() }).then(
                      () => {
                        void message.success(t('twoFactorDisabled'));
                        refreshSession();
                      },
                      (error: unknown) => void message.error(error instanceof Error ? error.message : String(error)),
                    )
                  }
                >
                  <Form.Item name="code" label={t('authCode')} rules={[{ required: true, message: t('required') }]}>
                    <Input inputMode="numeric" maxLength={10} style={{ width: 140 }} />
                  </Form.Item>
                  <Button danger htmlType="submit">
                    {t('twoFactorDisable')}
                  </Button>
                </Form>
              )}
            </>
          ) : enrolling ? (
            <EnrolmentSteps api={api} session={session} required={false} onDone={refreshSession} />
          ) : (
            <>
              <p>{t('twoFactorOff')}</p>
              <Button type="primary" onClick={() => setEnrolling(true)}>
                {t('enrolStart')}
              </Button>
            </>
          )}
        </Card>
      </Space>
    </>
  );
}
