/** One customer of the caller's merchant and mode, with their flag for abuse of cancellation. */
import { PaymentError } from '../../domain/errors.ts';
import { findCustomer } from '../../store/customers.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';
import { presentWithFlag } from './present-customer.ts';

export async function retrieveCustomer(context: FlowContext, scope: Scope, id: string) {
  const customer = await findCustomer(context.db, scope, id);
  if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id } });
  return presentWithFlag(context, customer);
}
