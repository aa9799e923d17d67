/**
 * The ledger in PostgreSQL. A posting is written by SQL that other
 * statements embed (`postingCtes`), so a movement of money commits in the
 * very statement that changes the payment or refund it belongs to: one round
 * trip, atomic, no transaction held open.
 *
 * The database itself keeps the rules: a CHECK refuses any balance of a
 * payer's account below zero (under any concurrency, as each UPDATE sees the
 * latest balance), a deferred trigger refuses a transaction whose entries do
 * not sum to zero, and entries and transactions cannot be changed.
 */
import { sql, type RawBuilder } from 'kysely';
import { customerAccountKinds, isNonNegative, type LedgerAccountKind, type LedgerTransactionKind, type Posting } from '../domain/wallet/ledger.ts';
import { pointsUnit } from '../domain/loyalty/programme.ts';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';

/** Creates the accounts a posting will touch, if they do not exist yet. */
export async function ensureLedgerAccounts(
  db: Db,
  scope: Scope,
  account: { currency: string; customerId: string; kinds: readonly LedgerAccountKind[]; newId: () => string; now: Date },
): Promise<void> {
  const rows = account.kinds.map((kind) => ({
    id: account.newId(),
    merchant_id: scope.merchantId,
    mode: scope.mode,
    currency: account.currency,
    kind,
    customer_id: customerAccountKinds.includes(kind) ? account.customerId : null,
    non_negative: isNonNegative(kind),
    created_at: account.now,
    updated_at: account.now,
  }));
  await db
    .insertInto('ledger_accounts')
    .values(rows)
    .onConflict((conflict) => conflict.constraint('ledger_accounts_one_per_purpose').doNothing())
    .execute();
}

/**
 * Common table expressions that write a posting, to splice into a `with`
 * list after the CTE named by `guard`: the posting happens only when that
 * CTE yields a row (the payment or refund change it belongs to happened).
 * Accounts are locked in id order, so two postings never deadlock.
 * `prefix` names the CTEs, so one statement can hold several postings.
 */
export function postingCtes(posting: Posting, scope: Scope, transactionId: string, at: Date, guard: string, prefix = 'ledger'): RawBuilder<unknown> {
  const legs = JSON.stringify(posting.legs.map((leg) => ({ kind: leg.account, amount: leg.amount.toString() })));
  const legsSql = sql`select l.kind, l.amount from jsonb_to_recordset(${legs}::jsonb) as l(kind text, amount bigint)`;
  return computedPostingCtes(legsSql, posting, scope, transactionId, at, guard, prefix);
}

/**
 * `postingCtes` with legs computed by SQL (`select kind, amount …`), for a
 * posting whose amounts depend on rows the same statement locks (a refund's
 * share of the points a payment earned). Zero legs are left out, and no
 * transaction is written when every leg is zero. The legs must balance: the
 * deferred trigger refuses the statement otherwise.
 */
export function computedPostingCtes(
  legsSql: RawBuilder<unknown>,
  header: Omit<Posting, 'legs'>,
  scope: Scope,
  transactionId: string,
  at: Date,
  guard: string,
  prefix: string,
): RawBuilder<unknown> {
  const guardRef = sql.table(guard);
  const name = (part: string) => sql.table(`${prefix}_${part}`);
  const customerKinds = sql.join(customerAccountKinds.map((kind) => sql.lit(kind)));
  return sql`
    ${name('legs')} as materialized (
      select g.kind, g.amount from (${legsSql}) as g where g.amount <> 0
    ),
    ${name('locked')} as materialized (
      select a.id, l.amount
        from ledger_accounts a join ${name('legs')} l on a.kind = l.kind
       where a.merchant_id = ${scope.merchantId} and a.mode = ${scope.mode} and a.currency = ${header.currency}
         and a.customer_id is not distinct from (case when l.kind in (${customerKinds}) then ${header.customerId} end)
         and exists (select 1 from ${guardRef})
       order by a.id
         for update of a
    ),
    ${name('posted')} as (
      update ledger_accounts a set balance = a.balance + k.amount, updated_at = ${at}::timestamptz
        from ${name('locked')} k
       where a.id = k.id
      returning a.id, a.balance, k.amount
    ),
    ${name('transaction')} as (
      insert into ledger_transactions (id, merchant_id, mode, currency, kind, customer_id, payment_id, refund_id, idempotency_key, created_at)
      select ${transactionId}, ${scope.merchantId}, ${scope.mode}, ${header.currency}, ${header.kind}, ${header.customerId},
             ${header.paymentId}, ${header.refundId}, ${header.idempotencyKey}, ${at}::timestamptz
       where exists (select 1 from ${guardRef}) and exists (select 1 from ${name('legs')})
      returning id
    ),
    ${name('written')} as (
      insert into ledger_entries (transaction_id, merchant_id, account_id, amount, balance_after, created_at)
      select t.id, ${scope.merchantId}, p.id, p.amount, p.balance, ${at}::timestamptz from ${name('posted')} p cross join ${name('transaction')} t
    )`;
}

/** A posting on its own (no payment or refund changes with it). Answers false when its key was used already. */
export async function post(db: Db, posting: Posting, scope: Scope, transactionId: string, at: Date): Promise<boolean> {
  const result = await sql<{ posted: number }>`
    with always as (select 1 as one
       where not exists (select 1 from ledger_transactions where idempotency_key = ${posting.idempotencyKey} and merchant_id = ${scope.merchantId})),
    ${postingCtes(posting, scope, transactionId, at, 'always')}
    select count(*)::int as posted from ledger_transaction
  `.execute(db);
  return result.rows[0]?.posted === 1;
}

export async function findLedgerTransaction(db: Db, merchantId: string, idempotencyKey: string) {
  return db.selectFrom('ledger_transactions').selectAll().where('idempotency_key', '=', idempotencyKey).where('merchant_id', '=', merchantId).executeTakeFirst();
}

/** True for the database's refusal to take a payer's balance below zero. */
export function isBalanceShortfall(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23514' && e.constraint === 'ledger_accounts_balance_non_negative';
}

export interface WalletBalances {
  available: bigint;
  held: bigint;
}

/** One indexed read of two account rows: constant time however long the history. */
export async function walletBalances(db: Db, scope: Scope, customerId: string, currency: string): Promise<WalletBalances> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select(['kind', 'balance'])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('currency', '=', currency)
    .where('customer_id', '=', customerId)
    .execute();
  const of = (kind: LedgerAccountKind) => rows.find((row) => row.kind === kind)?.balance ?? 0n;
  return { available: of('customer_wallet'), held: of('customer_hold') };
}

/** The currencies a customer has a wallet in, oldest first. */
export async function walletCurrencies(db: Db, scope: Scope, customerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select('currency')
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'customer_wallet')
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map((row) => row.currency);
}

export interface WalletTransactionRow {
  id: string;
  kind: LedgerTransactionKind;
  currency: string;
  payment_id: string | null;
  refund_id: string | null;
  available_change: bigint;
  held_change: bigint;
  available_after: bigint | null;
  held_after: bigint | null;
  created_at: Date;
}

/** A customer's movements, newest first, with what each did to the spendable and held balances. */
export async function listWalletTransactions(
  db: Db,
  scope: Scope,
  customerId: string,
  filter: { currency?: string; startingAfter?: string; limit: number },
): Promise<{ data: WalletTransactionRow[]; hasMore: boolean }> {
  const result = await sql<WalletTransactionRow>`
    with page as (
      select t.* from ledger_transactions t
       where t.customer_id = ${customerId} and t.merchant_id = ${scope.merchantId} and t.mode = ${scope.mode}
         and (${filter.currency ?? null}::text is null or t.currency = ${filter.currency ?? null})
         and (${filter.startingAfter ?? null}::text is null or t.id < ${filter.startingAfter ?? null})
         and t.currency <> ${pointsUnit}
       order by t.id desc
       limit ${filter.limit + 1}
    )
    select page.id, page.kind, page.currency, page.payment_id, page.refund_id, page.created_at,
           coalesce(sum(e.amount) filter (where a.kind = 'customer_wallet'), 0)::bigint as available_change,
           coalesce(sum(e.amount) filter (where a.kind = 'customer_hold'), 0)::bigint as held_change,
           max(e.balance_after) filter (where a.kind = 'customer_wallet') as available_after,
           max(e.balance_after) filter (where a.kind = 'customer_hold') as held_after
      from page
      join ledger_entries e on e.transaction_id = page.id
      join ledger_accounts a on a.id = e.account_id
     group by page.id, page.kind, page.currency, page.payment_id, page.refund_id, page.created_at
     order by page.id desc
  `.execute(db);
  return { data: result.rows.slice(0, filter.limit), hasMore: result.rows.length > filter.limit };
}

/** The sum of the wallet's movements for one payment: what a capture or a release has to work with. */
export async function heldForPayment(db: Db, merchantId: string, paymentId: string): Promise<bigint> {
  const result = await sql<{ held: bigint }>`
    select coalesce(sum(e.amount), 0)::bigint as held
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id and a.merchant_id = t.merchant_id and a.kind = 'customer_hold'
     where t.payment_id = ${paymentId} and t.merchant_id = ${merchantId}
  `.execute(db);
  return result.rows[0]?.held ?? 0n;
}

export interface LedgerProblem {
  kind: 'unbalanced_transaction' | 'balance_differs_from_entries' | 'negative_balance' | 'running_balance_broken';
  id: string;
  detail: string;
}

export interface LedgerReport {
  accounts: number;
  transactions: number;
  entries: number;
  problems: LedgerProblem[];
}

/**
 * Proves the books: every transaction sums to zero, every account's stored
 * balance equals the sum of its entries and each entry's balance-after its
 * running sum, and no payer's account is below zero. Problems are listed,
 * at most `problemsMax` of each kind.
 */
export async function verifyLedger(db: Db, problemsMax = 100): Promise<LedgerReport> {
  const counts = await sql<{ accounts: number; transactions: number; entries: number }>`
    select (select count(*) from ledger_accounts)::int as accounts,
           (select count(*) from ledger_transactions)::int as transactions,
           (select count(*) from ledger_entries)::int as entries
  `.execute(db);
  const unbalanced = await sql<{ id: string; total: string }>`
    select t.id, coalesce(sum(e.amount), 0)::text as total
      from ledger_transactions t left join ledger_entries e on e.transaction_id = t.id
     group by t.id having coalesce(sum(e.amount), 0) <> 0 or count(e.id) < 2
     order by t.id limit ${problemsMax}
  `.execute(db);
  const differing = await sql<{ id: string; balance: string; total: string }>`
    select a.id, a.balance::text as balance, coalesce(s.total, 0)::text as total
      from ledger_accounts a
      left join (select account_id, sum(amount) as total from ledger_entries group by account_id) s on s.account_id = a.id
     where a.balance <> coalesce(s.total, 0)
     order by a.id limit ${problemsMax}
  `.execute(db);
  const negative = await sql<{ id: string; balance: string }>`
    select id, balance::text as balance from ledger_accounts where non_negative and balance < 0 order by id limit ${problemsMax}
  `.execute(db);
  const broken = await sql<{ id: string; account_id: string; balance_after: string; running: string }>`
    select id::text, account_id, balance_after::text, running::text from (
      select e.id, e.account_id, e.balance_after, sum(e.amount) over (partition by e.account_id order by e.id) as running
        from ledger_entries e
    ) r where r.balance_after <> r.running
     order by r.id limit ${problemsMax}
  `.execute(db);
  const row = counts.rows[0] ?? { accounts: 0, transactions: 0, entries: 0 };
  return {
    ...row,
    problems: [
      ...unbalanced.rows.map((r) => ({ kind: 'unbalanced_transaction' as const, id: r.id, detail: `entries sum to ${r.total}` })),
      ...differing.rows.map((r) => ({
        kind: 'balance_differs_from_entries' as const,
        id: r.id,
        detail: `stored balance ${r.balance}, entries sum to ${r.total}`,
      })),
      ...negative.rows.map((r) => ({ kind: 'negative_balance' as const, id: r.id, detail: `balance ${r.balance}` })),
      ...broken.rows.map((r) => ({
        kind: 'running_balance_broken' as const,
        id: r.account_id,
        detail: `entry ${r.id} records balance ${r.balance_after}, its entries sum to ${r.running} there`,
      })),
    ],
  };
}
