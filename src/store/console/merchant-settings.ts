/** The merchant's own details the console shows and changes (business name, addresses, time zone). */
import type { Db } from '../database.ts';

export interface MerchantSettings {
  name: string;
  support_email: string | null;
  support_phone: string | null;
  operations_email: string | null;
  time_zone: string;
}

const columns = ['name', 'support_email', 'support_phone', 'operations_email', 'time_zone'] as const;

export async function findMerchantSettings(db: Db, merchantId: string): Promise<MerchantSettings | undefined> {
  return db.selectFrom('merchants').select(columns).where('id', '=', merchantId).executeTakeFirst();
}

/** The row locked for a change in the caller's transaction, so before and after are the change's own. */
export async function lockMerchantSettings(db: Db, merchantId: string): Promise<MerchantSettings | undefined> {
  return db.selectFrom('merchants').select(columns).where('id', '=', merchantId).forUpdate().executeTakeFirst();
}

export async function updateMerchantSettings(db: Db, merchantId: string, patch: Partial<MerchantSettings>): Promise<MerchantSettings | undefined> {
  return db.updateTable('merchants').set(patch).where('id', '=', merchantId).returning(columns).executeTakeFirst();
}
