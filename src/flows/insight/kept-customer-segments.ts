/**
 * Customer segments answered from a kept computation (migration 0034), so a
 * request seldom waits for k-means. A question is the range, currency, k,
 * min_payments and locale; with `to` left out the range ends when the
 * computation read the data (and `from` defaults to 90 days before that).
 *
 * - Kept and computed less than `segmentResultFreshMs` ago: answered as kept.
 * - Kept and older, up to `segmentResultStaleMaxMs`: answered as kept at once,
 *   and a refresh is queued for the worker (one per question, by its job key).
 * - Nothing kept, or older still: computed now, kept, answered.
 *
 * Every answer says when it was computed. `computedAt` is when the
 * computation began to read, so of two refreshes at once the one that read
 * later stays (src/store/customer-segment-results.ts); a refresh that dies
 * leaves the previous answer.
 */
import type { CustomerFeatures, Segment } from '../../domain/insight/customer-segments.ts';
import { limits } from '../../domain/limits.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import { keepSegmentation, keptSegmentation, queueSegmentationRefresh } from '../../store/customer-segment-results.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';
import { customerSegments } from './customer-segments.ts';

export interface SegmentsQuestion {
  /** Null: `segmentRangeDefaultMs` before `to`. */
  from: Date | null;
  /** Null: when the data was read. */
  to: Date | null;
  currency: string | null;
  paymentsPerCustomerMin: number;
  k: number;
}

export interface KeptCustomerSegments {
  from: Date;
  to: Date;
  computedAt: Date;
  k: number;
  customersTotal: number;
  customersSegmented: number;
  segments: Segment[];
  /** Only when asked for (CSV). */
  members: { features: CustomerFeatures; segment: string }[] | null;
}

interface Answer {
  k: number;
  customersTotal: number;
  customersSegmented: number;
  segments: Segment[];
}

export function questionKey(question: SegmentsQuestion, locale: Locale): string {
  return JSON.stringify([
    question.from?.toISOString() ?? null,
    question.to?.toISOString() ?? null,
    question.currency,
    question.k,
    question.paymentsPerCustomerMin,
    locale,
  ]);
}

export async function keptCustomerSegments(
  context: FlowContext,
  scope: Scope,
  question: SegmentsQuestion,
  locale: Locale,
  options: { withMembers: boolean },
): Promise<KeptCustomerSegments> {
  const key = questionKey(question, locale);
  const kept = await keptSegmentation(context.db, scope, key, options.withMembers);
  const ageMs = kept ? context.clock.nowMs() - kept.computedAt.getTime() : Infinity;
  if (kept && ageMs <= limits.segmentResultStaleMaxMs) {
    if (ageMs > limits.segmentResultFreshMs) await queueSegmentationRefresh(context.db, scope, key, refreshPayload(scope, question, locale));
    const answer = decode(kept.answer) as Answer;
    return {
      from: kept.rangeFrom,
      to: kept.rangeTo,
      computedAt: kept.computedAt,
      ...answer,
      members: kept.members === null ? null : (decode(kept.members) as KeptCustomerSegments['members']),
    };
  }
  const computed = await computeAndKeep(context, scope, question, locale);
  return { ...computed, members: options.withMembers ? computed.members : null };
}

/** Computes one question's segmentation and keeps it (unless a newer one was kept meanwhile). */
export async function computeAndKeep(
  context: FlowContext,
  scope: Scope,
  question: SegmentsQuestion,
  locale: Locale,
): Promise<KeptCustomerSegments & { members: NonNullable<KeptCustomerSegments['members']> }> {
  const computedAt = new Date(context.clock.nowMs());
  const to = question.to ?? computedAt;
  const from = question.from ?? new Date(to.getTime() - limits.segmentRangeDefaultMs);
  const computed = await customerSegments(
    context,
    scope,
    { from, to, currency: question.currency, paymentsPerCustomerMin: question.paymentsPerCustomerMin, k: question.k },
    locale,
  );
  const answer: Answer = {
    k: computed.result.k,
    customersTotal: computed.customersTotal,
    customersSegmented: computed.customersSegmented,
    segments: computed.result.segments,
  };
  await keepSegmentation(context.db, scope, questionKey(question, locale), {
    computedAt,
    rangeFrom: from,
    rangeTo: to,
    answer: encode(answer),
    members: encode(computed.result.members),
  });
  return { from, to, computedAt, ...answer, members: computed.result.members };
}

/** The payload of a `refresh_customer_segments` job. */
function refreshPayload(scope: Scope, question: SegmentsQuestion, locale: Locale): Record<string, unknown> {
  return {
    merchant: scope.merchantId,
    mode: scope.mode,
    from: question.from?.toISOString() ?? null,
    to: question.to?.toISOString() ?? null,
    currency: question.currency,
    k: question.k,
    min_payments: question.paymentsPerCustomerMin,
    locale,
  };
}

/** The worker's `refresh_customer_segments` job: recomputes the question in its payload (a payload it cannot read is dropped). */
export async function refreshCustomerSegments(context: FlowContext, payload: unknown): Promise<boolean> {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Record<string, unknown>;
  const time = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : null);
  if (typeof p.merchant !== 'string' || (p.mode !== 'live' && p.mode !== 'test')) return false;
  if (typeof p.k !== 'number' || typeof p.min_payments !== 'number' || typeof p.locale !== 'string' || !isLocale(p.locale)) return false;
  const question: SegmentsQuestion = {
    from: time(p.from),
    to: time(p.to),
    currency: typeof p.currency === 'string' ? p.currency : null,
    k: p.k,
    paymentsPerCustomerMin: p.min_payments,
  };
  await computeAndKeep(context, { merchantId: p.merchant, mode: p.mode }, question, p.locale);
  return true;
}

/** JSON with bigints kept exact, as `{"$bigint": "<digits>"}`. */
export function encode(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? { $bigint: item.toString() } : item));
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const entries = Object.keys(item);
      const tagged = (item as { $bigint?: unknown }).$bigint;
      if (entries.length === 1 && typeof tagged === 'string') return BigInt(tagged);
    }
    return item;
  });
}
