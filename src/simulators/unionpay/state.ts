/**
 * The simulated gateway's memory: merchants (with the public key each signs
 * with), orders opened through the front form, refunds, and counters. Refunds
 * are append-only rows; what remains refundable is a sum, never a counter.
 */
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
  sequence: number;
  stats: UnionpaySimulatorStats;
}

export function newState(): SimulatorState {
  return {
    orders: new Map(),
    refunds: new Map(),
    ordersByQueryId: new Map(),
    sequence: 0,
    stats: { ...newNotifierStats(), requests: 0, orders_opened: 0, payments: 0, declines: 0, refunds: 0, queries: 0, statements: 0 },
  };
}

export const scopedKey = (merId: string, orderId: string): string => `${merId}:${orderId}`;

export function refundedAmount(order: OrderRecord): bigint {
  return order.refunds.reduce((sum, refund) => sum + refund.amount, 0n);
}

/** An unpaid order past its payTimeout is gone: the gateway refuses its form and does not know it in a query. */
export function isExpired(order: OrderRecord, nowMs: number): boolean {
  return order.status === 'pending' && order.payTimeoutMs !== null && nowMs >= order.payTimeoutMs;
}
