/** A customer as the API shows it, with `restricted_until` from their flag for abuse of cancellation. */
import { findActiveFlag } from '../../store/cancellation-abuse.ts';
import type { CustomerRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';

export function presentCustomer(customer: CustomerRow, restrictedUntil: Date | null) {
  return {
    id: customer.id,
    object: 'customer' as const,
    livemode: customer.mode === 'live',
    email: customer.email,
    phone: customer.phone,
    name: customer.name,
    locale: customer.locale,
    time_zone: customer.time_zone,
    notifications: { email: !customer.email_opt_out, sms: !customer.sms_opt_out },
    metadata: customer.metadata,
    restricted_until: restrictedUntil ? restrictedUntil.toISOString() : null,
    created_at: customer.created_at.toISOString(),
  };
}

/** The customer with their flag for abuse of cancellation, when one holds now (flags are kept per merchant and mode). */
export async function presentWithFlag(context: FlowContext, customer: CustomerRow) {
  const flag = await findActiveFlag(context.db, { merchantId: customer.merchant_id, mode: customer.mode }, customer.id, now(context));
  return presentCustomer(customer, flag?.flagged_until ?? null);
}
