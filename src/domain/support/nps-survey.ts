/**
 * NPS surveys sent by email: when one is due, which period it counts in, and
 * the signed tokens of its links. A link carries the survey's id and a MAC
 * of it (one for answering, one for unsubscribing, each bound to its
 * purpose), so nothing about the customer is in the URL and nothing needs
 * storing to check it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '../assert.ts';

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The period a survey queued at `nowMs` counts in: whole periods of
 * `periodDays` since the epoch (UTC). At most one survey per customer and
 * period number, by a unique constraint.
 */
export function surveyPeriodNumber(nowMs: number, periodDays: number): number {
  assert(Number.isInteger(periodDays) && periodDays >= 1, 'a survey period is at least a day');
  return Math.floor(nowMs / (periodDays * dayMs));
}

/** The window of success times that are due now: succeeded at least `delayDays` ago, and not more than `lookbackDays` past that. */
export function surveyDueWindow(nowMs: number, delayDays: number, lookbackDays: number): { fromMs: number; toMs: number } {
  assert(delayDays >= 0 && lookbackDays >= 1, 'a due window is at least a day wide');
  const toMs = nowMs - delayDays * dayMs;
  return { fromMs: toMs - lookbackDays * dayMs, toMs };
}

export type SurveyTokenPurpose = 'answer' | 'unsubscribe';

export function surveyToken(surveyId: string, purpose: SurveyTokenPurpose, key: Buffer): string {
  return createHmac('sha256', key).update(`nps-survey:${purpose}:${surveyId}`).digest('base64url').slice(0, 32);
}

export function surveyTokenValid(surveyId: string, purpose: SurveyTokenPurpose, token: string, key: Buffer): boolean {
  const expected = Buffer.from(surveyToken(surveyId, purpose, key));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
