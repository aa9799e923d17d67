/**
 * The merchant's rules in the order they are checked: each with its action
 * and whether it is on; moving one up or down (POST /v1/risk_rules/order
 * with every id), editing, deleting, and switching on after its back-test
 * (what it would have done over the last 30 days at its place) has been
 * seen. Rule writers only (risk_rules.manage; the server checks): others
 * read the list.
 */
import { App, Button, Modal, Popconfirm, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useConsole } from '../../context.ts';
import { useT, useTexts } from '../../i18n.ts';
import { DataTable, LoadError, StatusTag } from '../analytics/parts.tsx';
import { useLoad } from '../analytics/use-load.ts';
import { BacktestResult } from './parts.tsx';
import { RuleEditor } from './rule-editor.tsx';
import { riskTexts } from './texts.ts';
import { movedOrder, type Backtest, type RiskRule } from './types.ts';

const actionTones = { allow: 'good', challenge: 'warning', review: 'warning', block: 'bad' } as const;

export function RulesPanel() {
  const { api, mode, can } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const { message, modal } = App.useApp();
  const manage = can('risk_rules.manage');
  const rules = useLoad(() => api.get<{ data: RiskRule[] }>('/v1/risk_rules'), [mode]);
  const [editing, setEditing] = useState<RiskRule | 'new' | null>(null);
  const [switchingOn, setSwitchingOn] = useState<RiskRule | null>(null);
  const [busy, setBusy] = useState(false);
  const list = rules.data?.data ?? [];

  async function act(run: () => Promise<unknown>) {
    setBusy(true);
    try {
      await run();
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
      rules.reload();
    }
  }

  const move = (rule: RiskRule, step: -1 | 1) => act(() => api.post('/v1/risk_rules/order', { rules: movedOrder(list, rule.id, step) }));
  const switchOff = (rule: RiskRule) =>
    modal.confirm({
      title: r('switchOffTitle', { name: rule.name }),
      okText: r('switchOff'),
      cancelText: t('cancel'),
      onOk: () => act(() => api.post(`/v1/risk_rules/${encodeURIComponent(rule.id)}`, { enabled: false })),
    });

  return (
    <div data-testid="risk-rules">
      <Typography.Paragraph type="secondary">{r('rulesHelp')}</Typography.Paragraph>
      {!manage && <Typography.Paragraph type="secondary">{r('readOnly')}</Typography.Paragraph>}
      {manage && (
        <Button type="primary" onClick={() => setEditing('new')} data-testid="rule-new" style={{ marginBottom: 8 }}>
          {r('newRule')}
        </Button>
      )}
      {rules.error && <LoadError error={rules.error} onRetry={rules.reload} />}
      <DataTable<RiskRule>
        label={r('rules')}
        data-testid="rules-table"
        rowKey="id"
        loading={rules.loading}
        dataSource={list}
        emptyText={r('noRules')}
        columns={[
          { title: r('order'), render: (_, rule) => list.indexOf(rule) + 1 },
          { title: r('name'), render: (_, rule) => <span data-testid={`rule-row-${rule.name}`}>{rule.name}</span> },
          {
            title: r('expression'),
            render: (_, rule) => (
              <code className="console-mono" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', display: 'inline-block', maxWidth: 360 }}>
                {rule.expression}
              </code>
            ),
          },
          { title: r('action'), render: (_, rule) => <StatusTag tone={actionTones[rule.action]}>{r(`action_${rule.action}`)}</StatusTag> },
          {
            title: r('enabled'),
            render: (_, rule) =>
              manage ? (
                <Switch
                  checked={rule.enabled}
                  disabled={busy}
                  aria-label={r('switchRule', { name: rule.name })}
                  onChange={(on) => (on ? setSwitchingOn(rule) : switchOff(rule))}
                  data-testid={`rule-enabled-${rule.name}`}
                />
              ) : (
                <span data-testid={`rule-enabled-${rule.name}`}>{rule.enabled ? t('yes') : t('no')}</span>
              ),
          },
          ...(manage
            ? [
                {
                  title: t('actions'),
                  render: (_: unknown, rule: RiskRule) => {
                    const index = list.indexOf(rule);
                    return (
                      <Space wrap>
                        <Button size="small" disabled={busy || index === 0} onClick={() => void move(rule, -1)} aria-label={r('moveUp', { name: rule.name })} data-testid={`rule-up-${rule.name}`}>
                          ↑
                        </Button>
                        <Button size="small" disabled={busy || index === list.length - 1} onClick={() => void move(rule, 1)} aria-label={r('moveDown', { name: rule.name })} data-testid={`rule-down-${rule.name}`}>
                          ↓
                        </Button>
                        <Button size="small" onClick={() => setEditing(rule)} data-testid={`rule-edit-${rule.name}`}>
                          {r('edit')}
                        </Button>
                        <Popconfirm title={r('removeRuleConfirm', { name: rule.name })} okText={r('remove')} cancelText={t('cancel')} onConfirm={() => act(() => api.delete(`/v1/risk_rules/${encodeURIComponent(rule.id)}`))}>
                          <Button size="small" danger data-testid={`rule-delete-${rule.name}`}>
                            {r('remove')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    );
                  },
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <RuleEditor
          rule={editing === 'new' ? null : editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) {
              void message.success(r('ruleSaved'));
              rules.reload();
            }
          }}
        />
      )}
      {switchingOn && (
        <SwitchOnDialog
          rule={switchingOn}
          onClose={(switched) => {
            setSwitchingOn(null);
            if (switched) rules.reload();
          }}
        />
      )}
    </div>
  );
}

/** Switching a rule on: its back-test at its place first, then the member confirms. */
function SwitchOnDialog({ rule, onClose }: { rule: RiskRule; onClose(switched: boolean): void }) {
  const { api } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const backtest = useLoad(() => api.post<Backtest>(`/v1/risk_rules/${encodeURIComponent(rule.id)}/backtest`, {}), [rule.id]);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Modal
      open
      title={r('switchOnTitle', { name: rule.name })}
      okText={r('switchOn')}
      cancelText={t('cancel')}
      confirmLoading={saving}
      okButtonProps={{ disabled: !backtest.data, ...({ 'data-testid': 'rule-switch-on' } as Record<`data-${string}`, string>) }}
      onCancel={() => onClose(false)}
      onOk={async () => {
        setSaving(true);
        setProblem(null);
        try {
          await api.post(`/v1/risk_rules/${encodeURIComponent(rule.id)}`, { enabled: true });
          onClose(true);
        } catch (error) {
          setProblem(error instanceof Error ? error.message : String(error));
        } finally {
          setSaving(false);
        }
      }}
    >
      <p>
        <code className="console-mono">{rule.expression}</code> → {r(`action_${rule.action}`)}
      </p>
      {problem && <Typography.Text type="danger">{problem}</Typography.Text>}
      {backtest.loading && <Typography.Text type="secondary">{r('backtestRunning')}</Typography.Text>}
      {backtest.error && <LoadError error={backtest.error} onRetry={backtest.reload} />}
      {backtest.data && <BacktestResult result={backtest.data} testId="switch-on-backtest" />}
    </Modal>
  );
}
