/** One experiment's results per variant (GET /v1/experiments/:id/results), with the sample ratio mismatch warning first. */
import { Alert } from 'antd';
import { pick, useConsole, type Localized } from '../../context.ts';
import { formatDuration, formatMoney, formatRate } from '../../format.ts';
import { DataTable, LoadError, StatusTag } from '../analytics/parts.tsx';
import { useLoad } from '../analytics/use-load.ts';
import { texts } from './texts.ts';

interface Rate {
  count: number;
  rate: number | null;
  interval: { low: number; high: number } | null;
}

interface VariantResult {
  key: string;
  name: string;
  exposed_payers: number;
  conversion: Rate;
  cancellation: Rate;
  abandonment: Rate;
  time_to_pay_seconds: { mean: number | null };
  average_order_value: { currency: string; amount: number }[];
  conversion_vs_control: { difference: number; p_value: number; significant: boolean } | null;
}

interface Results {
  sample_sufficient: boolean;
  minimum_sample_per_variant: number;
  winner: string | null;
  sample_ratio_mismatch: boolean;
  variants: VariantResult[];
}

export function ExperimentResultsPanel({ id }: { id: string }) {
  const { api, locale, mode } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const results = useLoad(() => api.get<Results>(`/v1/experiments/${id}/results`), [mode, id]);
  const data = results.data;
  const rate = (value: Rate) => (value.interval ? `${formatRate(value.rate, locale)} (${formatRate(value.interval.low, locale)}–${formatRate(value.interval.high, locale)})` : formatRate(value.rate, locale));
  return (
    <section data-testid="experiment-results" style={{ marginTop: 16 }}>
      {results.error && <LoadError error={results.error} onRetry={results.reload} />}
      {data?.sample_ratio_mismatch && <Alert type="warning" showIcon title={t(texts.mismatch)} data-testid="experiment-mismatch" style={{ marginBottom: 8 }} />}
      {data && !data.sample_sufficient && (
        <Alert type="info" showIcon title={t(texts.collecting).replace('{n}', String(data.minimum_sample_per_variant))} data-testid="experiment-collecting" style={{ marginBottom: 8 }} />
      )}
      {data?.sample_sufficient && !data.winner && <Alert type="info" showIcon title={t(texts.noWinner)} style={{ marginBottom: 8 }} />}
      <DataTable<VariantResult>
        label={t(texts.results)}
        data-testid="experiment-results-table"
        rowKey="key"
        loading={results.loading}
        dataSource={data?.variants ?? []}
        columns={[
          {
            title: t(texts.variants),
            render: (_, row) => (
              <span>
                {row.name} {data?.winner === row.key && <StatusTag tone="good">{t(texts.winner)}</StatusTag>}
              </span>
            ),
          },
          { title: t(texts.exposed), render: (_, row) => <span data-testid={`experiment-exposed-${row.key}`}>{row.exposed_payers}</span> },
          { title: t(texts.conversion), render: (_, row) => rate(row.conversion) },
          { title: t(texts.cancellation), render: (_, row) => formatRate(row.cancellation.rate, locale) },
          { title: t(texts.abandonment), render: (_, row) => formatRate(row.abandonment.rate, locale) },
          { title: t(texts.timeToPay), render: (_, row) => (row.time_to_pay_seconds.mean === null ? '–' : formatDuration(row.time_to_pay_seconds.mean * 1000, locale)) },
          { title: t(texts.orderValue), render: (_, row) => row.average_order_value.map((value) => formatMoney(value.amount, value.currency, locale)).join(' · ') || '–' },
          {
            title: t(texts.versusControl),
            render: (_, row) =>
              row.conversion_vs_control
                ? `${row.conversion_vs_control.difference >= 0 ? '+' : ''}${formatRate(row.conversion_vs_control.difference, locale)} (p = ${row.conversion_vs_control.p_value.toFixed(3)})${row.conversion_vs_control.significant ? ` · ${t(texts.significant)}` : ''}`
                : '–',
          },
        ]}
      />
    </section>
  );
}
