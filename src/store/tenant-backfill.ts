/**
 * The backfill of `merchant_id` on the tables that gained it in migration
 * 0058 (issue 19 item 5, the path to Citus): the rows written before that
 * migration read null, and each gets its parent row's merchant here, in
 * bounded batches run by the worker (jobs: backfill_tenant_keys). Rows written
 * since have it already: the application writes it, and the migration's
 * trigger fills it for the previous version's inserts, so the rows left null
 * only shrink.
 *
 * Each table is walked in the order of its heap pages, a few pages per
 * statement (at most 291 rows a page), from the page `tenant_key_backfills`
 * keeps. A statement fills the range's null rows and moves the page on
 * together, so a crash at any point loses nothing and repeats nothing that
 * matters (filling is idempotent). A row updated meanwhile may move to a
 * page already walked, so a walk's end is judged by one exact check (a
 * single snapshot): a table with no null row left whose parent exists is
 * marked done; otherwise it is walked again. Once every table is done, a run
 * reads the fifteen rows of `tenant_key_backfills` and nothing else.
 *
 * Rows whose parent is gone are left null (none can be found): expiry watch
 * rows of archived payments, which pruneExpiryWatch deletes, and idempotency
 * keys of console sessions (`api_key_id` = `session:…`, no api_keys row),
 * which expire within the retention. The contract release's `not null`
 * waits for both.
 */
import { sql } from 'kysely';
import { assert, AssertionError } from '../domain/assert.ts';
import type { Db } from './database.ts';

/** The tables of migration 0058, each with its parent tenant table and the column naming the parent row (its `id`). */
export const tenantChildTables = {
  console_recovery_codes: { parent: 'console_members', through: 'member_id' },
  console_tokens: { parent: 'console_members', through: 'member_id' },
  coupon_code_tries: { parent: 'payments', through: 'payment_id' },
  coupon_customer_holds: { parent: 'coupons', through: 'coupon_id' },
  experiment_exposures: { parent: 'experiments', through: 'experiment_id' },
  support_messages: { parent: 'support_requests', through: 'request_id' },
  support_request_events: { parent: 'support_requests', through: 'request_id' },
  idempotency_keys: { parent: 'api_keys', through: 'api_key_id' },
  ledger_entries: { parent: 'ledger_transactions', through: 'transaction_id' },
  payment_expiry_retries: { parent: 'payments', through: 'payment_id' },
  payment_expiry_watch: { parent: 'payments', through: 'payment_id' },
  provider_notifications: { parent: 'connector_accounts', through: 'connector_account_id' },
  reconciliation_mismatches: { parent: 'connector_accounts', through: 'connector_account_id' },
  wallet_pins: { parent: 'customers', through: 'customer_id' },
  webhook_delivery_attempts: { parent: 'webhook_deliveries', through: 'delivery_id' },
} as const satisfies Record<string, { parent: string; through: string }>;

export type TenantChildTable = keyof typeof tenantChildTables;

export interface PendingBackfill {
  table: TenantChildTable;
  /** The first heap page of the next batch. */
  nextPage: number;
  /** The table's heap pages now: a walk that reaches this is at its end. */
  pages: number;
}

/** The tables not yet done, with where each walk stands: one indexed read of at most fifteen rows. */
export async function pendingTenantKeyBackfills(db: Db): Promise<PendingBackfill[]> {
  // The first run writes a row per table (the migration leaves the table empty, as a database to restore into must be);
  // later runs find them all and insert nothing.
  const tables = Object.keys(tenantChildTables);
  const result = await sql<{ table_name: string; next_page: bigint; pages: bigint }>`
    with started as (
      insert into tenant_key_backfills (table_name)
      select t from unnest(${tables}::text[]) t where not exists (select 1 from tenant_key_backfills b where b.table_name = t)
      on conflict do nothing
      returning table_name, next_page, done_at
    ),
    walks as (
      select table_name, next_page, done_at from tenant_key_backfills
      union all
      select table_name, next_page, done_at from started
    )
    select table_name, next_page, pg_relation_size(table_name::regclass) / current_setting('block_size')::bigint as pages
      from walks
     where done_at is null
     order by table_name`.execute(db);
  return result.rows.map((row) => ({ table: childTable(row.table_name), nextPage: Number(row.next_page), pages: Number(row.pages) }));
}

/**
 * Fills the null `merchant_id` of the rows on pages [`fromPage`, `fromPage + pages`) from their parent, and
 * moves the table's walk to the next range, in one statement. Rows locked by a request right now are left for
 * the next walk rather than waited for. `advanced` is false when the walk was not at `fromPage` any more
 * (another worker moved it): then nothing else is to be done with this table in this run.
 */
export async function fillTenantKeyBatch(db: Db, table: TenantChildTable, fromPage: number, pages: number): Promise<{ filled: number; advanced: boolean }> {
  assert(Number.isSafeInteger(fromPage) && fromPage >= 0 && Number.isSafeInteger(pages) && pages > 0, 'a batch is a range of pages');
  const { parent, through } = tenantChildTables[table];
  const result = await sql<{ filled: number; advanced: number }>`
    with picked as (
      select c.ctid as row_id
        from ${sql.table(table)} c
       where c.ctid >= ${`(${fromPage},0)`}::tid and c.ctid < ${`(${fromPage + pages},0)`}::tid and c.merchant_id is null
         for no key update of c skip locked
    ),
    filled as (
      update ${sql.table(table)} c set merchant_id = p.merchant_id
        from ${sql.table(parent)} p
       where c.ctid = any(array(select row_id from picked)) and p.id = c.${sql.ref(through)} and c.merchant_id is null
      returning 1
    ),
    advanced as (
      update tenant_key_backfills set next_page = ${fromPage + pages}
       where table_name = ${table} and next_page = ${fromPage} and done_at is null
      returning 1
    )
    select (select count(*) from filled)::int as filled, (select count(*) from advanced)::int as advanced
  `.execute(db);
  const row = result.rows[0]!;
  return { filled: row.filled, advanced: row.advanced === 1 };
}

/**
 * Ends a walk that reached the table's last page (`atPage`): done, if no null `merchant_id` is left on a row
 * whose parent exists (one read of the table, in one snapshot, so a row that moved during the walk is seen);
 * otherwise the walk starts again at page 0. Answers whether the table is done, or null when the walk was not
 * at `atPage` any more (another worker moved it).
 */
export async function finishTenantKeyWalk(db: Db, table: TenantChildTable, atPage: number, at: Date): Promise<boolean | null> {
  const { parent, through } = tenantChildTables[table];
  const result = await sql<{ done: boolean }>`
    update tenant_key_backfills
       set next_page = 0,
           done_at = case when exists (select 1 from ${sql.table(table)} c join ${sql.table(parent)} p on p.id = c.${sql.ref(through)}
                                        where c.merchant_id is null)
                          then null else ${at}::timestamptz end
     where table_name = ${table} and next_page = ${atPage} and done_at is null
    returning done_at is not null as done
  `.execute(db);
  return result.rows[0]?.done ?? null;
}

function childTable(name: string): TenantChildTable {
  if (!Object.hasOwn(tenantChildTables, name)) throw new AssertionError(`tenant_key_backfills names ${name}, which is not a table of migration 0058`);
  return name as TenantChildTable;
}
