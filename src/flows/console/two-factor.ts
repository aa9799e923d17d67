/**
 * A member's TOTP second factor: enrolment (a new secret, shown once as an
 * otpauth URI and a QR code), confirmation by a first code (which turns it
 * on and answers ten recovery codes, shown once and stored hashed), and
 * turning it off for roles that do not require it. Each step is audited;
 * no secret or code ever reaches the trail.
 */
import { qrSvgDataUrl } from '../../domain/console/qr-svg.ts';
import { requiresSecondFactor } from '../../domain/console/roles.ts';
import { hashToken, newRecoveryCode, recoveryCodesPerMember } from '../../domain/console/tokens.ts';
import { base32Encode, matchTotp, otpauthUri } from '../../domain/console/totp.ts';
import { PaymentError } from '../../domain/errors.ts';
import { seal, unseal } from '../../domain/secrets.ts';
import { replaceRecoveryCodes } from '../../store/console/credentials.ts';
import { disableTotp, enableTotp, findMember, forgiveSignInTries, reserveSignInTry, setPendingTotp, takeTotpStep } from '../../store/console/members.ts';
import { limits } from '../../domain/limits.ts';
import { findMerchant } from '../../store/merchants.ts';
import type { ConsoleMemberRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';

const totpSecretBytes = 20;

function sealSecret(context: FlowContext, memberId: string, secret: Buffer): Buffer {
  return seal(secret.toString('base64'), context.keys.credentials, `console-totp:${memberId}`);
}

function unsealSecret(context: FlowContext, memberId: string, sealed: Buffer): Buffer {
  return Buffer.from(unseal(sealed, context.keys.credentials, `console-totp:${memberId}`), 'base64');
}

async function currentMember(context: FlowContext, actor: ConsoleActor): Promise<ConsoleMemberRow> {
  const member = await findMember(context.db, actor.merchantId, actor.memberId);
  if (!member) throw new PaymentError('console_session_required');
  return member;
}

export async function startEnrolment(context: FlowContext, actor: ConsoleActor) {
  const member = await currentMember(context, actor);
  if (member.totp_secret_sealed !== null) throw new PaymentError('console_two_factor_state', { details: { reason: 'it is already on' } });
  const secret = context.random.bytes(totpSecretBytes);
  const merchant = await findMerchant(context.db, actor.merchantId);
  const uri = otpauthUri({ secret, issuer: `Paypilot ${merchant?.name ?? ''}`.trim(), account: member.email });
  await context.db.transaction().execute(async (trx) => {
    await setPendingTotp(trx, member.id, sealSecret(context, member.id, secret), now(context));
    await audit(context, trx, byMember(actor, 'member.two_factor_enrolment_started', { type: 'member', id: member.id }));
  });
  return { object: 'two_factor_enrolment' as const, otpauth_uri: uri, secret: base32Encode(secret), qr_code: qrSvgDataUrl(uri) };
}

export async function confirmEnrolment(context: FlowContext, actor: ConsoleActor, code: string) {
  const member = await currentMember(context, actor);
  const pending = member.totp_pending_sealed;
  if (member.totp_secret_sealed !== null || pending === null) {
    throw new PaymentError('console_two_factor_state', { details: { reason: member.totp_secret_sealed ? 'it is already on' : 'no enrolment was started' } });
  }
  const step = matchTotp(unsealSecret(context, member.id, pending), code, context.clock.nowMs(), null);
  if (step === null) {
    await audit(context, context.db, byMember(actor, 'member.two_factor_confirmation_failed', { type: 'member', id: member.id }));
    throw new PaymentError('console_code_incorrect');
  }
  const codes = Array.from({ length: recoveryCodesPerMember }, () => newRecoveryCode(context.random));
  await context.db.transaction().execute(async (trx) => {
    // The step of the confirming code counts as used: it cannot sign in afterwards.
    if (!(await enableTotp(trx, member.id, pending, step, now(context)))) {
      throw new PaymentError('console_two_factor_state', { details: { reason: 'another enrolment changed it meanwhile' } });
    }
    await replaceRecoveryCodes(trx, member, codes.map(hashToken), now(context));
    await audit(context, trx, byMember(actor, 'member.two_factor_enabled', { type: 'member', id: member.id }, { before: { two_factor: false }, after: { two_factor: true } }));
  });
  return { object: 'two_factor' as const, enabled: true, recovery_codes: codes };
}

export async function disableTwoFactor(context: FlowContext, actor: ConsoleActor, code: string) {
  const member = await currentMember(context, actor);
  if (requiresSecondFactor(member.role)) throw new PaymentError('console_two_factor_state', { details: { reason: 'your role requires it' } });
  if (member.totp_secret_sealed === null) throw new PaymentError('console_two_factor_state', { details: { reason: 'it is not on' } });
  // A wrong code here counts as a failed sign-in: a stolen session must not be able to guess its way to turning 2FA off.
  const tried = await reserveSignInTry(context.db, member.id, now(context), { failuresMax: limits.consoleSignInFailuresMax, lockMs: limits.consoleSignInLockMs });
  if (!tried.reserved) throw new PaymentError('console_account_locked', { details: { unlocks_at: tried.lockedUntil.toISOString() } });
  const lastStep = member.totp_last_step === null ? null : BigInt(member.totp_last_step);
  const step = matchTotp(unsealSecret(context, member.id, member.totp_secret_sealed), code, context.clock.nowMs(), lastStep);
  if (step === null || !(await takeTotpStep(context.db, member.id, step))) {
    await audit(context, context.db, byMember(actor, 'member.two_factor_disable_failed', { type: 'member', id: member.id }));
    throw new PaymentError('console_code_incorrect');
  }
  await forgiveSignInTries(context.db, member.id);
  await context.db.transaction().execute(async (trx) => {
    await disableTotp(trx, member, now(context));
    await audit(context, trx, byMember(actor, 'member.two_factor_disabled', { type: 'member', id: member.id }, { before: { two_factor: true }, after: { two_factor: false } }));
  });
  return { object: 'two_factor' as const, enabled: false };
}
