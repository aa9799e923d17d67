/**
 * After-sales: the payers' refund, exchange and repair requests, pending
 * first, and the merchant's decision with a note the payer sees
 * (GET /v1/after_sales_requests, POST …/:id/approve and …/:id/reject; an
 * approved refund request refunds through the refund flow, and the server
 * audits both). The dialog's button is busy while the decision is sent, so
 * a double click sends one; the API client gives /v1 writes an Idempotency-Key.
 */
import { Alert, Button, Input, Modal, Segmented, Space } from 'antd';
import { useState } from 'react';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import { DataTable, LoadError, PageHeading, StatusTag } from './analytics/parts.tsx';
import { common } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'After-sales', 'zh-CN': '售后', 'zh-TW': '售後' },
  pending: { en: 'Pending', 'zh-CN': '待处理', 'zh-TW': '待處理' },
  approved: { en: 'Approved', 'zh-CN': '已同意', 'zh-TW': '已同意' },
  rejected: { en: 'Rejected', 'zh-CN': '已拒绝', 'zh-TW': '已拒絕' },
  kind: { en: 'Request', 'zh-CN': '类型', 'zh-TW': '類型' },
  refund: { en: 'Refund', 'zh-CN': '退款', 'zh-TW': '退款' },
  exchange: { en: 'Exchange', 'zh-CN': '换货', 'zh-TW': '換貨' },
  repair: { en: 'Repair', 'zh-CN': '维修', 'zh-TW': '維修' },
  reason: { en: 'Payer’s reason', 'zh-CN': '付款人理由', 'zh-TW': '付款人理由' },
  asked: { en: 'Amount asked', 'zh-CN': '申请金额', 'zh-TW': '申請金額' },
  approve: { en: 'Approve', 'zh-CN': '同意', 'zh-TW': '同意' },
  reject: { en: 'Reject', 'zh-CN': '拒绝', 'zh-TW': '拒絕' },
  approveTitle: { en: 'Approve the request', 'zh-CN': '同意该申请', 'zh-TW': '同意該申請' },
  rejectTitle: { en: 'Reject the request', 'zh-CN': '拒绝该申请', 'zh-TW': '拒絕該申請' },
  notePlaceholder: { en: 'A note the payer sees', 'zh-CN': '付款人可见的备注', 'zh-TW': '付款人可見的備註' },
  refundAmount: { en: 'Approving refunds the amount asked, or all that remains when none was asked.', 'zh-CN': '同意后将退还申请的金额；未填写金额时退还剩余全部。', 'zh-TW': '同意後將退還申請的金額；未填寫金額時退還剩餘全部。' },
  decided: { en: 'Decided', 'zh-CN': '处理时间', 'zh-TW': '處理時間' },
  merchantNote: { en: 'Your note', 'zh-CN': '商户备注', 'zh-TW': '商家備註' },
  refundMade: { en: 'Refund', 'zh-CN': '退款单', 'zh-TW': '退款單' },
  filter: { en: 'Show', 'zh-CN': '显示', 'zh-TW': '顯示' },
} satisfies Record<string, Localized>;

interface AfterSalesRequest {
  id: string;
  payment: string;
  kind: 'refund' | 'exchange' | 'repair';
  reason: string;
  amount: number | null;
  /** The payment's currency, which the amount is in. */
  currency: string;
  status: 'pending' | 'approved' | 'rejected';
  merchant_note: string | null;
  refund: string | null;
  created_at: string;
  decided_at: string | null;
}

type Status = AfterSalesRequest['status'];
const pageSize = 25;
const statusTones = { pending: 'warning', approved: 'good', rejected: 'neutral' } as const;

export default function AfterSalesPage() {
  const { api, locale, mode, merchant, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [status, setStatus] = useState<Status>('pending');
  const [deciding, setDeciding] = useState<{ request: AfterSalesRequest; decision: 'approve' | 'reject' } | null>(null);
  const loaded = useLoad(() => api.get<{ data: AfterSalesRequest[]; has_more: boolean }>('/console/api/after_sales_requests', { mode, status, limit: pageSize }), [mode, status]);
  const manage = can('after_sales.manage');

  return (
    <div data-testid="after-sales-page">
      <PageHeading title={t(texts.title)}>
        <span id="after-sales-filter">{t(texts.filter)}</span>
        <Segmented<Status>
          aria-labelledby="after-sales-filter"
          value={status}
          onChange={setStatus}
          options={(['pending', 'approved', 'rejected'] as const).map((value) => ({ value, label: t(texts[value]) }))}
        />
      </PageHeading>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      <DataTable<AfterSalesRequest>
        label={t(texts.title)}
        data-testid="after-sales-table"
        rowKey="id"
        loading={loaded.loading}
        dataSource={loaded.data?.data ?? []}
        columns={[
          { title: t(texts.kind), render: (_, row) => t(texts[row.kind]) },
          { title: t(common.payment), dataIndex: 'payment', render: (id: string) => <code>{id}</code> },
          { title: t(texts.reason), dataIndex: 'reason' },
          { title: t(texts.asked), render: (_, row) => (row.amount === null ? '–' : formatMoney(row.amount, row.currency, locale)) },
          { title: t(common.created), render: (_, row) => formatDateTime(row.created_at, merchant.timeZone, locale) },
          { title: t(common.status), render: (_, row) => <StatusTag tone={statusTones[row.status]}>{t(texts[row.status])}</StatusTag> },
          ...(status === 'pending'
            ? [
                {
                  title: t(common.actions),
                  render: (_: unknown, row: AfterSalesRequest) =>
                    manage ? (
                      <Space>
                        <Button size="small" type="primary" onClick={() => setDeciding({ request: row, decision: 'approve' })} data-testid={`after-sales-approve-${row.id}`}>
                          {t(texts.approve)}
                        </Button>
                        <Button size="small" onClick={() => setDeciding({ request: row, decision: 'reject' })} data-testid={`after-sales-reject-${row.id}`}>
                          {t(texts.reject)}
                        </Button>
                      </Space>
                    ) : (
                      '–'
                    ),
                },
              ]
            : [
                { title: t(texts.decided), render: (_: unknown, row: AfterSalesRequest) => (row.decided_at ? formatDateTime(row.decided_at, merchant.timeZone, locale) : '–') },
                { title: t(texts.merchantNote), render: (_: unknown, row: AfterSalesRequest) => row.merchant_note ?? '–' },
                { title: t(texts.refundMade), render: (_: unknown, row: AfterSalesRequest) => (row.refund ? <code>{row.refund}</code> : '–') },
              ]),
        ]}
      />
      {deciding && (
        <DecisionDialog
          request={deciding.request}
          decision={deciding.decision}
          onClose={(decided) => {
            setDeciding(null);
            if (decided) loaded.reload();
          }}
        />
      )}
    </div>
  );
}

function DecisionDialog({ request, decision, onClose }: { request: AfterSalesRequest; decision: 'approve' | 'reject'; onClose(decided: boolean): void }) {
  const { api, locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function decide() {
    setSaving(true);
    setProblem(null);
    try {
      const body: Record<string, unknown> = {};
      if (note.trim()) body.note = note.trim();
      await api.post(`/v1/after_sales_requests/${request.id}/${decision}`, body);
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      open
      title={decision === 'approve' ? t(texts.approveTitle) : t(texts.rejectTitle)}
      okText={decision === 'approve' ? t(texts.approve) : t(texts.reject)}
      okButtonProps={{ id: 'after-sales-confirm' }}
      cancelText={t(common.cancel)}
      confirmLoading={saving}
      onOk={decide}
      onCancel={() => onClose(false)}
    >
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <p>
        {t(texts[request.kind])} · <code>{request.payment}</code> · {request.reason}
      </p>
      {decision === 'approve' && request.kind === 'refund' && <p>{t(texts.refundAmount)}</p>}
      <label style={{ display: 'block' }}>
        {t(common.note)}
        <Input.TextArea maxLength={500} rows={3} placeholder={t(texts.notePlaceholder)} value={note} onChange={(event) => setNote(event.target.value)} data-testid="after-sales-note" />
      </label>
    </Modal>
  );
}
