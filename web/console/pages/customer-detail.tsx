/**
 * A customer's profile: who they are, their segment and restriction status,
 * their wallet's balance and transactions, their loyalty points, and their payments.
 */
import { Descriptions, Typography } from 'antd';
import { useConsole } from '../context.ts';
import { l, useTexts } from '../i18n.ts';
import { ConsoleLink, KeysetPager, LoadError, PageTitle, StatusTag, methodLabel, useFormats, useKeysetList, useLoad, Sections, ConsoleTable } from '../page-kit.tsx';
import type { ConsolePayment } from './payments.tsx';
import { customerTexts, RestrictionTag, type ConsoleCustomer } from './customers.tsx';

interface WalletTransaction {
  id: string;
  type: string;
  amount: number;
  currency: string;
  balance_after?: number;
  created_at: string;
  payment?: string | null;
}

/** GET /v1/customers/:id/points: the balances and the latest movements. */
interface CustomerPoints {
  balance: number;
  pending: number;
  reserved: number;
  value: number | null;
  currency: string | null;
  next_expiry_at: string | null;
  history: { data: { id: string; type: string; available_change: number; pending_change: number; reserved_change: number; payment: string | null; created_at: string }[] };
}

const texts = {
  ...customerTexts,
  back: l('All customers', '全部客户', '全部客戶'),
  wallet: l('Wallet balance', '钱包余额', '錢包餘額'),
  noWallet: l('No wallet', '无钱包', '無錢包'),
  flaggedAt: l('Flagged', '标记时间', '標記時間'),
  reason: l('Reason', '原因', '原因'),
  cancellations: l('Cancellations', '取消次数', '取消次數'),
  transactions: l('Wallet transactions', '钱包流水', '錢包交易'),
  type: l('Type', '类型', '類型'),
  amount: l('Amount', '金额', '金額'),
  balanceAfter: l('Balance after', '余额', '餘額'),
  when: l('When', '时间', '時間'),
  payment: l('Payment', '支付单', '付款單'),
  status: l('Status', '状态', '狀態'),
  method: l('Method', '支付方式', '付款方式'),
  points: l('Points', '积分', '點數'),
  pointsSummary: l('{balance} spendable · {pending} pending · {reserved} reserved', '可用 {balance} · 待生效 {pending} · 已预留 {reserved}', '可用 {balance} · 待生效 {pending} · 已預留 {reserved}'),
  pointsMovements: l('Points', '积分流水', '點數異動'),
  spendable: l('Spendable', '可用', '可用'),
  pending: l('Pending', '待生效', '待生效'),
  reserved: l('Reserved', '已预留', '已預留'),
} satisfies Record<string, Record<string, string>>;

export function CustomerDetailPage({ id }: { id: string }) {
  const { api, locale, mode } = useConsole();
  const c = useTexts(texts);
  const f = useFormats();
  const customer = useLoad(() => api.get<ConsoleCustomer>(`/console/api/customers/${encodeURIComponent(id)}`), [id, mode]);
  const payments = useKeysetList<ConsolePayment>('/console/api/payments', { customer: id }, { cursorParam: 'starting_after', nextCursor: (a) => a.next_starting_after ?? a.data.at(-1)?.id });
  const transactions = useKeysetList<WalletTransaction>(`/v1/customers/${encodeURIComponent(id)}/wallet/transactions`, {}, { cursorParam: 'starting_after', nextCursor: (a) => a.data.at(-1)?.id });
  const points = useLoad(() => api.get<CustomerPoints>(`/v1/customers/${encodeURIComponent(id)}/points?limit=20`), [id, mode]);
  const data = customer.data;
  const pointsText = points.data
    ? c('pointsSummary').replace('{balance}', String(points.data.balance)).replace('{pending}', String(points.data.pending)).replace('{reserved}', String(points.data.reserved))
    : '–';
  return (
    <>
      <Typography.Paragraph style={{ marginBottom: 8 }}>
        <ConsoleLink page="customers">← {c('back')}</ConsoleLink>
      </Typography.Paragraph>
      <PageTitle>{data?.name ?? data?.email ?? <span className="console-mono">{id}</span>}</PageTitle>
      <LoadError error={customer.error} reload={customer.reload} />
      {data && (
        <Descriptions bordered size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 16 }} data-testid="customer-profile">
          <Descriptions.Item label="ID">
            <span className="console-mono">{data.id}</span>
          </Descriptions.Item>
          <Descriptions.Item label={c('email')}>{data.email ?? '–'}</Descriptions.Item>
          <Descriptions.Item label={c('phone')}>{data.phone ?? '–'}</Descriptions.Item>
          <Descriptions.Item label={c('created')}>{f.time(data.created_at)}</Descriptions.Item>
          <Descriptions.Item label={c('payments')}>{data.payments_count}</Descriptions.Item>
          <Descriptions.Item label={c('wallet')}>{data.wallet ? f.money(data.wallet.balance, data.wallet.currency) : c('noWallet')}</Descriptions.Item>
          <Descriptions.Item label={c('points')}>
            <span data-testid="customer-points">{pointsText}</span>
          </Descriptions.Item>
          <Descriptions.Item label={c('segment')}>{data.segment?.label ?? '–'}</Descriptions.Item>
          <Descriptions.Item label={c('restriction')}>
            <RestrictionTag restricted={data.restriction.restricted} />
            {data.restriction.restricted && ` ${f.time(data.restriction.flagged_at)} ${data.restriction.reason ?? ''} (${c('cancellations')}: ${data.restriction.cancellations ?? '–'})`}
          </Descriptions.Item>
        </Descriptions>
      )}
      <Sections
        label={c('customer')}
        items={[
          {
            key: 'payments',
            label: c('payments'),
            children: (
              <>
                <LoadError error={payments.error} reload={payments.reload} />
                <ConsoleTable<ConsolePayment>
                  rowKey="id"
                  size="small"
                  loading={payments.loading}
                  dataSource={payments.rows}
                  pagination={false}
                  minWidth={640}
                  columns={[
                    { title: c('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                    {
                      title: c('payment'),
                      dataIndex: 'id',
                      render: (v: string) => (
                        <ConsoleLink page="payments" id={v}>
                          <span className="console-mono">{v}</span>
                        </ConsoleLink>
                      ),
                    },
                    { title: c('amount'), align: 'right', render: (_v, row) => f.money(row.amount, row.currency) },
                    { title: c('status'), dataIndex: 'status', render: (v: string) => <StatusTag status={v} /> },
                    { title: c('method'), render: (_v, row) => methodLabel(row.payment_method?.type, locale) },
                  ]}
                />
                <KeysetPager list={payments} />
              </>
            ),
          },
          {
            key: 'wallet',
            label: c('transactions'),
            children: (
              <>
                <LoadError error={transactions.error} reload={transactions.reload} />
                <ConsoleTable<WalletTransaction>
                  rowKey="id"
                  size="small"
                  loading={transactions.loading}
                  dataSource={transactions.rows}
                  pagination={false}
                  minWidth={560}
                  columns={[
                    { title: c('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                    { title: c('type'), dataIndex: 'type' },
                    { title: c('amount'), align: 'right', render: (_v, row) => f.money(row.amount, row.currency) },
                    { title: c('balanceAfter'), align: 'right', render: (_v, row) => (row.balance_after === undefined ? '–' : f.money(row.balance_after, row.currency)) },
                  ]}
                />
                <KeysetPager list={transactions} />
              </>
            ),
          },
          {
            key: 'points',
            label: c('pointsMovements'),
            children: (
              <>
                <LoadError error={points.error} reload={points.reload} />
                <ConsoleTable<CustomerPoints['history']['data'][number]>
                  rowKey="id"
                  size="small"
                  loading={points.loading}
                  dataSource={points.data?.history.data ?? []}
                  pagination={false}
                  minWidth={560}
                  columns={[
                    { title: c('when'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
                    { title: c('type'), dataIndex: 'type' },
                    { title: c('spendable'), dataIndex: 'available_change', align: 'right' },
                    { title: c('pending'), dataIndex: 'pending_change', align: 'right' },
                    { title: c('reserved'), dataIndex: 'reserved_change', align: 'right' },
                  ]}
                />
              </>
            ),
          },
        ]}
      />
    </>
  );
}
