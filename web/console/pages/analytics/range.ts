/**
 * Ranges as the merchant reads them: whole days in the merchant's time zone,
 * turned into the UTC instants the API takes, the period just before (to
 * compare with), and how a range is cut into buckets for a chart. Pure.
 */

export interface Range {
  from: Date;
  /** Exclusive. */
  to: Date;
}

export const hourMs = 60 * 60 * 1000;
export const dayMs = 24 * hourMs;

/**
 * Formatters by time zone, made once: making an Intl.DateTimeFormat costs far
 * more than formatting with one, and a chart's buckets ask for the offset and
 * the day of every bucket (a twentieth of the overview's script time in a
 * profile of its first render, before these were kept).
 */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function formatOf(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) {
    format = make();
    cache.set(timeZone, format);
  }
  return format;
}

/** How far the wall clock in `timeZone` is ahead of UTC at `date`, in ms (Asia/Shanghai: 8 h). */
export function zoneOffsetMs(date: Date, timeZone: string): number {
  const format = formatOf(offsetFormats, timeZone, () =>
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    }),
  );
  const parts = format.formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(date.getTime() / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD) starts in `timeZone`. */
export function startOfDayIn(ymd: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!match) throw new Error(`not a date: ${ymd}`);
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // The offset at the guess may differ from the offset at the answer across a daylight-saving change: settle it twice.
  let instant = wall - zoneOffsetMs(new Date(wall), timeZone);
  instant = wall - zoneOffsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in `timeZone`. */
export function dayIn(date: Date, timeZone: string): string {
  return formatOf(dayFormats, timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })).format(date);
}

export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The days `firstDay` to `lastDay`, both included, in the merchant's zone. */
export function dayRange(firstDay: string, lastDay: string, timeZone: string): Range {
  return { from: startOfDayIn(firstDay, timeZone), to: startOfDayIn(addDays(lastDay, 1), timeZone) };
}

/** The last `days` days, today included. */
export function lastDays(days: number, nowMs: number, timeZone: string): Range {
  const today = dayIn(new Date(nowMs), timeZone);
  return dayRange(addDays(today, 1 - days), today, timeZone);
}

/** The period of the same length just before. */
export function previousRange(range: Range): Range {
  const length = range.to.getTime() - range.from.getTime();
  return { from: new Date(range.from.getTime() - length), to: range.from };
}

/**
 * How a time chart asks for a range: hours for up to two days; merchant's
 * days otherwise. The API's days are UTC days, so for a zone that is not UTC
 * and a range the API can answer by the hour (31 days), hours are asked
 * and added up into the merchant's days here; longer ranges use UTC days.
 */
export function seriesPlan(range: Range, timeZone: string): { granularity: 'hour' | 'day'; regroupDays: boolean; utcDays: boolean } {
  const length = range.to.getTime() - range.from.getTime();
  if (length <= 2 * dayMs) return { granularity: 'hour', regroupDays: false, utcDays: false };
  const aligned = zoneOffsetMs(range.from, timeZone) === 0 && zoneOffsetMs(range.to, timeZone) === 0;
  if (!aligned && length <= 31 * dayMs) return { granularity: 'hour', regroupDays: true, utcDays: false };
  return { granularity: 'day', regroupDays: false, utcDays: !aligned };
}

const bucketLadderMs = [hourMs, 2 * hourMs, 3 * hourMs, 6 * hourMs, 12 * hourMs, dayMs, 2 * dayMs, 3 * dayMs, 7 * dayMs, 14 * dayMs, 30 * dayMs];

/**
 * Cuts a range into at most `bucketsMax` consecutive buckets of one length
 * from the ladder (the last one cut at the range's end), for figures the API
 * gives only per range (per channel, feedback): one request per bucket.
 */
export function bucketsOf(range: Range, bucketsMax: number): { buckets: Range[]; granularity: 'hour' | 'day' } {
  const length = range.to.getTime() - range.from.getTime();
  const size = bucketLadderMs.find((candidate) => Math.ceil(length / candidate) <= bucketsMax) ?? Math.ceil(length / bucketsMax);
  const buckets: Range[] = [];
  for (let start = range.from.getTime(); start < range.to.getTime(); start += size) {
    buckets.push({ from: new Date(start), to: new Date(Math.min(start + size, range.to.getTime())) });
  }
  return { buckets, granularity: size < dayMs ? 'hour' : 'day' };
}

export function isoRange(range: Range): { from: string; to: string } {
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}
