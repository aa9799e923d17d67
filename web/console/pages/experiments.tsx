/**
 * Checkout experiments: the merchant's experiments with their variants and
 * status, a dialog to create one (a control and one variant over the
 * presentation's fields; the API takes up to five), start and stop (which
 * may make a variant the checkout setting), and each experiment's results
 * per variant with the sample ratio mismatch warning. Owners and admins
 * change them (the server checks: experiments.manage); operators and
 * analysts read.
 */
import { Alert, Button, Form, Input, InputNumber, Modal, Select, Switch } from 'antd';
import { useState } from 'react';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime } from '../format.ts';
import { DataTable, LoadError, PageHeading, StatusTag } from './analytics/parts.tsx';
import { common, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';
import { ExperimentResultsPanel } from './experiments/results-panel.tsx';
import { optionTexts, texts } from './experiments/texts.ts';

export interface ExperimentRow {
  id: string;
  name: string;
  status: 'draft' | 'running' | 'stopped';
  control_variant: string;
  variants: { key: string; name: string; share: number; presentation: Record<string, unknown> }[];
  started_at: string | null;
  promoted_variant: string | null;
}

export default function ExperimentsPage() {
  const { api, locale, mode, merchant, can } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const experiments = useLoad(() => api.get<{ data: ExperimentRow[] }>('/v1/experiments', { limit: 100 }), [mode]);
  const [creating, setCreating] = useState(false);
  const [stopping, setStopping] = useState<ExperimentRow | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const manage = can('experiments.manage');

  async function act(run: () => Promise<unknown>) {
    setProblem(null);
    try {
      await run();
      experiments.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  const statusTag = (row: ExperimentRow) => (
    <StatusTag tone={row.status === 'running' ? 'good' : 'neutral'} testId={`experiment-status-${row.id}`}>
      {t(texts[row.status])}
    </StatusTag>
  );
  return (
    <>
      <PageHeading title={t(texts.title)}>
        {manage && (
          <Button type="primary" onClick={() => setCreating(true)} data-testid="experiment-new">
            {t(texts.newExperiment)}
          </Button>
        )}
      </PageHeading>
      {!manage && <p style={{ color: '#595959' }}>{t(common.readOnly)}</p>}
      {experiments.error && <LoadError error={experiments.error} onRetry={experiments.reload} />}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <DataTable<ExperimentRow>
        label={t(texts.title)}
        data-testid="experiments-table"
        rowKey="id"
        loading={experiments.loading}
        dataSource={experiments.data?.data ?? []}
        columns={[
          { title: t(texts.name), render: (_, row) => row.name },
          { title: t(common.status), render: (_, row) => statusTag(row) },
          { title: t(texts.variants), render: (_, row) => row.variants.map((variant) => `${variant.name} ${Math.round(variant.share * 100)}%`).join(' · ') },
          { title: t(texts.started), render: (_, row) => (row.started_at ? formatDateTime(row.started_at, merchant.timeZone, locale) : '–') },
          { title: t(texts.promoted), render: (_, row) => row.promoted_variant ?? '–' },
          {
            title: t(common.actions),
            render: (_, row) => (
              <span style={{ display: 'flex', gap: 8 }}>
                <Button size="small" onClick={() => setShown(shown === row.id ? null : row.id)} data-testid={`experiment-results-${row.id}`}>
                  {t(texts.results)}
                </Button>
                {manage && row.status === 'draft' && (
                  <Button size="small" onClick={() => act(() => api.post(`/v1/experiments/${row.id}/start`, {}))} data-testid={`experiment-start-${row.id}`}>
                    {t(texts.start)}
                  </Button>
                )}
                {manage && row.status === 'running' && (
                  <Button size="small" danger onClick={() => setStopping(row)} data-testid={`experiment-stop-${row.id}`}>
                    {t(texts.stop)}
                  </Button>
                )}
              </span>
            ),
          },
        ]}
      />
      {shown && <ExperimentResultsPanel id={shown} />}
      {creating && (
        <ExperimentDialog
          onClose={(saved) => {
            setCreating(false);
            if (saved) experiments.reload();
          }}
        />
      )}
      {stopping && (
        <StopDialog
          experiment={stopping}
          onClose={() => setStopping(null)}
          onStop={(promote) => {
            setStopping(null);
            void act(() => api.post(`/v1/experiments/${stopping.id}/stop`, promote ? { promote } : {}));
          }}
        />
      )}
    </>
  );
}

function StopDialog({ experiment, onClose, onStop }: { experiment: ExperimentRow; onClose(): void; onStop(promote: string | null): void }) {
  const { locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [promote, setPromote] = useState<string>('');
  const options = [{ value: '', label: t(texts.promoteNone) }, { value: 'winner', label: t(texts.promoteWinner) }, ...experiment.variants.map((variant) => ({ value: variant.key, label: variant.name }))];
  return (
    <Modal open title={`${t(texts.stop)}: ${experiment.name}`} okText={t(texts.stop)} cancelText={t(common.cancel)} onOk={() => onStop(promote || null)} onCancel={onClose} destroyOnHidden>
      <Form layout="vertical">
        <Form.Item label={t(texts.stopPromote)}>
          <Select value={promote} onChange={setPromote} options={options} data-testid="experiment-promote" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface ExperimentForm {
  name: string;
  variant_name: string;
  share_percent: number;
  minimum_sample_per_variant: number;
  pay_button_label?: string;
  coupon_field?: string;
  card_form?: string;
  preselected_method?: string;
  wallet_first: boolean;
}

function ExperimentDialog({ onClose }: { onClose(saved: boolean): void }) {
  const { api, locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [form] = Form.useForm<ExperimentForm>();
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    const presentation = {
      ...(values.pay_button_label ? { pay_button_label: values.pay_button_label } : {}),
      ...(values.coupon_field ? { coupon_field: values.coupon_field } : {}),
      ...(values.card_form ? { card_form: values.card_form } : {}),
      ...(values.preselected_method ? { preselected_method: values.preselected_method } : {}),
      ...(values.wallet_first ? { wallet_first: true } : {}),
    };
    const share = values.share_percent / 100;
    try {
      await api.post('/v1/experiments', {
        name: values.name,
        minimum_sample_per_variant: values.minimum_sample_per_variant,
        variants: [
          { key: 'control', name: 'Control', share: Math.round((1 - share) * 10_000) / 10_000 },
          { key: 'variant', name: values.variant_name, share, presentation },
        ],
      });
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  const choose = (values: readonly (keyof typeof optionTexts)[]) => [{ value: '', label: t(texts.unchanged) }, ...values.map((value) => ({ value, label: t(optionTexts[value]) }))];
  const methods = [{ value: '', label: t(texts.unchanged) }, ...(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const).map((value) => ({ value, label: labelOf(methodNames, value, locale) }))];
  return (
    <Modal open title={t(texts.newExperiment)} okText={t(common.save)} cancelText={t(common.cancel)} confirmLoading={saving} onOk={save} onCancel={() => onClose(false)} destroyOnHidden>
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" data-testid="experiment-form" initialValues={{ variant_name: 'Variant', share_percent: 50, minimum_sample_per_variant: 200, pay_button_label: '', coupon_field: '', card_form: '', preselected_method: '', wallet_first: false }}>
        <Form.Item name="name" label={t(texts.name)} rules={[{ required: true, max: 200 }]}>
          <Input data-testid="experiment-name" />
        </Form.Item>
        <Form.Item name="variant_name" label={t(texts.variants)} rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="share_percent" label={t(texts.treatmentShare)} rules={[{ required: true }]}>
          <InputNumber min={1} max={99} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="minimum_sample_per_variant" label={t(texts.minimumSample)} rules={[{ required: true }]}>
          <InputNumber min={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="pay_button_label" label={t(texts.payButton)}>
          <Select options={choose(['pay', 'pay_now', 'pay_securely', 'complete_purchase'])} data-testid="experiment-pay-button" />
        </Form.Item>
        <Form.Item name="coupon_field" label={t(texts.couponField)}>
          <Select options={choose(['folded', 'open'])} />
        </Form.Item>
        <Form.Item name="card_form" label={t(texts.cardForm)}>
          <Select options={choose(['one_page', 'two_step'])} />
        </Form.Item>
        <Form.Item name="preselected_method" label={t(texts.preselected)}>
          <Select options={methods} />
        </Form.Item>
        <Form.Item name="wallet_first" label={t(texts.walletFirst)} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
