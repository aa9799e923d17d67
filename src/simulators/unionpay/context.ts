/** The simulator's state as its routes share it, and the order and payer helpers the transactions use. */
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { signFields } from '../../connectors/unionpay/signature.ts';
import { commonFields, currencyCodeCny, formatBeijingTime, respCodes, txnTypes } from '../../connectors/unionpay/wire.ts';
import type { UnionpayFaults } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { MerchantRecord, OrderRecord, SimulatorState } from './state.ts';
import { isExpired, scopedKey } from './state.ts';
import type { EffectKind } from '../persistence/records.ts';
import { SimulatorStore, touch } from '../persistence/store.ts';

export interface UnionpayPayer {
  /** Pays the order (as if the payer completed the card form), then sends the back notification. */
  pay(): { queryId: string };
  /** The payer's bank refuses: the order fails; no notification (none is sent for failures). */
  decline(): void;
  /** The payer closes the page: the order stays payable until its payTimeout, then expires. */
  leave(): void;
}


export interface Context {
  state: SimulatorState;
  faults: UnionpayFaults;
  readonly store: SimulatorStore;
  merchants: Map<string, MerchantRecord>;
  readonly clock: Clock;
  readonly keys: { privateKeyPem: string; publicKeyPem: string; forgerPrivateKeyPem: string };
  readonly notifier: Notifier;
  sleep(ms: number): Promise<void>;
}

// ---------------------------------------------------------------------------
// The payer.

export function payerOf(context: Context, orderNumber: string): UnionpayPayer {
  const find = (): OrderRecord => {
    const matches = [...context.state.orders.values()].filter((order) => order.orderId === orderNumber);
    assert(matches.length === 1, `the payer needs exactly one order ${orderNumber}, found ${matches.length}`);
    const order = matches[0] as OrderRecord;
    touch(context.state.orders, scopedKey(order.merId, order.orderId)); // found by iterating: mark it changed for the journal
    return order;
  };
  const payable = (): OrderRecord => {
    const order = find();
    assert(order.status === 'pending', `order ${orderNumber} is ${order.status}, not payable`);
    assert(!isExpired(order, context.clock.nowMs()), `order ${orderNumber} passed its payTimeout`);
    return order;
  };
  return {
    pay: () => payOrder(context, payable()),
    decline() {
      const order = payable();
      order.status = 'declined';
      context.state.stats.declines += 1;
      recordOrder(context, order, 'declined');
    },
    leave() {
      find().payerLeft = true;
    },
  };
}

export function nextQueryId(context: Context, nowMs: number): string {
  context.state.counters.sequence += 1;
  return `${formatBeijingTime(nowMs)}${String(context.state.counters.sequence).padStart(7, '0')}`;
}

export function payOrder(context: Context, order: OrderRecord): { queryId: string } {
  const nowMs = context.clock.nowMs();
  const queryId = nextQueryId(context, nowMs);
  order.status = 'paid';
  order.payment = { queryId, completedAtMs: nowMs, traceNo: String(context.state.counters.sequence % 1_000_000).padStart(6, '0') };
  context.state.ordersByQueryId.set(queryId, order);
  context.state.stats.payments += 1;
  const fields = paymentNotificationFields(order);
  context.notifier.send(order.backUrl, signFields(fields, context.keys.privateKeyPem), () =>
    signFields({ ...fields, txnAmt: '1' }, context.keys.forgerPrivateKeyPem),
  );
  recordOrder(context, order, 'paid', queryId);
  recordOrder(context, order, 'notified', `payment ${queryId}`);
  return { queryId };
}

/** An effect on an order, under its orderId. */
export function recordOrder(context: Context, order: OrderRecord, kind: EffectKind, detail: string | null = null): void {
  context.state.records.effect({ kind, keyKind: 'order_id', key: order.orderId, object: order.payment?.queryId ?? null, amount: order.amount, currency: 'CNY', detail });
}

/** What UnionPay tells about a paid order, in its notification and in a query. */
export function paymentResultFields(order: OrderRecord): Record<string, string> {
  assert(order.payment !== null, 'only a paid order has a payment result');
  const completed = formatBeijingTime(order.payment.completedAtMs);
  return {
    queryId: order.payment.queryId,
    txnAmt: order.amount.toString(),
    currencyCode: currencyCodeCny,
    settleAmt: order.amount.toString(),
    settleCurrencyCode: currencyCodeCny,
    settleDate: completed.slice(4, 8),
    traceNo: order.payment.traceNo,
    traceTime: completed.slice(4, 14),
  };
}

export function paymentNotificationFields(order: OrderRecord): Record<string, string> {
  return {
    ...commonFields,
    txnType: txnTypes.purchase,
    txnSubType: '01',
    bizType: '000201',
    accessType: '0',
    merId: order.merId,
    orderId: order.orderId,
    txnTime: order.txnTime,
    ...paymentResultFields(order),
    respCode: respCodes.success,
    respMsg: 'Success!',
  };
}

