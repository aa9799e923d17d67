/**
 * A payment's risk on its page (GET /v1/payments/:id/risk): the decision,
 * the model's score, the rules that fired and the signals, whether a
 * challenge was passed and whether the payment was marked fraudulent; and,
 * for fraud handlers (fraud.manage; the server checks), marking it
 * fraudulent with what of it to blocklist.
 */
import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Modal, Tag } from 'antd';
import { useState } from 'react';
import { useConsole } from '../../context.ts';
import { useT, useTexts } from '../../i18n.ts';
import { useFormats } from '../../page-kit.tsx';
import { useLoad } from '../analytics/use-load.ts';
import { RulesFired, ScoreText, Signals, useRuleNames } from './parts.tsx';
import { riskTexts } from './texts.ts';
import type { PaymentRisk } from './types.ts';

const blockable = ['card', 'email', 'phone', 'device', 'address', 'customer'] as const;
type Blockable = (typeof blockable)[number];
const decisionColors = { allow: '#237804', challenge: '#874d00', review: '#874d00', block: '#a8071a' } as const;

export function PaymentRiskCard({ paymentId }: { paymentId: string }) {
  const { api, mode, can } = useConsole();
  const r = useTexts(riskTexts);
  const f = useFormats();
  const names = useRuleNames();
  const risk = useLoad(() => api.get<PaymentRisk>(`/v1/payments/${encodeURIComponent(paymentId)}/risk`), [paymentId, mode]);
  const [marking, setMarking] = useState(false);
  const data = risk.data;
  if (risk.error) return <Alert type="error" showIcon title={risk.error.message} style={{ marginBottom: 16 }} />;
  if (!data) return null;
  const markButton =
    can('fraud.manage') && !data.fraudulent ? (
      <Button size="small" danger onClick={() => setMarking(true)} data-testid="payment-mark-fraud">
        {r('markFraud')}
      </Button>
    ) : null;
  return (
    <Card size="small" title={r('risk')} extra={markButton} style={{ marginBottom: 16 }} data-testid="payment-risk">
      {data.fraudulent && (
        <Tag color="#a8071a" data-testid="payment-fraudulent" style={{ marginBottom: 8 }}>
          {r('fraudulent')}
        </Tag>
      )}
      {data.decision === null ? (
        <p data-testid="payment-risk-none">{r('noDecision')}</p>
      ) : (
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
          <Descriptions.Item label={r('decision')}>
            <Tag color={decisionColors[data.decision]} data-testid="payment-risk-decision">
              {r(`decision_${data.decision}`)}
            </Tag>
            {data.challenge_passed && r('challengePassed')}
          </Descriptions.Item>
          <Descriptions.Item label={r('score')}>
            <ScoreText score={data.score} />
          </Descriptions.Item>
          <Descriptions.Item label={r('decided')}>{f.time(data.decided_at)}</Descriptions.Item>
          <Descriptions.Item label={r('rulesFired')}>
            <span data-testid="payment-risk-rules">
              <RulesFired ids={data.rules_fired} names={names} />
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={r('signals')}>
            <Signals signals={data.signals} max={6} />
          </Descriptions.Item>
        </Descriptions>
      )}
      {marking && (
        <MarkFraudDialog
          paymentId={paymentId}
          onClose={(marked) => {
            setMarking(false);
            if (marked) risk.reload();
          }}
        />
      )}
    </Card>
  );
}

function MarkFraudDialog({ paymentId, onClose }: { paymentId: string; onClose(marked: boolean): void }) {
  const { api } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ block: Blockable[]; note?: string }>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Modal
      open
      title={r('markFraud')}
      okText={r('markFraud')}
      okButtonProps={{ danger: true, ...({ 'data-testid': 'payment-mark-fraud-confirm' } as Record<`data-${string}`, string>) }}
      cancelText={t('cancel')}
      confirmLoading={saving}
      onCancel={() => onClose(false)}
      onOk={async () => {
        const values = await form.validateFields();
        setSaving(true);
        setProblem(null);
        try {
          const answer = await api.post<{ blocklisted: unknown[] }>(`/v1/payments/${encodeURIComponent(paymentId)}/fraud`, { block: values.block, ...(values.note ? { note: values.note } : {}) });
          void message.success(r('markedFraud', { count: answer.blocklisted.length }));
          onClose(true);
        } catch (error) {
          setProblem(error instanceof Error ? error.message : String(error));
        } finally {
          setSaving(false);
        }
      }}
      destroyOnHidden
    >
      <p>{r('markFraudHelp')}</p>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={{ block: ['card', 'email', 'device'] }}>
        <Form.Item name="block" label={r('blocklist')}>
          <Checkbox.Group options={blockable.map((value) => ({ value, label: r(`block_${value}`) }))} />
        </Form.Item>
        <Form.Item name="note" label={r('note')}>
          <Input.TextArea maxLength={500} rows={3} data-testid="payment-mark-fraud-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
