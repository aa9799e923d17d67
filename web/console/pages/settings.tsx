/**
 * Settings: the business name, support and operations addresses and time
 * zone (GET/POST /console/api/settings), the cancellation-abuse policy
 * (/v1/cancellation_abuse_settings, in the mode shown), and the refund limit
 * per currency for the support role. Members without `settings.manage` see
 * the values read-only.
 */
import { useEffect } from 'react';
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import { useConsole } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { LoadError, PageTitle, minorPerMajor, parseMajor, useFormats, useLoad, type ListAnswer, ConsoleTable } from '../page-kit.tsx';
import { useShell } from '../shell-context.ts';

interface Settings {
  business_name: string;
  support_email: string | null;
  support_phone: string | null;
  operations_email: string | null;
  time_zone: string;
}

interface AbusePolicy {
  max_cancellations_per_hour: number;
  action: 'none' | 'require_otp' | 'refuse';
  flag_duration_hours: number;
}

interface RefundLimit {
  currency: string;
  amount_max: number;
}

const texts = {
  title: l('Settings', '设置', '設定'),
  business: l('Business', '商户信息', '商戶資訊'),
  businessName: l('Business name', '商户名称', '商戶名稱'),
  supportEmail: l('Support email', '客服邮箱', '客服電子郵件'),
  supportPhone: l('Support phone', '客服电话', '客服電話'),
  operationsEmail: l('Operations email (alerts)', '运营邮箱（告警）', '營運電子郵件（警示）'),
  timeZone: l('Time zone', '时区', '時區'),
  abuse: l('Cancellation abuse', '恶意取消', '惡意取消'),
  abuseHelp: l('A customer who cancels more often than this in an hour is flagged.', '一小时内取消次数超过此值的客户会被标记。', '一小時內取消次數超過此值的客戶會被標記。'),
  maxPerHour: l('Cancellations per hour before flagging', '每小时取消次数上限', '每小時取消次數上限'),
  action: l('Then', '之后', '之後'),
  action_none: l('Only flag', '仅标记', '僅標記'),
  action_require_otp: l('Ask for a one-time code', '要求一次性验证码', '要求一次性驗證碼'),
  action_refuse: l('Refuse new payments', '拒绝新支付', '拒絕新付款'),
  flagHours: l('Flag lasts (hours)', '标记持续（小时）', '標記持續（小時）'),
  refundLimits: l('Refund limit for support', '客服退款限额', '客服退款限額'),
  refundLimitsHelp: l('The most a support member may refund at once, per currency; 0 forbids it.', '客服单次可退款的最高金额（按币种）；0 表示禁止。', '客服單次可退款的最高金額（依幣別）；0 表示禁止。'),
  currency: l('Currency', '币种', '幣別'),
  limit: l('Limit', '限额', '限額'),
  setLimit: l('Set limit', '设置限额', '設定限額'),
} satisfies Record<string, Record<string, string>>;

const timeZones = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'UTC'];

export function SettingsPage() {
  const { api, can, mode } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const { refreshSession } = useShell();
  const editable = can('settings.manage');
  const settings = useLoad(() => api.get<Settings>('/console/api/settings'), []);
  const abuse = useLoad(() => api.get<AbusePolicy>('/v1/cancellation_abuse_settings'), [mode]);
  const limits = useLoad(() => api.get<ListAnswer<RefundLimit>>('/console/api/settings/refund_limits'), []);
  const [businessForm] = Form.useForm<Settings>();
  const [abuseForm] = Form.useForm<AbusePolicy>();
  useEffect(() => {
    if (settings.data) businessForm.setFieldsValue(settings.data);
  }, [settings.data, businessForm]);
  useEffect(() => {
    if (abuse.data) abuseForm.setFieldsValue(abuse.data);
  }, [abuse.data, abuseForm]);

  async function save(action: () => Promise<unknown>, after?: () => void) {
    try {
      await action();
      void message.success(t('saved'));
      after?.();
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <>
      <PageTitle>{p('title')}</PageTitle>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{p('business')}</h2>}>
            <LoadError error={settings.error} reload={settings.reload} />
            <Form
              form={businessForm}
              layout="vertical"
              disabled={!editable}
              onFinish={(values) =>
                void save(
                  () => api.post('/console/api/settings', { ...values, support_email: values.support_email || null, support_phone: values.support_phone || null, operations_email: values.operations_email || null }),
                  () => {
                    settings.reload();
                    refreshSession();
                  },
                )
              }
            >
              <Form.Item name="business_name" label={p('businessName')} rules={[{ required: true, message: t('required') }]}>
                <Input data-testid="settings-business-name" />
              </Form.Item>
              <Form.Item name="support_email" label={p('supportEmail')} rules={[{ type: 'email' }]}>
                <Input type="email" />
              </Form.Item>
              <Form.Item name="support_phone" label={p('supportPhone')}>
                <Input type="tel" />
              </Form.Item>
              <Form.Item name="operations_email" label={p('operationsEmail')} rules={[{ type: 'email' }]}>
                <Input type="email" />
              </Form.Item>
              <Form.Item name="time_zone" label={p('timeZone')}>
                <Select showSearch options={timeZones.map((zone) => ({ value: zone, label: zone }))} />
              </Form.Item>
              {editable && (
                <Button type="primary" htmlType="submit" data-testid="settings-save">
                  {t('save')}
                </Button>
              )}
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Space direction="vertical" size={16} style={{ width: '100%' }}>
            <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{p('abuse')}</h2>}>
              <LoadError error={abuse.error} reload={abuse.reload} />
              <p>{p('abuseHelp')}</p>
              <Form form={abuseForm} layout="vertical" disabled={!editable} onFinish={(values) => void save(() => api.post('/v1/cancellation_abuse_settings', values), abuse.reload)}>
                <Form.Item name="max_cancellations_per_hour" label={p('maxPerHour')}>
                  <InputNumber min={1} style={{ width: '100%' }} />
                </Form.Item>
                <Form.Item name="action" label={p('action')}>
                  <Select options={(['none', 'require_otp', 'refuse'] as const).map((value) => ({ value, label: p(`action_${value}`) }))} />
                </Form.Item>
                <Form.Item name="flag_duration_hours" label={p('flagHours')}>
                  <InputNumber min={1} style={{ width: '100%' }} />
                </Form.Item>
                {editable && (
                  <Button type="primary" htmlType="submit">
                    {t('save')}
                  </Button>
                )}
              </Form>
            </Card>
            <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{p('refundLimits')}</h2>}>
              <LoadError error={limits.error} reload={limits.reload} />
              <p>{p('refundLimitsHelp')}</p>
              <ConsoleTable<RefundLimit>
                minWidth={240}
                rowKey="currency"
                size="small"
                pagination={false}
                dataSource={limits.data?.data ?? []}
                columns={[
                  { title: p('currency'), dataIndex: 'currency' },
                  { title: p('limit'), render: (_v, row) => f.money(row.amount_max, row.currency) },
                ]}
              />
              {editable && (
                <Form
                  layout="inline"
                  style={{ marginTop: 12, rowGap: 8 }}
                  initialValues={{ currency: 'CNY' }}
                  onFinish={(values: { currency: string; amount: number }) => {
                    const amount = parseMajor(values.amount, values.currency);
                    if (amount === null) return;
                    void save(() => api.post('/console/api/settings/refund_limits', { currency: values.currency, amount_max: amount }), limits.reload);
                  }}
                >
                  <Form.Item name="currency" label={p('currency')}>
                    <Select style={{ width: 100 }} options={['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'JPY'].map((c) => ({ value: c, label: c }))} />
                  </Form.Item>
                  <Form.Item name="amount" label={p('limit')} rules={[{ required: true, message: t('required') }]}>
                    <InputNumber min={0} step={1 / minorPerMajor('CNY')} style={{ width: 140 }} data-testid="refund-limit-amount" />
                  </Form.Item>
                  <Button htmlType="submit">{p('setLimit')}</Button>
                </Form>
              )}
            </Card>
          </Space>
        </Col>
      </Row>
    </>
  );
}
