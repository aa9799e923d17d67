/**
 * Payments: search by id, order reference, customer, email, card's last four,
 * amount, status, method, channel and creation date (GET /console/api/payments,
 * docs/console-api.md), newest first with keyset pagination, and the same
 * search as CSV.
 */
import { useState } from 'react';
import { App, Button, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import type { Dayjs } from 'dayjs';
import { useConsole, type QueryValue } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { ConsoleLink, KeysetPager, LoadError, PageTitle, StatusTag, methodLabel, methodTexts, parseMajor, paymentStatusTexts, useFormats, useKeysetList, ConsoleTable } from '../page-kit.tsx';

export interface ConsolePayment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  amount_received: number;
  amount_refunded: number;
  amount_capturable: number;
  capture_method: string;
  payment_method: { type?: string; card?: { brand?: string; last4?: string } } | null;
  payment_method_types: string[];
  customer: string | null;
  customer_email?: string | null;
  order_reference?: string | null;
  card_last4?: string | null;
  connector_account?: string | null;
  order: { reference?: string } | null;
  description: string | null;
  last_error: { code: string; message: string } | null;
  cancellation_reason: string | null;
  created_at: string;
  livemode: boolean;
}

export const paymentTexts = {
  title: l('Payments', '支付', '支付'),
  query: l('ID, order reference, customer, email or last four', 'ID、订单号、客户、邮箱或卡号后四位', 'ID、訂單編號、客戶、電子郵件或卡號末四碼'),
  orderReference: l('Order reference', '订单号', '訂單編號'),
  customer: l('Customer', '客户', '客戶'),
  email: l('Email', '邮箱', '電子郵件'),
  cardLast4: l('Card last four', '卡号后四位', '卡號末四碼'),
  amountMin: l('Amount from', '金额自', '金額自'),
  amountMax: l('Amount to', '金额至', '金額至'),
  status: l('Status', '状态', '狀態'),
  method: l('Method', '支付方式', '付款方式'),
  channel: l('Channel (connector account)', '渠道（通道账户）', '通道（通道帳戶）'),
  created: l('Created', '创建时间', '建立時間'),
  id: l('Payment', '支付单', '付款單'),
  amount: l('Amount', '金额', '金額'),
  refunded: l('Refunded', '已退款', '已退款'),
  more: l('More filters', '更多筛选', '更多篩選'),
  fewer: l('Fewer filters', '收起筛选', '收起篩選'),
  exported: l('The CSV is downloading', 'CSV 正在下载', 'CSV 下載中'),
} satisfies Record<string, Record<string, string>>;

interface Filters {
  q?: string;
  order_reference?: string;
  customer?: string;
  email?: string;
  card_last4?: string;
  amount_min?: number;
  amount_max?: number;
  status?: string[];
  method?: string;
  channel?: string;
  created?: [Dayjs | null, Dayjs | null] | null;
}

function toQuery(filters: Filters, currency: string): Record<string, QueryValue> {
  const [from, to] = filters.created ?? [null, null];
  return {
    q: filters.q?.trim(),
    order_reference: filters.order_reference?.trim(),
    customer: filters.customer?.trim(),
    email: filters.email?.trim(),
    card_last4: filters.card_last4?.trim(),
    amount_gte: parseMajor(filters.amount_min, currency) ?? undefined,
    amount_lte: parseMajor(filters.amount_max, currency) ?? undefined,
    method: filters.method,
    channel: filters.channel?.trim(),
    // Days in the merchant's zone: from the start of the first to the start of the day after the last.
    created_gte: from ? from.tz(undefined, true).startOf('day').format() : undefined,
    created_lt: to ? to.tz(undefined, true).startOf('day').add(1, 'day').format() : undefined,
  };
}

/** Several statuses are sent as a repeated parameter (`status=a&status=b`). */
function withStatuses(path: string, statuses: string[] | undefined): string {
  if (!statuses || statuses.length === 0) return path;
  return `${path}?${statuses.map((s) => `status=${encodeURIComponent(s)}`).join('&')}`;
}

export function PaymentsPage() {
  const { api, locale, merchant } = useConsole();
  const t = useT();
  const p = useTexts(paymentTexts);
  const f = useFormats();
  const { message } = App.useApp();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [more, setMore] = useState(false);
  const query = toQuery(filters, merchant.currency);
  const path = withStatuses('/console/api/payments', filters.status);
  const list = useKeysetList<ConsolePayment>(path, query, { cursorParam: 'starting_after', nextCursor: (answer) => answer.next_starting_after ?? answer.data.at(-1)?.id });

  async function exportCsv() {
    try {
      await api.downloadCsv(path, query, 'payments.csv');
      void message.success(p('exported'));
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <>
      <PageTitle extra={<Button onClick={() => void exportCsv()} data-testid="payments-export">{t('exportCsv')}</Button>}>{p('title')}</PageTitle>
      <Form form={form} layout="vertical" className="console-filters" onFinish={(values) => setFilters(values)} data-testid="payments-filters">
        <Row gutter={12}>
          <Col xs={24} md={10}>
            <Form.Item name="q" label={t('search')}>
              <Input placeholder={p('query')} allowClear onPressEnter={() => form.submit()} data-testid="payments-query" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="status" label={p('status')}>
              <Select mode="multiple" allowClear options={Object.entries(paymentStatusTexts).map(([value, text]) => ({ value, label: text[locale] }))} data-testid="payments-status" />
            </Form.Item>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="created" label={p('created')}>
              <DatePicker.RangePicker style={{ width: '100%' }} allowEmpty={[true, true]} />
            </Form.Item>
          </Col>
        </Row>
        {more && (
          <Row gutter={12}>
            <Col xs={12} md={6}>
              <Form.Item name="order_reference" label={p('orderReference')}>
                <Input allowClear />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="customer" label={p('customer')}>
                <Input allowClear placeholder="cus_…" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="email" label={p('email')}>
                <Input allowClear type="email" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="card_last4" label={p('cardLast4')} rules={[{ pattern: /^\d{4}$/, message: '0000–9999' }]}>
                <Input allowClear inputMode="numeric" maxLength={4} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="amount_min" label={`${p('amountMin')} (${merchant.currency})`}>
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="amount_max" label={`${p('amountMax')} (${merchant.currency})`}>
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="method" label={p('method')}>
                <Select allowClear options={Object.entries(methodTexts).map(([value, text]) => ({ value, label: text[locale] }))} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="channel" label={p('channel')}>
                <Input allowClear placeholder="ca_…" />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Space wrap>
          <Button type="primary" htmlType="submit" data-testid="payments-search">
            {t('search')}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              setFilters({});
            }}
          >
            {t('reset')}
          </Button>
          <Button type="link" onClick={() => setMore(!more)}>
            {more ? p('fewer') : p('more')}
          </Button>
        </Space>
      </Form>
      <LoadError error={list.error} reload={list.reload} />
      <ConsoleTable<ConsolePayment>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.rows}
        pagination={false}
        minWidth={760}
        data-testid="payments-table"
        columns={[
          { title: p('created'), dataIndex: 'created_at', render: (value: string) => f.time(value), width: 150 },
          {
            title: p('id'),
            dataIndex: 'id',
            render: (id: string) => (
              <ConsoleLink page="payments" id={id} testId="payment-link">
                <span className="console-mono">{id}</span>
              </ConsoleLink>
            ),
          },
          { title: p('amount'), dataIndex: 'amount', align: 'right', render: (amount: number, row) => f.money(amount, row.currency) },
          { title: p('status'), dataIndex: 'status', render: (status: string) => <StatusTag status={status} /> },
          { title: p('method'), render: (_value, row) => `${methodLabel(row.payment_method?.type, locale)}${row.card_last4 ? ` ·${row.card_last4}` : ''}` },
          { title: p('customer'), render: (_value, row) => row.customer_email ?? row.customer ?? '–' },
          { title: p('orderReference'), render: (_value, row) => row.order_reference ?? row.order?.reference ?? '–' },
        ]}
      />
      <KeysetPager list={list} />
    </>
  );
}
