/** Pieces the Risk page and a payment's risk share: a back-test's result in words, the rules that fired by name, and the signals. */
import { Alert, Tag, Typography } from 'antd';
import { useConsole } from '../../context.ts';
import { useTexts } from '../../i18n.ts';
import { useLoad } from '../analytics/use-load.ts';
import { riskTexts } from './texts.ts';
import { notableSignals, type Backtest, type RiskRule, type SignalValue } from './types.ts';

export function BacktestResult({ result, testId }: { result: Backtest; testId?: string }) {
  const r = useTexts(riskTexts);
  const vars = { days: result.days, decided: result.decided, refunded: result.decided_refunded, fraudulent: result.decided_fraudulent };
  return (
    <Alert
      type={result.decided > 0 ? 'warning' : 'info'}
      showIcon
      data-testid={testId}
      title={<span data-testid={testId ? `${testId}-summary` : undefined}>{r(`backtest_${result.action}`, vars)}</span>}
      description={r('backtestDetail', { evaluated: result.payments_evaluated, matched: result.matched, earlier: result.matched - result.decided, succeeded: result.decided_succeeded })}
      style={{ marginBottom: 12 }}
    />
  );
}

/** The merchant's rules by id, to name the rules a decision fired (an empty map for a role that may not read them). */
export function useRuleNames(): Map<string, string> {
  const { api, mode } = useConsole();
  const rules = useLoad(() => api.get<{ data: RiskRule[] }>('/v1/risk_rules').catch(() => ({ data: [] as RiskRule[] })), [mode]);
  return new Map((rules.data?.data ?? []).map((rule) => [rule.id, rule.name]));
}

export function RulesFired({ ids, names }: { ids: readonly string[]; names: ReadonlyMap<string, string> }) {
  const r = useTexts(riskTexts);
  if (ids.length === 0) return <>–</>;
  return (
    <>
      {ids.map((id) => (
        <Tag key={id} title={id}>
          {id === 'blocklist' ? r('blocklistRule') : (names.get(id) ?? id)}
        </Tag>
      ))}
    </>
  );
}

function signalText(value: SignalValue): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The notable signals at a glance, and every signal behind a disclosure (a native one: keyboards and screen readers know it). */
export function Signals({ signals, max = 4 }: { signals: Record<string, SignalValue> | null; max?: number }) {
  const r = useTexts(riskTexts);
  if (!signals) return <>–</>;
  const notable = notableSignals(signals, max);
  const all = Object.entries(signals).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div style={{ whiteSpace: 'normal', minWidth: 220 }}>
      {notable.map(([name, value]) => (
        <Tag key={name} className="console-mono">
          {value === true ? name : `${name}=${signalText(value)}`}
        </Tag>
      ))}
      <details>
        <summary style={{ cursor: 'pointer' }}>{r('allSignals', { count: all.length })}</summary>
        <dl style={{ display: 'grid', gridTemplateColumns: 'auto auto', columnGap: 12, margin: '4px 0 0', fontSize: 12 }}>
          {all.map(([name, value]) => (
            <div key={name} style={{ display: 'contents' }}>
              <dt className="console-mono">{name}</dt>
              <dd style={{ margin: 0 }} className="console-mono">
                {signalText(value)}
              </dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}

export function ScoreText({ score }: { score: number | null }) {
  const r = useTexts(riskTexts);
  return score === null ? <Typography.Text type="secondary">{r('noScore')}</Typography.Text> : <strong>{score}</strong>;
}
