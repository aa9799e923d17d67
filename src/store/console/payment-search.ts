/**
 * The console's payment search: the payments list's filters and more (order
 * reference, the customer's email, the card's last four, amounts, method,
 * connector account), newest first by id (ids grow with time), with keyset
 * pagination. Each row carries what the search matched on, for the table.
 */
import { sql, type SqlBool } from 'kysely';
import type { PaymentStatus } from '../../domain/payments/payment-state.ts';
import type { Db } from '../database.ts';
import type { PaymentRecord, Scope } from '../payments.ts';

export interface PaymentSearch {
  id?: string;
  orderReference?: string;
  customer?: string;
  email?: string;
  cardLast4?: string;
  amount?: number;
  amountGte?: number;
  amountLte?: number;
  currency?: string;
  statuses?: readonly PaymentStatus[];
  method?: string;
  connectorAccount?: string;
  createdGte?: Date;
  createdLt?: Date;
  startingAfter?: string;
  limit: number;
}

export type FoundPayment = PaymentRecord & {
  customer_email: string | null;
  order_reference: string | null;
  card_last4: string | null;
  connector_account: string | null;
};

/** One row more than `limit`, to tell whether there is more. */
export async function searchPayments(db: Db, scope: Scope, search: PaymentSearch): Promise<FoundPayment[]> {
  let query = db
    .selectFrom('payments')
    .leftJoin('customers', 'customers.id', 'payments.customer_id')
    .selectAll('payments')
    .select([
      sql<bigint>`coalesce((select sum(r.amount) from refunds r where r.payment_id = payments.id and r.merchant_id = payments.merchant_id and r.status = 'succeeded'), 0)::bigint`.as('amount_refunded'),
      'customers.email as customer_email',
      sql<string | null>`payments.order_details->>'reference'`.as('order_reference'),
      sql<string | null>`payments.payment_method->'card'->>'last4'`.as('card_last4'),
      sql<string | null>`(select a.connector_account_id from payment_attempts a where a.payment_id = payments.id and a.merchant_id = payments.merchant_id and a.operation = 'authorize' order by a.id desc limit 1)`.as(
        'connector_account',
      ),
    ])
    .where('payments.merchant_id', '=', scope.merchantId)
    .where('payments.mode', '=', scope.mode);
  if (search.id) query = query.where('payments.id', '=', search.id);
  if (search.orderReference) query = query.where(sql<SqlBool>`payments.order_details->>'reference' = ${search.orderReference}`);
  if (search.customer) query = query.where('payments.customer_id', '=', search.customer);
  if (search.email) query = query.where(sql<SqlBool>`lower(customers.email) = lower(${search.email})`);
  if (search.cardLast4) query = query.where(sql<SqlBool>`payments.payment_method->'card'->>'last4' = ${search.cardLast4}`);
  if (search.amount !== undefined) query = query.where('payments.amount', '=', BigInt(search.amount));
  if (search.amountGte !== undefined) query = query.where('payments.amount', '>=', BigInt(search.amountGte));
  if (search.amountLte !== undefined) query = query.where('payments.amount', '<=', BigInt(search.amountLte));
  if (search.currency) query = query.where('payments.currency', '=', search.currency);
  if (search.statuses && search.statuses.length > 0) query = query.where('payments.status', 'in', [...search.statuses]);
  if (search.method) query = query.where(sql<SqlBool>`payments.payment_method->>'type' = ${search.method}`);
  if (search.connectorAccount) {
    const account = search.connectorAccount;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('payment_attempts').select(sql`1`.as('one')).whereRef('payment_attempts.payment_id', '=', 'payments.id').where('payment_attempts.connector_account_id', '=', account)),
    );
  }
  if (search.createdGte) query = query.where('payments.created_at', '>=', search.createdGte);
  if (search.createdLt) query = query.where('payments.created_at', '<', search.createdLt);
  if (search.startingAfter) query = query.where('payments.id', '<', search.startingAfter);
  const rows = await query.orderBy('payments.id', 'desc').limit(search.limit + 1).execute();
  return rows as FoundPayment[];
}
