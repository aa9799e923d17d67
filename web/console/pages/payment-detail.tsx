/**
 * One payment: its figures, everything that happened to it (GET
 * /console/api/payments/:id/timeline: history, attempts with latency and
 * error codes, funnel events, webhook deliveries, messages to the payer,
 * refunds), and refund, capture and cancel, each after a confirmation and
 * offered only to roles that have them (the server refuses the others
 * anyway, and its refusal is shown as it comes).
 */
import { useState } from 'react';
import { App, Button, Descriptions, Form, InputNumber, Modal, Select, Space, Timeline, Typography } from 'antd';
import { ConsoleApiError, useConsole } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { ConsoleLink, LoadError, PageTitle, StatusTag, methodLabel, minorPerMajor, parseMajor, useFormats, useLoad, Sections, ConsoleTable } from '../page-kit.tsx';
import { formatDuration } from '../format.ts';
import type { ConsolePayment } from './payments.tsx';
import { PaymentRiskCard } from './risk/payment-risk.tsx';

interface Timeline {
  payment: ConsolePayment;
  history: { id: string; from_status: string | null; to_status: string; actor: string; reason: string | null; error_code: string | null; decline_code: string | null; created_at: string }[];
  attempts: { id: string; operation: string; connector: string; connector_account: string | null; payment_method_type: string; status: string; amount: number; currency: string; error_code: string | null; decline_code: string | null; latency_ms: number | null; tries: number; started_at: string; completed_at: string | null }[];
  funnel_events: { id: string; step: string; detail: Record<string, unknown> | null; created_at: string }[];
  webhook_deliveries: { id: string; event_id: string; event_type: string; endpoint_url: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; created_at: string; delivered_at: string | null }[];
  messages: { id: string; channel: string; purpose: string; recipient: string; status: string; attempts: number; last_error: string | null; sent_at: string | null; created_at: string; resendable: boolean }[];
  refunds: { id: string; amount: number; currency: string; status: string; reason: string | null; created_at: string }[];
  entries: { at: string; kind: string; id: string; summary: string }[];
}

const texts = {
  back: l('All payments', '全部支付', '全部付款'),
  amount: l('Amount', '金额', '金額'),
  received: l('Received', '已收款', '已收款'),
  refunded: l('Refunded', '已退款', '已退款'),
  capturable: l('To capture', '待请款', '待請款'),
  method: l('Method', '支付方式', '付款方式'),
  customer: l('Customer', '客户', '客戶'),
  order: l('Order reference', '订单号', '訂單編號'),
  created: l('Created', '创建时间', '建立時間'),
  lastError: l('Last error', '最近错误', '最近錯誤'),
  refund: l('Refund', '退款', '退款'),
  capture: l('Capture', '请款', '請款'),
  cancelPayment: l('Cancel payment', '取消支付', '取消付款'),
  refundTitle: l('Refund this payment', '退款', '退款'),
  refundAmount: l('Amount to refund ({currency})', '退款金额（{currency}）', '退款金額（{currency}）'),
  refundRemaining: l('At most {amount} remains to refund.', '最多可退 {amount}。', '最多可退 {amount}。'),
  refundReason: l('Reason', '原因', '原因'),
  reason_requested_by_customer: l('Requested by the customer', '客户要求', '客戶要求'),
  reason_duplicate: l('Duplicate', '重复支付', '重複付款'),
  reason_fraudulent: l('Fraudulent', '欺诈', '詐欺'),
  refundConfirm: l('Refund {amount}', '退款 {amount}', '退款 {amount}'),
  refundDone: l('Refunded {amount}', '已退款 {amount}', '已退款 {amount}'),
  captureConfirm: l('Capture {amount} now? The payer is charged.', '现在请款 {amount}？将向付款人扣款。', '現在請款 {amount}？將向付款人扣款。'),
  captureDone: l('Captured', '已请款', '已請款'),
  cancelConfirm: l('Cancel this payment? The payer can no longer pay it, and an authorization is released.', '取消此支付？付款人将无法再支付，已授权的金额将被释放。', '取消此付款？付款人將無法再付款，已授權的金額將被釋放。'),
  cancelDone: l('Canceled', '已取消', '已取消'),
  timeline: l('Timeline', '时间线', '時間軸'),
  attempts: l('Attempts', '支付尝试', '付款嘗試'),
  history: l('Status history', '状态历史', '狀態歷史'),
  funnel: l('Checkout steps', '收银台步骤', '結帳步驟'),
  webhooks: l('Webhook deliveries', 'Webhook 投递', 'Webhook 傳送'),
  messages: l('Messages to the payer', '发给付款人的消息', '寄給付款人的訊息'),
  refunds: l('Refunds', '退款记录', '退款紀錄'),
  latency: l('Latency', '耗时', '耗時'),
  error: l('Error', '错误', '錯誤'),
  tries: l('Tries', '尝试次数', '嘗試次數'),
  operation: l('Operation', '操作', '操作'),
  connector: l('Connector', '通道', '通道'),
  when: l('When', '时间', '時間'),
  kind: l('Kind', '类型', '類型'),
  what: l('What happened', '事件', '事件'),
  from: l('From', '从', '從'),
  to: l('To', '到', '到'),
  actor: l('By', '操作者', '操作者'),
  event: l('Event', '事件', '事件'),
  endpoint: l('Endpoint', '端点', '端點'),
  httpStatus: l('HTTP status', 'HTTP 状态', 'HTTP 狀態'),
  channel: l('Channel', '渠道', '管道'),
  recipient: l('Recipient', '收件人', '收件人'),
  purpose: l('Purpose', '用途', '用途'),
  resend: l('Resend', '重新发送', '重新寄送'),
  resent: l('Queued to send again', '已排队重新发送', '已排入重新寄送'),
  step: l('Step', '步骤', '步驟'),
  kind_history: l('Status', '状态', '狀態'),
  kind_attempt: l('Attempt', '尝试', '嘗試'),
  kind_funnel: l('Checkout', '收银台', '結帳'),
  kind_webhook: l('Webhook', 'Webhook', 'Webhook'),
  kind_message: l('Message', '消息', '訊息'),
  kind_refund: l('Refund', '退款', '退款'),
  kind_audit: l('Console', '控制台', '控制台'),
  status: l('Status', '状态', '狀態'),
} satisfies Record<string, Record<string, string>>;

type Api = ReturnType<typeof useConsole>['api'];

/**
 * The payment's timeline in one answer; a server without that route (older
 * than the console's pages) is read piece by piece from the /v1 routes a
 * session may call, without webhook deliveries and messages.
 */
async function loadTimeline(api: Api, id: string): Promise<Timeline> {
  const path = encodeURIComponent(id);
  try {
    return await api.get<Timeline>(`/console/api/payments/${path}/timeline`);
  } catch (error) {
    if (!(error instanceof ConsoleApiError) || error.code !== 'route_unknown') throw error;
  }
  const [payment, attempts, history, refunds, funnel] = await Promise.all([
    api.get<ConsolePayment>(`/console/api/payments/${path}`),
    api.get<{ data: Timeline['attempts'] }>(`/v1/payments/${path}/attempts`),
    api.get<{ data: Timeline['history'] }>(`/v1/payments/${path}/history`),
    api.get<{ data: Timeline['refunds'] }>('/v1/refunds', { payment: id, limit: 100 }),
    api.get<{ data: (Timeline['funnel_events'][number] & { type?: string })[] }>(`/v1/payments/${path}/funnel_events`).catch(() => ({ data: [] })),
  ]);
  // /v1 names an attempt's start `created_at`.
  const attemptRows = attempts.data.map((a) => ({ ...a, started_at: a.started_at ?? (a as { created_at?: string }).created_at ?? '' }));
  const funnelEvents = funnel.data.map((event) => ({ ...event, step: event.step ?? event.type ?? '' }));
  const entries: Timeline['entries'] = [
    ...history.data.map((h) => ({ at: h.created_at, kind: 'history', id: h.id, summary: `${h.from_status ?? '–'} → ${h.to_status}` })),
    ...attemptRows.map((a) => ({ at: a.started_at, kind: 'attempt', id: a.id, summary: `${a.operation} ${a.connector} ${a.status}${a.error_code ? ` ${a.error_code}` : ''}` })),
    ...refunds.data.map((r) => ({ at: r.created_at, kind: 'refund', id: r.id, summary: `${r.amount} ${r.currency} ${r.status}` })),
    ...funnelEvents.map((e) => ({ at: e.created_at, kind: 'funnel', id: e.id, summary: e.step })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return { payment, attempts: attemptRows, history: history.data, refunds: refunds.data, funnel_events: funnelEvents, webhook_deliveries: [], messages: [], entries };
}

const entryKinds = new Set(['history', 'attempt', 'funnel', 'webhook', 'message', 'refund', 'audit']);
const refundableStatuses = new Set(['succeeded']);
const cancelableStatuses = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture']);

export function PaymentDetailPage({ id }: { id: string }) {
  const { api, can, locale, mode } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message, modal } = App.useApp();
  const timeline = useLoad(() => loadTimeline(api, id), [id, mode]);
  const [refunding, setRefunding] = useState(false);
  const payment = timeline.data?.payment ?? null;

  async function act(path: string, body: unknown, done: string) {
    try {
      await api.post(path, body);
      void message.success(done);
      timeline.reload();
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  const remaining = payment ? payment.amount_received - payment.amount_refunded : 0;
  const actions = payment && (
    <Space wrap>
      {can('payments.refund') && refundableStatuses.has(payment.status) && remaining > 0 && (
        <Button type="primary" danger onClick={() => setRefunding(true)} data-testid="refund-open">
          {p('refund')}
        </Button>
      )}
      {can('payments.capture') && payment.status === 'requires_capture' && (
        <Button
          type="primary"
          data-testid="capture-open"
          onClick={() =>
            modal.confirm({
              title: p('capture'),
              content: p('captureConfirm', { amount: f.money(payment.amount_capturable, payment.currency) }),
              okText: p('capture'),
              cancelText: t('cancel'),
              onOk: () => act(`/console/api/payments/${payment.id}/capture`, {}, p('captureDone')),
            })
          }
        >
          {p('capture')}
        </Button>
      )}
      {can('payments.cancel') && cancelableStatuses.has(payment.status) && (
        <Button
          danger
          data-testid="cancel-open"
          onClick={() =>
            modal.confirm({
              title: p('cancelPayment'),
              content: p('cancelConfirm'),
              okText: p('cancelPayment'),
              okButtonProps: { danger: true },
              cancelText: t('close'),
              onOk: () => act(`/console/api/payments/${payment.id}/cancel`, { cancellation_reason: 'requested_by_customer' }, p('cancelDone')),
            })
          }
        >
          {p('cancelPayment')}
        </Button>
      )}
    </Space>
  );

  return (
    <>
      <Typography.Paragraph style={{ marginBottom: 8 }}>
        <ConsoleLink page="payments">← {p('back')}</ConsoleLink>
      </Typography.Paragraph>
      <PageTitle extra={actions}>
        <span className="console-mono" style={{ fontSize: 18 }}>
          {id}
        </span>{' '}
        {payment && <StatusTag status={payment.status} />}
      </PageTitle>
      <LoadError error={timeline.error} reload={timeline.reload} />
      {payment && (
        <Descriptions bordered size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 16 }} data-testid="payment-summary">
          <Descriptions.Item label={p('amount')}>{f.money(payment.amount, payment.currency)}</Descriptions.Item>
          <Descriptions.Item label={p('received')}>{f.money(payment.amount_received, payment.currency)}</Descriptions.Item>
          <Descriptions.Item label={p('refunded')}>
            <span data-testid="amount-refunded">{f.money(payment.amount_refunded, payment.currency)}</span>
          </Descriptions.Item>
          {payment.status === 'requires_capture' && <Descriptions.Item label={p('capturable')}>{f.money(payment.amount_capturable, payment.currency)}</Descriptions.Item>}
          <Descriptions.Item label={p('method')}>
            {methodLabel(payment.payment_method?.type, locale)}
            {payment.card_last4 ? ` ·${payment.card_last4}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={p('customer')}>
            {payment.customer ? (
              <ConsoleLink page="customers" id={payment.customer}>
                {payment.customer_email ?? payment.customer}
              </ConsoleLink>
            ) : (
              '–'
            )}
          </Descriptions.Item>
          <Descriptions.Item label={p('order')}>{payment.order_reference ?? payment.order?.reference ?? '–'}</Descriptions.Item>
          <Descriptions.Item label={p('created')}>{f.time(payment.created_at)}</Descriptions.Item>
          {payment.last_error && <Descriptions.Item label={p('lastError')}>{`${payment.last_error.code}: ${payment.last_error.message}`}</Descriptions.Item>}
        </Descriptions>
      )}
      {payment && <PaymentRiskCard paymentId={payment.id} key={`${payment.id}-${payment.status}`} />}
      {timeline.data && <TimelineTabs timeline={timeline.data} onResent={timeline.reload} />}
      {payment && refunding && (
        <RefundDialog
          payment={payment}
          remaining={remaining}
          onClose={() => setRefunding(false)}
          onRefund={async (amount, reason) => {
            await act(`/console/api/payments/${payment.id}/refund`, { amount, reason }, p('refundDone', { amount: f.money(amount, payment.currency) }));
            setRefunding(false);
          }}
        />
      )}
    </>
  );
}

function RefundDialog({ payment, remaining, onClose, onRefund }: { payment: ConsolePayment; remaining: number; onClose(): void; onRefund(amount: number, reason: string): Promise<void> }) {
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const [form] = Form.useForm<{ amount: number; reason: string }>();
  const [busy, setBusy] = useState(false);
  const amountValue = Form.useWatch('amount', form);
  const amountMinor = parseMajor(amountValue, payment.currency);
  const step = 1 / minorPerMajor(payment.currency);
  return (
    <Modal
      open
      title={p('refundTitle')}
      onCancel={onClose}
      okText={amountMinor ? p('refundConfirm', { amount: f.money(amountMinor, payment.currency) }) : p('refund')}
      okButtonProps={{ danger: true, loading: busy, disabled: !amountMinor || amountMinor > remaining, ...({ 'data-testid': 'refund-confirm' } as Record<`data-${string}`, string>) }}
      cancelText={t('cancel')}
      onOk={async () => {
        const values = await form.validateFields();
        const amount = parseMajor(values.amount, payment.currency);
        if (!amount) return;
        setBusy(true);
        try {
          await onRefund(amount, values.reason);
        } catch {
          // The error is shown by the page; the dialog stays open to correct the amount.
        } finally {
          setBusy(false);
        }
      }}
    >
      <Form form={form} layout="vertical" initialValues={{ amount: remaining / minorPerMajor(payment.currency), reason: 'requested_by_customer' }}>
        <Form.Item
          name="amount"
          label={p('refundAmount', { currency: payment.currency })}
          extra={p('refundRemaining', { amount: f.money(remaining, payment.currency) })}
          rules={[{ required: true, message: t('required') }]}
        >
          <InputNumber min={step} max={remaining / minorPerMajor(payment.currency)} step={step} style={{ width: '100%' }} data-testid="refund-amount" />
        </Form.Item>
        <Form.Item name="reason" label={p('refundReason')}>
          <Select
            options={(['requested_by_customer', 'duplicate', 'fraudulent'] as const).map((reason) => ({ value: reason, label: p(`reason_${reason}`) }))}
            data-testid="refund-reason"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function TimelineTabs({ timeline, onResent }: { timeline: Timeline; onResent(): void }) {
  const { api, can, locale } = useConsole();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const small = { size: 'small' as const, pagination: false as const, minWidth: 640 };
  return (
    <Sections
      testId="payment-timeline"
      label={p('timeline')}
      items={[
        {
          key: 'timeline',
          label: p('timeline'),
          children: (
            <Timeline
              items={timeline.entries.map((entry) => ({
                key: `${entry.kind}-${entry.id}`,
                color: entry.kind === 'refund' ? 'red' : entry.kind === 'attempt' ? 'blue' : 'gray',
                content: (
                  <>
                    <Typography.Text type="secondary">{f.time(entry.at)}</Typography.Text> <Typography.Text strong>{entryKinds.has(entry.kind) ? p(`kind_${entry.kind as 'history'}`) : entry.kind}</Typography.Text> {entry.summary}
                  </>
                ),
              }))}
            />
          ),
        },
        {
          key: 'attempts',
          label: `${p('attempts')} (${timeline.attempts.length})`,
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.attempts}
              columns={[
                { title: p('when'), dataIndex: 'started_at', render: (v: string) => f.time(v) },
                { title: p('operation'), dataIndex: 'operation' },
                { title: p('connector'), render: (_v, row) => `${row.connector}${row.connector_account ? ` (${row.connector_account})` : ''}` },
                { title: p('method'), dataIndex: 'payment_method_type', render: (v: string) => methodLabel(v, locale) },
                { title: p('amount'), render: (_v, row) => f.money(row.amount, row.currency) },
                { title: p('status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
                { title: p('latency'), dataIndex: 'latency_ms', render: (v: number | null) => (v === null ? '–' : formatDuration(v, locale)) },
                { title: p('error'), render: (_v, row) => [row.error_code, row.decline_code].filter(Boolean).join(' / ') || '–' },
                { title: p('tries'), dataIndex: 'tries' },
              ]}
            />
          ),
        },
        {
          key: 'history',
          label: p('history'),
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.history}
              columns={[
                { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                { title: p('from'), dataIndex: 'from_status', render: (v: string | null) => (v ? <StatusTag status={v} /> : '–') },
                { title: p('to'), dataIndex: 'to_status', render: (v: string) => <StatusTag status={v} /> },
                { title: p('actor'), dataIndex: 'actor' },
                { title: p('error'), render: (_v, row) => [row.reason, row.error_code, row.decline_code].filter(Boolean).join(' / ') || '–' },
              ]}
            />
          ),
        },
        {
          key: 'funnel',
          label: p('funnel'),
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.funnel_events}
              columns={[
                { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                { title: p('step'), dataIndex: 'step' },
                { title: p('what'), dataIndex: 'detail', render: (v: unknown) => (v ? <span className="console-mono">{JSON.stringify(v)}</span> : '–') },
              ]}
            />
          ),
        },
        {
          key: 'webhooks',
          label: `${p('webhooks')} (${timeline.webhook_deliveries.length})`,
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.webhook_deliveries}
              columns={[
                { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                { title: p('event'), dataIndex: 'event_type' },
                { title: p('endpoint'), dataIndex: 'endpoint_url', render: (v: string) => <span className="console-mono">{v}</span> },
                { title: p('status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} texts={{}} /> },
                { title: p('httpStatus'), dataIndex: 'last_status_code', render: (v: number | null) => v ?? '–' },
                { title: p('tries'), dataIndex: 'attempts' },
                { title: p('error'), dataIndex: 'last_error', render: (v: string | null) => v ?? '–' },
              ]}
            />
          ),
        },
        {
          key: 'messages',
          label: `${p('messages')} (${timeline.messages.length})`,
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.messages}
              columns={[
                { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                { title: p('channel'), dataIndex: 'channel' },
                { title: p('purpose'), dataIndex: 'purpose' },
                { title: p('recipient'), dataIndex: 'recipient' },
                { title: p('status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} texts={{}} /> },
                { title: p('error'), dataIndex: 'last_error', render: (v: string | null) => v ?? '–' },
                {
                  title: '',
                  render: (_v, row) =>
                    can('messages.resend') && row.resendable ? (
                      <Button
                        size="small"
                        onClick={() =>
                          void api.post(`/console/api/messages/${row.id}/resend`).then(
                            () => {
                              void message.success(p('resent'));
                              onResent();
                            },
                            (error: unknown) => void message.error(error instanceof Error ? error.message : String(error)),
                          )
                        }
                      >
                        {p('resend')}
                      </Button>
                    ) : null,
                },
              ]}
            />
          ),
        },
        {
          key: 'refunds',
          label: `${p('refunds')} (${timeline.refunds.length})`,
          children: (
            <ConsoleTable
              {...small}
              rowKey="id"
              dataSource={timeline.refunds}
              data-testid="refunds-table"
              columns={[
                { title: p('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                { title: 'ID', dataIndex: 'id', render: (v: string) => <span className="console-mono">{v}</span> },
                { title: p('amount'), render: (_v, row) => f.money(row.amount, row.currency) },
                { title: p('status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} texts={{}} /> },
                { title: p('refundReason'), dataIndex: 'reason', render: (v: string | null) => (v ? p(`reason_${v as 'duplicate'}`) : '–') },
              ]}
            />
          ),
        },
      ]}
    />
  );
}
