/**
 * The console's emails (a password reset, an invitation), in the member's
 * language. Plain text and a little HTML; the link is the only action.
 */
import type { Locale } from '../locale.ts';

export type ConsoleEmailPurpose = 'console_password_reset' | 'console_invitation';

const texts: Record<ConsoleEmailPurpose, Record<Locale, { subject: string; intro: string; action: string; expiry: string }>> = {
  console_password_reset: {
    en: { subject: 'Reset your Paypilot console password', intro: 'Someone asked to reset the password of your Paypilot console account for {merchant}. If it was not you, ignore this email.', action: 'Choose a new password', expiry: 'This link works once, for {hours} hour(s).' },
    'zh-CN': { subject: '重置您的 Paypilot 控制台密码', intro: '有人请求重置您在 {merchant} 的 Paypilot 控制台账号密码。如非本人操作，请忽略此邮件。', action: '设置新密码', expiry: '此链接仅可使用一次，{hours} 小时内有效。' },
    'zh-TW': { subject: '重設您的 Paypilot 主控台密碼', intro: '有人請求重設您在 {merchant} 的 Paypilot 主控台帳號密碼。如非本人操作，請忽略此郵件。', action: '設定新密碼', expiry: '此連結僅可使用一次，{hours} 小時內有效。' },
  },
  console_invitation: {
    en: { subject: 'You are invited to the Paypilot console of {merchant}', intro: '{inviter} invited you to the Paypilot console of {merchant} as {role}.', action: 'Set your password', expiry: 'This link works once, for {hours} hour(s).' },
    'zh-CN': { subject: '您受邀加入 {merchant} 的 Paypilot 控制台', intro: '{inviter} 邀请您以 {role} 身份加入 {merchant} 的 Paypilot 控制台。', action: '设置密码', expiry: '此链接仅可使用一次，{hours} 小时内有效。' },
    'zh-TW': { subject: '您受邀加入 {merchant} 的 Paypilot 主控台', intro: '{inviter} 邀請您以 {role} 身分加入 {merchant} 的 Paypilot 主控台。', action: '設定密碼', expiry: '此連結僅可使用一次，{hours} 小時內有效。' },
  },
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

export function consoleEmail(purpose: ConsoleEmailPurpose, locale: Locale, link: string, values: Record<string, string>) {
  const text = texts[purpose][locale];
  const fill = (template: string) => template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
  const subject = fill(text.subject);
  const bodyText = `${fill(text.intro)}\n\n${text.action}: ${link}\n\n${fill(text.expiry)}\n`;
  const bodyHtml = `<p>${escapeHtml(fill(text.intro))}</p><p><a href="${escapeHtml(link)}">${escapeHtml(text.action)}</a></p><p>${escapeHtml(fill(text.expiry))}</p>`;
  return { subject, bodyText, bodyHtml };
}

/** The console page that sets a password from an emailed link (the page comes with the console's web part). */
export function passwordLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/console/set-password#token=${token}`;
}
