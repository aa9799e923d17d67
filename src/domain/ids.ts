/**
 * Prefixed, time-sortable identifiers: `pay_` + 26 Crockford base32 characters
 * (48 bits of milliseconds, then 80 bits that increase monotonically within a
 * millisecond). Sorting ids as strings sorts them by creation time, which is
 * what cursor pagination relies on.
 */
import { assert } from './assert.ts';
import type { Clock, RandomSource } from './clock.ts';

export const idPrefixes = {
  merchant: 'mer',
  apiKey: 'key',
  payment: 'pay',
  attempt: 'att',
  refund: 're',
  customer: 'cus',
  event: 'evt',
  paymentEvent: 'pev',
  webhookEndpoint: 'we',
  webhookDelivery: 'wd',
  connectorAccount: 'ca',
  order: 'ord',
  request: 'req',
  providerNotification: 'pnt',
  reconciliationMismatch: 'rcm',
  ledgerAccount: 'lac',
  ledgerTransaction: 'ltx',
  message: 'msg',
  fulfillmentEvent: 'ful',
  afterSalesRequest: 'asr',
  latePaymentRefund: 'lpr',
  alertRule: 'alr',
  alert: 'alt',
  connectorIncident: 'inc',
  consoleMember: 'mem',
  consoleSession: 'cs',
  auditEntry: 'aud',
  pointsLot: 'plt',
  coupon: 'cpn',
  couponRedemption: 'cpr',
  experiment: 'exp',
  supportRequest: 'sr',
  supportMessage: 'smg',
  supportRequestEvent: 'sre',
  faqEntry: 'faq',
  npsSurvey: 'nps',
  riskRule: 'rsk',
  riskDecision: 'rdc',
  blocklistEntry: 'blk',
  dispute: 'dsp',
} as const;

export type IdPrefix = (typeof idPrefixes)[keyof typeof idPrefixes];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const timeChars = 10;
const randomChars = 16;

export interface IdGenerator {
  newId(prefix: IdPrefix): string;
}

export function createIdGenerator(clock: Clock, random: RandomSource): IdGenerator {
  let lastMs = -1;
  let lastRandom = 0n;
  const randomMax = (1n << 80n) - 1n;
  return {
    newId(prefix) {
      const nowMs = Math.max(clock.nowMs(), lastMs);
      if (nowMs === lastMs && lastRandom < randomMax) {
        lastRandom += 1n;
      } else {
        lastMs = nowMs;
        lastRandom = BigInt(`0x${random.bytes(10).toString('hex')}`) >> 1n; // room to increase
      }
      return `${prefix}_${encode(BigInt(nowMs), timeChars)}${encode(lastRandom, randomChars)}`;
    },
  };
}

function encode(value: bigint, length: number): string {
  let remaining = value;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out = alphabet[Number(remaining & 31n)] + out;
    remaining >>= 5n;
  }
  assert(remaining === 0n, 'id component overflows its width');
  return out;
}

/** A string that sorts before every id of `prefix` made at or after `ms` (and after every earlier one): a bound for a range of ids by time. */
export function idFloorAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encode(BigInt(Math.max(0, Math.floor(ms))), timeChars)}`;
}

const idPattern = /^[a-z]{2,3}_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && idPattern.test(value);
}
