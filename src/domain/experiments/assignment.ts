/**
 * Which variant of an experiment a payer sees. Deterministic and sticky: the
 * SHA-256 of the experiment's id and the payer's key, read as a number in
 * [0, 1), falls into one variant's slice of the planned shares. The same
 * payer always lands in the same variant of the same experiment, on any
 * process and after any restart; different experiments split payers
 * independently, since the experiment's id is part of what is hashed.
 */
import { createHash } from 'node:crypto';
import { assert } from '../assert.ts';

/** A payer's key: the customer's id, else the first-party id the checkout keeps. Bounded, and plain enough to log. */
export const payerKeyPattern = /^[A-Za-z0-9_-]{8,64}$/;

/** Shares are whole basis points (1/10 000), so they add up exactly. */
export const shareBasisPointsTotal = 10_000;

export interface PlannedVariant {
  key: string;
  share_basis_points: number;
}

/** The payer's bucket in [0, 1): the first 48 bits of the hash over 2^48 (exact in a double). */
export function assignmentBucket(experimentId: string, payerKey: string): number {
  const digest = createHash('sha256').update(`${experimentId}\u0000${payerKey}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant whose slice of [0, 1) holds the payer's bucket. */
export function assignVariant<V extends PlannedVariant>(experimentId: string, payerKey: string, variants: readonly V[]): V {
  assert(variants.length > 0, 'an experiment has variants');
  const total = variants.reduce((sum, variant) => sum + variant.share_basis_points, 0);
  assert(total === shareBasisPointsTotal, `variant shares add up to ${shareBasisPointsTotal} basis points`);
  const point = assignmentBucket(experimentId, payerKey) * shareBasisPointsTotal;
  let upper = 0;
  for (const variant of variants) {
    upper += variant.share_basis_points;
    if (point < upper) return variant;
  }
  // Unreachable: point < total; kept for the type checker.
  return variants[variants.length - 1] as V;
}
