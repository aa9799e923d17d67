/**
 * The team: members invited by email (a link to set a password), their
 * roles changed, members removed (their sessions end at once). Only owners
 * touch ownership, and the last owner can be neither removed nor demoted:
 * each change locks the merchant's owners first, so two owners demoting
 * each other at once cannot leave none.
 */
import { mayAssignRole, mayRemoveMember } from '../../domain/console/permissions.ts';
import { hashPassword } from '../../domain/console/password.ts';
import type { ConsoleRole } from '../../domain/console/roles.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Locale } from '../../domain/locale.ts';
import { countMembers, findMembersByEmail, findMemberForUpdate, insertMember, listMembers, lockOwners, updateMember } from '../../store/console/members.ts';
import { endMemberSessions } from '../../store/console/sessions.ts';
import { findMerchant } from '../../store/merchants.ts';
import type { ConsoleMemberRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';
import { sendPasswordLink } from './links.ts';

export async function listTeam(context: FlowContext, merchantId: string): Promise<ConsoleMemberRow[]> {
  return listMembers(context.db, merchantId, limits.consoleMembersPerMerchantMax);
}

export interface InviteInput {
  email: string;
  name?: string;
  role: ConsoleRole;
  locale?: Locale;
}

export async function inviteMember(context: FlowContext, actor: ConsoleActor, input: InviteInput): Promise<ConsoleMemberRow> {
  if (!mayAssignRole(actor.role, null, input.role)) throw new PaymentError('console_role_forbidden', { details: { role: actor.role } });
  if ((await countMembers(context.db, actor.merchantId)) >= limits.consoleMembersPerMerchantMax) {
    throw new PaymentError('parameter_invalid', { param: 'email', details: { reason: `a team has at most ${limits.consoleMembersPerMerchantMax} members` } });
  }
  if ((await findMembersByEmail(context.db, input.email, actor.merchantId)).length > 0) throw new PaymentError('console_member_exists', { param: 'email' });
  const merchant = await findMerchant(context.db, actor.merchantId);
  return context.db.transaction().execute(async (trx) => {
    const member = await insertMember(trx, {
      id: context.ids.newId('mem'),
      merchantId: actor.merchantId,
      email: input.email,
      name: input.name ?? '',
      role: input.role,
      passwordHash: null,
      locale: input.locale ?? 'en',
      now: now(context),
    }).catch((error: unknown) => {
      // Two invitations of one address at once: the unique index keeps one.
      if ((error as { code?: string }).code === '23505') throw new PaymentError('console_member_exists', { param: 'email' });
      throw error;
    });
    await sendPasswordLink(context, trx, member, {
      purpose: 'invitation',
      expiresInMs: limits.consoleInvitationExpiresMs,
      dedupeKey: `console-invitation:${member.id}`,
      values: { merchant: merchant?.name ?? actor.merchantId, inviter: actor.email, role: input.role },
    });
    await audit(context, trx, byMember(actor, 'member.invited', { type: 'member', id: member.id }, { after: { email: member.email, name: member.name, role: member.role } }));
    return member;
  });
}

function missingMember(memberId: string): PaymentError {
  return new PaymentError('resource_missing', { param: 'id', details: { resource: 'team member', id: memberId } });
}

export async function changeRole(context: FlowContext, actor: ConsoleActor, memberId: string, role: ConsoleRole): Promise<ConsoleMemberRow> {
  return context.db.transaction().execute(async (trx) => {
    const owners = await lockOwners(trx, actor.merchantId);
    const target = await findMemberForUpdate(trx, actor.merchantId, memberId);
    if (!target) throw missingMember(memberId);
    if (!mayAssignRole(actor.role, target.role, role)) throw new PaymentError('console_role_forbidden', { details: { role: actor.role } });
    if (target.role === role) return target;
    if (target.role === 'owner' && owners <= 1) throw new PaymentError('console_last_owner');
    await updateMember(trx, target.id, { role }, now(context));
    await audit(context, trx, byMember(actor, 'member.role_changed', { type: 'member', id: target.id }, { before: { role: target.role }, after: { role } }));
    return { ...target, role };
  });
}

export async function removeMember(context: FlowContext, actor: ConsoleActor, memberId: string): Promise<{ sessionsEnded: number }> {
  return context.db.transaction().execute(async (trx) => {
    const owners = await lockOwners(trx, actor.merchantId);
    const target = await findMemberForUpdate(trx, actor.merchantId, memberId);
    if (!target) throw missingMember(memberId);
    if (!mayRemoveMember(actor.role, target.role)) throw new PaymentError('console_role_forbidden', { details: { role: actor.role } });
    if (target.role === 'owner' && owners <= 1) throw new PaymentError('console_last_owner');
    const at = now(context);
    await updateMember(trx, target.id, { removed_at: at }, at);
    const sessionsEnded = await endMemberSessions(trx, target.id, at);
    await audit(
      context,
      trx,
      byMember(actor, 'member.removed', { type: 'member', id: target.id }, { before: { email: target.email, role: target.role }, after: { sessions_ended: sessionsEnded } }),
    );
    return { sessionsEnded };
  });
}

/**
 * An owner made outside the console (`npm start`'s demo, `paypilot merchant
 * create --owner-email`), with a password given by the caller. Its second
 * factor is not enrolled: the first sign-in leads to enrolment.
 */
export async function createOwner(context: FlowContext, input: { merchantId: string; email: string; name?: string; password: string }): Promise<ConsoleMemberRow> {
  const passwordHash = await hashPassword(input.password, context.random);
  return context.db.transaction().execute(async (trx) => {
    const member = await insertMember(trx, {
      id: context.ids.newId('mem'),
      merchantId: input.merchantId,
      email: input.email,
      name: input.name ?? '',
      role: 'owner',
      passwordHash,
      locale: 'en',
      now: now(context),
    });
    await audit(context, trx, {
      merchantId: input.merchantId,
      actor: { type: 'system', id: null, label: 'paypilot' },
      origin: { address: null, requestId: null },
      action: 'member.created',
      object: { type: 'member', id: member.id },
      after: { email: member.email, role: member.role },
    });
    return member;
  });
}
