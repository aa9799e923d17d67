/**
 * The console's customer search: by id, email, name or phone, optionally
 * only restricted customers (flagged for abuse of cancellation) or those of
 * a list of ids (a segment); newest first with keyset pagination. Each row
 * carries its payment count, last payment and restriction.
 */
import { sql, type SqlBool } from 'kysely';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';

export interface CustomerSearch {
  q?: string;
  restrictedAt?: Date;
  ids?: readonly string[];
  startingAfter?: string;
  limit: number;
}

function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One row more than `limit`, to tell whether there is more. */
export async function searchCustomers(db: Db, scope: Scope, search: CustomerSearch) {
  let query = db
    .selectFrom('customers')
    .leftJoin('cancellation_abuse_flags as flags', (join) =>
      join.onRef('flags.customer_id', '=', 'customers.id').onRef('flags.merchant_id', '=', 'customers.merchant_id').onRef('flags.mode', '=', 'customers.mode'),
    )
    .select([
      'customers.id',
      'customers.email',
      'customers.name',
      'customers.phone',
      'customers.created_at',
      'flags.flagged_at',
      'flags.flagged_until',
      'flags.cancellations',
      'flags.max_cancellations_per_hour',
      sql<number>`(select count(*)::int from payments p where p.customer_id = customers.id and p.merchant_id = customers.merchant_id)`.as('payments_count'),
      sql<Date | null>`(select max(p.created_at) from payments p where p.customer_id = customers.id and p.merchant_id = customers.merchant_id)`.as('last_payment_at'),
    ])
    .where('customers.merchant_id', '=', scope.merchantId)
    .where('customers.mode', '=', scope.mode);
  const q = search.q?.trim();
  if (q) {
    if (/^cus_[0-9a-z]{26}$/.test(q)) query = query.where('customers.id', '=', q);
    else if (q.includes('@')) query = query.where(sql<SqlBool>`lower(customers.email) like ${likePrefix(q.toLowerCase())}`);
    else if (/^\+?[0-9 ()-]{3,}$/.test(q)) query = query.where('customers.phone', 'like', likePrefix(q));
    else query = query.where(sql<SqlBool>`(lower(customers.name) like ${likePrefix(q.toLowerCase())} or lower(customers.email) like ${likePrefix(q.toLowerCase())})`);
  }
  if (search.restrictedAt) query = query.where('flags.flagged_until', '>', search.restrictedAt);
  if (search.ids) query = query.where(sql<SqlBool>`customers.id = any(${[...search.ids]}::text[])`);
  if (search.startingAfter) query = query.where('customers.id', '<', search.startingAfter);
  return query.orderBy('customers.id', 'desc').limit(search.limit + 1).execute();
}

export type FoundCustomer = Awaited<ReturnType<typeof searchCustomers>>[number];
