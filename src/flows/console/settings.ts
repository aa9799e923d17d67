/**
 * Console settings owners and admins change: the merchant's business name,
 * support and operations addresses and time zone, and how much support
 * staff may refund per payment, per currency; and each member's language.
 */
import { assert } from '../../domain/assert.ts';
import { isTimeZone } from '../../domain/console/time-zone.ts';
import { PaymentError } from '../../domain/errors.ts';
import type { Locale } from '../../domain/locale.ts';
import { amountToJson } from '../../domain/money.ts';
import { findAbuseSettings } from '../../store/cancellation-abuse.ts';
import { findMemberForUpdate, updateMember } from '../../store/console/members.ts';
import { findMerchantSettings, lockMerchantSettings, updateMerchantSettings, type MerchantSettings } from '../../store/console/merchant-settings.ts';
import type { Scope } from '../../store/payments.ts';
import { findRefundLimit, listRefundLimits, setRefundLimit } from '../../store/console/refund-limits.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';

export async function refundLimits(context: FlowContext, merchantId: string) {
  const rows = await listRefundLimits(context.db, merchantId);
  return { object: 'refund_limits' as const, data: rows.map((row) => ({ currency: row.currency, amount_max: amountToJson(row.amount_max) })) };
}

export async function changeRefundLimit(context: FlowContext, actor: ConsoleActor, input: { currency: string; amount_max: number }) {
  await context.db.transaction().execute(async (trx) => {
    const before = await findRefundLimit(trx, actor.merchantId, input.currency);
    await setRefundLimit(trx, actor.merchantId, input.currency, BigInt(input.amount_max), now(context));
    await audit(
      context,
      trx,
      byMember(actor, 'settings.refund_limit_changed', { type: 'refund_limit', id: input.currency }, { before: { amount_max: before }, after: { amount_max: input.amount_max } }),
    );
  });
  return refundLimits(context, actor.merchantId);
}

export interface SettingsChange {
  business_name?: string;
  support_email?: string | null;
  support_phone?: string | null;
  operations_email?: string | null;
  time_zone?: string;
}

/** Everything the Settings page shows; the cancellation-abuse policy is the mode's. */
export async function consoleSettings(context: FlowContext, scope: Scope) {
  const merchant = await findMerchantSettings(context.db, scope.merchantId);
  assert(merchant !== undefined, 'a signed-in member’s merchant exists');
  const abuse = await findAbuseSettings(context.db, scope);
  const limits = await refundLimits(context, scope.merchantId);
  return {
    object: 'console_settings' as const,
    ...presentMerchantSettings(merchant),
    cancellation_abuse: {
      object: 'cancellation_abuse_settings' as const,
      mode: scope.mode,
      max_cancellations_per_hour: abuse.maxCancellationsPerHour,
      action: abuse.action,
      flag_duration_hours: abuse.flagDurationHours,
      updated_at: abuse.updatedAt ? abuse.updatedAt.toISOString() : null,
    },
    refund_limits: limits.data,
  };
}

function presentMerchantSettings(merchant: MerchantSettings) {
  return {
    business_name: merchant.name,
    support_email: merchant.support_email,
    support_phone: merchant.support_phone,
    operations_email: merchant.operations_email,
    time_zone: merchant.time_zone,
  };
}

/** Changes the merchant's details; the audit row (the changed fields, before and after) commits with the change. */
export async function changeSettings(context: FlowContext, actor: ConsoleActor, scope: Scope, change: SettingsChange) {
  if (change.time_zone !== undefined && !isTimeZone(change.time_zone)) {
    throw new PaymentError('parameter_invalid', { param: 'time_zone', details: { reason: 'an IANA time zone, such as Asia/Shanghai' } });
  }
  const patch: Partial<MerchantSettings> = {
    ...(change.business_name !== undefined ? { name: change.business_name } : {}),
    ...(change.support_email !== undefined ? { support_email: change.support_email } : {}),
    ...(change.support_phone !== undefined ? { support_phone: change.support_phone } : {}),
    ...(change.operations_email !== undefined ? { operations_email: change.operations_email } : {}),
    ...(change.time_zone !== undefined ? { time_zone: change.time_zone } : {}),
  };
  if (Object.keys(patch).length > 0) {
    await context.db.transaction().execute(async (trx) => {
      const before = await lockMerchantSettings(trx, actor.merchantId);
      assert(before !== undefined, 'a signed-in member’s merchant exists');
      const after = await updateMerchantSettings(trx, actor.merchantId, patch);
      assert(after !== undefined, 'the merchant locked above still exists');
      const fields = Object.keys(change) as (keyof ReturnType<typeof presentMerchantSettings>)[];
      const shown = (settings: MerchantSettings) => Object.fromEntries(fields.map((field) => [field, presentMerchantSettings(settings)[field]]));
      await audit(context, trx, byMember(actor, 'settings.changed', { type: 'merchant', id: actor.merchantId }, { before: shown(before), after: shown(after) }));
    });
  }
  return consoleSettings(context, scope);
}

/** The merchant's name and time zone, for the session's answer. */
export async function merchantOfSession(context: FlowContext, merchantId: string): Promise<{ merchant_name: string; time_zone: string }> {
  const merchant = await findMerchantSettings(context.db, merchantId);
  assert(merchant !== undefined, 'a signed-in member’s merchant exists');
  return { merchant_name: merchant.name, time_zone: merchant.time_zone };
}

/** The member's language, remembered for their next sign-in. */
export async function changeLocale(context: FlowContext, actor: ConsoleActor, locale: Locale): Promise<void> {
  await context.db.transaction().execute(async (trx) => {
    const member = await findMemberForUpdate(trx, actor.merchantId, actor.memberId);
    assert(member !== undefined, 'a signed-in member exists');
    if (member.locale === locale) return;
    await updateMember(trx, actor.memberId, { locale }, now(context));
    await audit(context, trx, byMember(actor, 'member.locale_changed', { type: 'member', id: actor.memberId }, { before: { locale: member.locale }, after: { locale } }));
  });
}
