/**
 * The script of a simulated history: which customers exist, and for each
 * payment when it is made, by whom, for how much, and what the payer does
 * (which cards and channels, declines, cancellations with reasons, leaving).
 * Pure and drawn from one seed, so the same seed and the same end time give
 * the same script; src/simulators/traffic.ts plays it through the real API.
 *
 * Time is cut into slots of `slotMs`. A payment belongs to a slot; within it
 * the runner lets real time pass on the clock (so latencies are real), and
 * between slots it runs the worker's sweeps. Expiry times are whole numbers
 * of slots, so which sweep cancels an abandoned payment never depends on how
 * fast the machine is.
 */
import { assert } from '../../domain/assert.ts';
import { seededRandom } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import type { CancellationReason } from '../../domain/payments/payment-state.ts';

export const slotMs = 30 * 60 * 1000;
export const channels = ['card', 'alipay', 'wechat_pay', 'unionpay'] as const;
export type Channel = (typeof channels)[number];
export type QrChannel = Exclude<Channel, 'card'>;
export const personas = ['ordinary', 'wallet_user', 'big_spender', 'retrier', 'frequent_canceler'] as const;
export type Persona = (typeof personas)[number];

/** Test cards of the bundled acquirer (README): what each one does. */
export const testCards = {
  visa: '4242424242424242',
  mastercard: '5555555555554444',
  unionpayCard: '6200000000000005',
  genericDecline: '4000000000000002',
  insufficientFunds: '4000000000009995',
  lostCard: '4000000000009987',
  stolenCard: '4000000000009979',
  velocity: '4000000000006975',
  expired: '4000000000000069',
  incorrectCvc: '4000000000000127',
  processingError: '4000000000000119',
  otp: '4000002760003184',
  riskBlocked: '4100000000000019',
} as const;

export type Step =
  | { kind: 'card'; number: string }
  | { kind: 'qr'; channel: QrChannel; payer: 'pay' | 'leave' | 'decline'; mobile: boolean }
  | { kind: 'cancel'; reason: Exclude<CancellationReason, 'abandoned'>; comment: string };

export interface PlannedCustomer {
  index: number;
  persona: Persona;
  locale: 'en' | 'zh-CN' | 'zh-TW';
}

export interface PlannedPayment {
  index: number;
  slot: number;
  /** Index into the plan's customers; null for a guest checkout. */
  customer: number | null;
  amount: number;
  currency: 'CNY' | 'USD';
  /** A whole number of slots (see above). */
  expiresInSeconds: number;
  /** What the payer does, in order, until the payment succeeds or is canceled; nothing left means it is abandoned. */
  steps: Step[];
  /** What the payer does instead when the provider fails (not a decline: it is down). */
  onProviderFailure: Step[];
  refund: { reason: 'requested_by_customer' | 'after_sales' | 'duplicate' | 'other'; share: 'full' | 'half' } | null;
  /** The payer rates the checkout once the payment is final: one rating if it succeeded, another if not; NPS sometimes. */
  feedback: { ratingIfSucceeded: number; ratingOtherwise: number; npsScore: number | null } | null;
  /** Whether the hosted checkout was viewed on a phone (the funnel's device class). */
  mobile: boolean;
}

export interface DegradedWindow {
  channel: Channel;
  fromSlot: number;
  /** Exclusive. */
  toSlot: number;
}

export interface TrafficPlan {
  seed: number;
  startMs: number;
  endMs: number;
  slots: number;
  customers: PlannedCustomer[];
  /** Sorted by slot, then index. */
  payments: PlannedPayment[];
  degraded: DegradedWindow;
}

export const cancelReasons = [
  'requested_by_customer',
  'price_changed',
  'too_complicated',
  'payment_method_unavailable',
  'network_issue',
  'quality_concern',
  'duplicate',
  'fraudulent',
  'other',
] as const satisfies readonly Exclude<CancellationReason, 'abandoned'>[];

const comments: Record<(typeof cancelReasons)[number], readonly string[]> = {
  requested_by_customer: ['Changed my mind', '不想要了', 'Ordered by mistake'],
  price_changed: ['The price went up at checkout', '价格变了', 'Shipping costs too much'],
  too_complicated: ['Too many steps', '付款太麻烦', 'Could not find where to pay'],
  payment_method_unavailable: ['My bank is not supported', '没有我常用的支付方式', 'Wanted to pay on delivery'],
  network_issue: ['The page kept loading', '网络太慢', 'Connection dropped'],
  quality_concern: ['Reviews look bad', '担心质量问题', 'Not sure it is genuine'],
  duplicate: ['Already paid in another tab', '重复下单', 'Second order by accident'],
  fraudulent: ['Card used without my permission', '不是我本人操作', 'Suspicious order'],
  other: ['No reason', '其他原因', 'Will buy later'],
};

/** Orders per Beijing hour: quiet at night, busy at lunch and in the evening. */
const hourlyWeights = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 11, 10, 9, 9, 9, 10, 11, 12, 12, 10, 7, 4];
/** The degraded window is Beijing's day and evening, 08:00 to 24:00 (00:00 to 16:00 UTC): most of a day's traffic, within one UTC day. */
const degradedHours = 16;
const degradedStartHourUtc = 0;

export interface PlanOptions {
  payments: number;
  days: number;
  seed: number;
  /** End of the history; the start is `days` before it. Must be a whole hour. */
  endMs: number;
}

export function planTraffic(options: PlanOptions): TrafficPlan {
  assert(Number.isInteger(options.payments) && options.payments >= 1 && options.payments <= limits.simulatedPaymentsMax, 'payments within bounds');
  assert(Number.isInteger(options.days) && options.days >= 1 && options.days <= limits.simulatedDaysMax, 'days within bounds');
  assert(options.endMs % (60 * 60 * 1000) === 0, 'the history ends on a whole hour');
  const draw = uniformSource(options.seed);
  const startMs = options.endMs - options.days * 24 * 60 * 60 * 1000;
  const slots = (options.endMs - startMs) / slotMs;
  const customers = planCustomers(draw, Math.min(20_000, Math.max(8, Math.ceil(options.payments / 5))));
  const degraded = planDegradedWindow(draw, startMs, options.endMs);
  const weights = customers.map((c) => (c.persona === 'frequent_canceler' ? 2 : 1));
  const payments: PlannedPayment[] = [];
  for (let index = 0; index < options.payments; index += 1) {
    const slot = drawSlot(draw, startMs, slots);
    const customer = draw() < 0.08 ? null : pickWeighted(draw, weights);
    const persona = customer === null ? 'ordinary' : (customers[customer]?.persona ?? 'ordinary');
    payments.push(planPayment(draw, index, slot, customer, persona));
  }
  payments.sort((a, b) => a.slot - b.slot || a.index - b.index);
  return { seed: options.seed, startMs, endMs: options.endMs, slots, customers, payments, degraded };
}

function planCustomers(draw: () => number, count: number): PlannedCustomer[] {
  // A few of each unusual kind, whatever the count, so the segments have something to find.
  const planted: Persona[] = ['frequent_canceler', 'frequent_canceler', 'frequent_canceler', 'retrier', 'retrier', 'big_spender', 'wallet_user', 'wallet_user'];
  return Array.from({ length: count }, (_, index) => {
    const roll = draw();
    const persona: Persona =
      planted[index] ?? (roll < 0.04 ? 'frequent_canceler' : roll < 0.12 ? 'retrier' : roll < 0.19 ? 'big_spender' : roll < 0.39 ? 'wallet_user' : 'ordinary');
    const localeRoll = draw();
    return { index, persona, locale: localeRoll < 0.6 ? 'zh-CN' : localeRoll < 0.75 ? 'zh-TW' : 'en' };
  });
}

/**
 * Card and Alipay are the channels that degrade: their simulators can fail a
 * request in a way that says for certain nothing was done (a 500 from the
 * acquirer, Alipay's 20000), so every payment of the outage ends the same way
 * on every run. (WeChat Pay's 500 may hide work done: its payments would wait
 * in `processing` for a status query.)
 */
export const degradableChannels = ['card', 'alipay'] as const satisfies readonly Channel[];

function planDegradedWindow(draw: () => number, startMs: number, endMs: number): DegradedWindow {
  const channel = pick(draw, degradableChannels);
  const hourMs = 60 * 60 * 1000;
  const candidates: number[] = [];
  const firstDay = Math.floor(startMs / (24 * hourMs)) * 24 * hourMs;
  for (let day = firstDay; day < endMs; day += 24 * hourMs) {
    const from = day + degradedStartHourUtc * hourMs;
    if (from >= startMs && from + degradedHours * hourMs <= endMs) candidates.push(from);
  }
  const fromMs = candidates.length > 0 ? pick(draw, candidates) : startMs + Math.floor((endMs - startMs - degradedHours * hourMs) / 2 / hourMs) * hourMs;
  const fromSlot = Math.max(0, (fromMs - startMs) / slotMs);
  return { channel, fromSlot, toSlot: Math.min((endMs - startMs) / slotMs, fromSlot + (degradedHours * hourMs) / slotMs) };
}

/** A slot drawn by the hour of day in Beijing (rejection sampling against the busiest hour). */
function drawSlot(draw: () => number, startMs: number, slots: number): number {
  const busiest = Math.max(...hourlyWeights);
  for (;;) {
    const slot = Math.floor(draw() * slots);
    const beijingHour = new Date(startMs + slot * slotMs + 8 * 60 * 60 * 1000).getUTCHours();
    if (draw() * busiest < (hourlyWeights[beijingHour] ?? 1)) return slot;
  }
}

function planPayment(draw: () => number, index: number, slot: number, customer: number | null, persona: Persona): PlannedPayment {
  // QR wallets take CNY only: a USD payment is paid by card.
  const currency = draw() < 0.06 ? 'USD' : 'CNY';
  const typical = persona === 'big_spender' ? 150_000 : currency === 'USD' ? 3_000 : 8_000;
  // Roughly log-normal: most orders near the typical amount, a long tail above it.
  const amount = Math.max(100, Math.round((typical * Math.exp((draw() + draw() + draw() - 1.5) * 1.2)) / 10) * 10);
  const expiresInSeconds = pick(draw, [1800, 1800, 3600]);
  assert((expiresInSeconds * 1000) % slotMs === 0, 'a payment expires after a whole number of slots');
  const { steps, onProviderFailure } = planSteps(draw, persona, currency === 'USD');
  const refund = draw() < 0.1 ? { reason: pick(draw, ['requested_by_customer', 'after_sales', 'duplicate', 'other'] as const), share: draw() < 0.7 ? ('full' as const) : ('half' as const) } : null;
  const feedback =
    draw() < 0.25
      ? { ratingIfSucceeded: pick(draw, [5, 5, 5, 4, 4, 3]), ratingOtherwise: pick(draw, [1, 2, 2, 3, 3, 4]), npsScore: draw() < 0.5 ? Math.floor(draw() * 11) : null }
      : null;
  return { index, slot, customer, amount, currency, expiresInSeconds, steps, onProviderFailure, refund, feedback, mobile: draw() < 0.45 };
}

function planSteps(draw: () => number, persona: Persona, cardOnly: boolean): { steps: Step[]; onProviderFailure: Step[] } {
  const preferred = preferredChannel(draw, persona);
  const channel = cardOnly ? 'card' : preferred;
  const first = firstTry(draw, channel);
  const switchTo: Step = channel === 'card' ? qr(draw, 'alipay', 'pay') : { kind: 'card', number: testCards.visa };
  const fallback: Step[] = draw() < 0.5 && !cardOnly ? [switchTo] : draw() < 0.5 ? [cancel(draw, 'payment_method_unavailable')] : [];
  const roll = draw();
  if (persona === 'frequent_canceler' && roll < 0.75) {
    // Cancels before paying, after looking at the QR code, or after a decline.
    const how = draw();
    if (how < 0.5) return { steps: [cancel(draw)], onProviderFailure: [cancel(draw)] };
    if (how < 0.8 && !cardOnly) return { steps: [qr(draw, pick(draw, ['alipay', 'wechat_pay'] as const), 'leave'), cancel(draw)], onProviderFailure: [cancel(draw)] };
    return { steps: [{ kind: 'card', number: declineCard(draw) }, cancel(draw)], onProviderFailure: [cancel(draw)] };
  }
  if (persona === 'retrier' && roll < 0.7) {
    const declines = Array.from({ length: 1 + Math.floor(draw() * 3) }, () => ({ kind: 'card' as const, number: declineCard(draw) }));
    return { steps: [...declines, { kind: 'card', number: testCards.mastercard }], onProviderFailure: [{ kind: 'card', number: testCards.visa }] };
  }
  if (roll < 0.07) return { steps: [cancel(draw)], onProviderFailure: [] };
  if (roll < 0.12) return { steps: [], onProviderFailure: [] }; // opens the checkout and never pays: abandoned
  if (roll < 0.2 && channel === 'card') {
    // A decline, then another card, a cancellation, or nothing.
    const after = draw();
    const next: Step[] = after < 0.5 ? [{ kind: 'card', number: testCards.visa }] : after < 0.75 ? [cancel(draw)] : [];
    return { steps: [{ kind: 'card', number: declineCard(draw) }, ...next], onProviderFailure: fallback };
  }
  if (roll < 0.2) {
    const after = draw();
    const payer = after < 0.6 ? 'leave' : 'decline';
    return { steps: [qr(draw, channel as QrChannel, payer), ...(after < 0.3 ? [] : after < 0.6 ? [cancel(draw)] : [{ kind: 'card' as const, number: testCards.visa }])], onProviderFailure: fallback };
  }
  return { steps: [first], onProviderFailure: fallback };
}

function preferredChannel(draw: () => number, persona: Persona): Channel {
  const roll = draw();
  if (persona === 'wallet_user') return roll < 0.55 ? 'alipay' : roll < 0.9 ? 'wechat_pay' : 'unionpay';
  return roll < 0.62 ? 'card' : roll < 0.8 ? 'alipay' : roll < 0.93 ? 'wechat_pay' : 'unionpay';
}

function firstTry(draw: () => number, channel: Channel): Step {
  if (channel !== 'card') return qr(draw, channel, 'pay');
  const roll = draw();
  if (roll < 0.03) return { kind: 'card', number: testCards.otp };
  return { kind: 'card', number: roll < 0.55 ? testCards.visa : roll < 0.85 ? testCards.mastercard : testCards.unionpayCard };
}

function qr(draw: () => number, channel: QrChannel, payer: 'pay' | 'leave' | 'decline'): Step {
  return { kind: 'qr', channel, payer, mobile: channel === 'unionpay' || draw() < 0.3 };
}

function cancel(draw: () => number, reason?: (typeof cancelReasons)[number]): Step {
  const chosen = reason ?? pick(draw, cancelReasons);
  return { kind: 'cancel', reason: chosen, comment: pick(draw, comments[chosen]) };
}

function declineCard(draw: () => number): string {
  const roll = draw();
  if (roll < 0.35) return testCards.insufficientFunds;
  if (roll < 0.55) return testCards.genericDecline;
  if (roll < 0.65) return testCards.expired;
  if (roll < 0.75) return testCards.incorrectCvc;
  if (roll < 0.82) return testCards.lostCard;
  if (roll < 0.87) return testCards.stolenCard;
  if (roll < 0.92) return testCards.velocity;
  if (roll < 0.96) return testCards.processingError;
  return testCards.riskBlocked;
}

function pick<T>(draw: () => number, values: readonly T[]): T {
  const value = values[Math.floor(draw() * values.length)];
  assert(value !== undefined, 'pick from a non-empty list');
  return value;
}

function pickWeighted(draw: () => number, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let roll = draw() * total;
  for (let i = 0; i < weights.length; i += 1) {
    roll -= weights[i] ?? 0;
    if (roll < 0) return i;
  }
  return weights.length - 1;
}

/** Uniform numbers in [0, 1) from the seeded source of src/domain/clock.ts. */
export function uniformSource(seed: number): () => number {
  const random = seededRandom(seed);
  return () => random.bytes(4).readUInt32BE(0) / 2 ** 32;
}
