/**
 * Support: the payers' questions about their payments, waiting first
 * (GET /v1/support_requests), one request's thread with the answer box
 * (POST …/:id/replies, emailed or texted to the payer as they asked), and
 * resolving or reopening it. The figures (first response, resolution,
 * reopen rate, first-contact resolution) are GET /v1/analytics/support.
 * Buttons are busy while a write is sent, so a double click sends one; the
 * API client gives /v1 writes an Idempotency-Key.
 */
import { Alert, Button, Card, Checkbox, Input, Modal, Segmented, Space, Statistic } from 'antd';
import { useState } from 'react';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime } from '../format.ts';
import { CardGrid, DataTable, LoadError, PageHeading, StatusTag, useDayRange } from './analytics/parts.tsx';
import { isoRange } from './analytics/range.ts';
import { common } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Support', 'zh-CN': '客服', 'zh-TW': '客服' },
  open: { en: 'Waiting', 'zh-CN': '待回复', 'zh-TW': '待回覆' },
  answered: { en: 'Answered', 'zh-CN': '已回复', 'zh-TW': '已回覆' },
  resolved: { en: 'Resolved', 'zh-CN': '已解决', 'zh-TW': '已解決' },
  filter: { en: 'Show', 'zh-CN': '显示', 'zh-TW': '顯示' },
  category: { en: 'Topic', 'zh-CN': '主题', 'zh-TW': '主題' },
  payment_problem: { en: 'Payment problem', 'zh-CN': '付款问题', 'zh-TW': '付款問題' },
  refund: { en: 'Refund', 'zh-CN': '退款', 'zh-TW': '退款' },
  order_status: { en: 'Order status', 'zh-CN': '订单进度', 'zh-TW': '訂單進度' },
  product: { en: 'Product', 'zh-CN': '商品', 'zh-TW': '商品' },
  other: { en: 'Other', 'zh-CN': '其他', 'zh-TW': '其他' },
  contact: { en: 'Answer by', 'zh-CN': '回复方式', 'zh-TW': '回覆方式' },
  email: { en: 'Email', 'zh-CN': '邮件', 'zh-TW': '郵件' },
  sms: { en: 'SMS', 'zh-CN': '短信', 'zh-TW': '簡訊' },
  view: { en: 'Open', 'zh-CN': '查看', 'zh-TW': '查看' },
  payer: { en: 'Payer', 'zh-CN': '付款人', 'zh-TW': '付款人' },
  you: { en: 'You', 'zh-CN': '商户', 'zh-TW': '商家' },
  reply: { en: 'Send the answer', 'zh-CN': '发送回复', 'zh-TW': '傳送回覆' },
  replyPlaceholder: { en: 'Your answer; the payer gets it by email or SMS and sees it on their order page', 'zh-CN': '您的回复；付款人将通过邮件或短信收到，并可在订单页面查看', 'zh-TW': '您的回覆；付款人將透過郵件或簡訊收到，並可在訂單頁面查看' },
  resolveToo: { en: 'Resolve with this answer', 'zh-CN': '回复并标记为已解决', 'zh-TW': '回覆並標記為已解決' },
  resolve: { en: 'Resolve', 'zh-CN': '标记为已解决', 'zh-TW': '標記為已解決' },
  reopen: { en: 'Reopen', 'zh-CN': '重新打开', 'zh-TW': '重新開啟' },
  close: { en: 'Close', 'zh-CN': '关闭', 'zh-TW': '關閉' },
  firstResponse: { en: 'First response (median, 30 days)', 'zh-CN': '首次回复（中位数，30 天）', 'zh-TW': '首次回覆（中位數，30 天）' },
  resolution: { en: 'Resolution (median, 30 days)', 'zh-CN': '解决用时（中位数，30 天）', 'zh-TW': '解決用時（中位數，30 天）' },
  reopenRate: { en: 'Reopened', 'zh-CN': '重新打开率', 'zh-TW': '重新開啟率' },
  firstContact: { en: 'Resolved at first contact', 'zh-CN': '首次联络解决率', 'zh-TW': '首次聯絡解決率' },
  minutes: { en: 'min', 'zh-CN': '分钟', 'zh-TW': '分鐘' },
  hours: { en: 'h', 'zh-CN': '小时', 'zh-TW': '小時' },
} satisfies Record<string, Localized>;

type Status = 'open' | 'answered' | 'resolved';
type Category = 'payment_problem' | 'refund' | 'order_status' | 'product' | 'other';

interface SupportRequest {
  id: string;
  payment: string;
  category: Category;
  status: Status;
  contact_preference: 'email' | 'sms';
  contact: string | null;
  created_at: string;
  first_response_at: string | null;
  reopen_count: number;
  messages: { id: string; author: 'payer' | 'merchant'; body: string; created_at: string }[] | null;
}

const pageSize = 25;
const statusTones = { open: 'warning', answered: 'neutral', resolved: 'good' } as const;

export default function SupportPage() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [status, setStatus] = useState<Status>('open');
  const [opened, setOpened] = useState<string | null>(null);
  const loaded = useLoad(() => api.get<{ data: SupportRequest[]; has_more: boolean }>('/v1/support_requests', { status, limit: pageSize }), [mode, status]);

  return (
    <div data-testid="support-page">
      <PageHeading title={t(texts.title)}>
        <span id="support-filter">{t(texts.filter)}</span>
        <Segmented<Status>
          aria-labelledby="support-filter"
          value={status}
          onChange={setStatus}
          options={(['open', 'answered', 'resolved'] as const).map((value) => ({ value, label: t(texts[value]) }))}
        />
      </PageHeading>
      <SupportFigures />
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      <DataTable<SupportRequest>
        label={t(texts.title)}
        data-testid="support-table"
        rowKey="id"
        loading={loaded.loading}
        dataSource={loaded.data?.data ?? []}
        columns={[
          { title: t(texts.category), render: (_, row) => t(texts[row.category]) },
          { title: t(common.payment), dataIndex: 'payment', render: (id: string) => <code>{id}</code> },
          { title: t(texts.contact), render: (_, row) => `${t(texts[row.contact_preference])} · ${row.contact ?? '–'}` },
          { title: t(common.created), render: (_, row) => formatDateTime(row.created_at, merchant.timeZone, locale) },
          { title: t(common.status), render: (_, row) => <StatusTag tone={statusTones[row.status]}>{t(texts[row.status])}</StatusTag> },
          {
            title: t(common.actions),
            render: (_, row) => (
              <Button size="small" onClick={() => setOpened(row.id)} data-testid={`support-open-${row.id}`}>
                {t(texts.view)}
              </Button>
            ),
          },
        ]}
      />
      {opened && (
        <ThreadDialog
          id={opened}
          onClose={(changed) => {
            setOpened(null);
            if (changed) loaded.reload();
          }}
        />
      )}
    </div>
  );
}

interface SupportSummary {
  first_response_time: { median_seconds: number | null };
  resolution_time: { median_seconds: number | null };
  reopen_rate: number | null;
  first_contact_resolution_rate: number | null;
}

/** The last 30 days' figures (GET /v1/analytics/support); shown to those who may read them. */
function SupportFigures() {
  const { api, locale, mode, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { range } = useDayRange(30);
  const figures = useLoad(() => api.get<SupportSummary>('/v1/analytics/support', isoRange(range)), [mode, range.from.getTime(), range.to.getTime()]);
  if (!can('analytics.read') && !can('support_requests.manage')) return null;
  const duration = (seconds: number | null | undefined) => {
    if (seconds === null || seconds === undefined) return '–';
    const minutes = Math.round(seconds / 60);
    return minutes < 120 ? `${minutes} ${t(texts.minutes)}` : `${Math.round(minutes / 6) / 10} ${t(texts.hours)}`;
  };
  const share = (rate: number | null | undefined) => (rate === null || rate === undefined ? '–' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate));
  const data = figures.data;
  return (
    <CardGrid>
      <Card size="small" data-testid="support-figure-first-response"><Statistic title={t(texts.firstResponse)} value={duration(data?.first_response_time.median_seconds)} /></Card>
      <Card size="small" data-testid="support-figure-resolution"><Statistic title={t(texts.resolution)} value={duration(data?.resolution_time.median_seconds)} /></Card>
      <Card size="small" data-testid="support-figure-reopen"><Statistic title={t(texts.reopenRate)} value={share(data?.reopen_rate)} /></Card>
      <Card size="small" data-testid="support-figure-first-contact"><Statistic title={t(texts.firstContact)} value={share(data?.first_contact_resolution_rate)} /></Card>
    </CardGrid>
  );
}

function ThreadDialog({ id, onClose }: { id: string; onClose(changed: boolean): void }) {
  const { api, locale, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const loaded = useLoad(() => api.get<SupportRequest>(`/v1/support_requests/${id}`), [id]);
  const [answer, setAnswer] = useState('');
  const [resolveToo, setResolveToo] = useState(false);
  const [saving, setSaving] = useState(false);
  const [changed, setChanged] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const request = loaded.data;

  async function send(path: string, body: Record<string, unknown>) {
    setSaving(true);
    setProblem(null);
    try {
      await api.post(`/v1/support_requests/${id}/${path}`, body);
      setChanged(true);
      setAnswer('');
      loaded.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal open title={t(texts.title)} footer={null} onCancel={() => onClose(changed)} width={640}>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {request && (
        <div data-testid="support-thread">
          <p>
            {t(texts[request.category])} · <code>{request.payment}</code> · <StatusTag tone={statusTones[request.status]} testId="support-thread-status">{t(texts[request.status])}</StatusTag>
          </p>
          <ol style={{ paddingLeft: 16 }}>
            {(request.messages ?? []).map((message) => (
              <li key={message.id} data-testid={`support-thread-${message.author}`}>
                <strong>{message.author === 'payer' ? t(texts.payer) : t(texts.you)}</strong> · {formatDateTime(message.created_at, merchant.timeZone, locale)}
                <p style={{ whiteSpace: 'pre-wrap' }}>{message.body}</p>
              </li>
            ))}
          </ol>
          {request.status !== 'resolved' ? (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Input.TextArea
                aria-label={t(texts.reply)}
                maxLength={2000}
                rows={3}
                placeholder={t(texts.replyPlaceholder)}
                value={answer}
                onChange={(event) => setAnswer(event.target.value)}
                data-testid="support-answer"
              />
              <Checkbox checked={resolveToo} onChange={(event) => setResolveToo(event.target.checked)} data-testid="support-resolve-too">
                {t(texts.resolveToo)}
              </Checkbox>
              <Space>
                <Button type="primary" loading={saving} disabled={answer.trim().length === 0} onClick={() => void send('replies', { message: answer.trim(), resolve: resolveToo })} data-testid="support-send">
                  {t(texts.reply)}
                </Button>
                <Button loading={saving} onClick={() => void send('resolve', {})} data-testid="support-resolve">
                  {t(texts.resolve)}
                </Button>
              </Space>
            </Space>
          ) : (
            <Button loading={saving} onClick={() => void send('reopen', {})} data-testid="support-reopen">
              {t(texts.reopen)}
            </Button>
          )}
        </div>
      )}
    </Modal>
  );
}
