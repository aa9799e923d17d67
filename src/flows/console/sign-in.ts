/**
 * Signing in to the console: email and password, then (when the member has
 * enrolled) a TOTP code or a recovery code, in one request.
 *
 * Tries are reserved before anything is checked, per address and per account,
 * each in one conditional statement: parallel guesses can never exceed either
 * limit. A right password gives its tries back; a wrong password or code
 * keeps them, and the try that reaches the account's limit locks it.
 * Every failure with a known account is audited on that merchant's trail;
 * an unknown email is answered exactly like a wrong password, after the same
 * amount of hashing.
 */
import { matchTotp } from '../../domain/console/totp.ts';
import { verifyPassword } from '../../domain/console/password.ts';
import { hashToken, normalizeRecoveryCode } from '../../domain/console/tokens.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { unseal } from '../../domain/secrets.ts';
import { reserveAddressTry, returnAddressTry, useRecoveryCode } from '../../store/console/credentials.ts';
import { findMembersByEmail, forgiveSignInTries, reserveSignInTry, returnSignInTry, takeTotpStep } from '../../store/console/members.ts';
import type { ConsoleMemberRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, type RequestOrigin } from './audit.ts';
import { openSession, type OpenedSession } from './sessions.ts';

export interface SignInInput {
  email: string;
  password: string;
  merchant?: string;
  code?: string;
  recovery_code?: string;
}

export async function signIn(context: FlowContext, input: SignInInput, origin: RequestOrigin): Promise<OpenedSession & { member: ConsoleMemberRow }> {
  const address = origin.address ?? 'unknown';
  const at = now(context);
  const addressTry = await reserveAddressTry(context.db, address, at, { failuresMax: limits.consoleAddressFailuresMax, windowMs: limits.consoleAddressWindowMs });
  if (!addressTry.reserved) {
    const retryAfterSeconds = Math.max(1, Math.ceil((addressTry.retryAt.getTime() - at.getTime()) / 1000));
    throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
  }
  const candidates = await findMembersByEmail(context.db, input.email, input.merchant ?? null);
  if (candidates.length > 1) {
    await returnAddressTry(context.db, address);
    throw new PaymentError('parameter_missing', { param: 'merchant' });
  }
  const member = candidates[0];
  if (!member) {
    await verifyPassword(input.password, null);
    throw new PaymentError('console_sign_in_failed');
  }

  const failed = (reason: string) =>
    audit(context, context.db, {
      merchantId: member.merchant_id,
      actor: { type: 'anonymous', id: null, label: input.email },
      origin,
      action: 'member.sign_in_failed',
      object: { type: 'member', id: member.id },
      after: { reason },
    });

  const accountTry = await reserveSignInTry(context.db, member.id, at, { failuresMax: limits.consoleSignInFailuresMax, lockMs: limits.consoleSignInLockMs });
  if (!accountTry.reserved) {
    await failed('locked');
    throw new PaymentError('console_account_locked', { details: { unlocks_at: accountTry.lockedUntil.toISOString() } });
  }
  if (!(await verifyPassword(input.password, member.password_hash))) {
    await failed('password');
    throw new PaymentError('console_sign_in_failed');
  }

  const secondFactor = await checkSecondFactor(context, member, input);
  if (secondFactor === 'missing') {
    await returnSignInTry(context.db, member.id, limits.consoleSignInFailuresMax);
    await returnAddressTry(context.db, address);
    throw new PaymentError('console_second_factor_required');
  }
  if (secondFactor === 'wrong') {
    await failed('second_factor');
    throw new PaymentError('console_code_incorrect');
  }

  return context.db.transaction().execute(async (trx) => {
    await forgiveSignInTries(trx, member.id);
    await returnAddressTry(trx, address);
    const session = await openSession(context, trx, member, origin);
    await audit(context, trx, {
      merchantId: member.merchant_id,
      actor: { type: 'member', id: member.id, label: member.email },
      origin,
      action: 'member.signed_in',
      object: { type: 'member', id: member.id },
      after: { second_factor: secondFactor, session: session.sessionId },
    });
    return { ...session, member };
  });
}

type SecondFactorResult = 'none' | 'totp' | 'recovery_code' | 'missing' | 'wrong';

async function checkSecondFactor(context: FlowContext, member: ConsoleMemberRow, input: SignInInput): Promise<SecondFactorResult> {
  if (member.totp_secret_sealed === null) return 'none';
  if (input.code) {
    const secret = Buffer.from(unseal(member.totp_secret_sealed, context.keys.credentials, `console-totp:${member.id}`), 'base64');
    const lastStep = member.totp_last_step === null ? null : BigInt(member.totp_last_step);
    const step = matchTotp(secret, input.code, context.clock.nowMs(), lastStep);
    // Taking the step is what makes a code single-use, even against a replay sent at the same moment.
    return step !== null && (await takeTotpStep(context.db, member.id, step)) ? 'totp' : 'wrong';
  }
  if (input.recovery_code) {
    const used = await useRecoveryCode(context.db, member, hashToken(normalizeRecoveryCode(input.recovery_code)), now(context));
    return used ? 'recovery_code' : 'wrong';
  }
  return 'missing';
}
