/**
 * Console sessions: opened by a sign-in, found by their token on every
 * request (which also moves their idle expiry), and ended by signing out,
 * by a password change, or by the member's removal.
 */
import { permissionsBeforeEnrolment, permissionsOf, roleAllows, type ConsolePermission } from '../../domain/console/permissions.ts';
import { requiresSecondFactor } from '../../domain/console/roles.ts';
import { hashToken, newToken, sameSecret } from '../../domain/console/tokens.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Db } from '../../store/database.ts';
import { endSession, insertSession, touchSession, type LiveSession } from '../../store/console/sessions.ts';
import type { ConsoleMemberRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor, type RequestOrigin } from './audit.ts';

export interface OpenedSession {
  token: string;
  csrfToken: string;
  sessionId: string;
}

export async function openSession(context: FlowContext, db: Db, member: ConsoleMemberRow, origin: RequestOrigin): Promise<OpenedSession> {
  const token = newToken(context.random);
  const csrfToken = newToken(context.random);
  const sessionId = context.ids.newId('cs');
  await insertSession(db, { id: sessionId, tokenHash: hashToken(token), memberId: member.id, merchantId: member.merchant_id, csrfToken, address: origin.address, now: now(context) });
  return { token, csrfToken, sessionId };
}

/** The live session a token names, or null (none, ended, idle too long, too old, or its member removed). */
export async function findLiveSession(context: FlowContext, token: string): Promise<LiveSession | null> {
  return touchSession(context.db, hashToken(token), now(context), { idleMs: limits.consoleSessionIdleMs, absoluteMs: limits.consoleSessionAbsoluteMs });
}

/**
 * What a live session may do on a route that needs `permission`, given the
 * CSRF token the request carried (null for a read). Throws the catalog's
 * refusal; answers nothing when allowed.
 */
export function checkSessionAccess(
  session: LiveSession,
  permission: ConsolePermission | readonly ConsolePermission[],
  csrf: { required: boolean; given: string | null },
): void {
  // A list means any one of its permissions (a /v1 route several pages read).
  const anyOf: readonly ConsolePermission[] = typeof permission === 'string' ? [permission] : permission;
  if (csrf.required && (csrf.given === null || !sameSecret(csrf.given, session.csrfToken))) throw new PaymentError('console_csrf_invalid');
  const member = session.member;
  if (requiresSecondFactor(member.role) && member.totp_enabled_at === null && !anyOf.some((p) => permissionsBeforeEnrolment.has(p))) {
    throw new PaymentError('console_enrolment_required');
  }
  if (!anyOf.some((p) => roleAllows(member.role, p))) throw new PaymentError('console_role_forbidden', { details: { role: member.role } });
}

export async function signOut(context: FlowContext, actor: ConsoleActor): Promise<void> {
  await context.db.transaction().execute(async (trx) => {
    await endSession(trx, actor.sessionId, now(context));
    await audit(context, trx, byMember(actor, 'member.signed_out', { type: 'member', id: actor.memberId }));
  });
}

export function presentMember(member: ConsoleMemberRow) {
  return {
    object: 'console_member' as const,
    id: member.id,
    email: member.email,
    name: member.name,
    role: member.role,
    locale: member.locale,
    two_factor: {
      enabled: member.totp_enabled_at !== null,
      required: requiresSecondFactor(member.role),
      enabled_at: member.totp_enabled_at?.toISOString() ?? null,
    },
    invitation_pending: member.password_hash === null,
    created_at: member.created_at.toISOString(),
  };
}

export function presentSession(session: LiveSession) {
  const member = session.member;
  const enrolmentPending = requiresSecondFactor(member.role) && member.totp_enabled_at === null;
  return {
    object: 'console_session' as const,
    merchant: member.merchant_id,
    member: presentMember(member),
    csrf_token: session.csrfToken,
    // Until a required second factor is enrolled, the session reaches enrolment only.
    permissions: enrolmentPending ? [...permissionsBeforeEnrolment] : permissionsOf(member.role),
    two_factor_enrolment_required: enrolmentPending,
    expires_at: new Date(session.createdAt.getTime() + limits.consoleSessionAbsoluteMs).toISOString(),
  };
}
