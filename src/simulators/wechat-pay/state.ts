/**
 * What the simulated WeChat Pay remembers, and what every part of it shares.
 * Merchants are like accounts: reset() forgets orders, refunds and pending
 * notifications, but keeps the registered merchants.
 */
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock, type RandomSource } from '../../domain/clock.ts';
import { SimulatorRecords } from '../persistence/records.ts';
import { jsonCodec, SimulatorStore } from '../persistence/store.ts';
import type { WireRefundStatus, WireTradeState } from '../../connectors/wechat-pay/wire.ts';
import type { WechatPayFaults } from './faults.ts';

export interface Merchant {
  mchid: string;
  appid: string;
  serialNo: string;
  publicKey: KeyObject;
  apiv3Key: string;
}

export interface Order {
  mchid: string;
  appid: string;
  outTradeNo: string;
  description: string;
  totalFen: number;
  notifyUrl: string;
  timeExpireMs: number;
  tradeType: 'NATIVE' | 'MWEB' | 'JSAPI';
  /** JSAPI only: what the order answered, which the page's parameters name as `package=prepay_id=…`. */
  prepayId?: string | null;
  tradeState: WireTradeState;
  tradeStateDesc: string;
  transactionId: string | null;
  /** JSAPI: the openid the order named (only that WeChat user can pay it); otherwise set when paid. */
  payerOpenid: string | null;
  successMs: number | null;
  createdMs: number;
}

export interface Refund {
  mchid: string;
  refundId: string;
  outRefundNo: string;
  outTradeNo: string;
  refundFen: number;
  status: WireRefundStatus;
  notifyUrl: string;
  createdMs: number;
  successMs: number | null;
}

export interface WechatPayStats {
  requests: number;
  signatureFailures: number;
  ordersCreated: number;
  refundsCreated: number;
  /** Notification POSTs made (a duplicate counts twice; a dropped attempt not at all). */
  notificationsSent: number;
  notificationsAcknowledged: number;
  notificationsDropped: number;
}

export interface SimulatorState {
  /** By `mchid:out_trade_no`. */
  orders: Map<string, Order>;
  /** By `mchid:out_refund_no`. */
  refunds: Map<string, Refund>;
  /** Bill files by download token. */
  bills: Map<string, string>;
  stats: WechatPayStats;
  /** What the simulator did, for /_control/records. */
  records: SimulatorRecords;
}

/** A fresh state, or (with a store that has a journal) the orders, refunds, counters and records kept there. */
export function newState(store: SimulatorStore = SimulatorStore.open(undefined, 'wechat-pay'), clock: Clock = systemClock): SimulatorState {
  return {
    orders: store.map('order', jsonCodec<Order>()),
    refunds: store.map('refund', jsonCodec<Refund>()),
    bills: new Map(),
    stats: store.object<WechatPayStats>('stats', () => ({
      requests: 0, signatureFailures: 0, ordersCreated: 0, refundsCreated: 0,
      notificationsSent: 0, notificationsAcknowledged: 0, notificationsDropped: 0,
    })),
    records: new SimulatorRecords('wechat_pay', store, clock),
  };
}

export function orderKey(mchid: string, outTradeNo: string): string {
  return `${mchid}:${outTradeNo}`;
}

/** A platform certificate and its key, kept across restarts. */
export interface PlatformCertificateRecord {
  serial: string;
  privateKeyPem: string;
  pem: string;
  notBeforeMs: number;
  notAfterMs: number;
}

export interface SimulatorContext {
  /** Replaced as a whole by reset(). */
  state: SimulatorState;
  /** Where the state is kept across restarts (nowhere without a data directory). */
  readonly store: SimulatorStore;
  faults: WechatPayFaults;
  /** Replaced by reset() (with the same merchants). */
  merchants: Map<string, Merchant>;
  /** The certificate whose key signs answers and notifications now: the newest of `platformCertificates`. */
  readonly platform: { serial: string; privateKey: KeyObject; publicKeyPem: string };
  /** Every platform certificate /v3/certificates hands out, oldest first (rotation adds one; the old stays valid). */
  readonly platformCertificates: PlatformCertificateRecord[];
  /** Signs forged notifications: same serial, wrong key. */
  readonly forgerKey: KeyObject;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly notifyDelayScale: number;
  readonly refundSettleMs: number;
  /** `http://host:port`, set once listening. */
  url: string;
  /** Waits; once the server starts closing, never settles. */
  sleep(ms: number): Promise<void>;
  /** Runs `task` after `ms` unless the server closes first; reset() cancels it too. */
  later(ms: number, task: () => void): void;
  readonly closing: AbortSignal;
}

/** Upper-case hex of `bytes` random bytes. */
export function randomHex(context: SimulatorContext, bytes: number): string {
  return context.random.bytes(bytes).toString('hex').toUpperCase();
}

/** Random decimal digits. */
export function randomDigits(context: SimulatorContext, count: number): string {
  return Array.from(context.random.bytes(count), (byte) => String(byte % 10)).join('');
}
