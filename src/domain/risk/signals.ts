/**
 * The signals a rule may read, their types, and how they are computed from
 * what the store read of a confirm's history (one query, store/risk-signals.ts)
 * and what the confirm itself carries. Pure: no I/O, time is given.
 *
 * Counts and amounts over sliding windows exclude the payment being
 * confirmed; amounts are summed in the payment's currency only, in minor
 * units. A number that does not apply (no customer, no history) is 0 and a
 * boolean is false, so a rule never meets a missing value; `has_customer` and
 * `customer_age_days = -1` tell a rule that there is no customer.
 */
import { cardCountry } from './bin-ranges.ts';

export type SignalType = 'number' | 'boolean' | 'string';

export const signalTypes = {
  amount: 'number',
  currency: 'string',
  payment_method_type: 'string',
  has_customer: 'boolean',
  customer_age_days: 'number',
  customer_succeeded_payments: 'number',
  is_new_customer: 'boolean',
  customer_payments_1h: 'number',
  customer_amount_1h: 'number',
  customer_payments_24h: 'number',
  customer_amount_24h: 'number',
  customer_cards_24h: 'number',
  card_payments_1h: 'number',
  card_amount_1h: 'number',
  card_payments_24h: 'number',
  card_amount_24h: 'number',
  card_customers_24h: 'number',
  address_payments_1h: 'number',
  address_amount_1h: 'number',
  address_payments_24h: 'number',
  address_amount_24h: 'number',
  device_payments_1h: 'number',
  device_amount_1h: 'number',
  device_payments_24h: 'number',
  device_amount_24h: 'number',
  declines_in_row: 'number',
  amount_to_customer_usual: 'number',
  amount_to_merchant_usual: 'number',
  card_country: 'string',
  address_country: 'string',
  country_mismatch: 'boolean',
  hour_of_day: 'number',
  blocklisted: 'boolean',
  blocklisted_card: 'boolean',
  blocklisted_email: 'boolean',
  blocklisted_phone: 'boolean',
  blocklisted_address: 'boolean',
  blocklisted_customer: 'boolean',
  blocklisted_device: 'boolean',
  risk_score: 'number',
  customer_segment: 'string',
} as const satisfies Record<string, SignalType>;

export type SignalName = keyof typeof signalTypes;
export type SignalValue = number | boolean | string;
export type Signals = Record<SignalName, SignalValue>;

export function isSignalName(name: string): name is SignalName {
  return Object.hasOwn(signalTypes, name);
}

/** Velocity of one key (customer, card, address or device) over the two windows. */
export interface Velocity {
  payments1h: number;
  amount1h: number;
  payments24h: number;
  amount24h: number;
}

/** What the store read for one confirm. */
export interface RiskHistory {
  customer: Velocity & { cards24h: number };
  card: Velocity & { customers24h: number };
  address: Velocity;
  device: Velocity;
  declinesInRow: number;
  customerCreatedAt: Date | null;
  customerSucceededPayments: number;
  /** Mean amount of the customer's, and of the merchant's, recent succeeded payments in this currency; null: none. */
  customerUsualAmount: number | null;
  merchantUsualAmount: number | null;
  blocklistedKinds: string[];
  merchantTimeZone: string;
}

/** What the confirm carries. */
export interface RiskRequest {
  amount: number;
  currency: string;
  paymentMethodType: string;
  hasCustomer: boolean;
  cardNumber: string | null;
  addressCountry: string | null;
  /** 0–100 from the merchant's model, or -1 while it has none. */
  riskScore: number;
  nowMs: number;
  /** The customer's k-means segment in the newest kept segmentation that holds them ('' none, or not read: no rule reads it). */
  customerSegment?: string;
}

const dayMs = 86_400_000;

export function computeSignals(history: RiskHistory, request: RiskRequest): Signals {
  const cardCountryCode = request.cardNumber ? cardCountry(request.cardNumber) : null;
  const ageDays = history.customerCreatedAt ? Math.floor((request.nowMs - history.customerCreatedAt.getTime()) / dayMs) : -1;
  const blocked = new Set(history.blocklistedKinds);
  return {
    amount: request.amount,
    currency: request.currency,
    payment_method_type: request.paymentMethodType,
    has_customer: request.hasCustomer,
    customer_age_days: request.hasCustomer ? Math.max(0, ageDays) : -1,
    customer_succeeded_payments: history.customerSucceededPayments,
    is_new_customer: request.hasCustomer && (ageDays < 1 || history.customerSucceededPayments === 0),
    customer_payments_1h: history.customer.payments1h,
    customer_amount_1h: history.customer.amount1h,
    customer_payments_24h: history.customer.payments24h,
    customer_amount_24h: history.customer.amount24h,
    customer_cards_24h: history.customer.cards24h,
    card_payments_1h: history.card.payments1h,
    card_amount_1h: history.card.amount1h,
    card_payments_24h: history.card.payments24h,
    card_amount_24h: history.card.amount24h,
    card_customers_24h: history.card.customers24h,
    address_payments_1h: history.address.payments1h,
    address_amount_1h: history.address.amount1h,
    address_payments_24h: history.address.payments24h,
    address_amount_24h: history.address.amount24h,
    device_payments_1h: history.device.payments1h,
    device_amount_1h: history.device.amount1h,
    device_payments_24h: history.device.payments24h,
    device_amount_24h: history.device.amount24h,
    declines_in_row: history.declinesInRow,
    amount_to_customer_usual: ratio(request.amount, history.customerUsualAmount),
    amount_to_merchant_usual: ratio(request.amount, history.merchantUsualAmount),
    card_country: cardCountryCode ?? '',
    address_country: request.addressCountry ?? '',
    country_mismatch: cardCountryCode !== null && request.addressCountry !== null && cardCountryCode !== request.addressCountry,
    hour_of_day: hourIn(history.merchantTimeZone, request.nowMs),
    blocklisted: blocked.size > 0,
    blocklisted_card: blocked.has('card_fingerprint'),
    blocklisted_email: blocked.has('email'),
    blocklisted_phone: blocked.has('phone'),
    blocklisted_address: blocked.has('address'),
    blocklisted_customer: blocked.has('customer'),
    blocklisted_device: blocked.has('device'),
    risk_score: request.riskScore,
    customer_segment: request.customerSegment ?? '',
  };
}

/** How many times the usual amount this one is, to two decimals; 0 when there is no usual. */
function ratio(amount: number, usual: number | null): number {
  if (usual === null || usual <= 0) return 0;
  return Math.round((amount / usual) * 100) / 100;
}

/** The hour (0–23) at `nowMs` in a time zone; UTC if the zone is unknown to this runtime. */
export function hourIn(timeZone: string, nowMs: number): number {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const hour = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(nowMs));
  return Number(hour) % 24;
}
