/**
 * Customers: search by id, email, name or phone, or only those restricted for
 * abusing cancellations (GET /console/api/customers), with their segment and
 * restriction; each opens its profile.
 */
import { useState } from 'react';
import { Checkbox, Input, Space, Tag } from 'antd';
import { useConsole } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { ConsoleLink, KeysetPager, LoadError, PageTitle, useFormats, useKeysetList, tagColors, ConsoleTable } from '../page-kit.tsx';

export interface ConsoleCustomer {
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  created_at: string;
  payments_count: number;
  last_payment_at: string | null;
  restriction: { restricted: boolean; flagged_at: string | null; reason: string | null; cancellations: number | null };
  segment: { name: string; label: string } | null;
  wallet?: { balance: number; currency: string } | null;
}

export const customerTexts = {
  title: l('Customers', '客户', '客戶'),
  query: l('ID, email, name or phone', 'ID、邮箱、姓名或电话', 'ID、電子郵件、姓名或電話'),
  restrictedOnly: l('Restricted only', '仅显示受限客户', '僅顯示受限客戶'),
  customer: l('Customer', '客户', '客戶'),
  email: l('Email', '邮箱', '電子郵件'),
  name: l('Name', '姓名', '姓名'),
  phone: l('Phone', '电话', '電話'),
  payments: l('Payments', '支付笔数', '付款筆數'),
  lastPayment: l('Last payment', '最近支付', '最近付款'),
  segment: l('Segment', '分群', '分群'),
  restriction: l('Restriction', '限制状态', '限制狀態'),
  restricted: l('Restricted', '受限', '受限'),
  unrestricted: l('None', '无', '無'),
  created: l('Created', '创建时间', '建立時間'),
} satisfies Record<string, Record<string, string>>;

export function RestrictionTag({ restricted }: { restricted: boolean }) {
  const c = useTexts(customerTexts);
  return restricted ? <Tag color={tagColors.red}>{c('restricted')}</Tag> : <Tag>{c('unrestricted')}</Tag>;
}

export function CustomersPage() {
  const { mode } = useConsole();
  const t = useT();
  const c = useTexts(customerTexts);
  const f = useFormats();
  const [q, setQ] = useState('');
  const [restricted, setRestricted] = useState(false);
  const list = useKeysetList<ConsoleCustomer>('/console/api/customers', { q: q.trim(), restricted: restricted ? 'true' : undefined, mode }, { cursorParam: 'starting_after', nextCursor: (a) => a.next_starting_after ?? a.data.at(-1)?.id });
  return (
    <>
      <PageTitle>{c('title')}</PageTitle>
      <Space wrap className="console-filters">
        <Input.Search aria-label={t('search')} placeholder={c('query')} allowClear enterButton={t('search')} onSearch={setQ} style={{ width: 360, maxWidth: '100%' }} data-testid="customers-query" />
        <Checkbox checked={restricted} onChange={(e) => setRestricted(e.target.checked)}>
          {c('restrictedOnly')}
        </Checkbox>
      </Space>
      <LoadError error={list.error} reload={list.reload} />
      <ConsoleTable<ConsoleCustomer>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.rows}
        pagination={false}
        minWidth={760}
        data-testid="customers-table"
        columns={[
          {
            title: c('customer'),
            dataIndex: 'id',
            render: (id: string, row) => (
              <ConsoleLink page="customers" id={id} testId="customer-link">
                {row.name ?? row.email ?? <span className="console-mono">{id}</span>}
              </ConsoleLink>
            ),
          },
          { title: c('email'), dataIndex: 'email', render: (v: string | null) => v ?? '–' },
          { title: c('payments'), dataIndex: 'payments_count', align: 'right' },
          { title: c('lastPayment'), dataIndex: 'last_payment_at', render: (v: string | null) => f.time(v) },
          { title: c('segment'), dataIndex: 'segment', render: (v: ConsoleCustomer['segment']) => v?.label ?? '–' },
          { title: c('restriction'), render: (_v, row) => <RestrictionTag restricted={row.restriction.restricted} /> },
        ]}
      />
      <KeysetPager list={list} />
    </>
  );
}
