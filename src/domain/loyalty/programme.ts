/**
 * A merchant's loyalty programme: how many points a payment earns, when they
 * may be spent, when they expire, and what they are worth at checkout.
 * Pure: integers only, every rounding stated.
 *
 * - Earning: `points_per_unit` points for each whole currency unit received
 *   (1.00 CNY, 1 JPY), or the payment method's own rate from
 *   `by_payment_method`; times each multiplier that applies, in percent: the
 *   customer's segment (`customers.metadata.loyalty_segment`) and every
 *   campaign whose window holds the moment the payment succeeded. The product
 *   is rounded DOWN to a whole point, once, at the end.
 * - Spending: earned points are pending for `spend_delay_hours` (a refund in
 *   that time takes them back before they can be spent), then available.
 * - Expiry: each lot of points expires `expiry_days` after it arrived; what is
 *   spent is taken from the lots that expire first.
 * - Redemption: `redemption.points` points are worth `redemption.amount` minor
 *   units; the value of the points a payer redeems is rounded DOWN to a minor
 *   unit and only the points that value needs are taken; it is at most
 *   `cap_percent` of the amount (rounded down) and always leaves at least one
 *   minor unit to pay.
 */
import { assert } from '../assert.ts';
import { currencyExponent, type Currency } from '../money.ts';

export interface EarnCampaign {
  name: string;
  starts_at: string;
  ends_at: string;
  percent: number;
}

export interface ProgrammeTerms {
  earn: {
    points_per_unit: number;
    by_payment_method: Record<string, number>;
    segment_percent: Record<string, number>;
    campaigns: EarnCampaign[];
  };
  spend_delay_hours: number;
  expiry_days: number;
  redemption: { points: number; amount: number; cap_percent: number };
}

export interface Programme {
  enabled: boolean;
  currency: Currency;
  terms: ProgrammeTerms;
  version: number;
}

/** Bounds of every term: a programme outside them is refused at the API. */
export const programmeLimits = {
  pointsPerUnitMax: 10_000,
  percentMax: 1_000,
  campaignsMax: 20,
  segmentsMax: 20,
  spendDelayHoursMax: 24 * 365,
  expiryDaysMin: 1,
  expiryDaysMax: 3_650,
  redemptionTermMax: 1_000_000,
  capPercentMax: 100,
  /** Points one request may redeem. */
  redeemPointsMax: 1_000_000_000,
} as const;

/** The unit of points in the ledger: never a currency, so never added to money. */
export const pointsUnit = 'PTS';

/** Why a programme's terms are refused, or null when they are acceptable. */
export function checkTerms(terms: ProgrammeTerms): string | null {
  const rate = (value: number) => Number.isInteger(value) && value >= 0 && value <= programmeLimits.pointsPerUnitMax;
  const percent = (value: number) => Number.isInteger(value) && value >= 0 && value <= programmeLimits.percentMax;
  if (!rate(terms.earn.points_per_unit)) return `earn.points_per_unit is a whole number from 0 to ${programmeLimits.pointsPerUnitMax}`;
  if (!Object.values(terms.earn.by_payment_method).every(rate)) return 'earn.by_payment_method holds whole points per unit';
  if (Object.keys(terms.earn.segment_percent).length > programmeLimits.segmentsMax) return `at most ${programmeLimits.segmentsMax} segments`;
  if (!Object.values(terms.earn.segment_percent).every(percent)) return `earn.segment_percent holds whole percentages up to ${programmeLimits.percentMax}`;
  if (terms.earn.campaigns.length > programmeLimits.campaignsMax) return `at most ${programmeLimits.campaignsMax} campaigns`;
  for (const campaign of terms.earn.campaigns) {
    const starts = Date.parse(campaign.starts_at);
    const ends = Date.parse(campaign.ends_at);
    if (!Number.isFinite(starts) || !Number.isFinite(ends) || ends <= starts) return `campaign ${campaign.name} ends after it starts`;
    if (!percent(campaign.percent)) return `campaign ${campaign.name} has a whole percentage up to ${programmeLimits.percentMax}`;
  }
  if (!Number.isInteger(terms.spend_delay_hours) || terms.spend_delay_hours < 0 || terms.spend_delay_hours > programmeLimits.spendDelayHoursMax) {
    return `spend_delay_hours is from 0 to ${programmeLimits.spendDelayHoursMax}`;
  }
  if (!Number.isInteger(terms.expiry_days) || terms.expiry_days < programmeLimits.expiryDaysMin || terms.expiry_days > programmeLimits.expiryDaysMax) {
    return `expiry_days is from ${programmeLimits.expiryDaysMin} to ${programmeLimits.expiryDaysMax}`;
  }
  if (terms.expiry_days * 24 <= terms.spend_delay_hours) return 'points expire after they become spendable';
  const { points, amount, cap_percent: cap } = terms.redemption;
  const term = (value: number) => Number.isInteger(value) && value >= 1 && value <= programmeLimits.redemptionTermMax;
  if (!term(points) || !term(amount)) return `redemption.points and redemption.amount are from 1 to ${programmeLimits.redemptionTermMax}`;
  if (!Number.isInteger(cap) || cap < 0 || cap > programmeLimits.capPercentMax) return 'redemption.cap_percent is from 0 to 100';
  return null;
}

export interface EarnContext {
  amountReceived: bigint;
  currency: string;
  paymentMethodType: string | null;
  segment: string | null;
  at: Date;
}

/** The points a payment earns (rounded down once, after every multiplier). */
export function pointsEarned(programme: Programme, payment: EarnContext): bigint {
  if (!programme.enabled || payment.currency !== programme.currency || payment.amountReceived <= 0n) return 0n;
  const { earn } = programme.terms;
  const method = payment.paymentMethodType;
  const rate = BigInt(method !== null && Object.hasOwn(earn.by_payment_method, method) ? (earn.by_payment_method[method] ?? 0) : earn.points_per_unit);
  const percents: bigint[] = [];
  if (payment.segment !== null && Object.hasOwn(earn.segment_percent, payment.segment)) percents.push(BigInt(earn.segment_percent[payment.segment] ?? 100));
  const atMs = payment.at.getTime();
  for (const campaign of earn.campaigns) {
    if (Date.parse(campaign.starts_at) <= atMs && atMs < Date.parse(campaign.ends_at)) percents.push(BigInt(campaign.percent));
  }
  const numerator = percents.reduce((product, percent) => product * percent, payment.amountReceived * rate);
  const denominator = percents.reduce((product) => product * 100n, 10n ** BigInt(currencyExponent(programme.currency)));
  return numerator / denominator;
}

export interface Redemption {
  /** Points taken: only as many as the value needs. */
  points: bigint;
  /** Their value in minor units of the payment's currency. */
  value: bigint;
}

/** The most a payment's points may pay of `amount`. */
export function redemptionCap(programme: Programme, amount: bigint): bigint {
  const cap = (amount * BigInt(programme.terms.redemption.cap_percent)) / 100n;
  return cap < amount ? cap : amount - 1n;
}

/**
 * What redeeming `requested` points does to a payment of `amount`: the value
 * rounded down, capped, and the points that value needs (rounded up), never
 * more than requested.
 */
export function redemptionOf(programme: Programme, amount: bigint, requested: bigint): Redemption {
  assert(requested >= 0n && amount > 0n, 'redemption of a positive amount');
  const { points: ratePoints, amount: rateAmount } = programme.terms.redemption;
  const uncapped = (requested * BigInt(rateAmount)) / BigInt(ratePoints);
  const cap = redemptionCap(programme, amount);
  const value = uncapped < cap ? uncapped : cap;
  if (value <= 0n) return { points: 0n, value: 0n };
  const needed = (value * BigInt(ratePoints) + BigInt(rateAmount) - 1n) / BigInt(rateAmount);
  assert(needed <= requested, 'a redemption never takes more points than asked');
  return { points: needed, value };
}

/** The value of `points` at the programme's rate, rounded down (what the checkout shows a balance is worth). */
export function pointsValue(programme: Programme, points: bigint): bigint {
  return (points * BigInt(programme.terms.redemption.amount)) / BigInt(programme.terms.redemption.points);
}

/**
 * A refund's share of a payment's points: what a refund that brings the refunded total from
 * `before` to `after` (of `basis`) takes back, rounded so that a full refund takes exactly all.
 */
export function refundShare(points: bigint, basis: bigint, before: bigint, after: bigint): bigint {
  assert(basis > 0n && before >= 0n && before <= after && after <= basis, 'refunded totals within what was received');
  return (points * after) / basis - (points * before) / basis;
}

assert(programmeLimits.capPercentMax === 100, 'a cap is a share of the amount');
