/**
 * An experiment's results, recounted from the exposures and the payments
 * they saw each time they are read (src/domain/experiments/results.ts does
 * the statistics).
 */
import { experimentResults, type VariantCounts } from '../../domain/experiments/results.ts';
import { PaymentError } from '../../domain/errors.ts';
import { amountToJson } from '../../domain/money.ts';
import { findExperiment, variantOrderValues, variantOutcomeCounts } from '../../store/experiments.ts';
import type { ExperimentRow } from '../../store/schema.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';
import { parseVariants } from './variants.ts';

export async function experimentResultsOf(context: FlowContext, row: ExperimentRow) {
  const [outcomes, orderValues] = await Promise.all([variantOutcomeCounts(context.db, row.merchant_id, row.id), variantOrderValues(context.db, row.merchant_id, row.id)]);
  const counts = new Map<string, VariantCounts>();
  for (const outcome of outcomes) {
    const { variant_key: key, ...rest } = outcome;
    counts.set(key, { ...rest, order_values: orderValues.filter((value) => value.variant_key === key) });
  }
  return experimentResults({ variants: parseVariants(row.variants), controlKey: row.control_variant, minimumSamplePerVariant: row.minimum_sample_per_variant, counts });
}

export async function getExperimentResults(context: FlowContext, scope: Scope, id: string) {
  const row = await findExperiment(context.db, scope, id);
  if (!row) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'experiment', id } });
  const results = await experimentResultsOf(context, row);
  return {
    object: 'experiment_results' as const,
    experiment: row.id,
    status: row.status,
    ...results,
    variants: results.variants.map((variant) => ({
      ...variant,
      average_order_value: variant.average_order_value.map((value) => ({
        currency: value.currency,
        payments: value.payments,
        amount: amountToJson(value.amount),
        interval: value.interval && { low: amountToJson(value.interval.low), high: amountToJson(value.interval.high) },
      })),
    })),
  };
}
