/**
 * The merchant's settings against abuse of cancellation (per mode): how many
 * cancellations an hour flag a customer, for how long, and what confirm then
 * does (flows/payments/cancellation-abuse.ts). Defaults until set.
 */
import type { AbuseAction } from '../../domain/insight/cancellation-abuse.ts';
import { changeAbuseSettings as changeStoredAbuseSettings, findAbuseSettings } from '../../store/cancellation-abuse.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';

export interface AbuseSettingsChange {
  max_cancellations_per_hour?: number;
  action?: AbuseAction;
  flag_duration_hours?: number;
}

export async function abuseSettings(context: FlowContext, scope: Scope) {
  return presentSettings(await findAbuseSettings(context.db, scope));
}

/** Fields left out keep their value. */
export async function changeAbuseSettings(context: FlowContext, scope: Scope, change: AbuseSettingsChange) {
  await changeStoredAbuseSettings(
    context.db,
    scope,
    { maxCancellationsPerHour: change.max_cancellations_per_hour, action: change.action, flagDurationHours: change.flag_duration_hours },
    now(context),
  );
  return presentSettings(await findAbuseSettings(context.db, scope));
}

function presentSettings(settings: Awaited<ReturnType<typeof findAbuseSettings>>) {
  return {
    object: 'cancellation_abuse_settings' as const,
    max_cancellations_per_hour: settings.maxCancellationsPerHour,
    action: settings.action,
    flag_duration_hours: settings.flagDurationHours,
    updated_at: settings.updatedAt ? settings.updatedAt.toISOString() : null,
  };
}
