/** Setting and reading a merchant's loyalty programme (PUT /v1/loyalty/programme is idempotent by content). */
import { PaymentError } from '../../domain/errors.ts';
import { checkTerms, type Programme, type ProgrammeTerms } from '../../domain/loyalty/programme.ts';
import { isCurrency } from '../../domain/money.ts';
import { findProgramme, saveProgramme } from '../../store/loyalty.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';

export interface ProgrammeInput {
  enabled: boolean;
  currency: string;
  earn: { points_per_unit: number; by_payment_method?: Record<string, number>; segment_percent?: Record<string, number>; campaigns?: ProgrammeTerms['earn']['campaigns'] };
  spend_delay_hours: number;
  expiry_days: number;
  redemption: ProgrammeTerms['redemption'];
}

export async function setProgramme(context: FlowContext, scope: Scope, input: ProgrammeInput) {
  if (!isCurrency(input.currency)) throw new PaymentError('currency_invalid', { param: 'currency', details: { currency: input.currency } });
  const terms: ProgrammeTerms = {
    earn: {
      points_per_unit: input.earn.points_per_unit,
      by_payment_method: input.earn.by_payment_method ?? {},
      segment_percent: input.earn.segment_percent ?? {},
      campaigns: input.earn.campaigns ?? [],
    },
    spend_delay_hours: input.spend_delay_hours,
    expiry_days: input.expiry_days,
    redemption: input.redemption,
  };
  const refusal = checkTerms(terms);
  if (refusal) throw new PaymentError('parameter_invalid', { param: 'programme', details: { reason: refusal } });
  const saved = await saveProgramme(context.db, scope, { enabled: input.enabled, currency: input.currency, terms }, now(context));
  return presentProgramme(saved);
}

export async function getProgramme(context: FlowContext, scope: Scope) {
  const programme = await findProgramme(context.db, scope);
  if (!programme) throw new PaymentError('resource_missing', { param: 'programme', details: { resource: 'loyalty programme', id: scope.merchantId } });
  return presentProgramme(programme);
}

export function presentProgramme(programme: Programme) {
  return {
    object: 'loyalty_programme' as const,
    enabled: programme.enabled,
    currency: programme.currency,
    ...programme.terms,
    rounding: 'down' as const,
    version: programme.version,
  };
}
