/**
 * Coupons: each coupon with its terms, its redemptions by status, the
 * discount it cost and the payments it brought (GET /v1/coupons, counted
 * from the redemption rows), and the range's conversion with and without a
 * coupon (GET /v1/analytics/coupons), the range's campaigns (each
 * campaign's coupons summed from the analytics' per-coupon rows), and a
 * coupon's redemptions one by one with the payment each belongs to
 * (GET /v1/coupons/:id/redemptions). Owners, admins and operators create
 * and disable coupons (the server checks: coupons.manage); analysts read.
 */
import { Alert, Button, Form, Input, InputNumber, Modal, Popconfirm, Select, Switch } from 'antd';
import { useState } from 'react';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatMoney, formatRate } from '../format.ts';
import { ConsoleLink } from '../page-kit.tsx';
import { CardGrid, DataTable, FigureCard, LoadError, PageHeading, RangeChooser, StatusTag, useDayRange } from './analytics/parts.tsx';
import { isoRange } from './analytics/range.ts';
import { common, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Coupons', 'zh-CN': '优惠券', 'zh-TW': '優惠券' },
  code: { en: 'Code', 'zh-CN': '优惠码', 'zh-TW': '優惠碼' },
  campaign: { en: 'Campaign', 'zh-CN': '活动', 'zh-TW': '活動' },
  discount: { en: 'Discount', 'zh-CN': '优惠', 'zh-TW': '優惠' },
  limits: { en: 'Limits', 'zh-CN': '限制', 'zh-TW': '限制' },
  redeemed: { en: 'Redeemed', 'zh-CN': '已核销', 'zh-TW': '已核銷' },
  reserved: { en: 'Reserved', 'zh-CN': '已预留', 'zh-TW': '已預留' },
  released: { en: 'Released', 'zh-CN': '已释放', 'zh-TW': '已釋放' },
  restored: { en: 'Restored by refunds', 'zh-CN': '退款返还', 'zh-TW': '退款返還' },
  cost: { en: 'Discount given', 'zh-CN': '优惠成本', 'zh-TW': '優惠成本' },
  brought: { en: 'Payments brought (original amount)', 'zh-CN': '带来的付款（原价）', 'zh-TW': '帶來的付款（原價）' },
  status: { en: 'Status', 'zh-CN': '状态', 'zh-TW': '狀態' },
  active: { en: 'Active', 'zh-CN': '生效中', 'zh-TW': '生效中' },
  inactive: { en: 'Not active', 'zh-CN': '未生效', 'zh-TW': '未生效' },
  disabled: { en: 'Disabled', 'zh-CN': '已停用', 'zh-TW': '已停用' },
  disable: { en: 'Disable', 'zh-CN': '停用', 'zh-TW': '停用' },
  disableConfirm: { en: 'Disable this coupon? Payers can no longer use it.', 'zh-CN': '停用此优惠券？付款人将无法再使用。', 'zh-TW': '停用此優惠券？付款人將無法再使用。' },
  newCoupon: { en: 'New coupon', 'zh-CN': '新建优惠券', 'zh-TW': '新增優惠券' },
  percentOff: { en: 'Percent off', 'zh-CN': '折扣百分比', 'zh-TW': '折扣百分比' },
  amountOff: { en: 'Amount off (minor units)', 'zh-CN': '减免金额（最小单位）', 'zh-TW': '減免金額（最小單位）' },
  kind: { en: 'Kind', 'zh-CN': '类型', 'zh-TW': '類型' },
  percentage: { en: 'Percentage', 'zh-CN': '百分比', 'zh-TW': '百分比' },
  fixed: { en: 'Fixed amount', 'zh-CN': '固定金额', 'zh-TW': '固定金額' },
  currency: { en: 'Currency', 'zh-CN': '币种', 'zh-TW': '幣別' },
  minimum: { en: 'Minimum spend (minor units)', 'zh-CN': '最低消费（最小单位）', 'zh-TW': '最低消費（最小單位）' },
  max: { en: 'Total redemptions allowed', 'zh-CN': '总可用次数', 'zh-TW': '總可用次數' },
  perCustomer: { en: 'Redemptions per customer', 'zh-CN': '每位客户可用次数', 'zh-TW': '每位客戶可用次數' },
  firstPayment: { en: 'First payment only', 'zh-CN': '仅限首次付款', 'zh-TW': '僅限首次付款' },
  methods: { en: 'Payment methods (empty: all)', 'zh-CN': '支付方式（留空为全部）', 'zh-TW': '付款方式（留空為全部）' },
  stackable: { en: 'Stacks with loyalty points', 'zh-CN': '可与积分叠加', 'zh-TW': '可與點數疊加' },
  ends: { en: 'Ends', 'zh-CN': '截止', 'zh-TW': '截止' },
  noLimit: { en: 'No limit', 'zh-CN': '不限', 'zh-TW': '不限' },
  withCoupon: { en: 'Conversion with a coupon', 'zh-CN': '使用优惠券的转化率', 'zh-TW': '使用優惠券的轉換率' },
  withoutCoupon: { en: 'Conversion without', 'zh-CN': '未使用优惠券的转化率', 'zh-TW': '未使用優惠券的轉換率' },
  redemptionsInRange: { en: 'Redemptions', 'zh-CN': '核销次数', 'zh-TW': '核銷次數' },
  campaigns: { en: 'Campaigns in this range', 'zh-CN': '本时间范围内的活动', 'zh-TW': '本時間範圍內的活動' },
  noCampaign: { en: 'No campaign', 'zh-CN': '无活动', 'zh-TW': '無活動' },
  coupons: { en: 'Coupons', 'zh-CN': '优惠券数', 'zh-TW': '優惠券數' },
  paymentsSucceeded: { en: 'Payments succeeded', 'zh-CN': '成功付款', 'zh-TW': '成功付款' },
  amountReceived: { en: 'Amount received', 'zh-CN': '实收金额', 'zh-TW': '實收金額' },
  redemptions: { en: 'Redemptions', 'zh-CN': '核销记录', 'zh-TW': '核銷紀錄' },
  show: { en: 'Show', 'zh-CN': '查看', 'zh-TW': '檢視' },
  redemptionsOf: { en: 'Redemptions of {code}', 'zh-CN': '{code} 的核销记录', 'zh-TW': '{code} 的核銷紀錄' },
  customer: { en: 'Customer', 'zh-CN': '客户', 'zh-TW': '客戶' },
  reservedAt: { en: 'Reserved at', 'zh-CN': '预留时间', 'zh-TW': '預留時間' },
  redemptionStatus: {
    en: 'reserved|consumed|released|restored',
    'zh-CN': '已预留|已核销|已释放|退款返还',
    'zh-TW': '已預留|已核銷|已釋放|退款返還',
  },
} satisfies Record<string, Localized>;

/** The figures are for the range alone: no period to compare with. */
const noComparison = { current: null, previous: null, change: null, mode: 'relative' } as const;

interface CouponRow {
  id: string;
  code: string;
  campaign: string | null;
  discount_type: 'percentage' | 'fixed_amount';
  percent_off: number | null;
  amount_off: number | null;
  currency: string;
  max_redemptions: number | null;
  max_redemptions_per_customer: number | null;
  first_payment_only: boolean;
  ends_at: string | null;
  active: boolean;
  disabled_at: string | null;
  redemptions: { reserved: number; consumed: number; released: number; restored: number; held: number };
  discount_given: number;
  amount_original_redeemed: number;
}

interface CouponFigures {
  redemptions: { consumed: number };
  with_coupon: { conversion_rate: number | null };
  without_coupon: { conversion_rate: number | null };
  by_coupon: { coupon: string; campaign: string | null; currency: string; redemptions_consumed: number; discount_given: number; payments_succeeded: number; amount_received: number }[];
}

interface RedemptionRow {
  id: string;
  payment: string;
  customer: string | null;
  status: 'reserved' | 'consumed' | 'released' | 'restored';
  amount_discount: number;
  currency: string;
  reserved_at: string;
}

interface CampaignRow {
  key: string;
  campaign: string | null;
  currency: string;
  coupons: number;
  redemptions: number;
  discount: number;
  payments: number;
  received: number;
}

/** The range's per-coupon figures summed by campaign and currency (amounts in two currencies are never added). */
function campaignsOf(figures: CouponFigures | null): CampaignRow[] {
  const rows = new Map<string, CampaignRow>();
  for (const row of figures?.by_coupon ?? []) {
    const key = `${row.campaign ?? ''}\u0000${row.currency}`;
    const sum = rows.get(key) ?? { key, campaign: row.campaign, currency: row.currency, coupons: 0, redemptions: 0, discount: 0, payments: 0, received: 0 };
    sum.coupons += 1;
    sum.redemptions += row.redemptions_consumed;
    sum.discount += row.discount_given;
    sum.payments += row.payments_succeeded;
    sum.received += row.amount_received;
    rows.set(key, sum);
  }
  return [...rows.values()].sort((a, b) => b.discount - a.discount || a.key.localeCompare(b.key));
}

export default function CouponsPage() {
  const { api, locale, mode, merchant, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(30);
  const coupons = useLoad(() => api.get<{ data: CouponRow[] }>('/v1/coupons', { limit: 100 }), [mode]);
  const figures = useLoad(() => api.get<CouponFigures>('/v1/analytics/coupons', isoRange(range)), [mode, range.from.getTime(), range.to.getTime()]);
  const [creating, setCreating] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [showing, setShowing] = useState<CouponRow | null>(null);
  const manage = can('coupons.manage');

  async function disable(id: string) {
    setProblem(null);
    try {
      await api.post(`/v1/coupons/${id}/disable`, {});
      coupons.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  const discountText = (row: CouponRow) => (row.discount_type === 'percentage' ? `${row.percent_off}%` : formatMoney(row.amount_off ?? 0, row.currency, locale));
  return (
    <>
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        {manage && (
          <Button type="primary" onClick={() => setCreating(true)} data-testid="coupon-new">
            {t(texts.newCoupon)}
          </Button>
        )}
      </PageHeading>
      {!manage && <p style={{ color: '#595959' }}>{t(common.readOnly)}</p>}
      {coupons.error && <LoadError error={coupons.error} onRetry={coupons.reload} />}
      {figures.error && <LoadError error={figures.error} onRetry={figures.reload} />}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <CardGrid>
        <FigureCard testId="coupon-figure-redemptions" title={t(texts.redemptionsInRange)} value={figures.data ? String(figures.data.redemptions.consumed) : '–'} comparison={noComparison} />
        <FigureCard testId="coupon-figure-with" rateLike title={t(texts.withCoupon)} value={figures.data ? formatRate(figures.data.with_coupon.conversion_rate, locale) : '–'} comparison={noComparison} />
        <FigureCard testId="coupon-figure-without" rateLike title={t(texts.withoutCoupon)} value={figures.data ? formatRate(figures.data.without_coupon.conversion_rate, locale) : '–'} comparison={noComparison} />
      </CardGrid>
      <DataTable<CouponRow>
        label={t(texts.title)}
        data-testid="coupons-table"
        rowKey="id"
        loading={coupons.loading}
        dataSource={coupons.data?.data ?? []}
        columns={[
          { title: t(texts.code), render: (_, row) => <code>{row.code}</code> },
          { title: t(texts.campaign), render: (_, row) => row.campaign ?? '–' },
          { title: t(texts.discount), render: (_, row) => discountText(row) },
          {
            title: t(texts.limits),
            render: (_, row) =>
              [row.max_redemptions === null ? t(texts.noLimit) : `${row.redemptions.held} / ${row.max_redemptions}`, row.first_payment_only ? t(texts.firstPayment) : null, row.ends_at ? `${t(texts.ends)} ${formatDateTime(row.ends_at, merchant.timeZone, locale)}` : null]
                .filter(Boolean)
                .join(' · '),
          },
          { title: t(texts.redeemed), render: (_, row) => <span data-testid={`coupon-redeemed-${row.code}`}>{row.redemptions.consumed}</span> },
          { title: t(texts.reserved), render: (_, row) => row.redemptions.reserved },
          { title: t(texts.released), render: (_, row) => row.redemptions.released },
          { title: t(texts.restored), render: (_, row) => row.redemptions.restored },
          { title: t(texts.cost), render: (_, row) => formatMoney(row.discount_given, row.currency, locale) },
          { title: t(texts.brought), render: (_, row) => formatMoney(row.amount_original_redeemed, row.currency, locale) },
          {
            title: t(texts.redemptions),
            render: (_, row) => (
              <Button size="small" onClick={() => setShowing(row)} data-testid={`coupon-redemptions-${row.code}`}>
                {t(texts.show)}
              </Button>
            ),
          },
          {
            title: t(texts.status),
            render: (_, row) => (
              <StatusTag tone={row.active ? 'good' : 'neutral'}>{row.disabled_at ? t(texts.disabled) : row.active ? t(texts.active) : t(texts.inactive)}</StatusTag>
            ),
          },
          ...(manage
            ? [
                {
                  title: t(common.actions),
                  render: (_: unknown, row: CouponRow) =>
                    row.disabled_at ? null : (
                      <Popconfirm title={t(texts.disableConfirm)} okText={t(texts.disable)} cancelText={t(common.cancel)} onConfirm={() => disable(row.id)}>
                        <Button size="small" data-testid={`coupon-disable-${row.code}`}>
                          {t(texts.disable)}
                        </Button>
                      </Popconfirm>
                    ),
                },
              ]
            : []),
        ]}
      />
      <h2 style={{ fontSize: 16, margin: '16px 0 8px' }}>{t(texts.campaigns)}</h2>
      <DataTable<CampaignRow>
        label={t(texts.campaigns)}
        data-testid="campaigns-table"
        rowKey="key"
        loading={figures.loading}
        dataSource={campaignsOf(figures.data)}
        columns={[
          { title: t(texts.campaign), render: (_, row) => <span data-testid={`campaign-${row.campaign ?? ''}`}>{row.campaign ?? t(texts.noCampaign)}</span> },
          { title: t(texts.coupons), render: (_, row) => row.coupons },
          { title: t(texts.redeemed), render: (_, row) => row.redemptions },
          { title: t(texts.cost), render: (_, row) => formatMoney(row.discount, row.currency, locale) },
          { title: t(texts.paymentsSucceeded), render: (_, row) => row.payments },
          { title: t(texts.amountReceived), render: (_, row) => formatMoney(row.received, row.currency, locale) },
        ]}
      />
      {showing && <RedemptionsDialog coupon={showing} onClose={() => setShowing(null)} />}
      {creating && (
        <CouponDialog
          currency={merchant.currency}
          onClose={(saved) => {
            setCreating(false);
            if (saved) coupons.reload();
          }}
        />
      )}
    </>
  );
}

/** A coupon's redemptions, newest first (the first 100), each with the payment it belongs to. */
function RedemptionsDialog({ coupon, onClose }: { coupon: CouponRow; onClose(): void }) {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const redemptions = useLoad(() => api.get<{ data: RedemptionRow[] }>(`/v1/coupons/${encodeURIComponent(coupon.id)}/redemptions`, { limit: 100 }), [coupon.id, mode]);
  const statusNames = t(texts.redemptionStatus).split('|');
  const statusName = (status: RedemptionRow['status']) => statusNames[['reserved', 'consumed', 'released', 'restored'].indexOf(status)] ?? status;
  return (
    <Modal open title={t(texts.redemptionsOf).replace('{code}', coupon.code)} footer={null} onCancel={onClose} width={860} destroyOnHidden>
      {redemptions.error && <LoadError error={redemptions.error} onRetry={redemptions.reload} />}
      <DataTable<RedemptionRow>
        label={t(texts.redemptionsOf).replace('{code}', coupon.code)}
        data-testid="coupon-redemptions-table"
        rowKey="id"
        loading={redemptions.loading}
        dataSource={redemptions.data?.data ?? []}
        columns={[
          {
            title: t(common.payment),
            render: (_, row) => (
              <ConsoleLink page="payments" id={row.payment} testId={`redemption-payment-${row.payment}`}>
                <code>{row.payment}</code>
              </ConsoleLink>
            ),
          },
          { title: t(texts.customer), render: (_, row) => (row.customer ? <ConsoleLink page="customers" id={row.customer}>{row.customer}</ConsoleLink> : '–') },
          { title: t(texts.status), render: (_, row) => <StatusTag tone={row.status === 'consumed' ? 'good' : 'neutral'}>{statusName(row.status)}</StatusTag> },
          { title: t(texts.discount), render: (_, row) => formatMoney(row.amount_discount, row.currency, locale) },
          { title: t(texts.reservedAt), render: (_, row) => formatDateTime(row.reserved_at, merchant.timeZone, locale) },
        ]}
      />
    </Modal>
  );
}

interface CouponForm {
  code: string;
  campaign?: string;
  kind: 'percentage' | 'fixed_amount';
  value: number;
  currency: string;
  minimum_amount?: number | null;
  max_redemptions?: number | null;
  max_redemptions_per_customer?: number | null;
  first_payment_only: boolean;
  payment_method_types?: string[];
  stackable_with_points: boolean;
}

function CouponDialog({ currency, onClose }: { currency: string; onClose(saved: boolean): void }) {
  const { api, locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [form] = Form.useForm<CouponForm>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const kind = Form.useWatch('kind', form) ?? 'percentage';

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    try {
      await api.post('/v1/coupons', {
        code: values.code,
        currency: values.currency,
        ...(values.kind === 'percentage' ? { percent_off: values.value } : { amount_off: values.value }),
        ...(values.campaign ? { campaign: values.campaign } : {}),
        ...(values.minimum_amount ? { minimum_amount: values.minimum_amount } : {}),
        ...(values.max_redemptions ? { max_redemptions: values.max_redemptions } : {}),
        ...(values.max_redemptions_per_customer ? { max_redemptions_per_customer: values.max_redemptions_per_customer } : {}),
        ...(values.payment_method_types && values.payment_method_types.length > 0 ? { payment_method_types: values.payment_method_types } : {}),
        first_payment_only: values.first_payment_only,
        stackable_with_points: values.stackable_with_points,
      });
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  const methodOptions = (['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const).map((value) => ({ value, label: labelOf(methodNames, value, locale) }));
  return (
    <Modal open title={t(texts.newCoupon)} okText={t(common.save)} cancelText={t(common.cancel)} confirmLoading={saving} onOk={save} onCancel={() => onClose(false)} destroyOnHidden>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={{ kind: 'percentage', value: 10, currency, first_payment_only: false, stackable_with_points: false }} data-testid="coupon-form">
        <Form.Item name="code" label={t(texts.code)} rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{3,40}$/ }]}>
          <Input data-testid="coupon-code" />
        </Form.Item>
        <Form.Item name="campaign" label={t(texts.campaign)}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t(texts.kind)}>
          <Select options={[{ value: 'percentage', label: t(texts.percentage) }, { value: 'fixed_amount', label: t(texts.fixed) }]} />
        </Form.Item>
        <Form.Item name="value" label={kind === 'percentage' ? t(texts.percentOff) : t(texts.amountOff)} rules={[{ required: true }]}>
          <InputNumber min={1} max={kind === 'percentage' ? 100 : undefined} precision={0} style={{ width: '100%' }} data-testid="coupon-value" />
        </Form.Item>
        <Form.Item name="currency" label={t(texts.currency)} rules={[{ required: true, pattern: /^[A-Z]{3}$/ }]}>
          <Input />
        </Form.Item>
        <Form.Item name="minimum_amount" label={t(texts.minimum)}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="max_redemptions" label={t(texts.max)}>
          <InputNumber min={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="max_redemptions_per_customer" label={t(texts.perCustomer)}>
          <InputNumber min={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="payment_method_types" label={t(texts.methods)}>
          <Select mode="multiple" options={methodOptions} />
        </Form.Item>
        <Form.Item name="first_payment_only" label={t(texts.firstPayment)} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="stackable_with_points" label={t(texts.stackable)} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
