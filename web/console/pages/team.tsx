/**
 * Team: the merchant's members, inviting one by email (the server emails a
 * link to set a password), changing a role, removing a member (their
 * sessions end at once). Ownership is given or taken only by owners, and the
 * last owner can be neither removed nor demoted: the server refuses, and the
 * page says why.
 */
import { useState } from 'react';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Tag } from 'antd';
import { useConsole, type ConsoleMember } from '../context.ts';
import { l, useT, useTexts } from '../i18n.ts';
import { languageNames } from '../locales.ts';
import { LoadError, PageTitle, useFormats, useLoad, type ListAnswer, tagColors, ConsoleTable } from '../page-kit.tsx';
import type { SessionMember } from '../session.ts';

type Member = SessionMember & { invitation_pending: boolean; created_at: string };
type Role = ConsoleMember['role'];
const roles: Role[] = ['owner', 'admin', 'developer', 'operator', 'support', 'analyst'];

const texts = {
  title: l('Team', '团队', '團隊'),
  invite: l('Invite a member', '邀请成员', '邀請成員'),
  inviteSend: l('Send invitation', '发送邀请', '寄送邀請'),
  invited: l('Invitation sent to {email}', '已向 {email} 发送邀请', '已向 {email} 寄送邀請'),
  name: l('Name', '姓名', '姓名'),
  email: l('Email', '邮箱', '電子郵件'),
  role: l('Role', '角色', '角色'),
  language: l('Language of the email', '邮件语言', '郵件語言'),
  twoFactor: l('2FA', '两步验证', '兩步驟驗證'),
  on: l('On', '已开启', '已開啟'),
  off: l('Off', '未开启', '未開啟'),
  pending: l('Invitation pending', '邀请待接受', '邀請待接受'),
  joined: l('Joined', '加入时间', '加入時間'),
  remove: l('Remove', '移除', '移除'),
  removeConfirm: l('Remove {email}? Their sessions end at once.', '移除 {email}？其会话将立即结束。', '移除 {email}？其工作階段將立即結束。'),
  removed: l('Removed', '已移除', '已移除'),
  roleChanged: l('Role changed', '角色已更改', '角色已變更'),
  you: l('you', '您', '您'),
  roleHelp: l(
    'Owner: everything. Admin: everything but ownership. Developer: keys, webhooks, logs. Operator: payments and after-sales. Support: read payments and customers, refunds up to a limit. Analyst: analytics, read only.',
    '所有者：全部权限。管理员：除所有权外的全部。开发者：密钥、Webhook、日志。运营：支付与售后。客服：查看支付与客户，限额内退款。分析师：只读分析。',
    '擁有者：全部權限。管理員：除所有權外的全部。開發者：金鑰、Webhook、日誌。營運：付款與售後。客服：檢視付款與客戶，限額內退款。分析師：唯讀分析。',
  ),
} satisfies Record<string, Record<string, string>>;

export function TeamPage() {
  const { api, can, member: me } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const f = useFormats();
  const { message } = App.useApp();
  const members = useLoad(() => api.get<ListAnswer<Member>>('/console/api/members'), []);
  const [inviting, setInviting] = useState(false);
  const manage = can('team.manage');
  const owners = (members.data?.data ?? []).filter((m) => m.role === 'owner').length;

  async function run(action: () => Promise<unknown>, done: string) {
    try {
      await action();
      void message.success(done);
      members.reload();
    } catch (error) {
      void message.error(error instanceof Error ? error.message : String(error));
    }
  }

  const roleOptions = roles.map((role) => ({ value: role, label: t(`role_${role}`), disabled: role === 'owner' && !can('team.ownership') }));
  return (
    <>
      <PageTitle
        extra={
          manage && (
            <Button type="primary" onClick={() => setInviting(true)} data-testid="invite-open">
              {p('invite')}
            </Button>
          )
        }
      >
        {p('title')}
      </PageTitle>
      <LoadError error={members.error} reload={members.reload} />
      <ConsoleTable<Member>
        rowKey="id"
        size="middle"
        loading={members.loading}
        dataSource={members.data?.data ?? []}
        pagination={false}
        minWidth={720}
        data-testid="team-table"
        columns={[
          {
            title: p('email'),
            dataIndex: 'email',
            render: (email: string, row) => (
              <>
                {email} {row.id === me.id && <Tag>{p('you')}</Tag>} {row.invitation_pending && <Tag color={tagColors.gold}>{p('pending')}</Tag>}
              </>
            ),
          },
          { title: p('name'), dataIndex: 'name', render: (v: string | null) => v || '–' },
          {
            title: p('role'),
            dataIndex: 'role',
            render: (role: Role, row) =>
              manage && row.id !== me.id && (role !== 'owner' || can('team.ownership')) ? (
                <Select
                  aria-label={`${p('role')} ${row.email}`}
                  value={role}
                  style={{ width: 140 }}
                  options={roleOptions}
                  onChange={(next: Role) => void run(() => api.post(`/console/api/members/${row.id}`, { role: next }), p('roleChanged'))}
                  data-testid={`role-${row.email}`}
                />
              ) : (
                t(`role_${role}`)
              ),
          },
          { title: p('twoFactor'), render: (_v, row) => (row.two_factor.enabled ? <Tag color={tagColors.green}>{p('on')}</Tag> : <Tag>{p('off')}</Tag>) },
          { title: p('joined'), dataIndex: 'created_at', render: (v: string) => f.time(v) },
          {
            title: t('actions'),
            render: (_v, row) =>
              manage && row.id !== me.id && (row.role !== 'owner' || (can('team.ownership') && owners > 1)) ? (
                <Popconfirm title={p('removeConfirm', { email: row.email })} okText={p('remove')} cancelText={t('cancel')} okButtonProps={{ danger: true }} onConfirm={() => run(() => api.delete(`/console/api/members/${row.id}`), p('removed'))}>
                  <Button danger size="small" data-testid={`remove-${row.email}`}>
                    {p('remove')}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      <p style={{ marginTop: 12, color: 'rgba(0,0,0,0.66)' }}>{p('roleHelp')}</p>
      {inviting && (
        <InviteDialog
          roleOptions={roleOptions}
          onClose={() => setInviting(false)}
          onInvite={async (values) => {
            await api.post('/console/api/members', values);
            void message.success(p('invited', { email: values.email }));
            setInviting(false);
            members.reload();
          }}
        />
      )}
    </>
  );
}

function InviteDialog({ roleOptions, onClose, onInvite }: { roleOptions: { value: Role; label: string; disabled: boolean }[]; onClose(): void; onInvite(values: { email: string; name?: string; role: Role; locale: string }): Promise<void> }) {
  const { locale } = useConsole();
  const t = useT();
  const p = useTexts(texts);
  const [form] = Form.useForm<{ email: string; name?: string; role: Role; locale: string }>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      open
      title={p('invite')}
      onCancel={onClose}
      okText={p('inviteSend')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'invite-send' } as Record<`data-${string}`, string>) }}
      onOk={async () => {
        const values = await form.validateFields();
        setBusy(true);
        setError(null);
        try {
          await onInvite({ ...values, name: values.name?.trim() || undefined });
        } catch (caught) {
          setError(caught instanceof Error ? caught.message : String(caught));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Form form={form} layout="vertical" initialValues={{ role: 'analyst', locale }}>
        {error && <p style={{ color: '#b42318' }} role="alert">{error}</p>}
        <Form.Item name="email" label={p('email')} rules={[{ required: true, type: 'email', message: t('required') }]}>
          <Input type="email" data-testid="invite-email" />
        </Form.Item>
        <Form.Item name="name" label={p('name')}>
          <Input data-testid="invite-name" />
        </Form.Item>
        <Form.Item name="role" label={p('role')}>
          <Select options={roleOptions} data-testid="invite-role" />
        </Form.Item>
        <Form.Item name="locale" label={p('language')}>
          <Select options={Object.entries(languageNames).map(([value, label]) => ({ value, label }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

