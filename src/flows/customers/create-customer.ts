/** Creating a customer: the fields sent, the rest empty; the time zone follows the locale (English: UTC) unless sent. */
import { insertCustomer } from '../../store/customers.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { changeOf, defaultTimeZones, type CustomerInput } from './customer-input.ts';
import { presentCustomer } from './present-customer.ts';

export async function createCustomer(context: FlowContext, scope: Scope, input: CustomerInput) {
  const locale = input.locale ?? 'en';
  const customer = await insertCustomer(context.db, {
    id: context.ids.newId('cus'),
    merchant_id: scope.merchantId,
    mode: scope.mode,
    email: null,
    phone: null,
    name: null,
    metadata: {},
    time_zone: defaultTimeZones[locale],
    email_opt_out: false,
    sms_opt_out: false,
    ...changeOf(input),
    locale,
    created_at: now(context),
  });
  // A customer just created has cancelled nothing yet.
  return presentCustomer(customer, null);
}
