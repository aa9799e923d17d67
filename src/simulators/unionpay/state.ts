/**
 * The simulated gateway's memory: merchants (with the public key each signs
 * with), orders opened through the front form, refunds, and counters. Refunds
 * are append-only rows; what remains refundable is a sum, never a counter.
 */
import { generateKeyPairSync } from 'node:crypto';
import { systemClock, type Clock } from '../../domain/clock.ts';
import { SimulatorRecords } from '../persistence/records.ts';
import { SimulatorStore, type Codec } from '../persistence/store.ts';
import type { NotifierStats } from './notifier.ts';
import { newNotifierStats } from './notifier.ts';

export interface MerchantRecord {
  merId: string;
  certId: string;
  publicKeyPem: string;
}

/** pending: the payer has the page (or left it); the order can be paid until payTimeout. */
export type OrderStatus = 'pending' | 'paid' | 'declined';

export interface OrderRecord {
  merId: string;
  orderId: string;
  txnTime: string;
  amount: bigint;
  channelType: string;
  frontUrl: string;
  backUrl: string;
  /** Null when the form named no payTimeout. */
  payTimeoutMs: number | null;
  status: OrderStatus;
  payerLeft: boolean;
  /** Set once paid. */
  payment: { queryId: string; completedAtMs: number; traceNo: string } | null;
  refunds: RefundRecord[];
}

export interface RefundRecord {
  merId: string;
  orderId: string;
  txnTime: string;
  amount: bigint;
  queryId: string;
  origOrderId: string;
  origQryId: string;
  completedAtMs: number;
}

export interface UnionpaySimulatorStats extends NotifierStats {
  /** Every /gateway/api request received, failed ones included. */
  requests: number;
  orders_opened: number;
  payments: number;
  declines: number;
  refunds: number;
  queries: number;
  statements: number;
}

export interface SimulatorState {
  /** Keyed by `merId:orderId`: payments and refunds share UnionPay's orderId space. */
  orders: Map<string, OrderRecord>;
  refunds: Map<string, RefundRecord>;
  ordersByQueryId: Map<string, OrderRecord>;
  /** For queryIds: 14 digits of Beijing time + 7 of this sequence = 21, as UnionPay's. */
  counters: { sequence: number };
  stats: UnionpaySimulatorStats;
  /** What the gateway did, for /_control/records. */
  records: SimulatorRecords;
}

/** Orders as JSON, with their refunds: amounts as decimal strings of fen. */
const orderCodec: Codec<OrderRecord> = {
  encode: (order) => ({ ...order, amount: String(order.amount), refunds: order.refunds.map((refund) => ({ ...refund, amount: String(refund.amount) })) }),
  decode(json) {
    const order = json as OrderRecord & { amount: string; refunds: (RefundRecord & { amount: string })[] };
    return { ...order, amount: BigInt(order.amount), refunds: order.refunds.map((refund) => ({ ...refund, amount: BigInt(refund.amount) })) };
  },
};

/** A fresh state, or (with a store that has a journal) the orders, refunds, counters and records kept there; indexes are rebuilt. */
export function newState(store: SimulatorStore = SimulatorStore.open(undefined, 'unionpay'), clock: Clock = systemClock): SimulatorState {
  const state: SimulatorState = {
    orders: store.map('order', orderCodec),
    refunds: new Map(),
    ordersByQueryId: new Map(),
    counters: store.object('counters', () => ({ sequence: 0 })),
    stats: store.object<UnionpaySimulatorStats>('stats', () => ({
      ...newNotifierStats(), requests: 0, orders_opened: 0, payments: 0, declines: 0, refunds: 0, queries: 0, statements: 0,
    })),
    records: new SimulatorRecords('unionpay', store, clock),
  };
  for (const order of state.orders.values()) {
    if (order.payment !== null) state.ordersByQueryId.set(order.payment.queryId, order);
    for (const refund of order.refunds) state.refunds.set(scopedKey(refund.merId, refund.orderId), refund);
  }
  return state;
}

export interface GatewayKeys {
  privateKeyPem: string;
  publicKeyPem: string;
  forgerPrivateKeyPem: string;
}

export function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The gateway's keys, made once and kept, so merchants' copies of the public key stay valid across restarts. */
export function keptGatewayKeys(store: SimulatorStore, existing?: GatewayKeys): GatewayKeys {
  return store.object<GatewayKeys>('keys', () => existing ?? { ...newKeyPair(), forgerPrivateKeyPem: newKeyPair().privateKeyPem });
}

export const scopedKey = (merId: string, orderId: string): string => `${merId}:${orderId}`;

export function refundedAmount(order: OrderRecord): bigint {
  return order.refunds.reduce((sum, refund) => sum + refund.amount, 0n);
}

/** An unpaid order past its payTimeout is gone: the gateway refuses its form and does not know it in a query. */
export function isExpired(order: OrderRecord, nowMs: number): boolean {
  return order.status === 'pending' && order.payTimeoutMs !== null && nowMs >= order.payTimeoutMs;
}
