/**
 * A merchant's checkout experiments: create (a draft), read, list, start and
 * stop. Stopping may promote a variant: its presentation becomes the
 * merchant's checkout setting in the statement that stops the experiment.
 * Results are in results.ts; what a payer sees is in checkout-variant.ts.
 */
import { shareBasisPointsTotal } from '../../domain/experiments/assignment.ts';
import { presentationOf, presentationProblem, type PresentationOverrides } from '../../domain/experiments/checkout-presentation.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import {
  findExperiment,
  findCheckoutSetting,
  insertExperiment,
  listExperiments as listExperimentRows,
  startExperiment as startExperimentRow,
  stopExperiment as stopExperimentRow,
} from '../../store/experiments.ts';
import type { ExperimentRow } from '../../store/schema.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { experimentResultsOf } from './results.ts';
import { parseVariants, type StoredVariant } from './variants.ts';

export interface CreateExperimentInput {
  name: string;
  variants: { key: string; name?: string; share: number; presentation?: PresentationOverrides }[];
  control_variant?: string;
  minimum_sample_per_variant?: number;
  starts_at?: string;
  ends_at?: string;
  metadata?: Record<string, string>;
}

export type ExperimentView = ReturnType<typeof presentExperiment>;

export async function createExperiment(context: FlowContext, scope: Scope, input: CreateExperimentInput): Promise<ExperimentView> {
  const variants = checkedVariants(input.variants);
  const control = input.control_variant ?? variants[0]?.key;
  if (!control || !variants.some((variant) => variant.key === control)) {
    throw new PaymentError('parameter_invalid', { param: 'control_variant', details: { reason: 'the key of one of the variants' } });
  }
  const startsAt = timeOf(input.starts_at, 'starts_at');
  const endsAt = timeOf(input.ends_at, 'ends_at');
  if (startsAt && endsAt && startsAt >= endsAt) throw new PaymentError('parameter_invalid', { param: 'ends_at', details: { reason: 'after starts_at' } });
  const row = await insertExperiment(context.db, {
    id: context.ids.newId('exp'),
    merchant_id: scope.merchantId,
    mode: scope.mode,
    name: input.name,
    variants: JSON.stringify(variants),
    control_variant: control,
    minimum_sample_per_variant: input.minimum_sample_per_variant ?? limits.experimentMinimumSamplePerVariantDefault,
    starts_at: startsAt,
    ends_at: endsAt,
    metadata: input.metadata ?? {},
    created_at: now(context),
  });
  return presentExperiment(row, now(context));
}

/**
 * Shares arrive as fractions of 1 (0.5) and are kept in whole basis points;
 * they must add up to exactly 100% once rounded, so the buckets cover [0, 1).
 */
function checkedVariants(input: CreateExperimentInput['variants']): StoredVariant[] {
  if (input.length < 2 || input.length > limits.experimentVariantsMax) {
    throw new PaymentError('parameter_invalid', { param: 'variants', details: { reason: `between 2 and ${limits.experimentVariantsMax} variants` } });
  }
  const keys = new Set(input.map((variant) => variant.key));
  if (keys.size !== input.length) throw new PaymentError('parameter_invalid', { param: 'variants', details: { reason: 'each variant key once' } });
  const variants = input.map((variant) => {
    const presentation = variant.presentation ?? {};
    const problem = presentationProblem(presentation);
    if (problem) throw new PaymentError('parameter_invalid', { param: `variants.${variant.key}.presentation`, details: { reason: problem } });
    return { key: variant.key, name: variant.name ?? variant.key, share_basis_points: Math.round(variant.share * shareBasisPointsTotal), presentation };
  });
  const total = variants.reduce((sum, variant) => sum + variant.share_basis_points, 0);
  if (total !== shareBasisPointsTotal || variants.some((variant) => variant.share_basis_points <= 0)) {
    throw new PaymentError('parameter_invalid', { param: 'variants', details: { reason: 'shares above 0 that add up to 1 (to four decimals)' } });
  }
  return variants;
}

function timeOf(text: string | undefined, param: string): Date | null {
  if (text === undefined) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'not a time that can be compared' } });
  return date;
}

async function experimentOrMissing(context: FlowContext, scope: Scope, id: string): Promise<ExperimentRow> {
  const row = await findExperiment(context.db, scope, id);
  if (!row) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'experiment', id } });
  return row;
}

export async function getExperiment(context: FlowContext, scope: Scope, id: string): Promise<ExperimentView> {
  return presentExperiment(await experimentOrMissing(context, scope, id), now(context));
}

export async function listExperiments(context: FlowContext, scope: Scope, filter: { startingAfter?: string; limit?: number }): Promise<{ data: ExperimentView[]; hasMore: boolean }> {
  const page = await listExperimentRows(context.db, scope, { startingAfter: filter.startingAfter, limit: filter.limit ?? limits.pageSizeDefault });
  const at = now(context);
  return { data: page.data.map((row) => presentExperiment(row, at)), hasMore: page.hasMore };
}

export async function startExperiment(context: FlowContext, scope: Scope, id: string): Promise<ExperimentView> {
  const result = await startExperimentRow(context.db, scope, id, now(context));
  if (result.kind === 'started') return presentExperiment(result.experiment, now(context));
  const row = await experimentOrMissing(context, scope, id);
  if (result.kind === 'another_running') throw new PaymentError('experiment_already_running', { details: { experiment: id } });
  throw new PaymentError('experiment_unexpected_state', { details: { experiment: id, status: row.status, action: 'started' } });
}

/**
 * Stops a running experiment. `promote`: a variant's key, or `winner` for
 * the variant the results name (refused when none won: the merchant then
 * names one, or stops without promoting).
 */
export async function stopExperiment(context: FlowContext, scope: Scope, id: string, input: { promote?: string }): Promise<ExperimentView> {
  const row = await experimentOrMissing(context, scope, id);
  if (row.status !== 'running') throw new PaymentError('experiment_unexpected_state', { details: { experiment: id, status: row.status, action: 'stopped' } });
  const promoted = input.promote === undefined ? null : await promotedVariant(context, row, input.promote);
  const stopped = await stopExperimentRow(context.db, scope, id, {
    now: now(context),
    promoted: promoted && { variantKey: promoted.key, presentation: JSON.stringify(promoted.presentation) },
  });
  if (stopped) return presentExperiment(stopped, now(context));
  // Stopped by another request meanwhile: say so as the first check would have.
  const current = await experimentOrMissing(context, scope, id);
  throw new PaymentError('experiment_unexpected_state', { details: { experiment: id, status: current.status, action: 'stopped' } });
}

async function promotedVariant(context: FlowContext, row: ExperimentRow, promote: string): Promise<StoredVariant> {
  const variants = parseVariants(row.variants);
  let key = promote;
  if (promote === 'winner') {
    const results = await experimentResultsOf(context, row);
    if (!results.winner) throw new PaymentError('parameter_invalid', { param: 'promote', details: { reason: 'no variant won at the 5% level; name the variant to promote, or stop without promoting' } });
    key = results.winner;
  }
  const variant = variants.find((candidate) => candidate.key === key);
  if (!variant) throw new PaymentError('parameter_invalid', { param: 'promote', details: { reason: '`winner` or the key of one of the variants' } });
  return variant;
}

/** The merchant's checkout setting: the presentation the checkout uses outside experiments. */
export async function getCheckoutSetting(context: FlowContext, scope: Scope) {
  const setting = await findCheckoutSetting(context.db, scope);
  const overrides = setting ? (JSON.parse(setting.presentation) as PresentationOverrides) : {};
  return {
    object: 'checkout_setting' as const,
    presentation: presentationOf(overrides),
    source_experiment: setting?.source_experiment_id ?? null,
    updated_at: setting ? setting.updated_at.toISOString() : null,
  };
}

export function presentExperiment(row: ExperimentRow, at: Date) {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  const inWindow = (row.starts_at === null || row.starts_at <= at) && (row.ends_at === null || at < row.ends_at);
  return {
    id: row.id,
    object: 'experiment' as const,
    livemode: row.mode === 'live',
    name: row.name,
    status: row.status,
    exposing: row.status === 'running' && inWindow,
    control_variant: row.control_variant,
    variants: parseVariants(row.variants).map((variant) => ({
      key: variant.key,
      name: variant.name,
      share: variant.share_basis_points / shareBasisPointsTotal,
      presentation: variant.presentation,
    })),
    minimum_sample_per_variant: row.minimum_sample_per_variant,
    starts_at: iso(row.starts_at),
    ends_at: iso(row.ends_at),
    started_at: iso(row.started_at),
    stopped_at: iso(row.stopped_at),
    promoted_variant: row.promoted_variant,
    metadata: row.metadata,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
