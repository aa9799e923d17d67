/**
 * The blocklist: entries newest first (filtered by kind, more loaded with the
 * list's cursor), adding one (an address is sent as its parts and kept by the
 * server as a keyed hash) and removing one after a confirmation. Fraud
 * handlers only (fraud.manage; the server checks): other readers see the list.
 */
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useConsole } from '../../context.ts';
import { useT, useTexts } from '../../i18n.ts';
import { ConsoleLink, useFormats } from '../../page-kit.tsx';
import { DataTable, LoadError } from '../analytics/parts.tsx';
import { useLoad } from '../analytics/use-load.ts';
import { riskTexts } from './texts.ts';
import { blocklistKinds, type BlocklistEntry, type BlocklistKind } from './types.ts';

const pageSize = 50;

export function BlocklistPanel() {
  const { api, mode, can } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const f = useFormats();
  const { message } = App.useApp();
  const manage = can('fraud.manage');
  const [kind, setKind] = useState<BlocklistKind | ''>('');
  // Pages loaded so far: the first, then one more per "load more", each after the last id of the one before.
  const [pages, setPages] = useState(1);
  const entries = useLoad(async () => {
    const rows: BlocklistEntry[] = [];
    let hasMore = true;
    for (let page = 0; page < pages && hasMore; page += 1) {
      const answer = await api.get<{ data: BlocklistEntry[]; has_more: boolean }>('/v1/blocklists', { limit: pageSize, kind: kind || undefined, starting_after: rows.at(-1)?.id });
      rows.push(...answer.data);
      hasMore = answer.has_more;
    }
    return { rows, hasMore };
  }, [mode, kind, pages]);
  const [adding, setAdding] = useState(false);

  async function remove(entry: BlocklistEntry) {
    try {
      await api.delete(`/v1/blocklists/${encodeURIComponent(entry.id)}`);
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
    entries.reload();
  }

  return (
    <div data-testid="risk-blocklist">
      <Typography.Paragraph type="secondary">{r('blocklistHelp')}</Typography.Paragraph>
      {!manage && <Typography.Paragraph type="secondary">{r('readOnly')}</Typography.Paragraph>}
      <Space wrap style={{ marginBottom: 8 }}>
        <Select
          aria-label={r('kind')}
          style={{ minWidth: 180 }}
          value={kind}
          onChange={(next: BlocklistKind | '') => {
            setKind(next);
            setPages(1);
          }}
          options={[{ value: '', label: r('allKinds') }, ...blocklistKinds.map((value) => ({ value, label: r(`kind_${value}`) }))]}
          data-testid="blocklist-kind-filter"
        />
        {manage && (
          <Button type="primary" onClick={() => setAdding(true)} data-testid="blocklist-add">
            {r('addEntry')}
          </Button>
        )}
      </Space>
      {entries.error && <LoadError error={entries.error} onRetry={entries.reload} />}
      <DataTable<BlocklistEntry>
        label={r('blocklist')}
        data-testid="blocklist-table"
        rowKey="id"
        loading={entries.loading}
        dataSource={entries.data?.rows ?? []}
        emptyText={r('noEntries')}
        columns={[
          { title: r('kind'), render: (_, entry) => r(`kind_${entry.kind}`) },
          {
            title: r('value'),
            render: (_, entry) => (
              <span className="console-mono" data-testid={`blocklist-value-${entry.value}`} style={{ wordBreak: 'break-all', whiteSpace: 'normal' }}>
                {entry.value}
              </span>
            ),
          },
          { title: r('reason'), render: (_, entry) => entry.reason ?? '–' },
          { title: r('sourcePayment'), render: (_, entry) => (entry.source_payment ? <ConsoleLink page="payments" id={entry.source_payment}>{entry.source_payment}</ConsoleLink> : '–') },
          { title: r('added'), render: (_, entry) => f.time(entry.created_at) },
          ...(manage
            ? [
                {
                  title: t('actions'),
                  render: (_: unknown, entry: BlocklistEntry) => (
                    <Popconfirm title={r('removeEntryConfirm')} okText={r('removeEntry')} cancelText={t('cancel')} onConfirm={() => remove(entry)}>
                      <Button size="small" danger data-testid={`blocklist-remove-${entry.value}`}>
                        {r('removeEntry')}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      {entries.data?.hasMore && (
        <Button onClick={() => setPages(pages + 1)} data-testid="blocklist-more">
          {r('more')}
        </Button>
      )}
      {adding && (
        <AddEntryDialog
          onClose={(added) => {
            setAdding(false);
            if (added) entries.reload();
          }}
        />
      )}
    </div>
  );
}

interface EntryForm {
  kind: BlocklistKind;
  value?: string;
  line1?: string;
  line2?: string;
  city?: string;
  postal_code?: string;
  country?: string;
  reason?: string;
}

function AddEntryDialog({ onClose }: { onClose(added: boolean): void }) {
  const { api } = useConsole();
  const r = useTexts(riskTexts);
  const t = useT();
  const [form] = Form.useForm<EntryForm>();
  const kind = Form.useWatch('kind', form) ?? 'email';
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const required = [{ required: true, message: r('required') }];

  async function save() {
    const values = await form.validateFields();
    setSaving(true);
    setProblem(null);
    const optional = (text: string | undefined) => (text ? text.trim() : undefined);
    try {
      await api.post('/v1/blocklists', {
        kind: values.kind,
        ...(values.kind === 'address'
          ? { address: { line1: values.line1, line2: optional(values.line2), city: optional(values.city), postal_code: optional(values.postal_code), country: optional(values.country)?.toUpperCase() } }
          : { value: values.value?.trim() }),
        ...(values.reason ? { reason: values.reason } : {}),
      });
      onClose(true);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      open
      title={r('addEntry')}
      okText={r('add')}
      cancelText={t('cancel')}
      confirmLoading={saving}
      okButtonProps={{ ...({ 'data-testid': 'blocklist-save' } as Record<`data-${string}`, string>) }}
      onOk={save}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" initialValues={{ kind: 'email' }} data-testid="blocklist-form">
        <Form.Item name="kind" label={r('kind')}>
          <Select options={blocklistKinds.map((value) => ({ value, label: r(`kind_${value}`) }))} data-testid="blocklist-kind" />
        </Form.Item>
        {kind === 'address' ? (
          <>
            <Form.Item name="line1" label={r('line1')} rules={required}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="line2" label={r('line2')}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="city" label={r('city')}>
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item name="postal_code" label={r('postalCode')}>
              <Input maxLength={20} />
            </Form.Item>
            <Form.Item name="country" label={r('country')} rules={[{ pattern: /^[A-Za-z]{2}$/, message: r('country') }]}>
              <Input maxLength={2} />
            </Form.Item>
          </>
        ) : (
          <Form.Item name="value" label={r('value')} rules={required}>
            <Input maxLength={320} data-testid="blocklist-value" />
          </Form.Item>
        )}
        <Form.Item name="reason" label={r('reason')}>
          <Input maxLength={500} data-testid="blocklist-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
