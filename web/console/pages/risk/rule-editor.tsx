/**
 * A rule's editor: name, expression and action. The server parses and
 * type-checks the expression (there is no second parser in the browser to
 * disagree with it): its error is shown under the field with the character
 * it names marked, and the caret put there. A back-test of what is typed can
 * be run before saving. A new rule is saved switched off; switching it on
 * (the rules list) shows its back-test first.
 */
import { Alert, Button, Form, Input, Modal, Select, Typography } from 'antd';
import { useId, useRef, useState } from 'react';
import { ConsoleApiError, useConsole } from '../../context.ts';
import { useT, useTexts } from '../../i18n.ts';
import { useLoad } from '../analytics/use-load.ts';
import { BacktestResult } from './parts.tsx';
import { riskTexts } from './texts.ts';
import { riskActions, splitAtPosition, type Backtest, type RiskAction, type RiskRule } from './types.ts';

interface RuleForm {
  name: string;
  expression: string;
  action: RiskAction;
}

/** An expression the server refused, with the character it named. */
interface ExpressionProblem {
  expression: string;
  position: number | null;
  message: string;
}

function expressionProblemOf(error: unknown, expression: string): ExpressionProblem | null {
  if (!(error instanceof ConsoleApiError) || error.code !== 'risk_rule_invalid') return null;
  const position = error.envelope.position;
  const message = typeof error.envelope.message === 'string' ? error.envelope.message : error.message;
  return { expression, position: typeof position === 'number' ? position : null, message };
}

export function RuleEditor({ rule, onClose }: { rule: RiskRule | null; onClose(saved: boolean): void }) {
  const { api } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const [form] = Form.useForm<RuleForm>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [expressionProblem, setExpressionProblem] = useState<ExpressionProblem | null>(null);
  const [backtest, setBacktest] = useState<Backtest | null>(null);
  const [testing, setTesting] = useState(false);
  const expressionField = useRef<HTMLTextAreaElement | null>(null);
  const errorId = useId();
  const signals = useLoad(() => api.get<{ data: { name: string; type: 'number' | 'boolean' | 'string' }[] }>('/v1/risk_rules/signals'), []);

  /** Shows a refusal: an expression's at its character (the caret put there), anything else above the form. */
  function showError(error: unknown, expression: string) {
    const found = expressionProblemOf(error, expression);
    if (!found) {
      setProblem(error instanceof Error ? error.message : String(error));
      return;
    }
    setExpressionProblem(found);
    const field = expressionField.current;
    if (field && found.position !== null) {
      field.focus();
      field.setSelectionRange(found.position, Math.min(found.position + 1, expression.length));
    }
  }

  async function runBacktest() {
    const values = await form.validateFields(['expression', 'action']);
    setProblem(null);
    setExpressionProblem(null);
    setBacktest(null);
    setTesting(true);
    try {
      const body = rule ? { expression: values.expression, action: values.action, position: rule.position } : { expression: values.expression, action: values.action };
      setBacktest(await api.post<Backtest>('/v1/risk_rules/backtest', body));
    } catch (error) {
      showError(error, values.expression);
    } finally {
      setTesting(false);
    }
  }

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    setExpressionProblem(null);
    try {
      if (rule) await api.post(`/v1/risk_rules/${encodeURIComponent(rule.id)}`, { name: values.name, expression: values.expression, action: values.action });
      else await api.post('/v1/risk_rules', { name: values.name, expression: values.expression, action: values.action, enabled: false });
      onClose(true);
    } catch (error) {
      showError(error, values.expression);
    } finally {
      setSaving(false);
    }
  }

  const marked = expressionProblem && expressionProblem.position !== null ? splitAtPosition(expressionProblem.expression, expressionProblem.position) : null;
  return (
    <Modal
      open
      title={rule ? r('editRule') : r('newRule')}
      okText={t('save')}
      cancelText={t('cancel')}
      confirmLoading={saving}
      okButtonProps={{ ...({ 'data-testid': 'rule-save' } as Record<`data-${string}`, string>) }}
      onOk={save}
      onCancel={() => onClose(false)}
      destroyOnHidden
      width={640}
    >
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={rule ? { name: rule.name, expression: rule.expression, action: rule.action } : { action: 'review' }} data-testid="rule-form">
        <Form.Item name="name" label={r('name')} rules={[{ required: true, message: r('required') }]}>
          <Input maxLength={200} data-testid="rule-name" />
        </Form.Item>
        <Form.Item
          name="expression"
          label={r('expression')}
          extra={r('expressionHelp')}
          rules={[{ required: true, message: r('required') }]}
          validateStatus={expressionProblem ? 'error' : undefined}
        >
          <Input.TextArea
            ref={(element) => {
              expressionField.current = element?.resizableTextArea?.textArea ?? null;
            }}
            rows={3}
            maxLength={1000}
            spellCheck={false}
            className="console-mono"
            aria-invalid={expressionProblem ? true : undefined}
            aria-describedby={expressionProblem ? errorId : undefined}
            onChange={() => {
              setBacktest(null);
            }}
            data-testid="rule-expression"
          />
        </Form.Item>
        {expressionProblem && (
          <div id={errorId} role="alert" data-testid="rule-expression-error" style={{ margin: '-12px 0 16px' }}>
            {marked && (
              <pre className="console-mono" style={{ margin: '0 0 4px', padding: 8, background: '#fff1f0', border: '1px solid #ffccc7', borderRadius: 4, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {marked.before}
                <mark data-testid="rule-expression-error-mark" style={{ background: '#a8071a', color: '#fff', padding: '0 1px' }}>
                  {marked.at}
                </mark>
                {marked.after}
              </pre>
            )}
            <Typography.Text type="danger">
              {expressionProblem.position !== null && <strong>{r('expressionError', { position: expressionProblem.position })}: </strong>}
              {expressionProblem.message}
            </Typography.Text>
          </div>
        )}
        <Form.Item name="action" label={r('action')}>
          <Select options={riskActions.map((action) => ({ value: action, label: r(`action_${action}`) }))} data-testid="rule-action" />
        </Form.Item>
      </Form>
      <div style={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 8 }}>
        <Button onClick={() => void runBacktest()} loading={testing} data-testid="rule-backtest">
          {r('backtest')}
        </Button>
        {testing && <Typography.Text type="secondary">{r('backtestRunning')}</Typography.Text>}
        {backtest && <BacktestResult result={backtest} testId="rule-backtest-result" />}
        {signals.data && (
          <details>
            <summary style={{ cursor: 'pointer' }}>{r('signalList')}</summary>
            <ul style={{ columns: '2 200px', margin: '4px 0 0', paddingLeft: 18, fontSize: 12 }}>
              {signals.data.data.map((signal) => (
                <li key={signal.name}>
                  <span className="console-mono">{signal.name}</span> <Typography.Text type="secondary">({r(`signalType_${signal.type}`)})</Typography.Text>
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </Modal>
  );
}
