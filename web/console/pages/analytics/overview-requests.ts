/**
 * What the Overview asks the API for a range, in one place: the page sends
 * these, and the console sends them ahead for the default range as soon as
 * the session is read (root.tsx), so the answers are on their way while the
 * shell and the page are drawn. Kept out of overview.tsx so that starting
 * them does not wait for the page's chunk.
 */
import type { ConsoleApi, ConsoleMerchant, QueryValue } from '../../context.ts';
import { addDays, dayIn, dayRange, isoRange, previousRange, seriesPlan, type Range } from './range.ts';

/** The Overview opens on the last 7 days, today included. */
export const overviewDefaultDays = 7;

/** The last `days` calendar days of the merchant, today included. */
export function lastCalendarDays(days: number, timeZone: string): { firstDay: string; lastDay: string } {
  const today = dayIn(new Date(), timeZone);
  return { firstDay: addDays(today, 1 - days), lastDay: today };
}

/** The range and the period before it (summary, feedback), and the range's course over time. */
export function overviewRequests(range: Range, timeZone: string, currency: string): [path: string, query: Record<string, QueryValue>][] {
  const before = previousRange(range);
  const plan = seriesPlan(range, timeZone);
  return [
    ['/v1/analytics/summary', { ...isoRange(range), currency }],
    ['/v1/analytics/summary', { ...isoRange(before), currency }],
    ['/v1/analytics/timeseries', { ...isoRange(range), currency, granularity: plan.granularity }],
    ['/v1/analytics/feedback', isoRange(range)],
    ['/v1/analytics/feedback', isoRange(before)],
  ];
}

export function prefetchOverview(api: ConsoleApi, merchant: ConsoleMerchant): void {
  const days = lastCalendarDays(overviewDefaultDays, merchant.timeZone);
  for (const [path, query] of overviewRequests(dayRange(days.firstDay, days.lastDay, merchant.timeZone), merchant.timeZone, merchant.currency)) api.prefetch(path, query);
}
