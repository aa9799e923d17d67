/**
 * GET /v1/analytics/coupons: for payments created in [from, to) (wallet
 * top-ups aside), how many redemptions each status holds, the discount
 * given, and the conversion of payments with a coupon against those
 * without, overall and per coupon. Everything is counted from the raw rows
 * (payments and coupon_redemptions), so a test can recount it.
 *
 * Definitions: a payment is "with a coupon" when one is on it now (applied
 * and not removed). `discount_given` sums the consumed redemptions (a full
 * refund restores a redemption and takes its discount out). Conversion is
 * succeeded / created, rounded half up to 4 decimals, null on 0 created.
 */
import { parseInstant, rangeProblem, rate } from '../../domain/insight/analytics.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson, isCurrency } from '../../domain/money.ts';
import { couponAnalyticsRows } from '../../store/coupons.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';

export interface CouponAnalyticsParameters {
  from: string;
  to: string;
  currency?: string;
}

function instant(text: string, param: string): Date {
  const date = parseInstant(text);
  if (!date) throw new PaymentError('parameter_invalid', { param, details: { reason: 'an ISO 8601 time with a time zone, or a date (read as UTC)' } });
  return date;
}

export async function couponAnalytics(context: FlowContext, scope: Scope, parameters: CouponAnalyticsParameters) {
  const range = { from: instant(parameters.from, 'from'), to: instant(parameters.to, 'to') };
  const problem = rangeProblem(range, null, { rangeDaysMax: limits.analyticsRangeDaysMax, hourlyRangeDaysMax: limits.analyticsHourlyRangeDaysMax });
  if (problem) throw new PaymentError('parameter_invalid', { param: problem.param, details: { reason: problem.reason } });
  const currency = parameters.currency ?? null;
  if (currency !== null && !isCurrency(currency)) throw new PaymentError('currency_invalid', { param: 'currency', details: { currency } });
  const rows = await couponAnalyticsRows(context.db, scope, range, currency);
  const group = (withCoupon: boolean) => {
    const mine = rows.payments.filter((row) => row.with_coupon === withCoupon);
    const created = mine.reduce((sum, row) => sum + row.created, 0);
    const succeeded = mine.reduce((sum, row) => sum + row.succeeded, 0);
    return { payments_created: created, payments_succeeded: succeeded, conversion_rate: rate(succeeded, created) };
  };
  const redemptions = { reserved: 0, consumed: 0, released: 0, restored: 0 };
  for (const row of rows.redemptions) redemptions[row.status] += row.n;
  const currencies = [...new Set([...rows.payments.map((row) => row.currency), ...rows.redemptions.map((row) => row.currency)])].sort();
  return {
    object: 'analytics_coupons' as const,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    currency,
    redemptions,
    with_coupon: group(true),
    without_coupon: group(false),
    amounts: currencies.map((code) => {
      const consumed = rows.redemptions.find((row) => row.currency === code && row.status === 'consumed');
      const paid = rows.payments.find((row) => row.currency === code && row.with_coupon);
      return {
        currency: code,
        discount_given: amountToJson(consumed?.discount ?? 0n),
        amount_received_with_coupon: amountToJson(paid?.received ?? 0n),
      };
    }),
    by_coupon: rows.coupons.map((row) => ({
      coupon: row.coupon_id,
      code: row.code,
      campaign: row.campaign,
      currency: row.currency,
      redemptions_consumed: row.consumed,
      discount_given: amountToJson(row.discount),
      payments_succeeded: row.payments_succeeded,
      amount_received: amountToJson(row.received),
    })),
  };
}

export type CouponAnalytics = Awaited<ReturnType<typeof couponAnalytics>>;

/** One CSV row per coupon, for `Accept: text/csv`. */
export function couponAnalyticsCsv(analytics: CouponAnalytics) {
  const columns = ['coupon', 'code', 'campaign', 'currency', 'redemptions_consumed', 'discount_given', 'payments_succeeded', 'amount_received'] as const;
  return { columns, rows: analytics.by_coupon.map((row) => ({ ...row })) };
}
