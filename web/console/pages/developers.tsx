/**
 * Developers: API keys (create, roll with an overlap window, revoke; a new
 * secret is shown once), webhook endpoints with their delivery log and
 * redelivery (the signing secret is shown once too), and recent API
 * requests with status and error. Each tab appears to roles that have it.
 */
import { useState } from 'react';
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Radio, Select, Space, Tag, Typography } from 'antd';
import { useConsole } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { KeysetPager, LoadError, PageTitle, useFormats, useKeysetList, useLoad, type ListAnswer, tagColors, Sections, ConsoleTable } from '../page-kit.tsx';
import { formatDuration } from '../format.ts';

interface ApiKey {
  id: string;
  kind: 'secret' | 'publishable';
  mode: 'live' | 'test';
  hint: string;
  status: 'active' | 'expiring' | 'expired' | 'revoked';
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
  secret?: string | null;
}

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: string;
  disabled_reason: string | null;
  created_at: string;
  secret?: string;
}

interface Delivery {
  id: string;
  event: string;
  event_type: string;
  status: string;
  attempts: number;
  last_response_status: number | null;
  last_error: string | null;
  created_at: string;
}

interface ApiRequest {
  id: string;
  method: string;
  path: string;
  route: string | null;
  status: number;
  error_code: string | null;
  duration_ms: number;
  key: string | null;
  member: string | null;
  mode: string | null;
  request_id: string;
  occurred_at: string;
}

const texts = {
  title: l('Developers', '开发者', '開發者'),
  keys: l('API keys', 'API 密钥', 'API 金鑰'),
  webhooks: l('Webhooks', 'Webhook', 'Webhook'),
  requests: l('Recent requests', '最近请求', '最近請求'),
  createKey: l('Create a key', '创建密钥', '建立金鑰'),
  kind: l('Kind', '类型', '類型'),
  kind_secret: l('Secret', '私密', '私密'),
  kind_publishable: l('Publishable', '可公开', '可公開'),
  mode: l('Mode', '模式', '模式'),
  key: l('Key', '密钥', '金鑰'),
  status: l('Status', '状态', '狀態'),
  status_active: l('Active', '有效', '有效'),
  status_expiring: l('Expiring', '即将失效', '即將失效'),
  status_expired: l('Expired', '已失效', '已失效'),
  status_revoked: l('Revoked', '已吊销', '已撤銷'),
  expires: l('Expires', '失效时间', '失效時間'),
  created: l('Created', '创建时间', '建立時間'),
  roll: l('Roll', '轮换', '輪換'),
  rollTitle: l('Roll this key', '轮换密钥', '輪換金鑰'),
  rollHelp: l('A new key replaces this one; the old key keeps working for the overlap, so deployments can switch without downtime.', '新密钥将取代此密钥；旧密钥在重叠期内仍可使用，便于无中断切换。', '新金鑰將取代此金鑰；舊金鑰在重疊期內仍可使用，便於不中斷切換。'),
  overlapHours: l('Overlap (hours; 0 ends the old key now)', '重叠期（小时；0 表示立即失效）', '重疊期（小時；0 表示立即失效）'),
  revoke: l('Revoke', '吊销', '撤銷'),
  revokeConfirm: l('Revoke {hint}? Requests with it fail at once.', '吊销 {hint}？使用它的请求将立即失败。', '撤銷 {hint}？使用它的請求將立即失敗。'),
  revoked: l('Revoked', '已吊销', '已撤銷'),
  secretOnce: l('Copy this secret now: it is shown only once.', '请立即复制此密钥：它只显示这一次。', '請立即複製此金鑰：它只顯示這一次。'),
  secretTitle: l('Your new secret', '新的密钥', '新的金鑰'),
  copy: l('Copy', '复制', '複製'),
  addEndpoint: l('Add an endpoint', '添加端点', '新增端點'),
  url: l('URL', 'URL', 'URL'),
  description: l('Description', '描述', '描述'),
  events: l('Events', '事件', '事件'),
  allEvents: l('All events', '全部事件', '全部事件'),
  deliveries: l('Deliveries', '投递记录', '傳送紀錄'),
  deleteEndpoint: l('Delete', '删除', '刪除'),
  deleteConfirm: l('Delete this endpoint? No more events are sent to it.', '删除此端点？将不再向其发送事件。', '刪除此端點？將不再向其傳送事件。'),
  deleted: l('Deleted', '已删除', '已刪除'),
  event: l('Event', '事件', '事件'),
  tries: l('Tries', '尝试次数', '嘗試次數'),
  httpStatus: l('HTTP status', 'HTTP 状态', 'HTTP 狀態'),
  error: l('Error', '错误', '錯誤'),
  redeliver: l('Redeliver', '重新投递', '重新傳送'),
  redelivered: l('Queued for delivery again', '已排队重新投递', '已排入重新傳送'),
  when: l('When', '时间', '時間'),
  request: l('Request', '请求', '請求'),
  duration: l('Duration', '耗时', '耗時'),
  by: l('By', '调用方', '呼叫方'),
  statusFilter: l('Status', '状态', '狀態'),
  allStatuses: l('All', '全部', '全部'),
} satisfies Record<string, Record<string, string>>;

export function DevelopersPage() {
  const { can } = useConsole();
  const p = useTexts(texts);
  const items = [
    can('keys.manage') && { key: 'keys', label: p('keys'), children: <ApiKeysTab /> },
    can('webhooks.manage') && { key: 'webhooks', label: p('webhooks'), children: <WebhooksTab /> },
    can('logs.read') && { key: 'requests', label: p('requests'), children: <RequestsTab /> },
  ].filter((item) => item !== false);
  return (
    <>
      <PageTitle>{p('title')}</PageTitle>
      <Sections items={items} label={p('title')} testId="developers-tabs" />
    </>
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function SecretOnce({ secret, onClose }: { secret: string; onClose(): void }) {
  const t = useT();
  const p = useTexts(texts);
  const { message } = App.useApp();
  return (
    <Modal open title={p('secretTitle')} onCancel={onClose} footer={<Button type="primary" onClick={onClose}>{t('close')}</Button>}>
      <Alert type="warning" showIcon title={p('secretOnce')} style={{ marginBottom: 12 }} />
      <Typography.Paragraph className="console-mono" data-testid="secret-once">
        {secret}
      </Typography.Paragraph>
      <Button onClick={() => void navigator.clipboard?.writeText(secret).then(() => message.success(t('copied')))}>{p('copy')}</Button>
    </Modal>
  );
}

function ApiKeysTab() {
  const { api, mode } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const keys = useLoad(() => api.get<ListAnswer<ApiKey>>('/v1/api_keys', { limit: 100 }), [mode]);
  const [secret, setSecret] = useState<string | null>(null);
  const [kind, setKind] = useState<'secret' | 'publishable'>('secret');
  const [rolling, setRolling] = useState<ApiKey | null>(null);
  const [overlapHours, setOverlapHours] = useState<number>(24);

  async function run<T>(action: () => Promise<T>, after: (value: T) => void) {
    try {
      after(await action());
      keys.reload();
    } catch (error) {
      void message.error(errorText(error));
    }
  }

  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Radio.Group value={kind} onChange={(e) => setKind(e.target.value as 'secret' | 'publishable')} optionType="button" aria-label={p('kind')}>
          <Radio.Button value="secret">{p('kind_secret')}</Radio.Button>
          <Radio.Button value="publishable">{p('kind_publishable')}</Radio.Button>
        </Radio.Group>
        <Button type="primary" data-testid="key-create" onClick={() => void run(() => api.post<ApiKey>('/v1/api_keys', { kind }), (key) => key.secret && setSecret(key.secret))}>
          {p('createKey')}
        </Button>
      </Space>
      <LoadError error={keys.error} reload={keys.reload} />
      <ConsoleTable<ApiKey>
        rowKey="id"
        size="small"
        loading={keys.loading}
        dataSource={keys.data?.data ?? []}
        pagination={false}
        minWidth={720}
        data-testid="keys-table"
        columns={[
          { title: p('key'), dataIndex: 'hint', render: (v: string) => <span className="console-mono">{v}</span> },
          { title: p('kind'), dataIndex: 'kind', render: (v: 'secret' | 'publishable') => p(`kind_${v}`) },
          { title: p('mode'), dataIndex: 'mode', render: (v: 'live' | 'test') => t(v) },
          { title: p('status'), dataIndex: 'status', render: (v: ApiKey['status']) => <Tag color={v === 'active' ? tagColors.green : v === 'expiring' ? tagColors.gold : tagColors.grey}>{p(`status_${v}`)}</Tag> },
          { title: p('created'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
          { title: p('expires'), dataIndex: 'expires_at', render: (v: string | null) => f.time(v) },
          {
            title: t('actions'),
            render: (_v, row) =>
              row.status === 'active' || row.status === 'expiring' ? (
                <Space>
                  {row.status === 'active' && (
                    <Button size="small" onClick={() => setRolling(row)} data-testid={`key-roll-${row.id}`}>
                      {p('roll')}
                    </Button>
                  )}
                  <Popconfirm title={p('revokeConfirm', { hint: row.hint })} okText={p('revoke')} cancelText={t('cancel')} okButtonProps={{ danger: true }} onConfirm={() => run(() => api.post(`/v1/api_keys/${row.id}/revoke`), () => void message.success(p('revoked')))}>
                    <Button size="small" danger data-testid={`key-revoke-${row.id}`}>
                      {p('revoke')}
                    </Button>
                  </Popconfirm>
                </Space>
              ) : null,
          },
        ]}
      />
      {rolling && (
        <Modal
          open
          title={p('rollTitle')}
          okText={p('roll')}
          cancelText={t('cancel')}
          onCancel={() => setRolling(null)}
          onOk={() =>
            run(
              () => api.post<ApiKey>(`/v1/api_keys/${rolling.id}/roll`, { expires_in_seconds: Math.round(overlapHours * 3600) }),
              (key) => {
                setRolling(null);
                if (key.secret) setSecret(key.secret);
              },
            )
          }
        >
          <p>{p('rollHelp')}</p>
          <label>
            {p('overlapHours')}
            <InputNumber min={0} max={24 * 7} value={overlapHours} onChange={(v) => setOverlapHours(v ?? 0)} style={{ width: '100%', marginTop: 4 }} />
          </label>
        </Modal>
      )}
      {secret && <SecretOnce secret={secret} onClose={() => setSecret(null)} />}
    </>
  );
}

function WebhooksTab() {
  const { api, mode } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const endpoints = useLoad(() => api.get<ListAnswer<Endpoint>>('/v1/webhook_endpoints', { limit: 100 }), [mode]);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [viewing, setViewing] = useState<Endpoint | null>(null);
  const [form] = Form.useForm<{ url: string; description?: string; events?: string[] }>();

  return (
    <>
      <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setAdding(true)} data-testid="endpoint-add">
        {p('addEndpoint')}
      </Button>
      <LoadError error={endpoints.error} reload={endpoints.reload} />
      <ConsoleTable<Endpoint>
        rowKey="id"
        size="small"
        loading={endpoints.loading}
        dataSource={endpoints.data?.data ?? []}
        pagination={false}
        minWidth={720}
        columns={[
          { title: p('url'), dataIndex: 'url', render: (v: string) => <span className="console-mono">{v}</span> },
          { title: p('events'), dataIndex: 'enabled_events', render: (v: string[]) => (v.includes('*') ? p('allEvents') : v.join(', ')) },
          { title: p('status'), dataIndex: 'status', render: (v: string, row) => <Tag color={v === 'enabled' ? tagColors.green : tagColors.red}>{row.disabled_reason ?? v}</Tag> },
          { title: p('created'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
          {
            title: t('actions'),
            render: (_v, row) => (
              <Space>
                <Button size="small" onClick={() => setViewing(row)}>
                  {p('deliveries')}
                </Button>
                <Popconfirm
                  title={p('deleteConfirm')}
                  okText={p('deleteEndpoint')}
                  cancelText={t('cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() =>
                    api.delete(`/v1/webhook_endpoints/${row.id}`).then(
                      () => {
                        void message.success(p('deleted'));
                        endpoints.reload();
                      },
                      (error: unknown) => void message.error(errorText(error)),
                    )
                  }
                >
                  <Button size="small" danger>
                    {p('deleteEndpoint')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {adding && (
        <Modal
          open
          title={p('addEndpoint')}
          okText={t('save')}
          cancelText={t('cancel')}
          onCancel={() => setAdding(false)}
          onOk={async () => {
            const values = await form.validateFields();
            try {
              const created = await api.post<Endpoint>('/v1/webhook_endpoints', { url: values.url, description: values.description || undefined, enabled_events: values.events?.length ? values.events : ['*'] });
              setAdding(false);
              form.resetFields();
              endpoints.reload();
              if (created.secret) setSecret(created.secret);
            } catch (error) {
              void message.error(errorText(error));
            }
          }}
        >
          <Form form={form} layout="vertical">
            <Form.Item name="url" label={p('url')} rules={[{ required: true, pattern: /^https?:\/\//, message: 'https://…' }]}>
              <Input type="url" placeholder="https://example.com/webhooks" />
            </Form.Item>
            <Form.Item name="description" label={p('description')}>
              <Input />
            </Form.Item>
            <Form.Item name="events" label={p('events')} extra={p('allEvents')}>
              <Select mode="tags" placeholder="payment.succeeded" />
            </Form.Item>
          </Form>
        </Modal>
      )}
      {viewing && <DeliveriesDrawer endpoint={viewing} onClose={() => setViewing(null)} />}
      {secret && <SecretOnce secret={secret} onClose={() => setSecret(null)} />}
    </>
  );
}

function DeliveriesDrawer({ endpoint, onClose }: { endpoint: Endpoint; onClose(): void }) {
  const { api } = useConsole();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const deliveries = useKeysetList<Delivery>(`/v1/webhook_endpoints/${endpoint.id}/deliveries`, {}, { cursorParam: 'starting_after', nextCursor: (a) => a.data.at(-1)?.id });
  return (
    <Drawer open onClose={onClose} title={`${p('deliveries')}: ${endpoint.url}`} size="large">
      <LoadError error={deliveries.error} reload={deliveries.reload} />
      <ConsoleTable<Delivery>
        rowKey="id"
        size="small"
        loading={deliveries.loading}
        dataSource={deliveries.rows}
        pagination={false}
        minWidth={640}
        columns={[
          { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
          { title: p('event'), dataIndex: 'event_type' },
          { title: p('status'), dataIndex: 'status', render: (v: string) => <Tag color={v === 'delivered' ? tagColors.green : v === 'failed' ? tagColors.red : tagColors.gold}>{v}</Tag> },
          { title: p('httpStatus'), dataIndex: 'last_response_status', render: (v: number | null) => v ?? '–' },
          { title: p('tries'), dataIndex: 'attempts' },
          { title: p('error'), dataIndex: 'last_error', render: (v: string | null) => v ?? '–' },
          {
            title: '',
            render: (_v, row) => (
              <Button
                size="small"
                onClick={() =>
                  void api.post(`/v1/events/${row.event}/redeliver`).then(
                    () => {
                      void message.success(p('redelivered'));
                      deliveries.reload();
                    },
                    (error: unknown) => void message.error(errorText(error)),
                  )
                }
              >
                {p('redeliver')}
              </Button>
            ),
          },
        ]}
      />
      <KeysetPager list={deliveries} />
    </Drawer>
  );
}

function RequestsTab() {
  const p = useTexts(texts);
  const f = useFormats();
  const { locale, mode } = useConsole();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const requests = useKeysetList<ApiRequest>('/console/api/requests', { status, mode, limit: 50 }, { cursorParam: 'before', nextCursor: (a) => a.next_before ?? a.data.at(-1)?.id });
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <Select
          aria-label={p('statusFilter')}
          style={{ width: 140 }}
          value={status ?? ''}
          onChange={(v: string) => setStatus(v || undefined)}
          options={[
            { value: '', label: p('allStatuses') },
            { value: '4xx', label: '4xx' },
            { value: '5xx', label: '5xx' },
          ]}
        />
      </Space>
      <LoadError error={requests.error} reload={requests.reload} />
      <ConsoleTable<ApiRequest>
        rowKey="id"
        size="small"
        loading={requests.loading}
        dataSource={requests.rows}
        pagination={false}
        minWidth={720}
        data-testid="requests-table"
        columns={[
          { title: p('when'), dataIndex: 'occurred_at', render: (v: string) => f.time(v) },
          { title: p('request'), render: (_v, row) => <span className="console-mono">{`${row.method} ${row.path}`}</span> },
          { title: p('status'), dataIndex: 'status', render: (v: number) => <Tag color={v >= 500 ? tagColors.red : v >= 400 ? tagColors.gold : tagColors.green}>{v}</Tag> },
          { title: p('error'), dataIndex: 'error_code', render: (v: string | null) => v ?? '–' },
          { title: p('duration'), dataIndex: 'duration_ms', render: (v: number) => formatDuration(v, locale) },
          { title: p('by'), render: (_v, row) => row.key ?? row.member ?? '–' },
        ]}
      />
      <KeysetPager list={requests} />
    </>
  );
}
