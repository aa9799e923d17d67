/**
 * Channels: success rate, latency percentiles and decline codes per channel
 * and connector account over time (GET /console/api/channels), the accounts
 * with their health and circuit (GET /console/api/channels/accounts), and
 * turning an account on or off or changing its priority
 * (POST /v1/connector_accounts/:id, which the server audits).
 */
import { Alert, Button, InputNumber, Select, Space, Spin, Switch } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { CategoryChart } from '../charts/category-chart.tsx';
import { TimeChart } from '../charts/time-chart.tsx';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatRate } from '../format.ts';
import {
  channelKey,
  declineCodes,
  declinesOverTime,
  latencyByChannel,
  latencyOverTime,
  successByChannel,
  successRateOverTime,
  type ChannelFiguresAnswer,
  type ChannelLabel,
} from './analytics/channels-data.ts';
import { DataTable, LoadError, PageHeading, RangeChooser, StatusTag, useDayRange } from './analytics/parts.tsx';
import { dayMs, isoRange } from './analytics/range.ts';
import { common, figureNames, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Channels', 'zh-CN': '支付渠道', 'zh-TW': '支付通路' },
  accounts: { en: 'Connector accounts', 'zh-CN': '渠道账户', 'zh-TW': '通路帳戶' },
  connector: { en: 'Connector', 'zh-CN': '渠道', 'zh-TW': '通路' },
  enabled: { en: 'Enabled', 'zh-CN': '已启用', 'zh-TW': '已啟用' },
  priority: { en: 'Priority', 'zh-CN': '优先级', 'zh-TW': '優先順序' },
  setPriority: { en: 'Set', 'zh-CN': '设置', 'zh-TW': '設定' },
  circuit: { en: 'Circuit', 'zh-CN': '熔断状态', 'zh-TW': '熔斷狀態' },
  closed: { en: 'Closed (healthy)', 'zh-CN': '闭合（正常）', 'zh-TW': '閉合（正常）' },
  open: { en: 'Open (not called)', 'zh-CN': '断开（暂停调用）', 'zh-TW': '斷開（暫停呼叫）' },
  half_open: { en: 'Half-open (probing)', 'zh-CN': '半开（探测中）', 'zh-TW': '半開（探測中）' },
  recentFailureRate: { en: 'Recent failure rate', 'zh-CN': '近期失败率', 'zh-TW': '近期失敗率' },
  recentAttempts: { en: 'Recent attempts', 'zh-CN': '近期尝试', 'zh-TW': '近期嘗試' },
  incident: { en: 'Incident', 'zh-CN': '故障', 'zh-TW': '事故' },
  incidentSince: { en: 'Ongoing since', 'zh-CN': '持续自', 'zh-TW': '持續自' },
  none: { en: 'None', 'zh-CN': '无', 'zh-TW': '無' },
  successOverTime: { en: 'Success rate per channel', 'zh-CN': '各渠道成功率', 'zh-TW': '各通路成功率' },
  successByChannel: { en: 'Success rate by channel', 'zh-CN': '按渠道的成功率', 'zh-TW': '按通路的成功率' },
  latencyByChannel: { en: 'Latency by channel', 'zh-CN': '按渠道的延迟', 'zh-TW': '按通路的延遲' },
  latencyOverTime: { en: 'Latency over time', 'zh-CN': '延迟趋势', 'zh-TW': '延遲趨勢' },
  declinesOverTime: { en: 'Decline codes over time', 'zh-CN': '拒绝代码趋势', 'zh-TW': '拒絕代碼趨勢' },
  declineCodes: { en: 'Decline codes', 'zh-CN': '拒绝代码', 'zh-TW': '拒絕代碼' },
  code: { en: 'Code', 'zh-CN': '代码', 'zh-TW': '代碼' },
  other: { en: 'Other', 'zh-CN': '其他', 'zh-TW': '其他' },
  chosenChannel: { en: 'Channel to detail', 'zh-CN': '查看渠道', 'zh-TW': '檢視通路' },
  allChannels: { en: 'All channels', 'zh-CN': '全部渠道', 'zh-TW': '全部通路' },
  changed: { en: 'Saved.', 'zh-CN': '已保存。', 'zh-TW': '已儲存。' },
  processNote: {
    en: 'The circuit and recent figures are this server process’s own view (routing is per process); incidents are shared.',
    'zh-CN': '熔断状态与近期数据为本服务进程的视图（路由按进程决策）；故障记录为全局共享。',
    'zh-TW': '熔斷狀態與近期數據為本服務程序的視角（路由按程序決策）；事故紀錄為全域共享。',
  },
} satisfies Record<string, Localized>;

export interface ConsoleAccount {
  id: string;
  connector: string;
  mode: 'live' | 'test';
  enabled: boolean;
  priority: number;
  base_url: string;
  created_at: string;
  updated_at: string;
  /** docs/console-api.md promises the failure rate and attempts; the server answers the success rate today: both are read. */
  health: { circuit: 'closed' | 'open' | 'half_open'; recent_failure_rate?: number | null; recent_success_rate?: number | null; recent_attempts?: number; open_since?: string | null };
  open_incident: { id: string; started_at: string } | null;
}

const circuitTones = { closed: 'good', open: 'bad', half_open: 'warning' } as const;
const declineCodesMax = 8;

export function recentFailureRate(account: Pick<ConsoleAccount, 'health'>): number | null {
  const { recent_failure_rate: failure, recent_success_rate: success } = account.health;
  if (failure !== undefined && failure !== null) return failure;
  return success === undefined || success === null ? null : 1 - success;
}

export default function ChannelsPage() {
  const { api, locale, mode, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(7);
  const [chosen, setChosen] = useState<string>('');
  const granularity = range.to.getTime() - range.from.getTime() <= 2 * dayMs ? 'hour' : 'day';
  const figures = useLoad(() => api.get<ChannelFiguresAnswer>('/console/api/channels', { mode, ...isoRange(range), granularity }), [mode, range.from.getTime(), range.to.getTime()]);
  const accounts = useLoad(() => api.get<{ data: ConsoleAccount[] }>('/console/api/channels/accounts', { mode }), [mode]);

  const label: ChannelLabel = (channel) => `${labelOf(methodNames, channel.payment_method_type, locale)} · ${channel.connector_account ?? t(common.wallet)}`;
  const percentiles = { p50: t(figureNames.latencyP50), p95: t(figureNames.latencyP95), p99: t(figureNames.latencyP99) };
  const answer = figures.data;
  const charts = useMemo(() => {
    if (!answer) return null;
    const detail = answer.channels.find((channel) => channelKey(channel) === chosen) ?? null;
    return {
      detail,
      successOverTime: successRateOverTime(answer, label),
      successByChannel: successByChannel(answer, label, t(figureNames.successRate)),
      latencyByChannel: latencyByChannel(answer, label, percentiles),
      declines: declineCodes(detail ? [detail] : answer.channels, declineCodesMax, t(figureNames.count)),
      latencyOverTime: detail ? latencyOverTime(detail, answer.granularity, percentiles) : null,
      declinesOverTime: detail ? declinesOverTime(detail, answer.granularity, 5, t(texts.other)) : null,
    };
    // `label`, `t` and `percentiles` follow `locale`.
  }, [answer, chosen, locale]);

  return (
    <div data-testid="channels-page">
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} maxDays={90} />
        {(figures.loading || accounts.loading) && <Spin size="small" aria-label={t(common.loading)} />}
      </PageHeading>
      {accounts.error && <LoadError error={accounts.error} onRetry={accounts.reload} />}
      <AccountsTable accounts={accounts.data?.data ?? null} manage={can('connector_accounts.manage')} onChanged={accounts.reload} />
      {figures.error && <LoadError error={figures.error} onRetry={figures.reload} />}
      {answer && charts && (
        <Space orientation="vertical" size={12} style={{ width: '100%', marginTop: 16 }}>
          <ChartGrid>
            <TimeChart testId="chart-success-over-time" title={t(texts.successOverTime)} data={charts.successOverTime} />
            <CategoryChart testId="chart-success-by-channel" title={t(texts.successByChannel)} categoryHeading={t(common.channel)} data={charts.successByChannel} />
            <CategoryChart testId="chart-latency-by-channel" title={t(texts.latencyByChannel)} categoryHeading={t(common.channel)} data={charts.latencyByChannel} />
            <CategoryChart
              testId="chart-decline-codes"
              title={`${t(texts.declineCodes)} · ${charts.detail ? label(charts.detail) : t(texts.allChannels)}`}
              categoryHeading={t(texts.code)}
              data={charts.declines}
            />
          </ChartGrid>
          <Space wrap>
            <label htmlFor="channel-detail">{t(texts.chosenChannel)}</label>
            <Select
              id="channel-detail"
              data-testid="channel-detail-select"
              style={{ minWidth: 260 }}
              value={chosen}
              onChange={setChosen}
              options={[{ value: '', label: t(texts.allChannels) }, ...answer.channels.map((channel) => ({ value: channelKey(channel), label: label(channel) }))]}
            />
          </Space>
          {charts.detail && charts.latencyOverTime && charts.declinesOverTime && (
            <ChartGrid>
              <TimeChart testId="chart-latency-over-time" title={`${t(texts.latencyOverTime)} · ${label(charts.detail)}`} data={charts.latencyOverTime} />
              <TimeChart testId="chart-declines-over-time" title={`${t(texts.declinesOverTime)} · ${label(charts.detail)}`} data={charts.declinesOverTime} />
            </ChartGrid>
          )}
        </Space>
      )}
    </div>
  );
}

function ChartGrid({ children }: { children: ReactNode }) {
  return <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))' }}>{children}</div>;
}

function AccountsTable({ accounts, manage, onChanged }: { accounts: ConsoleAccount[] | null; manage: boolean; onChanged(): void }) {
  const { api, locale, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [priorities, setPriorities] = useState<Record<string, number>>({});

  async function change(id: string, body: { enabled?: boolean; priority?: number }) {
    setBusy(id);
    setProblem(null);
    try {
      await api.post(`/v1/connector_accounts/${id}`, body);
      onChanged();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="accounts-heading">
      <h3 id="accounts-heading" style={{ margin: '8px 0' }}>
        {t(texts.accounts)}
      </h3>
      {!manage && <p style={{ color: '#595959' }}>{t(common.readOnly)}</p>}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <DataTable<ConsoleAccount>
        label={t(texts.accounts)}
        data-testid="accounts-table"
        rowKey="id"
        loading={accounts === null}
        dataSource={accounts ?? []}
        columns={[
          { title: 'ID', dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          { title: t(texts.connector), dataIndex: 'connector', render: (connector: string) => labelOf(methodNames, connector, locale) },
          {
            title: t(texts.enabled),
            dataIndex: 'enabled',
            render: (enabled: boolean, account) => (
              <Switch
                checked={enabled}
                disabled={!manage || busy === account.id}
                loading={busy === account.id}
                aria-label={`${t(texts.enabled)} ${account.id}`}
                data-testid={`account-enabled-${account.id}`}
                onChange={(next) => change(account.id, { enabled: next })}
              />
            ),
          },
          {
            title: t(texts.priority),
            dataIndex: 'priority',
            render: (priority: number, account) =>
              manage ? (
                <Space.Compact>
                  <InputNumber
                    min={0}
                    max={100}
                    precision={0}
                    style={{ width: 72 }}
                    aria-label={`${t(texts.priority)} ${account.id}`}
                    data-testid={`account-priority-${account.id}`}
                    value={priorities[account.id] ?? priority}
                    onChange={(value) => setPriorities((all) => ({ ...all, [account.id]: value ?? priority }))}
                  />
                  <Button
                    disabled={busy === account.id || (priorities[account.id] ?? priority) === priority}
                    data-testid={`account-priority-save-${account.id}`}
                    onClick={() => change(account.id, { priority: priorities[account.id] ?? priority })}
                  >
                    {t(texts.setPriority)}
                  </Button>
                </Space.Compact>
              ) : (
                priority
              ),
          },
          {
            title: t(texts.circuit),
            render: (_, account) => (
              <StatusTag tone={circuitTones[account.health.circuit]} testId={`account-circuit-${account.id}`}>
                {t(texts[account.health.circuit])}
              </StatusTag>
            ),
          },
          { title: t(texts.recentFailureRate), render: (_, account) => formatRate(recentFailureRate(account), locale) },
          { title: t(texts.recentAttempts), render: (_, account) => account.health.recent_attempts ?? '–' },
          {
            title: t(texts.incident),
            render: (_, account) =>
              account.open_incident ? (
                <StatusTag tone="bad">{`${t(texts.incidentSince)} ${formatDateTime(account.open_incident.started_at, merchant.timeZone, locale)}`}</StatusTag>
              ) : (
                t(texts.none)
              ),
          },
        ]}
      />
      <p style={{ color: '#595959', fontSize: 12 }}>{t(texts.processNote)}</p>
    </section>
  );
}
