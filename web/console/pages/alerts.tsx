/**
 * Alerts and incidents: open and past alerts (acknowledge one), the rules
 * that raise them (create, edit, delete), and connector incidents with their
 * duration and the mean time to recover. Reads and writes /v1/alerts,
 * /v1/alert_rules and /v1/analytics/incidents; the server audits each change.
 */
import { Alert, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Tabs } from 'antd';
import { useMemo, useState } from 'react';
import { formatValue } from '../charts/shape.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatDuration } from '../format.ts';
import { alertPolicy, alertRuleBounds } from '../../../src/domain/insight/alert-rules.ts';
import { incidentsPerDay, valueKindOf, type AlertKind, type Incident } from './analytics/alerts-data.ts';
import { CardGrid, DataTable, LoadError, PageHeading, RangeChooser, StatusTag, useDayRange } from './analytics/parts.tsx';
import { isoRange } from './analytics/range.ts';
import { common, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Alerts and incidents', 'zh-CN': '告警与故障', 'zh-TW': '告警與事故' },
  open: { en: 'Open alerts', 'zh-CN': '未解决的告警', 'zh-TW': '未解決的告警' },
  past: { en: 'Past alerts', 'zh-CN': '历史告警', 'zh-TW': '歷史告警' },
  rules: { en: 'Rules', 'zh-CN': '告警规则', 'zh-TW': '告警規則' },
  incidents: { en: 'Incidents', 'zh-CN': '故障', 'zh-TW': '事故' },
  kind: { en: 'Kind', 'zh-CN': '类型', 'zh-TW': '類型' },
  failure_rate: { en: 'Failure rate', 'zh-CN': '失败率', 'zh-TW': '失敗率' },
  cancellation_rate: { en: 'Cancellation rate', 'zh-CN': '取消率', 'zh-TW': '取消率' },
  latency_p95: { en: 'Latency p95', 'zh-CN': '延迟 p95', 'zh-TW': '延遲 p95' },
  circuit_opened: { en: 'Circuit opened', 'zh-CN': '熔断开启', 'zh-TW': '熔斷開啟' },
  circuit_open: { en: 'Circuit open', 'zh-CN': '熔断', 'zh-TW': '熔斷' },
  success_rate_alert: { en: 'Failure-rate alert', 'zh-CN': '失败率告警', 'zh-TW': '失敗率告警' },
  where: { en: 'Channel', 'zh-CN': '渠道', 'zh-TW': '通路' },
  allChannels: { en: 'All channels', 'zh-CN': '全部渠道', 'zh-TW': '全部通路' },
  value: { en: 'Measured', 'zh-CN': '测得值', 'zh-TW': '測得值' },
  threshold: { en: 'Threshold', 'zh-CN': '阈值', 'zh-TW': '閾值' },
  triggered: { en: 'Triggered', 'zh-CN': '触发时间', 'zh-TW': '觸發時間' },
  acknowledged: { en: 'Acknowledged', 'zh-CN': '已确认', 'zh-TW': '已確認' },
  acknowledge: { en: 'Acknowledge', 'zh-CN': '确认', 'zh-TW': '確認' },
  notYet: { en: 'Not yet', 'zh-CN': '尚未', 'zh-TW': '尚未' },
  resolved: { en: 'Resolved', 'zh-CN': '已解决', 'zh-TW': '已解決' },
  timeToResolve: { en: 'Time to resolve', 'zh-CN': '解决用时', 'zh-TW': '解決用時' },
  ongoing: { en: 'Ongoing', 'zh-CN': '进行中', 'zh-TW': '進行中' },
  newRule: { en: 'New rule', 'zh-CN': '新建规则', 'zh-TW': '新增規則' },
  editRule: { en: 'Edit rule', 'zh-CN': '编辑规则', 'zh-TW': '編輯規則' },
  edit: { en: 'Edit', 'zh-CN': '编辑', 'zh-TW': '編輯' },
  delete: { en: 'Delete', 'zh-CN': '删除', 'zh-TW': '刪除' },
  deleteConfirm: { en: 'Delete this rule? Its open alert resolves.', 'zh-CN': '删除此规则？其未解决的告警将被关闭。', 'zh-TW': '刪除此規則？其未解決的告警將被關閉。' },
  window: { en: 'Window (minutes)', 'zh-CN': '统计窗口（分钟）', 'zh-TW': '統計視窗（分鐘）' },
  thresholdPercent: { en: 'Threshold (%)', 'zh-CN': '阈值（%）', 'zh-TW': '閾值（%）' },
  thresholdMs: { en: 'Threshold (ms)', 'zh-CN': '阈值（毫秒）', 'zh-TW': '閾值（毫秒）' },
  baseline: { en: 'Baseline: standard deviations above the mean (empty: fixed threshold)', 'zh-CN': '基线：高于均值的标准差倍数（留空为固定阈值）', 'zh-TW': '基線：高於平均的標準差倍數（留空為固定閾值）' },
  minSample: { en: 'Minimum observations', 'zh-CN': '最少样本数', 'zh-TW': '最少樣本數' },
  enabled: { en: 'Enabled', 'zh-CN': '启用', 'zh-TW': '啟用' },
  description: { en: 'Description', 'zh-CN': '说明', 'zh-TW': '說明' },
  account: { en: 'Connector account (optional)', 'zh-CN': '渠道账户（可选）', 'zh-TW': '通路帳戶（選填）' },
  started: { en: 'Started', 'zh-CN': '开始', 'zh-TW': '開始' },
  ended: { en: 'Ended', 'zh-CN': '结束', 'zh-TW': '結束' },
  duration: { en: 'Duration', 'zh-CN': '持续时间', 'zh-TW': '持續時間' },
  incidentsStarted: { en: 'Incidents', 'zh-CN': '故障次数', 'zh-TW': '事故次數' },
  incidentsEnded: { en: 'Ended', 'zh-CN': '已结束', 'zh-TW': '已結束' },
  mttr: { en: 'Mean time to recover', 'zh-CN': '平均恢复时间', 'zh-TW': '平均復原時間' },
  perDay: { en: 'Incidents per day', 'zh-CN': '每日故障数', 'zh-TW': '每日事故數' },
  mttrPerDay: { en: 'Mean time to recover per day', 'zh-CN': '每日平均恢复时间', 'zh-TW': '每日平均復原時間' },
} satisfies Record<string, Localized>;

interface AlertRow {
  id: string;
  rule: string;
  kind: AlertKind;
  state: 'triggered' | 'resolved';
  payment_method_type: string | null;
  connector_account: string | null;
  value: number;
  threshold: number;
  triggered_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  time_to_resolve_ms: number | null;
}

interface RuleRow {
  id: string;
  kind: AlertKind;
  payment_method_type: string | null;
  connector_account: string | null;
  window_seconds: number;
  threshold: number | null;
  baseline_k_stddev: number | null;
  baseline_windows: number;
  min_sample: number;
  enabled: boolean;
  description: string | null;
}

interface IncidentReport {
  incidents: number;
  incidents_ended: number;
  mean_time_to_recover_ms: number | null;
  data: Incident[];
  has_more: boolean;
}

type List<T> = { data: T[]; has_more: boolean };

export default function AlertsPage() {
  const { locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  return (
    <div data-testid="alerts-page">
      <PageHeading title={t(texts.title)} />
      <Tabs
        items={[
          { key: 'open', label: t(texts.open), children: <AlertList state="triggered" /> },
          { key: 'past', label: t(texts.past), children: <AlertList state="resolved" /> },
          { key: 'rules', label: t(texts.rules), children: <Rules /> },
          { key: 'incidents', label: t(texts.incidents), children: <Incidents /> },
        ]}
      />
    </div>
  );
}

function useWhere() {
  const { locale } = useConsole();
  return (row: { payment_method_type: string | null; connector_account: string | null }) =>
    [row.payment_method_type ? labelOf(methodNames, row.payment_method_type, locale) : pick(locale, texts.allChannels), row.connector_account].filter(Boolean).join(' · ');
}

function AlertList({ state }: { state: 'triggered' | 'resolved' }) {
  const { api, locale, merchant, mode, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const where = useWhere();
  const loaded = useLoad(() => api.get<List<AlertRow>>('/v1/alerts', { state, limit: 100 }), [mode, state]);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };
  const time = (iso: string | null) => (iso ? formatDateTime(iso, merchant.timeZone, locale) : '–');

  async function acknowledge(id: string) {
    setBusy(id);
    setProblem(null);
    try {
      await api.post(`/v1/alerts/${id}/acknowledge`);
      loaded.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <DataTable<AlertRow>
        label={t(state === 'triggered' ? texts.open : texts.past)}
        data-testid={`alerts-${state}`}
        rowKey="id"
        loading={loaded.loading}
        dataSource={loaded.data?.data ?? []}
        columns={[
          { title: t(texts.kind), render: (_, row) => t(texts[row.kind]) },
          { title: t(texts.where), render: (_, row) => where(row) },
          { title: t(texts.value), render: (_, row) => formatValue(row.value, valueKindOf(row.kind), format) },
          { title: t(texts.threshold), render: (_, row) => formatValue(row.threshold, valueKindOf(row.kind), format) },
          { title: t(texts.triggered), render: (_, row) => time(row.triggered_at) },
          state === 'triggered'
            ? {
                title: t(texts.acknowledged),
                render: (_, row) =>
                  row.acknowledged_at ? (
                    <span data-testid={`alert-acknowledged-${row.id}`}>{time(row.acknowledged_at)}</span>
                  ) : can('alerts.manage') ? (
                    <Button size="small" loading={busy === row.id} onClick={() => acknowledge(row.id)} data-testid={`alert-acknowledge-${row.id}`}>
                      {t(texts.acknowledge)}
                    </Button>
                  ) : (
                    t(texts.notYet)
                  ),
              }
            : { title: t(texts.resolved), render: (_, row) => time(row.resolved_at) },
          { title: t(texts.timeToResolve), render: (_, row) => (row.time_to_resolve_ms === null ? t(texts.ongoing) : formatDuration(row.time_to_resolve_ms, locale)) },
        ]}
      />
    </>
  );
}

interface RuleForm {
  kind: AlertKind;
  payment_method_type?: string;
  connector_account?: string;
  window_minutes: number;
  threshold?: number | null;
  baseline_k_stddev?: number | null;
  min_sample: number;
  enabled: boolean;
  description?: string;
}

/** The form's values as the API's body: minutes to seconds, a percentage to a rate. */
export function ruleBody(values: RuleForm, creating: boolean): Record<string, unknown> {
  const threshold = values.kind === 'circuit_opened' || values.threshold === undefined || values.threshold === null ? null : values.kind === 'latency_p95' ? values.threshold : values.threshold / 100;
  const body: Record<string, unknown> = {
    window_seconds: Math.round(values.window_minutes * 60),
    threshold,
    baseline_k_stddev: values.kind === 'circuit_opened' || values.baseline_k_stddev === undefined ? null : values.baseline_k_stddev,
    min_sample: values.min_sample,
    enabled: values.enabled,
    description: values.description ? values.description : null,
  };
  if (creating) {
    body.kind = values.kind;
    if (values.payment_method_type) body.payment_method_type = values.payment_method_type;
    if (values.connector_account) body.connector_account = values.connector_account;
  }
  return body;
}

function Rules() {
  const { api, locale, mode, can, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const where = useWhere();
  const loaded = useLoad(() => api.get<List<RuleRow>>('/v1/alert_rules', { limit: 100 }), [mode]);
  const [editing, setEditing] = useState<RuleRow | 'new' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const manage = can('alerts.manage');
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };

  async function remove(id: string) {
    setProblem(null);
    try {
      await api.delete(`/v1/alert_rules/${id}`);
      loaded.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      {manage ? (
        <Button type="primary" style={{ marginBottom: 8 }} onClick={() => setEditing('new')} data-testid="rule-new">
          {t(texts.newRule)}
        </Button>
      ) : (
        <p style={{ color: '#595959' }}>{t(common.readOnly)}</p>
      )}
      <DataTable<RuleRow>
        label={t(texts.rules)}
        data-testid="rules-table"
        rowKey="id"
        loading={loaded.loading}
        dataSource={loaded.data?.data ?? []}
        columns={[
          { title: t(texts.kind), render: (_, row) => t(texts[row.kind]) },
          { title: t(texts.where), render: (_, row) => where(row) },
          { title: t(texts.window), render: (_, row) => formatDuration(row.window_seconds * 1000, locale) },
          {
            title: t(texts.threshold),
            render: (_, row) =>
              [row.threshold === null ? null : formatValue(row.threshold, valueKindOf(row.kind), format), row.baseline_k_stddev === null ? null : `μ + ${row.baseline_k_stddev}σ`].filter(Boolean).join(' · ') || '–',
          },
          { title: t(texts.enabled), render: (_, row) => <StatusTag tone={row.enabled ? 'good' : 'neutral'}>{row.enabled ? t(common.yes) : t(common.no)}</StatusTag> },
          { title: t(texts.description), dataIndex: 'description', render: (text: string | null) => text ?? '–' },
          ...(manage
            ? [
                {
                  title: t(common.actions),
                  render: (_: unknown, row: RuleRow) => (
                    <Space>
                      <Button size="small" onClick={() => setEditing(row)} data-testid={`rule-edit-${row.id}`}>
                        {t(texts.edit)}
                      </Button>
                      <Popconfirm title={t(texts.deleteConfirm)} okText={t(texts.delete)} cancelText={t(common.cancel)} onConfirm={() => remove(row.id)}>
                        <Button size="small" data-testid={`rule-delete-${row.id}`}>
                          {t(texts.delete)}
                        </Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <RuleDialog
          rule={editing === 'new' ? null : editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) loaded.reload();
          }}
        />
      )}
    </>
  );
}

function RuleDialog({ rule, onClose }: { rule: RuleRow | null; onClose(saved: boolean): void }) {
  const { api, locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [form] = Form.useForm<RuleForm>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const kind = Form.useWatch('kind', form) ?? rule?.kind ?? 'failure_rate';
  const initial: RuleForm = rule
    ? {
        kind: rule.kind,
        payment_method_type: rule.payment_method_type ?? undefined,
        connector_account: rule.connector_account ?? undefined,
        window_minutes: rule.window_seconds / 60,
        threshold: rule.threshold === null ? null : rule.kind === 'latency_p95' ? rule.threshold : Math.round(rule.threshold * 10_000) / 100,
        baseline_k_stddev: rule.baseline_k_stddev,
        min_sample: rule.min_sample,
        enabled: rule.enabled,
        description: rule.description ?? undefined,
      }
    : { kind: 'failure_rate', window_minutes: alertPolicy.windowSecondsDefault / 60, threshold: 50, baseline_k_stddev: null, min_sample: alertPolicy.minSampleDefault, enabled: true };

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    try {
      if (rule) await api.post(`/v1/alert_rules/${rule.id}`, ruleBody(values, false));
      else await api.post('/v1/alert_rules', ruleBody(values, true));
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  const kindOptions = (['failure_rate', 'cancellation_rate', 'latency_p95', 'circuit_opened'] as const).map((value) => ({ value, label: t(texts[value]) }));
  const methodOptions = [{ value: '', label: t(texts.allChannels) }, ...(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const).map((value) => ({ value, label: labelOf(methodNames, value, locale) }))];
  return (
    <Modal open title={rule ? t(texts.editRule) : t(texts.newRule)} okText={t(common.save)} cancelText={t(common.cancel)} confirmLoading={saving} onOk={save} onCancel={() => onClose(false)} destroyOnHidden>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={initial} data-testid="rule-form">
        <Form.Item name="kind" label={t(texts.kind)} rules={[{ required: true }]}>
          <Select options={kindOptions} disabled={rule !== null} />
        </Form.Item>
        <Form.Item name="payment_method_type" label={t(texts.where)}>
          <Select options={methodOptions} disabled={rule !== null} />
        </Form.Item>
        {kind !== 'cancellation_rate' && (
          <Form.Item name="connector_account" label={t(texts.account)}>
            <Input disabled={rule !== null} maxLength={64} />
          </Form.Item>
        )}
        <Form.Item name="window_minutes" label={t(texts.window)} rules={[{ required: true }]}>
          <InputNumber min={alertRuleBounds.windowSecondsMin / 60} max={alertRuleBounds.windowSecondsMax / 60} style={{ width: '100%' }} />
        </Form.Item>
        {kind !== 'circuit_opened' && (
          <>
            <Form.Item name="threshold" label={kind === 'latency_p95' ? t(texts.thresholdMs) : t(texts.thresholdPercent)}>
              <InputNumber min={0} max={kind === 'latency_p95' ? alertRuleBounds.latencyThresholdMsMax : 100} style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="baseline_k_stddev" label={t(texts.baseline)}>
              <InputNumber min={0.1} max={alertRuleBounds.baselineKStddevMax} step={0.5} style={{ width: '100%' }} />
            </Form.Item>
          </>
        )}
        <Form.Item name="min_sample" label={t(texts.minSample)} rules={[{ required: true }]}>
          <InputNumber min={1} max={alertRuleBounds.minSampleMax} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="enabled" label={t(texts.enabled)} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="description" label={t(texts.description)}>
          <Input.TextArea maxLength={500} rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function Incidents() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(30);
  const loaded = useLoad(() => api.get<IncidentReport>('/v1/analytics/incidents', isoRange(range)), [mode, range.from.getTime(), range.to.getTime()]);
  const report = loaded.data;
  const charts = useMemo(
    () => (report ? incidentsPerDay(report.data, range, merchant.timeZone, { started: t(texts.incidentsStarted), meanTimeToRecover: t(texts.mttr) }) : null),
    // `t` follows `locale`.
    [report, range, merchant.timeZone, locale],
  );
  const time = (iso: string | null) => (iso ? formatDateTime(iso, merchant.timeZone, locale) : t(texts.ongoing));
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <RangeChooser value={days} onChange={setDays} />
      </Space>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {report && charts && (
        <>
          <CardGrid>
            <Card size="small" data-testid="incidents-count">
              <div style={{ color: '#595959' }}>{t(texts.incidentsStarted)}</div>
              <div style={{ fontSize: 24 }}>{report.incidents}</div>
            </Card>
            <Card size="small">
              <div style={{ color: '#595959' }}>{t(texts.incidentsEnded)}</div>
              <div style={{ fontSize: 24 }}>{report.incidents_ended}</div>
            </Card>
            <Card size="small" data-testid="incidents-mttr">
              <div style={{ color: '#595959' }}>{t(texts.mttr)}</div>
              <div style={{ fontSize: 24 }}>{report.mean_time_to_recover_ms === null ? '–' : formatDuration(report.mean_time_to_recover_ms, locale)}</div>
            </Card>
          </CardGrid>
          <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))', marginBottom: 16 }}>
            <TimeChart testId="chart-incidents" title={t(texts.perDay)} data={charts.started} />
            <TimeChart testId="chart-mttr" title={t(texts.mttrPerDay)} data={charts.recovery} />
          </div>
        </>
      )}
      <DataTable<Incident>
        label={t(texts.incidents)}
        data-testid="incidents-table"
        rowKey="id"
        loading={loaded.loading}
        dataSource={report?.data ?? []}
        pageSize={20}
        columns={[
          { title: t(texts.kind), render: (_, row) => t(texts[row.kind]) },
          { title: t(texts.where), render: (_, row) => [row.payment_method_type ? labelOf(methodNames, row.payment_method_type, locale) : null, row.connector_account].filter(Boolean).join(' · ') || '–' },
          { title: t(texts.started), render: (_, row) => time(row.started_at) },
          { title: t(texts.ended), render: (_, row) => time(row.ended_at) },
          { title: t(texts.duration), render: (_, row) => (row.duration_ms === null ? t(texts.ongoing) : formatDuration(row.duration_ms, locale)) },
        ]}
      />
    </>
  );
}
