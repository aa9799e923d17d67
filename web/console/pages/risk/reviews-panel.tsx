/**
 * The review queue: payments a rule held (authorized, not captured), oldest
 * first, with amount, customer, score, the rules that fired and the signals,
 * how long each has waited, and approve (captures) and reject (cancels and
 * releases), each after a confirmation. The queue's answer names only the
 * payment, so each payment is read too (a role without payments.read sees
 * dashes there). The server decides who may approve (fraud.manage).
 */
import { App, Button, Space, Typography } from 'antd';
import { useConsole } from '../../context.ts';
import { formatDuration } from '../../format.ts';
import { useT, useTexts } from '../../i18n.ts';
import { ConsoleLink, useFormats } from '../../page-kit.tsx';
import { DataTable, LoadError } from '../analytics/parts.tsx';
import { useLoad } from '../analytics/use-load.ts';
import { RulesFired, ScoreText, Signals, useRuleNames } from './parts.tsx';
import { riskTexts } from './texts.ts';
import type { Review, RiskFigures } from './types.ts';

/** What the queue shows of a payment. */
interface HeldPayment {
  id: string;
  amount: number;
  currency: string;
  status: string;
  customer: string | null;
}

interface QueueRow extends Review {
  held: HeldPayment | null;
}

/** The queue shows at most this many reviews at once (oldest first): a page the payments of which are read in one go. */
const queueSizeMax = 50;

export function ReviewsPanel() {
  const { api, mode, can, locale } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const f = useFormats();
  const { modal, message } = App.useApp();
  const names = useRuleNames();
  const manage = can('fraud.manage');
  const queue = useLoad(async () => {
    const reviews = await api.get<{ data: Review[] }>('/v1/reviews', { limit: queueSizeMax });
    const payments = await Promise.all(reviews.data.map((review) => api.get<HeldPayment>(`/v1/payments/${encodeURIComponent(review.payment)}`).catch(() => null)));
    return reviews.data.map((review, index): QueueRow => ({ ...review, held: payments[index] ?? null }));
  }, [mode]);
  const figures = useLoad(() => {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    return api.get<RiskFigures>('/v1/analytics/risk', { from: from.toISOString(), to: to.toISOString() });
  }, [mode]);

  function decide(row: QueueRow, verdict: 'approve' | 'reject') {
    const amount = row.held ? f.money(row.held.amount, row.held.currency) : row.payment;
    const content = verdict === 'reject' ? r('rejectConfirm', { amount }) : row.capture_on_approve ? r('approveConfirm', { amount }) : r('approveKeep', { amount });
    modal.confirm({
      title: verdict === 'approve' ? r('approve') : r('reject'),
      content,
      okText: verdict === 'approve' ? r('approve') : r('reject'),
      okButtonProps: { danger: verdict === 'reject', ...({ 'data-testid': 'review-confirm' } as Record<`data-${string}`, string>) },
      cancelText: t('cancel'),
      onOk: async () => {
        try {
          await api.post(`/v1/reviews/${encodeURIComponent(row.id)}/${verdict}`, {});
          const after = await api.get<HeldPayment>(`/v1/payments/${encodeURIComponent(row.payment)}`).catch(() => null);
          void message.success(r(verdict === 'approve' ? 'approved' : 'rejected', { status: after?.status ?? '' }));
          queue.reload();
        } catch (error) {
          void message.error(error instanceof Error ? error.message : String(error));
          queue.reload();
        }
      },
    });
  }

  const p50 = figures.data?.reviews.decision_seconds_p50;
  const p90 = figures.data?.reviews.decision_seconds_p90;
  const seconds = (value: number | null | undefined, locale: Parameters<typeof formatDuration>[1]) => (value === null || value === undefined ? '–' : formatDuration(value * 1000, locale));
  const nowMs = Date.now();
  return (
    <div data-testid="risk-reviews">
      <Typography.Paragraph type="secondary">{r('reviewsHelp')}</Typography.Paragraph>
      {!manage && <Typography.Paragraph type="secondary">{r('readOnly')}</Typography.Paragraph>}
      <Space wrap style={{ marginBottom: 8 }}>
        <Button onClick={queue.reload} data-testid="reviews-refresh">
          {r('refresh')}
        </Button>
        {figures.data && (
          <Typography.Text type="secondary" data-testid="review-decision-times">
            {r('reviewTimes', { p50: seconds(p50, locale), p90: seconds(p90, locale) })}
          </Typography.Text>
        )}
      </Space>
      {queue.error && <LoadError error={queue.error} onRetry={queue.reload} />}
      <DataTable<QueueRow>
        label={r('reviews')}
        data-testid="reviews-table"
        rowKey="id"
        loading={queue.loading}
        dataSource={queue.data ?? []}
        emptyText={r('noReviews')}
        columns={[
          {
            title: r('payment'),
            render: (_, row) => (
              <span className="console-mono" data-testid={`review-${row.id}`}>
                <ConsoleLink page="payments" id={row.payment}>
                  {row.payment}
                </ConsoleLink>
              </span>
            ),
          },
          { title: r('amount'), render: (_, row) => (row.held ? f.money(row.held.amount, row.held.currency) : '–') },
          {
            title: r('customer'),
            render: (_, row) =>
              row.held?.customer ? (
                can('customers.read') ? (
                  <ConsoleLink page="customers" id={row.held.customer}>
                    <span className="console-mono">{row.held.customer}</span>
                  </ConsoleLink>
                ) : (
                  <span className="console-mono">{row.held.customer}</span>
                )
              ) : (
                '–'
              ),
          },
          { title: r('score'), render: (_, row) => <ScoreText score={row.risk.score} /> },
          { title: r('rulesFired'), render: (_, row) => <RulesFired ids={row.risk.rules_fired} names={names} /> },
          { title: r('heldSince'), render: (_, row) => f.time(row.created_at) },
          { title: r('waiting'), render: (_, row) => formatDuration(Math.max(0, nowMs - Date.parse(row.created_at)), locale) },
          ...(manage
            ? [
                {
                  title: t('actions'),
                  render: (_: unknown, row: QueueRow) => (
                    <Space>
                      <Button size="small" type="primary" onClick={() => decide(row, 'approve')} data-testid={`review-approve-${row.id}`}>
                        {r('approve')}
                      </Button>
                      <Button size="small" danger onClick={() => decide(row, 'reject')} data-testid={`review-reject-${row.id}`}>
                        {r('reject')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
          // The widest column last: the decision's buttons stay in view on a desk.
          { title: r('signals'), render: (_, row) => <Signals signals={row.risk.signals} /> },
        ]}
      />
    </div>
  );
}
