/**
 * Migration 0058 (issue 19 item 5, the path to Citus): `merchant_id` on the
 * fifteen tables whose rows belong to a row of a tenant table. The expand
 * step of docs/migrations.md rule 3: the application writes it on every
 * insert; a trigger fills it for an insert that leaves it out (the previous
 * version's, during a rolling deploy); and the worker's backfill fills the
 * rows from before the migration, in bounded batches, safe to stop and to
 * run again, and idle once done.
 */
import { randomUUID } from 'node:crypto';
import type { JobHelpers } from 'graphile-worker';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillTenantKeys, type TenantKeyBackfillBounds, type TenantKeyBackfillRun } from '../../src/flows/operations/tenant-key-backfill.ts';
import { deliverDueWebhooks } from '../../src/flows/notifications/deliver-webhook.ts';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { jobNames, taskList } from '../../src/jobs/worker.ts';
import { ensureLedgerAccounts, post } from '../../src/store/ledger.ts';
import { pendingTenantKeyBackfills, tenantChildTables, type TenantChildTable } from '../../src/store/tenant-backfill.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

/** Thrown to roll a transaction back once what it wrote has been read. */
class RolledBack extends Error {
  readonly merchantIds: (string | null)[];
  constructor(merchantIds: (string | null)[]) {
    super('rolled back');
    this.merchantIds = merchantIds;
  }
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

const childTables = Object.keys(tenantChildTables) as TenantChildTable[];

interface TestMerchant {
  merchantId: string;
  secretKey: string;
  apiKeyId: string;
}

async function newMerchant(): Promise<TestMerchant> {
  const created = await stack.newMerchant();
  const key = await stack.db.db
    .selectFrom('api_keys')
    .select('id')
    .where('merchant_id', '=', created.merchant.merchantId)
    .where('kind', '=', 'secret')
    .where('mode', '=', 'test')
    .executeTakeFirstOrThrow();
  return { merchantId: created.merchant.merchantId, secretKey: created.secretKey, apiKeyId: key.id };
}

async function newCustomer(merchant: TestMerchant): Promise<string> {
  const customer = await stack.api('POST', '/v1/customers', { email: 'payer@example.com', locale: 'en' }, { key: merchant.secretKey });
  expect(customer.status, JSON.stringify(customer.body)).toBe(200);
  return customer.body.id;
}

/** `count` top-ups of the customer's wallet, through the store's posting (the statement the payment flows embed). */
async function topUps(merchant: TestMerchant, customerId: string, count: number): Promise<void> {
  const scope = { merchantId: merchant.merchantId, mode: 'test' as const };
  await ensureLedgerAccounts(stack.db.db, scope, { currency: 'CNY', customerId, kinds: ['customer_wallet', 'top_up_clearing'], newId: () => stack.context.ids.newId('lac'), now: new Date() });
  for (let i = 0; i < count; i += 1) {
    const posting = {
      kind: 'top_up' as const,
      currency: 'CNY',
      customerId,
      paymentId: null,
      refundId: null,
      idempotencyKey: `top_up:${randomUUID()}`,
      legs: [
        { account: 'customer_wallet' as const, amount: 100n },
        { account: 'top_up_clearing' as const, amount: -100n },
      ],
    };
    expect(await post(stack.db.db, posting, scope, stack.context.ids.newId('ltx'), new Date())).toBe(true);
  }
}

/** A webhook delivery of the merchant, to an address where nothing listens (each try fails at once). */
async function newDelivery(merchant: TestMerchant): Promise<string> {
  const endpoint = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] }, { key: merchant.secretKey });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
  expect((await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY' }, { key: merchant.secretKey })).status).toBe(200);
  const delivery = await stack.db.db.selectFrom('webhook_deliveries').select('id').where('merchant_id', '=', merchant.merchantId).executeTakeFirstOrThrow();
  return delivery.id;
}

/** Runs `body` with the fill triggers of `tables` off, so what is written is what the application wrote. */
async function withFillTriggersOff<T>(tables: TenantChildTable[], body: () => Promise<T>): Promise<T> {
  for (const table of tables) await sql`alter table ${sql.table(table)} disable trigger ${sql.id(`${table}_merchant_id_from_parent`)}`.execute(stack.db.db);
  try {
    return await body();
  } finally {
    for (const table of tables) await sql`alter table ${sql.table(table)} enable trigger ${sql.id(`${table}_merchant_id_from_parent`)}`.execute(stack.db.db);
  }
}

/**
 * Makes rows look as if they were written before migration 0058: merchant_id null, with the triggers bypassed
 * (ledger entries refuse every other update; the immutability trigger is off only inside this transaction).
 */
async function forgetMerchantIds(table: TenantChildTable, where: RawBuilder<unknown>): Promise<number> {
  return stack.db.db.transaction().execute(async (trx) => {
    if (table === 'ledger_entries') await sql`alter table ledger_entries disable trigger ledger_entries_immutable`.execute(trx);
    const result = await sql`update ${sql.table(table)} set merchant_id = null where ${where}`.execute(trx);
    if (table === 'ledger_entries') await sql`alter table ledger_entries enable trigger ledger_entries_immutable`.execute(trx);
    return Number(result.numAffectedRows ?? 0n);
  });
}

async function merchantIdsOf(table: TenantChildTable, where: RawBuilder<unknown>): Promise<(string | null)[]> {
  const result = await sql<{ merchant_id: string | null }>`select merchant_id from ${sql.table(table)} where ${where}`.execute(stack.db.db);
  return result.rows.map((row) => row.merchant_id);
}

/** The walk's state as if migration 0058 had just run for `pending`, and the other tables were done. */
async function startBackfill(pending: TenantChildTable[], at: Partial<Record<TenantChildTable, number>> = {}): Promise<void> {
  await pendingTenantKeyBackfills(stack.db.db);
  await sql`update tenant_key_backfills set next_page = 0, done_at = now() where not (table_name = any(${pending}::text[]))`.execute(stack.db.db);
  for (const table of pending) {
    await sql`update tenant_key_backfills set next_page = ${at[table] ?? 0}, done_at = null where table_name = ${table}`.execute(stack.db.db);
  }
}

async function backfillUntilDone(bounds: TenantKeyBackfillBounds, runsMax = 1_000): Promise<{ runs: number; filled: number; batchesMax: number }> {
  let filled = 0;
  let batchesMax = 0;
  for (let runs = 1; runs <= runsMax; runs += 1) {
    const run: TenantKeyBackfillRun = await backfillTenantKeys(stack.context, bounds);
    filled += run.filled;
    batchesMax = Math.max(batchesMax, run.batches);
    if (!run.pending) return { runs, filled, batchesMax };
  }
  throw new Error(`the backfill was not done after ${runsMax} runs`);
}

async function pagesOf(table: TenantChildTable, where: RawBuilder<unknown>): Promise<number[]> {
  const result = await sql<{ page: number }>`
    select distinct (ctid::text::point)[0]::int as page from ${sql.table(table)} where ${where} order by page`.execute(stack.db.db);
  return result.rows.map((row) => row.page);
}

async function insertKeysTheOldWay(merchant: TestMerchant, count: number, apiKeyId = merchant.apiKeyId): Promise<void> {
  // The previous version's statement: no merchant_id.
  await sql`
    insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, created_at)
    select ${apiKeyId}, 'old-' || g || '-' || ${randomUUID()}, 'POST', '/v1/payments', '\\x00'::bytea, 'in_progress', now(), now()
      from generate_series(1, ${count}) as g`.execute(stack.db.db);
}

describe('migration 0058: merchant_id on the children of tenant rows', () => {
  it('gives each of the fifteen tables a nullable merchant_id and a fill trigger that runs only when an insert leaves it null', async () => {
    const columns = await sql<{ table_name: string; data_type: string; is_nullable: string }>`
      select table_name, data_type, is_nullable from information_schema.columns
       where table_schema = 'public' and column_name = 'merchant_id' and table_name = any(${childTables}::text[])`.execute(stack.db.db);
    expect(columns.rows.map((row) => row.table_name).sort()).toEqual([...childTables].sort());
    for (const row of columns.rows) expect(row, row.table_name).toMatchObject({ data_type: 'text', is_nullable: 'YES' });
    const triggers = await sql<{ table_name: string; definition: string }>`
      select c.relname as table_name, pg_get_triggerdef(t.oid) as definition
        from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where t.tgname = c.relname || '_merchant_id_from_parent' and c.relname = any(${childTables}::text[])`.execute(stack.db.db);
    expect(triggers.rows.map((row) => row.table_name).sort()).toEqual([...childTables].sort());
    for (const row of triggers.rows) {
      expect(row.definition).toContain('BEFORE INSERT');
      expect(row.definition).toContain('WHEN ((new.merchant_id IS NULL))');
      const { parent, through } = tenantChildTables[row.table_name as TenantChildTable];
      expect(row.definition).toContain(`fill_merchant_id_from_parent('${parent}', '${through}')`);
    }
    // The walks' rows are written by the backfill's first look, not by the migration (a restore wants an empty database).
    await pendingTenantKeyBackfills(stack.db.db);
    const backfills = await sql<{ table_name: string }>`select table_name from tenant_key_backfills order by table_name`.execute(stack.db.db);
    expect(backfills.rows.map((row) => row.table_name)).toEqual([...childTables].sort());
  });

  it('fills merchant_id from the parent row for an insert written the previous version\'s way', async () => {
    const merchant = await newMerchant();
    const other = await newMerchant();
    await insertKeysTheOldWay(merchant, 1);
    expect(await merchantIdsOf('idempotency_keys', sql`api_key_id = ${merchant.apiKeyId}`)).toEqual([merchant.merchantId]);

    // A parent written by an earlier part of the same statement is found: a ledger transaction and its entries.
    const customerId = await newCustomer(merchant);
    const scope = { merchantId: merchant.merchantId, mode: 'test' as const };
    await ensureLedgerAccounts(stack.db.db, scope, { currency: 'CNY', customerId, kinds: ['customer_wallet', 'top_up_clearing'], newId: () => stack.context.ids.newId('lac'), now: new Date() });
    const transactionId = stack.context.ids.newId('ltx');
    // Rolled back once read: these entries move no balance, and the ledger check (run by other tests over every
    // merchant) must never see them.
    const filled = await stack.db.db
      .transaction()
      .execute(async (trx) => {
        await sql`
          with t as (
            insert into ledger_transactions (id, merchant_id, mode, currency, kind, customer_id, payment_id, refund_id, idempotency_key, created_at)
            values (${transactionId}, ${merchant.merchantId}, 'test', 'CNY', 'top_up', ${customerId}, null, null, ${`old:${transactionId}`}, now())
            returning id
          )
          insert into ledger_entries (transaction_id, account_id, amount, balance_after, created_at)
          select t.id, a.id, case when a.kind = 'customer_wallet' then 100 else -100 end, 0, now()
            from t cross join ledger_accounts a
           where a.merchant_id = ${merchant.merchantId} and a.kind in ('customer_wallet', 'top_up_clearing')`.execute(trx);
        const rows = await sql<{ merchant_id: string | null }>`select merchant_id from ledger_entries where transaction_id = ${transactionId}`.execute(trx);
        throw new RolledBack(rows.rows.map((row) => row.merchant_id));
      })
      .catch((error: unknown) => {
        if (error instanceof RolledBack) return error.merchantIds;
        throw error;
      });
    expect(filled).toEqual([merchant.merchantId, merchant.merchantId]);

    const deliveryId = await newDelivery(other);
    await sql`
      insert into webhook_delivery_attempts (delivery_id, endpoint_id, attempt, attempted_at, request_url, request_signature, duration_ms)
      select id, endpoint_id, 1, now(), 'http://127.0.0.1:9/hooks', 't=1,v1=00', 5 from webhook_deliveries where id = ${deliveryId}`.execute(stack.db.db);
    expect(await merchantIdsOf('webhook_delivery_attempts', sql`delivery_id = ${deliveryId}`)).toEqual([other.merchantId]);

    // A merchant_id the insert gives is kept as it is: the trigger does not run.
    await sql`
      insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, created_at, merchant_id)
      values (${merchant.apiKeyId}, 'given', 'POST', '/v1/payments', '\\x00'::bytea, 'in_progress', now(), now(), 'mer_given')`.execute(stack.db.db);
    expect(await merchantIdsOf('idempotency_keys', sql`api_key_id = ${merchant.apiKeyId} and key = 'given'`)).toEqual(['mer_given']);
  });

  it('writes merchant_id on the application\'s own inserts, with no trigger to fill it', async () => {
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    const deliveryId = await newDelivery(merchant);
    const tables: TenantChildTable[] = ['idempotency_keys', 'payment_expiry_watch', 'ledger_entries', 'webhook_delivery_attempts', 'wallet_pins'];
    await withFillTriggersOff(tables, async () => {
      // A keyed create (the claim rides on the payment's statement) and a keyed write claimed first.
      const created = await stack.api('POST', '/v1/payments', { amount: 1500, currency: 'CNY' }, { key: merchant.secretKey, headers: { 'idempotency-key': `new-${randomUUID()}` } });
      expect(created.status).toBe(200);
      const updated = await stack.api('POST', `/v1/customers/${customerId}`, { locale: 'zh-CN' }, { key: merchant.secretKey, headers: { 'idempotency-key': `new-${randomUUID()}` } });
      expect(updated.status, JSON.stringify(updated.body)).toBe(200);
      await topUps(merchant, customerId, 1);
      await deliverDueWebhooks(stack.context);
      expect((await stack.api('PUT', `/v1/customers/${customerId}/wallet/pin`, { pin: '258036' }, { key: merchant.secretKey })).status).toBe(200);
      expect(await merchantIdsOf('payment_expiry_watch', sql`payment_id = ${created.body.id}`)).toEqual([merchant.merchantId]);
    });
    expect(await merchantIdsOf('idempotency_keys', sql`api_key_id = ${merchant.apiKeyId}`)).toEqual([merchant.merchantId, merchant.merchantId]);
    const entries = await merchantIdsOf('ledger_entries', sql`transaction_id in (select id from ledger_transactions where merchant_id = ${merchant.merchantId})`);
    expect(entries).toEqual([merchant.merchantId, merchant.merchantId]);
    const attempts = await merchantIdsOf('webhook_delivery_attempts', sql`delivery_id = ${deliveryId}`);
    expect(attempts.length).toBeGreaterThan(0);
    expect(new Set(attempts)).toEqual(new Set([merchant.merchantId]));
    expect(await merchantIdsOf('wallet_pins', sql`customer_id = ${customerId}`)).toEqual([merchant.merchantId]);
  });

  it('writes merchant_id on a support thread\'s messages and events, from the payer\'s side and the merchant\'s', async () => {
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'CNY', customer: customerId, order: { reference: 'T-1' } }, { key: merchant.secretKey });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: merchant.secretKey });
    expect(paid.body.status).toBe('succeeded');
    const token = orderPageToken(created.body.id, stack.context.keys.orderPage);
    const thread = sql`request_id in (select id from support_requests where merchant_id = ${merchant.merchantId})`;
    await withFillTriggersOff(['support_messages', 'support_request_events'], async () => {
      const asked = await stack.api('POST', `/v1/orders/${created.body.id}/support_requests?token=${token}`, { category: 'order_status', message: 'Where is my tea?', contact_preference: 'email' }, { key: null });
      expect(asked.status, JSON.stringify(asked.body)).toBe(200);
      const requestId = asked.body.id as string;
      expect((await stack.api('POST', `/v1/support_requests/${requestId}/replies`, { message: 'It shipped.', resolve: true }, { key: merchant.secretKey })).status).toBe(200);
      const again = await stack.api('POST', `/v1/orders/${created.body.id}/support_requests/${requestId}/messages?token=${token}`, { message: 'Not here yet.' }, { key: null });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
    });
    expect(await merchantIdsOf('support_messages', thread)).toEqual([merchant.merchantId, merchant.merchantId, merchant.merchantId]);
    expect(await merchantIdsOf('support_request_events', thread)).toEqual([merchant.merchantId, merchant.merchantId]);
  });

  it('keeps ledger entries immutable, but for filling a null merchant_id with their transaction\'s', async () => {
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    await topUps(merchant, customerId, 1);
    const mine = sql`transaction_id in (select id from ledger_transactions where merchant_id = ${merchant.merchantId})`;
    await expect(sql`update ledger_entries set amount = amount where ${mine}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`update ledger_entries set merchant_id = 'mer_other' where ${mine}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    expect(await forgetMerchantIds('ledger_entries', mine)).toBe(2);
    await expect(sql`update ledger_entries set merchant_id = 'mer_other' where ${mine}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`update ledger_entries set merchant_id = ${merchant.merchantId}, amount = amount * 2 where ${mine}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from ledger_entries where ${mine}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await sql`update ledger_entries set merchant_id = ${merchant.merchantId} where ${mine}`.execute(stack.db.db);
    expect(await merchantIdsOf('ledger_entries', mine)).toEqual([merchant.merchantId, merchant.merchantId]);
  });
});

describe('the worker\'s backfill of merchant_id', () => {
  it('fills old rows a page at a time, stops at its bound, carries on where it stopped, and leaves none null', async () => {
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    const deliveryId = await newDelivery(merchant);
    await insertKeysTheOldWay(merchant, 400);
    await topUps(merchant, customerId, 30);
    await deliverDueWebhooks(stack.context);
    // A console session's key: no api_keys row to take its merchant from, so it stays null (it expires with the retention).
    const sessionScope = `session:mbr_${randomUUID()}:test`;
    await insertKeysTheOldWay(merchant, 1, sessionScope);

    const keys = sql`api_key_id = ${merchant.apiKeyId}`;
    const entries = sql`transaction_id in (select id from ledger_transactions where merchant_id = ${merchant.merchantId})`;
    const attempts = sql`delivery_id = ${deliveryId}`;
    expect(await forgetMerchantIds('idempotency_keys', keys)).toBe(400);
    expect(await forgetMerchantIds('ledger_entries', entries)).toBe(60);
    expect(await forgetMerchantIds('webhook_delivery_attempts', attempts)).toBeGreaterThan(0);

    // Stopped part way through the keys' pages: the rows on the pages walked are filled, the rest still null.
    const keyPages = await pagesOf('idempotency_keys', keys);
    expect(keyPages.length).toBeGreaterThan(3);
    const stopAfter = keyPages[1]! + 1;
    await startBackfill(['idempotency_keys']);
    const stopped = await backfillTenantKeys(stack.context, { pagesPerBatch: 1, batchesMax: stopAfter });
    expect(stopped).toMatchObject({ batches: stopAfter, pending: true, finished: [] });
    const partly = await merchantIdsOf('idempotency_keys', keys);
    expect(partly.filter((id) => id === merchant.merchantId).length).toBeGreaterThan(0);
    expect(partly.filter((id) => id === null).length).toBeGreaterThan(0);
    const state = await sql<{ next_page: bigint; done_at: Date | null }>`select next_page, done_at from tenant_key_backfills where table_name = 'idempotency_keys'`.execute(stack.db.db);
    expect(state.rows[0]).toMatchObject({ next_page: BigInt(stopAfter), done_at: null });

    // Run again (as the next minute's job does), with the other tables pending too, a few batches a run.
    await sql`update tenant_key_backfills set next_page = 0, done_at = null where table_name in ('ledger_entries', 'webhook_delivery_attempts')`.execute(stack.db.db);
    const rest = await backfillUntilDone({ pagesPerBatch: 1, batchesMax: 4 });
    expect(rest.runs).toBeGreaterThan(1);
    expect(rest.batchesMax).toBeLessThanOrEqual(4);
    expect(rest.filled).toBeGreaterThanOrEqual(partly.filter((id) => id === null).length + 60);
    expect(new Set(await merchantIdsOf('idempotency_keys', keys))).toEqual(new Set([merchant.merchantId]));
    expect(new Set(await merchantIdsOf('ledger_entries', entries))).toEqual(new Set([merchant.merchantId]));
    expect(new Set(await merchantIdsOf('webhook_delivery_attempts', attempts))).toEqual(new Set([merchant.merchantId]));
    expect(await merchantIdsOf('idempotency_keys', sql`api_key_id = ${sessionScope}`)).toEqual([null]);
    const done = await sql<{ done: number }>`select count(*)::int as done from tenant_key_backfills where done_at is not null`.execute(stack.db.db);
    expect(done.rows[0]!.done).toBe(childTables.length);

    // Done: a run reads where the backfill stands and nothing else.
    expect(await backfillTenantKeys(stack.context, { pagesPerBatch: 1, batchesMax: 100 })).toEqual({ filled: 0, batches: 0, finished: [], pending: false });
  });

  it('finds a row left null behind the walk when it reaches the end, and walks again before calling the table done', async () => {
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    await topUps(merchant, customerId, 3);
    const entries = sql`transaction_id in (select id from ledger_transactions where merchant_id = ${merchant.merchantId})`;
    expect(await forgetMerchantIds('ledger_entries', entries)).toBe(6);
    const pages = await sql<{ pages: bigint }>`select pg_relation_size('ledger_entries') / current_setting('block_size')::bigint as pages`.execute(stack.db.db);
    // As if the walk had passed these rows' pages before they were written there (an update moved them back).
    await startBackfill(['ledger_entries'], { ledger_entries: Number(pages.rows[0]!.pages) });
    const { filled } = await backfillUntilDone({ pagesPerBatch: 8, batchesMax: 1_000 });
    expect(filled).toBeGreaterThanOrEqual(6);
    expect(new Set(await merchantIdsOf('ledger_entries', entries))).toEqual(new Set([merchant.merchantId]));
  });

  it('is safe to run twice at once and again from a walk put back: each row is filled once, to its parent\'s merchant', async () => {
    const merchant = await newMerchant();
    await insertKeysTheOldWay(merchant, 200);
    const keys = sql`api_key_id = ${merchant.apiKeyId}`;
    expect(await forgetMerchantIds('idempotency_keys', keys)).toBe(200);
    await startBackfill(['idempotency_keys']);
    const bounds = { pagesPerBatch: 2, batchesMax: 1_000 };
    const [first, second] = await Promise.all([backfillTenantKeys(stack.context, bounds), backfillTenantKeys(stack.context, bounds)]);
    expect(first.filled + second.filled).toBeGreaterThanOrEqual(200);
    await backfillUntilDone(bounds);
    expect(new Set(await merchantIdsOf('idempotency_keys', keys))).toEqual(new Set([merchant.merchantId]));
    // A walk put back to its start (its progress lost) goes over the table again and changes nothing.
    await startBackfill(['idempotency_keys']);
    expect((await backfillUntilDone(bounds)).filled).toBe(0);
    expect(new Set(await merchantIdsOf('idempotency_keys', keys))).toEqual(new Set([merchant.merchantId]));
  });

  it('is a job of the worker\'s catalog, which runs the backfill and says what it filled', async () => {
    expect(jobNames).toContain('backfill_tenant_keys');
    const merchant = await newMerchant();
    const customerId = await newCustomer(merchant);
    expect((await stack.api('PUT', `/v1/customers/${customerId}/wallet/pin`, { pin: '258036' }, { key: merchant.secretKey })).status).toBe(200);
    expect(await forgetMerchantIds('wallet_pins', sql`customer_id = ${customerId}`)).toBe(1);
    await startBackfill(['wallet_pins']);
    const logged: string[] = [];
    const helpers = { logger: { info: (line: string) => logged.push(line) } } as unknown as JobHelpers;
    await taskList(stack.context).backfill_tenant_keys!({}, helpers);
    expect(await merchantIdsOf('wallet_pins', sql`customer_id = ${customerId}`)).toEqual([merchant.merchantId]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^tenant keys: filled merchant_id on \d+ rows in \d+ batches; done: wallet_pins$/);
  });
});
