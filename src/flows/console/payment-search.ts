/**
 * The console's payment search: what a member typed in the one search box
 * (`q`) read by its shape, plus explicit filters; newest first with keyset
 * pagination, or up to `consolePaymentsCsvRowsMax` rows for a CSV export.
 */
import { PaymentError } from '../../domain/errors.ts';
import type { PaymentStatus } from '../../domain/payments/payment-state.ts';
import { searchPayments, type FoundPayment, type PaymentSearch } from '../../store/console/payment-search.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export type { FoundPayment };

export interface PaymentSearchInput {
  q?: string;
  id?: string;
  order_reference?: string;
  customer?: string;
  email?: string;
  card_last4?: string;
  amount?: number;
  amount_gte?: number;
  amount_lte?: number;
  currency?: string;
  status?: PaymentStatus | PaymentStatus[];
  method?: string;
  channel?: string;
  created_gte?: string;
  created_lt?: string;
  starting_after?: string;
}

/**
 * The box's text by its shape: `pay_…` an id, `cus_…` a customer, text with
 * `@` an email, four digits a card's last four, anything else an order
 * reference.
 */
export function searchBoxFilter(q: string): Partial<PaymentSearch> {
  const text = q.trim();
  if (/^pay_[0-9a-z]{26}$/.test(text)) return { id: text };
  if (/^cus_[0-9a-z]{26}$/.test(text)) return { customer: text };
  if (text.includes('@')) return { email: text };
  if (/^[0-9]{4}$/.test(text)) return { cardLast4: text };
  return { orderReference: text };
}

function instant(text: string | undefined, param: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'an ISO 8601 time' } });
  return date;
}

export async function findPayments(context: FlowContext, scope: Scope, input: PaymentSearchInput, limit: number): Promise<{ data: FoundPayment[]; hasMore: boolean }> {
  const search: PaymentSearch = {
    ...(input.q ? searchBoxFilter(input.q) : {}),
    ...(input.id ? { id: input.id } : {}),
    ...(input.order_reference ? { orderReference: input.order_reference } : {}),
    ...(input.customer ? { customer: input.customer } : {}),
    ...(input.email ? { email: input.email } : {}),
    ...(input.card_last4 ? { cardLast4: input.card_last4 } : {}),
    amount: input.amount,
    amountGte: input.amount_gte,
    amountLte: input.amount_lte,
    currency: input.currency,
    statuses: input.status === undefined ? undefined : [input.status].flat(),
    method: input.method,
    connectorAccount: input.channel,
    createdGte: instant(input.created_gte, 'created_gte'),
    createdLt: instant(input.created_lt, 'created_lt'),
    startingAfter: input.starting_after,
    limit,
  };
  const rows = await onReadDatabase(context, (db) => searchPayments(db, scope, search));
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

export async function findPaymentForConsole(context: FlowContext, scope: Scope, id: string): Promise<FoundPayment> {
  const [found] = await onReadDatabase(context, (db) => searchPayments(db, scope, { id, limit: 1 }));
  if (!found) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'payment', id } });
  return found;
}
