/**
 * Connector accounts' circuit breakers, shared by every API process
 * (migration 0032). Each change is one statement that decides from the row as
 * it stands, locked, so processes racing on the same account agree: one of
 * them opens the circuit, one of them leases the probe, one of them closes it.
 * Each answers the breaker after the change and what it was before, or null
 * when the statement changed nothing.
 */
import { sql } from 'kysely';
import type { Breaker } from '../domain/payments/routing.ts';
import type { Db } from './database.ts';

interface BreakerRow {
  account_id: string;
  state: 'closed' | 'open';
  failures: number;
  opened_at: Date | null;
  probe_holder: string | null;
  probe_leased_until: Date | null;
}

export interface BreakerChange {
  breaker: Breaker;
  previous: 'closed' | 'open';
}

function breakerOf(row: BreakerRow): Breaker {
  return {
    state: row.state,
    failures: row.failures,
    openedAtMs: row.opened_at?.getTime() ?? null,
    probeHolder: row.probe_holder,
    probeLeasedUntilMs: row.probe_leased_until?.getTime() ?? null,
  };
}

/** The stored breakers of these accounts of one merchant; an account without a row has a closed breaker with no failures. */
export async function loadBreakers(db: Db, merchantId: string, accountIds: readonly string[]): Promise<Map<string, Breaker>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('connector_account_breakers')
    .select(['account_id', 'state', 'failures', 'opened_at', 'probe_holder', 'probe_leased_until'])
    .where('account_id', 'in', accountIds)
    .where('merchant_id', '=', merchantId)
    .execute();
  return new Map(rows.map((row) => [row.account_id, breakerOf(row)]));
}

/**
 * A technical failure. Closed: one more failure in a row, opening the circuit
 * at `failuresToOpen`. Open: only the failure of the probe this process
 * holds counts (it opens the circuit again from now); a call that was
 * already under way when the circuit opened changes nothing.
 */
export async function recordBreakerFailure(db: Db, input: { accountId: string; merchantId: string; holder: string; failuresToOpen: number; now: Date }): Promise<BreakerChange | null> {
  // The row is made on an account's first failure; the update below then decides on it, locked.
  await sql`
    insert into connector_account_breakers (account_id, merchant_id, state, failures, updated_at)
    select id, merchant_id, 'closed', 0, ${input.now} from connector_accounts where id = ${input.accountId} and merchant_id = ${input.merchantId}
    on conflict do nothing`.execute(db);
  const result = await sql<BreakerRow & { previous: 'closed' | 'open' }>`
    with old as (select * from connector_account_breakers where account_id = ${input.accountId} and merchant_id = ${input.merchantId} for update)
    update connector_account_breakers b set
      failures = case when old.state = 'closed' then old.failures + 1 else old.failures end,
      state = case when old.state = 'closed' and old.failures + 1 < ${input.failuresToOpen} then 'closed' else 'open' end,
      opened_at = case when old.state = 'closed' and old.failures + 1 < ${input.failuresToOpen} then null else ${input.now}::timestamptz end,
      probe_holder = null,
      probe_leased_until = null,
      updated_at = ${input.now}
    from old
    where b.account_id = old.account_id and b.merchant_id = old.merchant_id and (old.state = 'closed' or old.probe_holder = ${input.holder})
    returning b.account_id, b.state, b.failures, b.opened_at, b.probe_holder, b.probe_leased_until, old.state as previous`.execute(db);
  const row = result.rows[0];
  return row ? { breaker: breakerOf(row), previous: row.previous } : null;
}

/**
 * A proper answer from the provider. Closed with failures: they no longer run
 * in a row. Open: only the success of the probe this process holds closes the
 * circuit. Nothing to change (the usual case) costs no write: the caller only
 * calls this when its view of the breaker says there is something to change.
 */
export async function recordBreakerSuccess(db: Db, input: { accountId: string; merchantId: string; holder: string; now: Date }): Promise<BreakerChange | null> {
  const result = await sql<BreakerRow & { previous: 'closed' | 'open' }>`
    with old as (select * from connector_account_breakers where account_id = ${input.accountId} and merchant_id = ${input.merchantId} for update)
    update connector_account_breakers b set
      state = 'closed', failures = 0, opened_at = null, probe_holder = null, probe_leased_until = null, updated_at = ${input.now}
    from old
    where b.account_id = old.account_id and b.merchant_id = old.merchant_id
      and ((old.state = 'closed' and old.failures > 0) or (old.state = 'open' and old.probe_holder = ${input.holder}))
    returning b.account_id, b.state, b.failures, b.opened_at, b.probe_holder, b.probe_leased_until, old.state as previous`.execute(db);
  const row = result.rows[0];
  return row ? { breaker: breakerOf(row), previous: row.previous } : null;
}

/**
 * Takes the half-open probe for `holder` until `now + leaseMs`: answers the
 * breaker when this call won it, null when the circuit is not half-open or
 * another holder's lease still runs.
 */
export async function leaseBreakerProbe(db: Db, input: { accountId: string; merchantId: string; holder: string; now: Date; cooldownMs: number; leaseMs: number }): Promise<Breaker | null> {
  const result = await sql<BreakerRow>`
    update connector_account_breakers set
      probe_holder = ${input.holder},
      probe_leased_until = ${new Date(input.now.getTime() + input.leaseMs)},
      updated_at = ${input.now}
    where account_id = ${input.accountId}
      and merchant_id = ${input.merchantId}
      and state = 'open'
      and opened_at <= ${new Date(input.now.getTime() - input.cooldownMs)}
      and (probe_leased_until is null or probe_leased_until <= ${input.now})
    returning account_id, state, failures, opened_at, probe_holder, probe_leased_until`.execute(db);
  const row = result.rows[0];
  return row ? breakerOf(row) : null;
}
