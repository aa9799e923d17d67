/**
 * Forgotten passwords and setting one from an emailed link (a reset or an
 * invitation). Asking for a reset answers the same whether or not the
 * address belongs to a member. Setting a password ends every session of the
 * member and voids their other links, and lifts a sign-in lock.
 */
import { hashPassword, passwordProblem } from '../../domain/console/password.ts';
import { hashToken } from '../../domain/console/tokens.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { consumeLinkToken, voidLinkTokens } from '../../store/console/credentials.ts';
import { findMemberById, findMembersByEmail, forgiveSignInTries, updateMember } from '../../store/console/members.ts';
import { endMemberSessions } from '../../store/console/sessions.ts';
import { findMerchant } from '../../store/merchants.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, type RequestOrigin } from './audit.ts';
import { sendPasswordLink } from './links.ts';

/** One reset email per member per this long, however often it is asked for. */
const resetEmailSpacingMs = 60_000;

export async function requestPasswordReset(context: FlowContext, input: { email: string; merchant?: string }, origin: RequestOrigin): Promise<void> {
  const members = await findMembersByEmail(context.db, input.email, input.merchant ?? null);
  for (const member of members) {
    const merchant = await findMerchant(context.db, member.merchant_id);
    const bucket = Math.floor(context.clock.nowMs() / resetEmailSpacingMs);
    await context.db.transaction().execute(async (trx) => {
      const sent = await sendPasswordLink(context, trx, member, {
        purpose: 'password_reset',
        expiresInMs: limits.consolePasswordResetExpiresMs,
        dedupeKey: `console-password-reset:${member.id}:${bucket}`,
        values: { merchant: merchant?.name ?? member.merchant_id },
      });
      if (!sent) return;
      await audit(context, trx, {
        merchantId: member.merchant_id,
        actor: { type: 'anonymous', id: null, label: input.email },
        origin,
        action: 'member.password_reset_requested',
        object: { type: 'member', id: member.id },
      });
    });
  }
}

export async function setPasswordWithLink(context: FlowContext, input: { token: string; password: string }, origin: RequestOrigin): Promise<{ email: string; merchant: string }> {
  const problem = passwordProblem(input.password);
  if (problem) throw new PaymentError('console_password_weak', { param: 'password', details: { reason: problem } });
  // Hashing is slow: done before the transaction, which then only writes.
  const passwordHash = await hashPassword(input.password, context.random);
  return context.db.transaction().execute(async (trx) => {
    const at = now(context);
    const link = await consumeLinkToken(trx, hashToken(input.token), at);
    if (!link) throw new PaymentError('console_link_invalid', { param: 'token' });
    const member = await findMemberById(trx, link.member_id);
    if (!member) throw new PaymentError('console_link_invalid', { param: 'token' });
    await updateMember(trx, member.id, { password_hash: passwordHash }, at);
    await forgiveSignInTries(trx, member.id);
    await voidLinkTokens(trx, member, at);
    const ended = await endMemberSessions(trx, member.id, at);
    await audit(context, trx, {
      merchantId: member.merchant_id,
      actor: { type: 'member', id: member.id, label: member.email },
      origin,
      action: link.purpose === 'invitation' ? 'member.invitation_accepted' : 'member.password_reset',
      object: { type: 'member', id: member.id },
      after: { sessions_ended: ended },
    });
    return { email: member.email, merchant: member.merchant_id };
  });
}
