/**
 * What a customer is created or changed with, as the API takes it, and the
 * rules it is checked by: a time zone must be one the runtime knows (IANA),
 * and one left out follows the locale when the customer is created.
 */
import { PaymentError } from '../../domain/errors.ts';
import type { Locale } from '../../domain/locale.ts';
import type { CustomerChange } from '../../store/customers.ts';

export interface CustomerInput {
  email?: string;
  phone?: string;
  name?: string;
  locale?: Locale;
  time_zone?: string;
  notifications?: { email?: boolean; sms?: boolean };
  metadata?: Record<string, string>;
}

/** Where most payers writing each language live, when the merchant does not say. */
export const defaultTimeZones: Record<Locale, string> = { en: 'UTC', 'zh-CN': 'Asia/Shanghai', 'zh-TW': 'Asia/Taipei' };

/** The columns the input changes: only the fields sent. */
export function changeOf(input: CustomerInput): CustomerChange {
  return {
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.locale !== undefined ? { locale: input.locale } : {}),
    ...(input.time_zone !== undefined ? { time_zone: checkTimeZone(input.time_zone) } : {}),
    ...(input.notifications?.email !== undefined ? { email_opt_out: !input.notifications.email } : {}),
    ...(input.notifications?.sms !== undefined ? { sms_opt_out: !input.notifications.sms } : {}),
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
  };
}

function checkTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new PaymentError('parameter_invalid', { param: 'time_zone', details: { reason: 'not an IANA time zone such as Asia/Shanghai' } });
  }
}
