/**
 * Customer segments: customers grouped by how they pay, with k-means over
 * standardized behaviour, and each group named by what sets it apart.
 *
 * Pure: the store hands in one activity record per customer, this file
 * turns them into feature vectors, clusters them (ml-kmeans, k-means++ with
 * fixed seeds, so the same data always gives the same segments) and names
 * each cluster by the feature on which its centroid lies furthest from the
 * overall mean, measured in standard deviations.
 *
 * Features, per customer over the range asked:
 * - cancellation_rate: payments the payer or merchant canceled (any reason but
 *   `abandoned`) / payments. Abandonment is a separate feature: leaving is not
 *   deciding, and "who cancels" is about the decision.
 * - abandonment_rate: payments canceled as `abandoned` / payments.
 * - attempts_per_payment: authorization attempts / payments (0 for a payment
 *   never confirmed).
 * - average_amount: clustered as the logarithm of the customer's average in
 *   each currency, standardized within that currency (amounts in different
 *   currencies are never added), weighted by the customer's payments in each.
 * - method_mix: the share of the customer's attempts per payment_method_type.
 */
import { kmeans } from 'ml-kmeans';
import { assert } from '../assert.ts';
import type { Locale } from '../locale.ts';

export interface CustomerActivity {
  customerId: string;
  payments: number;
  /** Canceled for any reason except `abandoned`. */
  canceled: number;
  abandoned: number;
  attempts: number;
  /** Per currency: how many payments and the sum of their amounts (minor units). */
  amountsByCurrency: Readonly<Record<string, { payments: number; amountSum: bigint }>>;
  /** Authorization attempts per payment_method_type. */
  attemptsByMethod: Readonly<Record<string, number>>;
}

export interface CustomerFeatures {
  customerId: string;
  payments: number;
  cancellationRate: number;
  abandonmentRate: number;
  attemptsPerPayment: number;
  /** The customer's average per currency, rounded half up to a minor unit. */
  averageAmount: Record<string, bigint>;
  methodMix: Record<string, number>;
}

export const segmentNames = [
  'frequent_cancelers',
  'abandoners',
  'retriers',
  'big_spenders',
  'small_spenders',
  'card_users',
  'wallet_users',
  'alipay_users',
  'wechat_pay_users',
  'unionpay_users',
  'steady_payers',
] as const;
export type SegmentBaseName = (typeof segmentNames)[number];

export interface DistinguishingFeature {
  /** `cancellation_rate`, `abandonment_rate`, `attempts_per_payment`, `average_amount` or `method_mix.<type>`. */
  feature: string;
  direction: 'above' | 'below';
  /** How far the segment's centroid lies from the mean of all customers, in standard deviations. */
  standard_deviations: number;
}

export interface Segment {
  /** Unique within one answer: a second segment of the same kind gets `_2`, and so on. */
  name: string;
  label: string;
  size: number;
  centroid: {
    cancellation_rate: number;
    abandonment_rate: number;
    attempts_per_payment: number;
    average_amount: Record<string, bigint>;
    method_mix: Record<string, number>;
  };
  distinguishing_feature: DistinguishingFeature | null;
  customers: string[];
}

export interface SegmentationResult {
  k: number;
  segments: Segment[];
  /** Each included customer with its features and the name of its segment, in customer id order. */
  members: { features: CustomerFeatures; segment: string }[];
}

/** A centroid must lie at least this many standard deviations out for the segment to be named by that feature. */
export const namingThresholdStandardDeviations = 0.5;
/** More starts find a better clustering; past a few thousand customers each start costs too long for one request. */
const restartsFew = 8;
const restartsMany = 3;
const manyCustomers = 5_000;
const seedBase = 20_261_201;
const kmeansIterationsMax = 100;

export function customerFeatures(activity: CustomerActivity): CustomerFeatures {
  assert(activity.payments > 0, 'a customer in a segmentation has payments');
  const averageAmount: Record<string, bigint> = {};
  for (const [currency, { payments, amountSum }] of Object.entries(activity.amountsByCurrency)) {
    if (payments > 0) averageAmount[currency] = divideHalfUp(amountSum, BigInt(payments));
  }
  const methodMix: Record<string, number> = {};
  for (const [method, attempts] of Object.entries(activity.attemptsByMethod)) {
    if (activity.attempts > 0 && attempts > 0) methodMix[method] = attempts / activity.attempts;
  }
  return {
    customerId: activity.customerId,
    payments: activity.payments,
    cancellationRate: activity.canceled / activity.payments,
    abandonmentRate: activity.abandoned / activity.payments,
    attemptsPerPayment: activity.attempts / activity.payments,
    averageAmount,
    methodMix,
  };
}

/**
 * Clusters the customers into at most `kRequested` segments. k is lowered to
 * the number of distinct behaviours when there are fewer (k-means cannot
 * place more centres than distinct points).
 */
export function segmentCustomers(activities: readonly CustomerActivity[], kRequested: number, locale: Locale = 'en'): SegmentationResult {
  assert(Number.isInteger(kRequested) && kRequested >= 1, 'k is a positive integer');
  const features = activities.map(customerFeatures).sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  if (features.length === 0) return { k: 0, segments: [], members: [] };
  const { columns, matrix } = standardizedMatrix(features);
  const distinctPoints = new Set(matrix.map((row) => row.join(','))).size;
  const k = Math.min(kRequested, distinctPoints);
  const clusters = k === 1 ? matrix.map(() => 0) : bestClustering(matrix, k);
  const groups = Array.from({ length: k }, () => [] as number[]);
  clusters.forEach((cluster, index) => groups[cluster]?.push(index));
  const nonEmpty = groups.filter((group) => group.length > 0);
  const deviations = nonEmpty.map((group) => columns.map((_, c) => mean(group.map((i) => matrix[i]?.[c] ?? 0))));
  const names = nameSegments(columns, deviations);
  const segments = nonEmpty.map((group, s) => {
    const name = names[s] ?? 'steady_payers';
    return {
      name,
      label: segmentLabel(name, locale),
      size: group.length,
      centroid: centroidOf(group.map((i) => features[i] as CustomerFeatures)),
      distinguishing_feature: distinguishingFeature(columns, deviations[s] ?? []),
      customers: group.map((i) => (features[i] as CustomerFeatures).customerId),
    };
  });
  segments.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  const segmentOf = new Map<string, string>();
  for (const segment of segments) for (const customer of segment.customers) segmentOf.set(customer, segment.name);
  return { k: segments.length, segments, members: features.map((f) => ({ features: f, segment: segmentOf.get(f.customerId) ?? '' })) };
}

// ---------------------------------------------------------------------------
// Features as a standardized matrix.

interface Column {
  feature: string;
  value(features: CustomerFeatures): number;
}

function standardizedMatrix(features: readonly CustomerFeatures[]): { columns: Column[]; matrix: number[][] } {
  const amountScores = amountScoresOf(features);
  const methods = [...new Set(features.flatMap((f) => Object.keys(f.methodMix)))].sort();
  const columns: Column[] = [
    { feature: 'cancellation_rate', value: (f) => f.cancellationRate },
    { feature: 'abandonment_rate', value: (f) => f.abandonmentRate },
    { feature: 'attempts_per_payment', value: (f) => f.attemptsPerPayment },
    { feature: 'average_amount', value: (f) => amountScores.get(f.customerId) ?? 0 },
    ...methods.map((method) => ({ feature: `method_mix.${method}`, value: (f: CustomerFeatures) => f.methodMix[method] ?? 0 })),
  ];
  const raw = features.map((f) => columns.map((column) => column.value(f)));
  const scaled = columns.map((_, c) => zScores(raw.map((row) => row[c] ?? 0)));
  return { columns, matrix: raw.map((_, i) => columns.map((__, c) => round(scaled[c]?.[i] ?? 0, 9))) };
}

/** Log of each customer's average per currency, standardized within the currency, weighted by payments. */
function amountScoresOf(features: readonly CustomerFeatures[]): Map<string, number> {
  const byCurrency = new Map<string, { customerId: string; logAmount: number; payments: number }[]>();
  for (const f of features) {
    for (const [currency, average] of Object.entries(f.averageAmount)) {
      const list = byCurrency.get(currency) ?? [];
      list.push({ customerId: f.customerId, logAmount: Math.log1p(Number(average)), payments: f.payments });
      byCurrency.set(currency, list);
    }
  }
  const weighted = new Map<string, { sum: number; weight: number }>();
  for (const list of byCurrency.values()) {
    const scores = zScores(list.map((entry) => entry.logAmount));
    list.forEach((entry, i) => {
      const acc = weighted.get(entry.customerId) ?? { sum: 0, weight: 0 };
      acc.sum += (scores[i] ?? 0) * entry.payments;
      acc.weight += entry.payments;
      weighted.set(entry.customerId, acc);
    });
  }
  return new Map([...weighted].map(([id, { sum, weight }]) => [id, weight === 0 ? 0 : sum / weight]));
}

/** Standard scores; a feature that does not vary scores 0 for everyone (it tells no customer apart). */
export function zScores(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const m = mean(values);
  const deviation = Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
  if (!(deviation > 1e-12)) return values.map(() => 0);
  return values.map((v) => (v - m) / deviation);
}

// ---------------------------------------------------------------------------
// Clustering.

/** The clustering with the least within-cluster sum of squares over a few seeded k-means++ starts. */
function bestClustering(matrix: number[][], k: number): number[] {
  let best: { clusters: number[]; inertia: number } | null = null;
  const restarts = matrix.length > manyCustomers ? restartsMany : restartsFew;
  for (let run = 0; run < restarts; run += 1) {
    const result = kmeans(matrix, k, { initialization: 'kmeans++', seed: seedBase + run, maxIterations: kmeansIterationsMax });
    const inertia = matrix.reduce((sum, row, i) => sum + squaredDistance(row, result.centroids[result.clusters[i] ?? 0] ?? row), 0);
    if (best === null || inertia < best.inertia - 1e-9) best = { clusters: result.clusters, inertia };
  }
  assert(best !== null, 'k-means ran at least once');
  return best.clusters;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return sum;
}

// ---------------------------------------------------------------------------
// Naming.

/** The name a feature gives a segment whose centroid lies above (or below) the mean on it; null when that says nothing. */
function nameFor(feature: string, direction: 'above' | 'below'): SegmentBaseName | null {
  if (direction === 'above') {
    if (feature === 'cancellation_rate') return 'frequent_cancelers';
    if (feature === 'abandonment_rate') return 'abandoners';
    if (feature === 'attempts_per_payment') return 'retriers';
    if (feature === 'average_amount') return 'big_spenders';
    const method = feature.startsWith('method_mix.') ? feature.slice('method_mix.'.length) : null;
    const byMethod: Record<string, SegmentBaseName> = {
      card: 'card_users',
      wallet: 'wallet_users',
      alipay: 'alipay_users',
      wechat_pay: 'wechat_pay_users',
      unionpay: 'unionpay_users',
    };
    return method === null ? null : (byMethod[method] ?? null);
  }
  return feature === 'average_amount' ? 'small_spenders' : null;
}

/**
 * Gives each segment the name of its most distinctive nameable feature,
 * strongest first, so two segments never share a name: a segment whose best
 * name is taken gets its next best, and one with nothing distinctive (or
 * nothing left) is a steady payer.
 */
function nameSegments(columns: readonly Column[], deviations: readonly number[][]): string[] {
  const candidates: { segment: number; name: SegmentBaseName; score: number }[] = [];
  deviations.forEach((deviation, segment) => {
    columns.forEach((column, c) => {
      const value = deviation[c] ?? 0;
      const name = nameFor(column.feature, value >= 0 ? 'above' : 'below');
      if (name !== null && Math.abs(value) >= namingThresholdStandardDeviations) candidates.push({ segment, name, score: Math.abs(value) });
    });
  });
  candidates.sort((a, b) => b.score - a.score || a.segment - b.segment);
  const names: (string | null)[] = deviations.map(() => null);
  const used = new Set<string>();
  for (const candidate of candidates) {
    if (names[candidate.segment] !== null || used.has(candidate.name)) continue;
    names[candidate.segment] = candidate.name;
    used.add(candidate.name);
  }
  let steady = 0;
  return names.map((name) => {
    if (name !== null) return name;
    steady += 1;
    return steady === 1 ? 'steady_payers' : `steady_payers_${steady}`;
  });
}

function distinguishingFeature(columns: readonly Column[], deviation: readonly number[]): DistinguishingFeature | null {
  let best = -1;
  columns.forEach((_, c) => {
    if (best === -1 || Math.abs(deviation[c] ?? 0) > Math.abs(deviation[best] ?? 0)) best = c;
  });
  const value = deviation[best] ?? 0;
  const column = columns[best];
  if (column === undefined || value === 0) return null;
  return { feature: column.feature, direction: value > 0 ? 'above' : 'below', standard_deviations: round(value, 2) };
}

const labels: Record<SegmentBaseName, Record<Locale, string>> = {
  frequent_cancelers: { en: 'Frequent cancelers', 'zh-CN': '经常取消的顾客', 'zh-TW': '經常取消的顧客' },
  abandoners: { en: 'Leave payments unfinished', 'zh-CN': '常放弃付款的顾客', 'zh-TW': '常放棄付款的顧客' },
  retriers: { en: 'Retry after failures', 'zh-CN': '失败后重试的顾客', 'zh-TW': '失敗後重試的顧客' },
  big_spenders: { en: 'Big spenders', 'zh-CN': '高消费顾客', 'zh-TW': '高消費顧客' },
  small_spenders: { en: 'Small spenders', 'zh-CN': '小额消费顾客', 'zh-TW': '小額消費顧客' },
  card_users: { en: 'Pay by card', 'zh-CN': '刷卡付款的顾客', 'zh-TW': '刷卡付款的顧客' },
  wallet_users: { en: 'Pay from their wallet balance', 'zh-CN': '用钱包余额付款的顾客', 'zh-TW': '用錢包餘額付款的顧客' },
  alipay_users: { en: 'Pay with Alipay', 'zh-CN': '用支付宝付款的顾客', 'zh-TW': '用支付寶付款的顧客' },
  wechat_pay_users: { en: 'Pay with WeChat Pay', 'zh-CN': '用微信支付付款的顾客', 'zh-TW': '用微信支付付款的顧客' },
  unionpay_users: { en: 'Pay with UnionPay', 'zh-CN': '用银联付款的顾客', 'zh-TW': '用銀聯付款的顧客' },
  steady_payers: { en: 'Steady payers', 'zh-CN': '稳定付款的顾客', 'zh-TW': '穩定付款的顧客' },
};

export function segmentLabel(name: string, locale: Locale): string {
  const match = /^(.*?)(?:_(\d+))?$/.exec(name);
  const base = (match?.[1] ?? name) as SegmentBaseName;
  const text = labels[base]?.[locale] ?? name;
  return match?.[2] ? `${text} (${match[2]})` : text;
}

// ---------------------------------------------------------------------------
// Centroids in the features' own units.

function centroidOf(members: readonly CustomerFeatures[]): Segment['centroid'] {
  const averageSums = new Map<string, { sum: bigint; count: bigint }>();
  const methodSums = new Map<string, number>();
  for (const member of members) {
    for (const [currency, average] of Object.entries(member.averageAmount)) {
      const acc = averageSums.get(currency) ?? { sum: 0n, count: 0n };
      acc.sum += average;
      acc.count += 1n;
      averageSums.set(currency, acc);
    }
    for (const [method, share] of Object.entries(member.methodMix)) methodSums.set(method, (methodSums.get(method) ?? 0) + share);
  }
  const sortedKeys = <T>(map: Map<string, T>) => [...map.keys()].sort();
  return {
    cancellation_rate: round(mean(members.map((m) => m.cancellationRate)), 4),
    abandonment_rate: round(mean(members.map((m) => m.abandonmentRate)), 4),
    attempts_per_payment: round(mean(members.map((m) => m.attemptsPerPayment)), 4),
    average_amount: Object.fromEntries(sortedKeys(averageSums).map((c) => [c, divideHalfUp(averageSums.get(c)!.sum, averageSums.get(c)!.count)])),
    method_mix: Object.fromEntries(sortedKeys(methodSums).map((m) => [m, round((methodSums.get(m) ?? 0) / members.length, 4)])),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** Integer division rounded half up, for non-negative amounts. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  assert(denominator > 0n && numerator >= 0n, 'a non-negative amount over a positive count');
  return (2n * numerator + denominator) / (2n * denominator);
}
