/** Customers: the payers a merchant knows by id. */
import type { Db } from './database.ts';
import type { CustomerRow, Mode } from './schema.ts';

export interface NewCustomer {
  id: string;
  merchant_id: string;
  mode: Mode;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string;
  metadata: Record<string, string>;
  created_at: Date;
  time_zone: string;
  email_opt_out: boolean;
  sms_opt_out: boolean;
}

export type CustomerChange = Partial<Omit<NewCustomer, 'id' | 'merchant_id' | 'mode' | 'created_at'>>;

export async function updateCustomer(db: Db, scope: { merchantId: string; mode: Mode }, id: string, change: CustomerChange): Promise<CustomerRow | undefined> {
  const { metadata, ...rest } = change;
  if (Object.keys(change).length === 0) return findCustomer(db, scope, id);
  return db
    .updateTable('customers')
    .set({ ...rest, ...(metadata ? { metadata: JSON.stringify(metadata) } : {}) })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .returningAll()
    .executeTakeFirst();
}

export async function insertCustomer(db: Db, customer: NewCustomer): Promise<CustomerRow> {
  return db
    .insertInto('customers')
    .values({ ...customer, metadata: JSON.stringify(customer.metadata) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCustomer(db: Db, scope: { merchantId: string; mode: Mode }, id: string): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
}
