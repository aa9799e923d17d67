/** Column types every table file shares: timestamps as `Date`, JSON as text, bigint amounts. */
import type { ColumnType } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type Json<T> = ColumnType<T, string, string>;
export type BigIntColumn = ColumnType<bigint, bigint | number | string, bigint | number | string>;
export type Mode = 'test' | 'live';
/** `merchant_id` on a table that gained it in migration 0058 (its rows belong to a row of a tenant table): written by every insert, never updated. */
export type ChildMerchantId = ColumnType<string, string, never>;
