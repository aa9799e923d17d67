/**
 * Experience KPIs of a period `[from, to)` and the period of the same
 * length just before it, computed on integers from counts the store makes
 * (src/store/experience.ts), so a test recounting the raw rows finds
 * exactly the same numbers. Each definition is in docs/api-experience.md:
 *
 * - A purchase is a payment (not a wallet top-up) with a customer that has
 *   succeeded, counted in the period its payment was created in.
 * - churn_rate = customers with a purchase in the previous period and none
 *   in this one / customers with a purchase in the previous period.
 * - repeat_purchase_rate = customers with 2 or more purchases in the period
 *   / customers with at least one.
 * - revenue_per_customer (per currency) = Σ amount_received of the period's
 *   purchases / customers with a purchase in that currency, rounded half up.
 * - customer_lifetime_value (per currency) = revenue_per_customer ÷
 *   churn_rate (the expected number of periods a customer stays is
 *   1 / churn), rounded half up; null when nobody churned.
 * - average time to pay = mean of (first success − first checkout view)
 *   over the payments created in the period that succeeded after the
 *   checkout was viewed, per payment method and per device class.
 * - CSAT and NPS as GET /v1/analytics/feedback (src/domain/insight/feedback.ts).
 */
import { assert } from '../assert.ts';
import { rate } from './analytics.ts';
import { feedbackFigures, type FeedbackCount } from './feedback.ts';

export interface CustomerCounts {
  payingPrevious: number;
  payingCurrent: number;
  /** Paid in the previous period and not in this one. */
  churned: number;
  /** Two or more purchases in this period. */
  repeatCustomers: number;
}

export interface RevenueCount {
  currency: string;
  purchases: number;
  customers: number;
  revenue: bigint;
}

export interface TimeToPayGroup {
  /** `all`, or the method or device class it is grouped by. */
  dimension: 'all' | 'method' | 'device';
  key: string | null;
  payments: number;
  totalMs: bigint;
}

export interface ExperienceInputs {
  customers: CustomerCounts;
  revenue: readonly RevenueCount[];
  timeToPay: readonly TimeToPayGroup[];
  feedback: readonly FeedbackCount[];
}

export interface TimeToPay {
  payments: number;
  average_ms: number | null;
}

export function experienceFigures(inputs: ExperienceInputs) {
  const { customers } = inputs;
  assert(customers.churned <= customers.payingPrevious, 'the churned are among the previous period’s paying customers');
  assert(customers.repeatCustomers <= customers.payingCurrent, 'repeat customers are among this period’s paying customers');
  const churnRate = rate(customers.churned, customers.payingPrevious);
  const feedback = feedbackFigures(inputs.feedback);
  const timeToPay = (dimension: TimeToPayGroup['dimension']) =>
    inputs.timeToPay
      .filter((g) => g.dimension === dimension)
      .map((g) => ({ key: g.key ?? 'unknown', payments: g.payments, average_ms: roundedDivision(g.totalMs, g.payments) }))
      .sort((a, b) => a.key.localeCompare(b.key));
  const overall = inputs.timeToPay.find((g) => g.dimension === 'all');
  return {
    customers: {
      paying_previous_period: customers.payingPrevious,
      paying_this_period: customers.payingCurrent,
      churned: customers.churned,
      churn_rate: churnRate,
      repeat_customers: customers.repeatCustomers,
      repeat_purchase_rate: rate(customers.repeatCustomers, customers.payingCurrent),
      expected_lifetime_periods: customers.churned === 0 ? null : ratio4(customers.payingPrevious, customers.churned),
    },
    revenue: [...inputs.revenue]
      .sort((a, b) => a.currency.localeCompare(b.currency))
      .map((r) => ({
        currency: r.currency,
        purchases: r.purchases,
        customers: r.customers,
        revenue: r.revenue,
        revenue_per_customer: r.customers === 0 ? null : roundedDivisionBig(r.revenue, BigInt(r.customers)),
        // revenue / customers ÷ (churned / payingPrevious), in one rounding.
        customer_lifetime_value:
          r.customers === 0 || customers.churned === 0 ? null : roundedDivisionBig(r.revenue * BigInt(customers.payingPrevious), BigInt(r.customers) * BigInt(customers.churned)),
      })),
    time_to_pay: {
      overall: { payments: overall?.payments ?? 0, average_ms: overall ? roundedDivision(overall.totalMs, overall.payments) : null } satisfies TimeToPay,
      by_method: timeToPay('method').map(({ key, ...figures }) => ({ payment_method_type: key, ...figures })),
      by_device: timeToPay('device').map(({ key, ...figures }) => ({ device_class: key, ...figures })),
    },
    satisfaction: { responses: feedback.responses, csat: feedback.csat, nps_responses: feedback.nps_responses, nps: feedback.nps },
  };
}

export type ExperienceFigures = ReturnType<typeof experienceFigures>;

/** n / d rounded half up, as an integer number of ms; null when d is 0. */
function roundedDivision(total: bigint, count: number): number | null {
  if (count === 0) return null;
  return Number(roundedDivisionBig(total, BigInt(count)));
}

function roundedDivisionBig(n: bigint, d: bigint): bigint {
  assert(n >= 0n && d > 0n, 'a non-negative total over a positive count');
  return (2n * n + d) / (2n * d);
}

function ratio4(n: number, d: number): number {
  return Number(roundedDivisionBig(BigInt(n) * 10_000n, BigInt(d))) / 10_000;
}
