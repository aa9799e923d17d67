/** Changing a customer: only the fields sent change, in one statement scoped to the caller's merchant and mode. */
import { PaymentError } from '../../domain/errors.ts';
import { updateCustomer } from '../../store/customers.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';
import { changeOf, type CustomerInput } from './customer-input.ts';
import { presentWithFlag } from './present-customer.ts';

export async function changeCustomer(context: FlowContext, scope: Scope, id: string, input: CustomerInput) {
  const customer = await updateCustomer(context.db, scope, id, changeOf(input));
  if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id } });
  return presentWithFlag(context, customer);
}
