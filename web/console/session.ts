/** The server's answers about a session, as the shell reads them (GET /console/api/session, POST sign_in). */
import type { ConsoleLocale, ConsoleMember, ConsoleMerchant } from './context.ts';

export interface SessionMember {
  id: string;
  email: string;
  name: string | null;
  role: ConsoleMember['role'];
  locale: string;
  two_factor: { enabled: boolean; required: boolean; enabled_at: string | null };
}

export interface SessionAnswer {
  merchant: string;
  merchant_name?: string;
  /** IANA; absent from servers before the console's pages. */
  time_zone?: string;
  currency?: string;
  member: SessionMember;
  csrf_token: string;
  permissions?: string[];
  two_factor_enrolment_required: boolean;
}

export function isConsoleLocale(value: unknown): value is ConsoleLocale {
  return value === 'en' || value === 'zh-CN' || value === 'zh-TW';
}

/** The merchant as the shell shows it (the server's default zone is UTC; amounts default to yuan). */
export function merchantOf(session: SessionAnswer): ConsoleMerchant {
  return { id: session.merchant, name: session.merchant_name ?? session.merchant, timeZone: session.time_zone ?? 'UTC', currency: session.currency ?? 'CNY' };
}

export function memberOf(session: SessionAnswer): ConsoleMember {
  return { id: session.member.id, email: session.member.email, role: session.member.role, permissions: session.permissions ?? [] };
}
