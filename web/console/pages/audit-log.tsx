/**
 * The audit trail: who did what to which object, from where, with the values
 * before and after (never secrets), newest first; filters, keyset pages and
 * the same filter as CSV. The trail is append-only and hash-chained on the
 * server (`npx paypilot audit verify`).
 */
import { useState } from 'react';
import { App, Button, Col, DatePicker, Form, Input, Row, Select, Space } from 'antd';
import type { Dayjs } from 'dayjs';
import { useConsole, type QueryValue } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { KeysetPager, LoadError, PageTitle, useFormats, useKeysetList, ConsoleTable } from '../page-kit.tsx';

interface AuditEntry {
  id: string;
  seq: number;
  occurred_at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  object_type: string;
  object_id: string | null;
  address: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
}

const texts = {
  title: l('Audit log', '审计日志', '稽核日誌'),
  when: l('When', '时间', '時間'),
  actor: l('Who', '操作者', '操作者'),
  actorId: l('Actor ID (member or key)', '操作者 ID（成员或密钥）', '操作者 ID（成員或金鑰）'),
  actorType: l('Actor type', '操作者类型', '操作者類型'),
  action: l('Action', '操作', '操作'),
  actionHelp: l('Exact, or a prefix ending in a dot: payment.', '完整名称，或以点结尾的前缀：payment.', '完整名稱，或以點結尾的前綴：payment.'),
  object: l('Object', '对象', '對象'),
  objectType: l('Object type', '对象类型', '對象類型'),
  objectId: l('Object ID', '对象 ID', '對象 ID'),
  address: l('Address', '地址', '位址'),
  range: l('Date range', '日期范围', '日期範圍'),
  before: l('Before', '变更前', '變更前'),
  after: l('After', '变更后', '變更後'),
  member: l('Member', '成员', '成員'),
  apiKey: l('API key', 'API 密钥', 'API 金鑰'),
  system: l('System', '系统', '系統'),
  anonymous: l('Anonymous', '匿名', '匿名'),
} satisfies Record<string, Record<string, string>>;

interface Filters {
  actor?: string;
  actor_type?: string;
  action?: string;
  object_type?: string;
  object_id?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

function toQuery(filters: Filters): Record<string, QueryValue> {
  const [from, to] = filters.range ?? [null, null];
  return {
    actor: filters.actor?.trim(),
    actor_type: filters.actor_type,
    action: filters.action?.trim(),
    object_type: filters.object_type?.trim(),
    object_id: filters.object_id?.trim(),
    occurred_gte: from ? from.tz(undefined, true).startOf('day').toISOString() : undefined,
    occurred_lt: to ? to.tz(undefined, true).startOf('day').add(1, 'day').toISOString() : undefined,
  };
}

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <>–</>;
  return <pre className="console-mono" style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>{JSON.stringify(value, null, 1)}</pre>;
}

export function AuditLogPage() {
  const { api } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const query = toQuery(filters);
  const list = useKeysetList<AuditEntry>('/console/api/audit_log', query, { cursorParam: 'before_seq', nextCursor: (a) => a.next_before_seq ?? a.data.at(-1)?.seq });

  async function exportCsv() {
    try {
      await api.downloadCsv('/console/api/audit_log', query, 'audit-log.csv');
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <>
      <PageTitle extra={<Button onClick={() => void exportCsv()} data-testid="audit-export">{t('exportCsv')}</Button>}>{p('title')}</PageTitle>
      <Form form={form} layout="vertical" className="console-filters" onFinish={setFilters}>
        <Row gutter={12}>
          <Col xs={12} md={6}>
            <Form.Item name="action" label={p('action')} tooltip={p('actionHelp')}>
              <Input allowClear placeholder="payment." data-testid="audit-action" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="actor_type" label={p('actorType')}>
              <Select
                allowClear
                options={[
                  { value: 'member', label: p('member') },
                  { value: 'api_key', label: p('apiKey') },
                  { value: 'system', label: p('system') },
                  { value: 'anonymous', label: p('anonymous') },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="actor" label={p('actorId')}>
              <Input allowClear placeholder="mem_… / key_…" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="range" label={p('range')}>
              <DatePicker.RangePicker style={{ width: '100%' }} allowEmpty={[true, true]} />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="object_type" label={p('objectType')}>
              <Input allowClear placeholder="payment" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="object_id" label={p('objectId')}>
              <Input allowClear data-testid="audit-object-id" />
            </Form.Item>
          </Col>
        </Row>
        <Space wrap>
          <Button type="primary" htmlType="submit" data-testid="audit-search">
            {t('search')}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              setFilters({});
            }}
          >
            {t('reset')}
          </Button>
        </Space>
      </Form>
      <LoadError error={list.error} reload={list.reload} />
      <ConsoleTable<AuditEntry>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.rows}
        pagination={false}
        minWidth={820}
        data-testid="audit-table"
        expandable={{
          rowExpandable: (row) => row.before !== null || row.after !== null,
          expandedRowRender: (row) => (
            <Row gutter={12}>
              <Col xs={24} md={12}>
                <strong>{p('before')}</strong>
                <Json value={row.before} />
              </Col>
              <Col xs={24} md={12}>
                <strong>{p('after')}</strong>
                <Json value={row.after} />
              </Col>
            </Row>
          ),
        }}
        columns={[
          { title: p('when'), dataIndex: 'occurred_at', render: (v: string) => f.time(v), width: 150 },
          { title: p('actor'), render: (_v, row) => row.actor.label ?? row.actor.id ?? row.actor.type },
          { title: p('action'), dataIndex: 'action', render: (v: string) => <span className="console-mono">{v}</span> },
          { title: p('object'), render: (_v, row) => <span className="console-mono">{`${row.object_type}${row.object_id ? ` ${row.object_id}` : ''}`}</span> },
          { title: p('address'), dataIndex: 'address', render: (v: string | null) => v ?? '–' },
        ]}
      />
      <KeysetPager list={list} />
    </>
  );
}
