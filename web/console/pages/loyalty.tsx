/**
 * Loyalty: the merchant's points programme (GET /v1/loyalty/programme) and
 * the range's points analytics (GET /v1/analytics/points): points issued,
 * redeemed and expired, and the outstanding liability. Owners and admins
 * change the programme's terms (the server checks: loyalty.manage);
 * operators and analysts read. A PUT replaces the whole programme, so the
 * terms this page does not edit (rates per method, segment multipliers,
 * campaigns) are shown, and sent back as they were.
 */
import { Alert, Button, Descriptions, Form, Input, InputNumber, Modal, Switch } from 'antd';
import { useState } from 'react';
import { ConsoleApiError, pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import { CardGrid, DataTable, FigureCard, LoadError, PageHeading, RangeChooser, StatusTag, useDayRange } from './analytics/parts.tsx';
import { isoRange } from './analytics/range.ts';
import { common } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Loyalty points', 'zh-CN': '积分', 'zh-TW': '點數' },
  programme: { en: 'Points programme', 'zh-CN': '积分方案', 'zh-TW': '點數方案' },
  noProgramme: { en: 'No points programme is set yet.', 'zh-CN': '尚未设置积分方案。', 'zh-TW': '尚未設定點數方案。' },
  edit: { en: 'Edit programme', 'zh-CN': '编辑方案', 'zh-TW': '編輯方案' },
  create: { en: 'Set up programme', 'zh-CN': '设置方案', 'zh-TW': '設定方案' },
  status: { en: 'Status', 'zh-CN': '状态', 'zh-TW': '狀態' },
  enabled: { en: 'Enabled', 'zh-CN': '已启用', 'zh-TW': '已啟用' },
  disabled: { en: 'Disabled', 'zh-CN': '已停用', 'zh-TW': '已停用' },
  pointsPerUnit: { en: 'Points per currency unit', 'zh-CN': '每单位货币积分', 'zh-TW': '每單位貨幣點數' },
  spendDelay: { en: 'Spendable after (hours)', 'zh-CN': '可用等待（小时）', 'zh-TW': '可用等待（小時）' },
  expiry: { en: 'Expire after (days)', 'zh-CN': '有效期（天）', 'zh-TW': '有效期（天）' },
  redemptionPoints: { en: 'Points redeemed', 'zh-CN': '兑换积分', 'zh-TW': '兌換點數' },
  redemptionAmount: { en: 'Worth (minor units)', 'zh-CN': '抵扣金额（最小单位）', 'zh-TW': '折抵金額（最小單位）' },
  rate: { en: 'Redemption rate', 'zh-CN': '兑换比例', 'zh-TW': '兌換比例' },
  cap: { en: 'Points pay at most (%)', 'zh-CN': '积分最多抵扣（%）', 'zh-TW': '點數最多折抵（%）' },
  version: { en: 'Version', 'zh-CN': '版本', 'zh-TW': '版本' },
  movement: { en: 'Movement', 'zh-CN': '变动', 'zh-TW': '變動' },
  pointsColumn: { en: 'Points', 'zh-CN': '积分', 'zh-TW': '點數' },
  value: { en: 'Value at current rate', 'zh-CN': '按当前比例折算', 'zh-TW': '按目前比例換算' },
  issued: { en: 'Issued', 'zh-CN': '已发放', 'zh-TW': '已發放' },
  reversed: { en: 'Taken back by refunds', 'zh-CN': '退款收回', 'zh-TW': '退款收回' },
  redeemed: { en: 'Redeemed', 'zh-CN': '已兑换', 'zh-TW': '已兌換' },
  returned: { en: 'Given back by refunds', 'zh-CN': '退款返还', 'zh-TW': '退款返還' },
  expired: { en: 'Expired', 'zh-CN': '已过期', 'zh-TW': '已過期' },
  outstanding: { en: 'Outstanding (liability)', 'zh-CN': '未兑换余额（负债）', 'zh-TW': '未兌換餘額（負債）' },
  analytics: { en: 'Points in the range', 'zh-CN': '区间内积分', 'zh-TW': '區間內點數' },
  byMethod: { en: 'Points per unit by method', 'zh-CN': '按支付方式的每单位积分', 'zh-TW': '按付款方式的每單位點數' },
  segments: { en: 'Customer segment multipliers', 'zh-CN': '客户分群倍数', 'zh-TW': '客戶分群倍數' },
  campaigns: { en: 'Earning campaigns', 'zh-CN': '积分活动', 'zh-TW': '點數活動' },
  rounding: { en: 'Rounding', 'zh-CN': '取整', 'zh-TW': '取整' },
  roundingDown: { en: 'Down to a whole point, once, after every multiplier', 'zh-CN': '所有倍数相乘后向下取整为整数积分', 'zh-TW': '所有倍數相乘後無條件捨去為整數點數' },
} satisfies Record<string, Localized>;

/** The figures are for the range alone: no period to compare with. */
const noComparison = { current: null, previous: null, change: null, mode: 'relative' } as const;

interface Programme {
  enabled: boolean;
  currency: string;
  earn: { points_per_unit: number; by_payment_method: Record<string, number>; segment_percent: Record<string, number>; campaigns: { name: string; starts_at: string; ends_at: string; percent: number }[] };
  spend_delay_hours: number;
  expiry_days: number;
  redemption: { points: number; amount: number; cap_percent: number };
  version: number;
}

interface PointsFigures {
  issued: number;
  reversed: number;
  redeemed: number;
  returned: number;
  expired: number;
  outstanding: number;
  currency: string | null;
  outstanding_value: number | null;
}

type Movement = 'issued' | 'reversed' | 'redeemed' | 'returned' | 'expired' | 'outstanding';
const movements: readonly Movement[] = ['issued', 'reversed', 'redeemed', 'returned', 'expired', 'outstanding'];

export default function LoyaltyPage() {
  const { api, locale, mode, merchant, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(30);
  // No programme yet answers 404: shown as "not set", not as an error.
  const programme = useLoad(
    () => api.get<Programme>('/v1/loyalty/programme').catch((error: unknown) => (error instanceof ConsoleApiError && error.code === 'resource_missing' ? null : Promise.reject(error))),
    [mode],
  );
  const figures = useLoad(() => api.get<PointsFigures>('/v1/analytics/points', isoRange(range)), [mode, range.from.getTime(), range.to.getTime()]);
  const [editing, setEditing] = useState(false);
  const manage = can('loyalty.manage');
  const current = programme.data;
  const count = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString(locale));
  const rows = movements.map((movement) => ({ movement, points: figures.data?.[movement] }));

  return (
    <>
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        {manage && !programme.loading && !programme.error && (
          <Button type="primary" onClick={() => setEditing(true)} data-testid="loyalty-edit">
            {current ? t(texts.edit) : t(texts.create)}
          </Button>
        )}
      </PageHeading>
      {!manage && <p style={{ color: '#595959' }}>{t(common.readOnly)}</p>}
      {programme.error && <LoadError error={programme.error} onRetry={programme.reload} />}
      {figures.error && <LoadError error={figures.error} onRetry={figures.reload} />}
      <CardGrid>
        <FigureCard testId="points-figure-issued" title={t(texts.issued)} value={count(figures.data?.issued)} comparison={noComparison} />
        <FigureCard testId="points-figure-redeemed" title={t(texts.redeemed)} value={count(figures.data?.redeemed)} comparison={noComparison} />
        <FigureCard testId="points-figure-expired" title={t(texts.expired)} value={count(figures.data?.expired)} comparison={noComparison} />
        <FigureCard
          testId="points-figure-outstanding"
          title={t(texts.outstanding)}
          value={
            figures.data
              ? [count(figures.data.outstanding), figures.data.outstanding_value !== null && figures.data.currency ? formatMoney(figures.data.outstanding_value, figures.data.currency, locale) : null]
                  .filter(Boolean)
                  .join(' · ')
              : '–'
          }
          comparison={noComparison}
        />
      </CardGrid>
      <h2 style={{ fontSize: 16, margin: '16px 0 8px' }}>{t(texts.analytics)}</h2>
      <DataTable<{ movement: Movement; points: number | undefined }>
        label={t(texts.analytics)}
        data-testid="points-table"
        rowKey="movement"
        loading={figures.loading}
        dataSource={rows}
        columns={[
          { title: t(texts.movement), render: (_, row) => t(texts[row.movement]) },
          { title: t(texts.pointsColumn), render: (_, row) => <span data-testid={`points-${row.movement}`}>{count(row.points)}</span> },
          {
            title: t(texts.value),
            render: (_, row) =>
              row.movement === 'outstanding' && figures.data && figures.data.outstanding_value !== null && figures.data.currency ? formatMoney(figures.data.outstanding_value, figures.data.currency, locale) : '–',
          },
        ]}
      />
      <h2 style={{ fontSize: 16, margin: '16px 0 8px' }}>{t(texts.programme)}</h2>
      {!programme.loading && !programme.error && !current && <p data-testid="loyalty-none">{t(texts.noProgramme)}</p>}
      {current && (
        <Descriptions bordered size="small" column={{ xs: 1, sm: 1, md: 2 }} data-testid="loyalty-programme">
          <Descriptions.Item label={t(texts.status)}>
            <StatusTag tone={current.enabled ? 'good' : 'neutral'} testId="loyalty-status">
              {current.enabled ? t(texts.enabled) : t(texts.disabled)}
            </StatusTag>
          </Descriptions.Item>
          <Descriptions.Item label={t(common.currency)}>{current.currency}</Descriptions.Item>
          <Descriptions.Item label={t(texts.pointsPerUnit)}>
            <span data-testid="loyalty-points-per-unit">{current.earn.points_per_unit}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t(texts.byMethod)}>
            <span data-testid="loyalty-by-method">{Object.entries(current.earn.by_payment_method).map(([method, rate]) => `${method}: ${rate}`).join(' · ') || '–'}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t(texts.segments)}>
            <span data-testid="loyalty-segments">{Object.entries(current.earn.segment_percent).map(([segment, percent]) => `${segment}: ${percent}%`).join(' · ') || '–'}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t(texts.campaigns)}>
            <span data-testid="loyalty-campaigns">
              {current.earn.campaigns.map((campaign) => `${campaign.name}: ${campaign.percent}% (${formatDateTime(campaign.starts_at, merchant.timeZone, locale)} – ${formatDateTime(campaign.ends_at, merchant.timeZone, locale)})`).join(' · ') || '–'}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t(texts.rounding)}>{t(texts.roundingDown)}</Descriptions.Item>
          <Descriptions.Item label={t(texts.rate)}>
            {current.redemption.points} → {formatMoney(current.redemption.amount, current.currency, locale)}
          </Descriptions.Item>
          <Descriptions.Item label={t(texts.cap)}>{current.redemption.cap_percent}%</Descriptions.Item>
          <Descriptions.Item label={t(texts.spendDelay)}>{current.spend_delay_hours}</Descriptions.Item>
          <Descriptions.Item label={t(texts.expiry)}>{current.expiry_days}</Descriptions.Item>
          <Descriptions.Item label={t(texts.version)}>{current.version}</Descriptions.Item>
        </Descriptions>
      )}
      {editing && (
        <ProgrammeDialog
          programme={current}
          currency={merchant.currency}
          onClose={(saved) => {
            setEditing(false);
            if (saved) {
              programme.reload();
              figures.reload();
            }
          }}
        />
      )}
    </>
  );
}

interface ProgrammeForm {
  enabled: boolean;
  currency: string;
  points_per_unit: number;
  spend_delay_hours: number;
  expiry_days: number;
  redemption_points: number;
  redemption_amount: number;
  cap_percent: number;
}

function ProgrammeDialog({ programme, currency, onClose }: { programme: Programme | null; currency: string; onClose(saved: boolean): void }) {
  const { api, locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [form] = Form.useForm<ProgrammeForm>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const initial: ProgrammeForm = programme
    ? {
        enabled: programme.enabled,
        currency: programme.currency,
        points_per_unit: programme.earn.points_per_unit,
        spend_delay_hours: programme.spend_delay_hours,
        expiry_days: programme.expiry_days,
        redemption_points: programme.redemption.points,
        redemption_amount: programme.redemption.amount,
        cap_percent: programme.redemption.cap_percent,
      }
    : { enabled: true, currency, points_per_unit: 1, spend_delay_hours: 24, expiry_days: 365, redemption_points: 100, redemption_amount: 100, cap_percent: 50 };

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    try {
      await api.put('/v1/loyalty/programme', {
        enabled: values.enabled,
        currency: values.currency,
        earn: {
          points_per_unit: values.points_per_unit,
          by_payment_method: programme?.earn.by_payment_method ?? {},
          segment_percent: programme?.earn.segment_percent ?? {},
          campaigns: programme?.earn.campaigns ?? [],
        },
        spend_delay_hours: values.spend_delay_hours,
        expiry_days: values.expiry_days,
        redemption: { points: values.redemption_points, amount: values.redemption_amount, cap_percent: values.cap_percent },
      });
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  const whole = (min: number, max?: number) => <InputNumber min={min} max={max} precision={0} style={{ width: '100%' }} />;
  return (
    <Modal open title={t(texts.programme)} okText={t(common.save)} cancelText={t(common.cancel)} confirmLoading={saving} onOk={save} onCancel={() => onClose(false)} destroyOnHidden>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={initial} data-testid="loyalty-form">
        <Form.Item name="enabled" label={t(texts.enabled)} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="currency" label={t(common.currency)} rules={[{ required: true, pattern: /^[A-Z]{3}$/ }]}>
          <Input />
        </Form.Item>
        <Form.Item name="points_per_unit" label={t(texts.pointsPerUnit)} rules={[{ required: true }]}>
          <InputNumber min={0} precision={0} style={{ width: '100%' }} data-testid="loyalty-points-per-unit-input" />
        </Form.Item>
        <Form.Item name="spend_delay_hours" label={t(texts.spendDelay)} rules={[{ required: true }]}>
          {whole(0)}
        </Form.Item>
        <Form.Item name="expiry_days" label={t(texts.expiry)} rules={[{ required: true }]}>
          {whole(1)}
        </Form.Item>
        <Form.Item name="redemption_points" label={t(texts.redemptionPoints)} rules={[{ required: true }]}>
          {whole(1)}
        </Form.Item>
        <Form.Item name="redemption_amount" label={t(texts.redemptionAmount)} rules={[{ required: true }]}>
          {whole(1)}
        </Form.Item>
        <Form.Item name="cap_percent" label={t(texts.cap)} rules={[{ required: true }]}>
          {whole(0, 100)}
        </Form.Item>
      </Form>
    </Modal>
  );
}
