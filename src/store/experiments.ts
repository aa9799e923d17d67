/**
 * Checkout experiments, their exposures and the merchant's checkout setting
 * (migration 0038). Every change is one statement that also marks the
 * request's Idempotency-Key with the experiment, so a key left behind by a
 * crash is answered with the experiment as it stands, never by doing the
 * change again.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import { effectCte } from './idempotency.ts';
import type { ExperimentRow, Mode } from './schema.ts';
import type { Scope } from './scope.ts';

export interface NewExperiment {
  id: string;
  merchant_id: string;
  mode: Mode;
  name: string;
  variants: string;
  control_variant: string;
  minimum_sample_per_variant: number;
  starts_at: Date | null;
  ends_at: Date | null;
  metadata: Record<string, string>;
  created_at: Date;
}

export async function insertExperiment(db: Db, experiment: NewExperiment): Promise<ExperimentRow> {
  // Through a CTE of the id alone: the key's update reads `status`, which experiments have too.
  const effect = effectCte('experiment', sql`created_id.id`, 'created_id');
  const rows = await sql<ExperimentRow>`
    with created as (
      insert into experiments (id, merchant_id, mode, name, status, variants, control_variant, minimum_sample_per_variant,
                               starts_at, ends_at, metadata, created_at, updated_at)
      values (${experiment.id}, ${experiment.merchant_id}, ${experiment.mode}, ${experiment.name}, 'draft', ${experiment.variants},
              ${experiment.control_variant}, ${experiment.minimum_sample_per_variant}, ${experiment.starts_at}, ${experiment.ends_at},
              ${JSON.stringify(experiment.metadata)}, ${experiment.created_at}, ${experiment.created_at})
      returning *
    ),
    created_id as (select id from created)
    ${effect ? sql`, ${effect}` : sql``}
    select * from created
  `.execute(db);
  const created = rows.rows[0];
  if (!created) throw new Error('experiment insert returned no row');
  return created;
}

export async function findExperiment(db: Db, scope: Scope, id: string): Promise<ExperimentRow | undefined> {
  return db.selectFrom('experiments').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** Newest first; one more row than asked tells whether there is a next page. */
export async function listExperiments(db: Db, scope: Scope, filter: { startingAfter?: string; limit: number }): Promise<{ data: ExperimentRow[]; hasMore: boolean }> {
  let query = db.selectFrom('experiments').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/** The experiment running for the merchant in this mode, if any (at most one: a unique index says so). */
export async function findRunningExperiment(db: Db, scope: Scope): Promise<ExperimentRow | undefined> {
  return db.selectFrom('experiments').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).where('status', '=', 'running').executeTakeFirst();
}

/**
 * Starts a draft. `another_running` when the merchant already runs one in
 * this mode (the unique index decides, so two starts at once cannot both
 * win); `not_draft` when this one is not a draft.
 */
export async function startExperiment(
  db: Db,
  scope: Scope,
  id: string,
  now: Date,
): Promise<{ kind: 'started'; experiment: ExperimentRow } | { kind: 'not_draft' } | { kind: 'another_running' }> {
  const effect = effectCte('experiment', sql`changed_id.id`, 'changed_id');
  try {
    const rows = await sql<ExperimentRow>`
      with changed as (
        update experiments set status = 'running', started_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
         where id = ${id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode} and status = 'draft'
        returning *
      ),
      changed_id as (select id from changed)
      ${effect ? sql`, ${effect}` : sql``}
      select * from changed
    `.execute(db);
    const started = rows.rows[0];
    return started ? { kind: 'started', experiment: started } : { kind: 'not_draft' };
  } catch (error) {
    const failure = error as { code?: unknown; constraint?: unknown };
    if (failure.code === '23505' && failure.constraint === 'experiments_one_running') return { kind: 'another_running' };
    throw error;
  }
}

/**
 * Stops a running experiment and, when a variant is promoted, makes its
 * presentation the merchant's checkout setting in the same statement: a
 * crash leaves both or neither.
 */
export async function stopExperiment(
  db: Db,
  scope: Scope,
  id: string,
  stop: { now: Date; promoted: { variantKey: string; presentation: string } | null },
): Promise<ExperimentRow | undefined> {
  const effect = effectCte('experiment', sql`changed_id.id`, 'changed_id');
  const promoted = stop.promoted;
  const rows = await sql<ExperimentRow>`
    with changed as (
      update experiments
         set status = 'stopped', stopped_at = ${stop.now}::timestamptz, updated_at = ${stop.now}::timestamptz, promoted_variant = ${promoted?.variantKey ?? null}
       where id = ${id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode} and status = 'running'
      returning *
    ),
    changed_id as (select id from changed)
    ${
      promoted
        ? sql`, promoted_setting as (
            insert into checkout_settings (merchant_id, mode, presentation, source_experiment_id, updated_at)
            select merchant_id, mode, ${promoted.presentation}, id, ${stop.now}::timestamptz from changed
            on conflict (merchant_id, mode) do update
               set presentation = excluded.presentation, source_experiment_id = excluded.source_experiment_id, updated_at = excluded.updated_at
            returning 1
          )`
        : sql``
    }
    ${effect ? sql`, ${effect}` : sql``}
    select * from changed
  `.execute(db);
  return rows.rows[0];
}

/** The merchant's checkout setting (presentation overrides as JSON text), if any. */
export async function findCheckoutSetting(db: Db, scope: Scope): Promise<{ presentation: string; source_experiment_id: string | null; updated_at: Date } | undefined> {
  return db
    .selectFrom('checkout_settings')
    .select(['presentation', 'source_experiment_id', 'updated_at'])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
}

export interface VariantOutcomeCounts {
  variant_key: string;
  payers: number;
  converted: number;
  canceled: number;
  abandoned: number;
  seconds_to_pay_mean: number | null;
  seconds_to_pay_stddev: number | null;
  seconds_to_pay_count: number;
}

export interface VariantOrderValues {
  variant_key: string;
  currency: string;
  payments: number;
  amount_sum: bigint;
  amount_stddev: number | null;
}

/**
 * Each variant's exposed payers and what became of them, counted from the
 * rows: a payer converted when any payment they saw in the variant
 * succeeded; otherwise canceled when one was canceled by someone (not left
 * to expire), otherwise abandoned when one expired unpaid. Time to pay runs
 * from the first exposure on the payment to its `succeeded` step.
 */
export async function variantOutcomeCounts(db: Db, merchantId: string, experimentId: string): Promise<VariantOutcomeCounts[]> {
  const rows = await sql<{
    variant_key: string;
    payers: string;
    converted: string;
    canceled: string;
    abandoned: string;
    seconds_mean: number | null;
    seconds_stddev: number | null;
    seconds_count: string;
  }>`
    with exposed as (
      select e.variant_key, e.payer_key, e.payment_id, e.first_exposed_at, p.status, p.cancellation_reason,
             (select min(f.created_at) from funnel_events f where f.payment_id = e.payment_id and f.merchant_id = p.merchant_id and f.type = 'succeeded') as succeeded_at
        from experiment_exposures e join payments p on p.id = e.payment_id and p.merchant_id = ${merchantId}
       where e.experiment_id = ${experimentId}
    ),
    payers as (
      select variant_key, payer_key,
             bool_or(status = 'succeeded') as converted,
             bool_or(status = 'canceled' and cancellation_reason is distinct from 'abandoned') as canceled,
             bool_or(status = 'canceled' and cancellation_reason = 'abandoned') as abandoned,
             min(extract(epoch from (succeeded_at - first_exposed_at))::float8) filter (where status = 'succeeded' and succeeded_at is not null) as seconds_to_pay
        from exposed
       group by variant_key, payer_key
    )
    select variant_key,
           count(*)::text as payers,
           count(*) filter (where converted)::text as converted,
           count(*) filter (where not converted and canceled)::text as canceled,
           count(*) filter (where not converted and not canceled and abandoned)::text as abandoned,
           avg(seconds_to_pay)::float8 as seconds_mean,
           stddev_samp(seconds_to_pay)::float8 as seconds_stddev,
           count(seconds_to_pay)::text as seconds_count
      from payers
     group by variant_key
  `.execute(db);
  return rows.rows.map((row) => ({
    variant_key: row.variant_key,
    payers: Number(row.payers),
    converted: Number(row.converted),
    canceled: Number(row.canceled),
    abandoned: Number(row.abandoned),
    seconds_to_pay_mean: row.seconds_mean,
    seconds_to_pay_stddev: row.seconds_stddev,
    seconds_to_pay_count: Number(row.seconds_count),
  }));
}

/** The succeeded payments seen in each variant, per currency: their count, total (minor units) and spread. */
export async function variantOrderValues(db: Db, merchantId: string, experimentId: string): Promise<VariantOrderValues[]> {
  const rows = await sql<{ variant_key: string; currency: string; payments: string; amount_sum: string; amount_stddev: number | null }>`
    with paid as (
      select distinct on (e.payment_id) e.variant_key, p.currency, p.amount
        from experiment_exposures e join payments p on p.id = e.payment_id and p.merchant_id = ${merchantId}
       where e.experiment_id = ${experimentId} and p.status = 'succeeded'
       order by e.payment_id, e.first_exposed_at
    )
    select variant_key, currency, count(*)::text as payments, sum(amount)::text as amount_sum, stddev_samp(amount)::float8 as amount_stddev
      from paid
     group by variant_key, currency
     order by variant_key, currency
  `.execute(db);
  return rows.rows.map((row) => ({ variant_key: row.variant_key, currency: row.currency, payments: Number(row.payments), amount_sum: BigInt(row.amount_sum), amount_stddev: row.amount_stddev }));
}
