/**
 * A payer's support request and what the merchant does with it. States:
 *
 *   open ──reply──▶ answered ──resolve──▶ resolved ──reopen / payer writes again──▶ open
 *     └───────────────resolve──────────────┘
 *
 * A merchant reply moves an open request to answered; a payer's message on an
 * answered request leaves it answered (it is the merchant's turn either way,
 * the queue shows the latest author). Resolving needs a request not resolved;
 * reopening needs a resolved one.
 */
import { assert } from '../assert.ts';

export const supportCategories = ['payment_problem', 'refund', 'order_status', 'product', 'other'] as const;
export type SupportCategory = (typeof supportCategories)[number];

export const contactPreferences = ['email', 'sms'] as const;
export type ContactPreference = (typeof contactPreferences)[number];

export const supportRequestStatuses = ['open', 'answered', 'resolved'] as const;
export type SupportRequestStatus = (typeof supportRequestStatuses)[number];

export type SupportAction = 'reply' | 'resolve' | 'reopen' | 'payer_message';

/** The status after an action, or null when the action is not allowed from `status`. */
export function supportTransition(status: SupportRequestStatus, action: SupportAction): SupportRequestStatus | null {
  switch (action) {
    case 'reply':
      return status === 'resolved' ? null : 'answered';
    case 'resolve':
      return status === 'resolved' ? null : 'resolved';
    case 'reopen':
      return status === 'resolved' ? 'open' : null;
    case 'payer_message':
      return status === 'resolved' ? 'open' : status;
  }
}

/** One aggregate of durations (milliseconds) as SQL reads it: how many, their sum and their median. */
export interface DurationAggregate {
  count: number;
  sumMs: number;
  /** The lower median (percentile_disc(0.5)): a duration that occurred. Null without durations. */
  medianMs: number | null;
}

export interface SupportCounts {
  requests: number;
  firstResponse: DurationAggregate;
  firstResolution: DurationAggregate;
  /** Requests resolved at least once. */
  resolved: number;
  /** Of those, reopened at least once. */
  reopened: number;
  /** Of those resolved, resolved at the first merchant reply: exactly one reply before the first resolution and never reopened. */
  resolvedAtFirstContact: number;
}

export interface DurationFigures {
  count: number;
  average_seconds: number | null;
  median_seconds: number | null;
}

/** Seconds rounded half up, from integer milliseconds: a test recounting the rows finds the same numbers. */
function durationFigures(aggregate: DurationAggregate): DurationFigures {
  assert(Number.isSafeInteger(aggregate.count) && aggregate.count >= 0 && Number.isSafeInteger(aggregate.sumMs) && aggregate.sumMs >= 0, 'durations are non-negative integers');
  if (aggregate.count === 0) return { count: 0, average_seconds: null, median_seconds: null };
  const averageMs = Math.floor((2 * aggregate.sumMs + aggregate.count) / (2 * aggregate.count));
  return {
    count: aggregate.count,
    average_seconds: Math.floor((averageMs + 500) / 1000),
    median_seconds: aggregate.medianMs === null ? null : Math.floor((aggregate.medianMs + 500) / 1000),
  };
}

export function supportFigures(counts: SupportCounts, rate: (numerator: number, denominator: number) => number | null) {
  assert(counts.reopened <= counts.resolved && counts.resolvedAtFirstContact <= counts.resolved, 'reopened and first-contact requests are resolved ones');
  assert(counts.resolved <= counts.requests && counts.firstResolution.count === counts.resolved, 'every resolved request has its first resolution');
  return {
    requests: counts.requests,
    first_response_time: durationFigures(counts.firstResponse),
    resolution_time: durationFigures(counts.firstResolution),
    resolved: counts.resolved,
    reopened: counts.reopened,
    reopen_rate: rate(counts.reopened, counts.resolved),
    first_contact_resolutions: counts.resolvedAtFirstContact,
    first_contact_resolution_rate: rate(counts.resolvedAtFirstContact, counts.resolved),
  };
}
