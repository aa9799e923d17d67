/**
 * The Alipay connector: speaks the Open Platform gateway protocol
 * (shared/PROTOCOLS.md "Alipay"): signed form posts to `${baseUrl}/gateway.do`,
 * signed JSON answers, signed form-encoded notifications. Stateless, no
 * retries, one explicit timeout per call.
 *
 * What keeps money safe:
 * - an answer whose signature we cannot verify, or that we cannot fully read,
 *   is `unknown`, never a success, a decline or a "not found";
 * - a refusal (`declined`, `closed`, `failed`, `not_found`) is only reported
 *   when Alipay said so in a verified answer;
 * - Alipay keys writes on `out_trade_no` / `out_request_no`, so a retry of the
 *   same order or refund never charges or refunds twice.
 */
import type { ChannelConnector, ConnectorAccount, CreateOrderRequest, OrderOutcome, OrderState, RefundOutcome } from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { formatDecimal, parseDecimal } from '../../domain/money.ts';
import { defaultHttpExchange, type HttpExchange } from '../http-exchange.ts';
import { fetchStatement } from './statement.ts';
import type { Params } from './signature.ts';
import { beijingDateTime } from './signature.ts';
import type { AlipayMethod } from './wire.ts';
import { buyerRefusalSubCodes, productCodes, refundStatusSuccess, resultCodes, subCodes } from './wire.ts';
import { currency, type BizContent, wapPayOrder, appPayOrder, miniProgramTrade, type GatewayAnswer, callGateway, failureOf, orderMismatch, tradeState } from './gateway.ts';
import { verifyAlipayNotification } from './notifications.ts';

export interface AlipayConnectorOptions {
  /** Per call, covering the answer's body too. Defaults to limits.connectorTimeoutMs. */
  timeoutMs?: number;
  /** For `timestamp`; defaults to the system clock. */
  clock?: Clock;
  /** The shared HTTP exchange; defaults to one that reaches public addresses only. */
  exchange?: HttpExchange;
}

export function createAlipayConnector(options: AlipayConnectorOptions = {}): ChannelConnector {
  const timeoutMs = options.timeoutMs ?? limits.connectorTimeoutMs;
  assert(Number.isSafeInteger(timeoutMs) && timeoutMs > 0, 'alipay connector timeout must be a positive integer');
  const clock = options.clock ?? systemClock;
  const exchange = options.exchange ?? defaultHttpExchange();
  const call = (account: ConnectorAccount, method: AlipayMethod, biz: BizContent, extra: Params = {}) =>
    callGateway(exchange, account, { method, biz, extra, timeoutMs, nowMs: clock.nowMs() });

  return {
    name: 'alipay',
    currencies: [currency],

    async createOrder(account, request) {
      if (request.currency !== currency) {
        return { kind: 'retriable', code: 'connector_unavailable', detail: `alipay takes ${currency} only, not ${request.currency}` };
      }
      const client = request.alipayClient ?? null;
      if (client?.kind === 'app') return appPayOrder(account, request, clock.nowMs());
      if (client?.kind === 'mini_program') {
        const answer = await call(account, 'alipay.trade.create', miniProgramTrade(request, client), { notify_url: request.notifyUrl });
        return tradeCreateOutcome(answer, request);
      }
      if (request.device === 'mobile') return wapPayOrder(account, request, clock.nowMs());
      const answer = await call(account, 'alipay.trade.precreate', {
        out_trade_no: request.orderNumber,
        total_amount: formatDecimal(request.amount, currency),
        subject: request.subject,
        product_code: productCodes['alipay.trade.precreate'],
        time_expire: beijingDateTime(request.expiresAt.getTime()),
      }, { notify_url: request.notifyUrl });
      return precreateOutcome(answer, request);
    },

    async queryOrder(account, { orderNumber }) {
      const answer = await call(account, 'alipay.trade.query', { out_trade_no: orderNumber });
      return orderStateOf(answer, orderNumber);
    },

    async closeOrder(account, { orderNumber }) {
      const answer = await call(account, 'alipay.trade.close', { out_trade_no: orderNumber });
      if (answer.kind !== 'answer') return answer;
      if (answer.code === resultCodes.success) {
        const mismatch = orderMismatch(answer.body, orderNumber);
        return mismatch ?? { kind: 'closed' };
      }
      if (answer.code === resultCodes.businessFailure && answer.subCode === subCodes.tradeStatusError) {
        // The trade is no longer open: paid, or already closed. Ask which.
        const state = orderStateOf(await call(account, 'alipay.trade.query', { out_trade_no: orderNumber }), orderNumber);
        if (state.kind === 'paid') return { kind: 'already_paid' };
        if (state.kind === 'closed') return { kind: 'closed' };
        return { kind: 'unknown', detail: `close answered ${subCodes.tradeStatusError}; the query answered ${state.kind}` };
      }
      // ACQ.TRADE_NOT_EXIST included: the payer may still open the page or scan
      // the code until time_expire, so "closed" would be a guess.
      return failureOf(answer);
    },

    async refund(account, request) {
      const refundAmount = formatDecimal(request.amount, currency);
      const answer = await call(account, 'alipay.trade.refund', {
        out_trade_no: request.orderNumber,
        out_request_no: request.refundNumber,
        refund_amount: refundAmount,
        ...(request.reason === null ? {} : { refund_reason: request.reason }),
      });
      return refundOutcomeOf(answer, request.orderNumber, request.refundNumber, refundAmount);
    },

    async queryRefund(account, { orderNumber, refundNumber }) {
      const answer = await call(account, 'alipay.trade.fastpay.refund.query', {
        out_trade_no: orderNumber,
        out_request_no: refundNumber,
        // An array in biz_content (PROTOCOLS.md), not a JSON text inside it.
        query_options: ['gmt_refund_pay'],
      });
      return refundQueryOutcome(answer, orderNumber, refundNumber);
    },

    verifyNotification(account, request) {
      return verifyAlipayNotification(account, request.rawBody);
    },

    async downloadStatement(account, { date }) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { kind: 'unknown', detail: `statement date ${date} is not YYYY-MM-DD` };
      const answer = await call(account, 'alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: date });
      if (answer.kind !== 'answer') return answer;
      if (answer.code === resultCodes.businessFailure && answer.subCode === subCodes.billNotExist) return { kind: 'not_ready' };
      if (answer.code !== resultCodes.success) return failureOf(answer);
      const url = answer.body.bill_download_url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return { kind: 'unknown', detail: 'bill answer without a download URL' };
      return fetchStatement(exchange, account, url, timeoutMs);
    },
  };
}

// ---------------------------------------------------------------------------
// Orders.

function precreateOutcome(answer: GatewayAnswer, request: CreateOrderRequest): OrderOutcome {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.serviceUnavailable) {
    // Nothing is charged before the payer scans a code they never saw; the
    // same out_trade_no makes a retry safe.
    return { kind: 'retriable', code: 'connector_unavailable', detail: 'alipay answered 20000' };
  }
  if (answer.code !== resultCodes.success) return failureOf(answer);
  const mismatch = orderMismatch(answer.body, request.orderNumber);
  if (mismatch !== null) return mismatch;
  const qrCode = answer.body.qr_code;
  if (typeof qrCode !== 'string' || qrCode === '') return { kind: 'unknown', detail: 'precreate answered without qr_code' };
  return {
    kind: 'requires_action',
    reference: null,
    nextAction: { type: 'display_qr_code', display_qr_code: { data: qrCode, expires_at: request.expiresAt.toISOString() } },
  };
}

/**
 * trade.create made the trade (WAIT_BUYER_PAY) and answers its trade_no, which
 * the mini program hands to my.tradePay. Nothing is charged before the payer
 * confirms in Alipay, so a 20000 is retriable, as for a QR code: the same
 * out_trade_no finds the same trade again. A verified refusal of the buyer
 * (buyerRefusalSubCodes) made no trade: it is declined, so the payer can pay
 * another way at once instead of waiting on a trade that will never exist.
 */
function tradeCreateOutcome(answer: GatewayAnswer, request: CreateOrderRequest): OrderOutcome {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.serviceUnavailable) return { kind: 'retriable', code: 'connector_unavailable', detail: 'alipay answered 20000' };
  if (answer.code === resultCodes.businessFailure && (buyerRefusalSubCodes as readonly (string | null)[]).includes(answer.subCode)) {
    return { kind: 'declined', code: 'alipay_buyer_refused', declineCode: null, reference: null, attemptsRemaining: null };
  }
  if (answer.code !== resultCodes.success) return failureOf(answer);
  const mismatch = orderMismatch(answer.body, request.orderNumber);
  if (mismatch !== null) return mismatch;
  const tradeNo = answer.body.trade_no;
  if (typeof tradeNo !== 'string' || tradeNo === '') return { kind: 'unknown', detail: 'trade.create answered without trade_no' };
  return { kind: 'requires_action', reference: null, nextAction: { type: 'alipay_mini_program', alipay_mini_program: { trade_no: tradeNo } } };
}

function orderStateOf(answer: GatewayAnswer, orderNumber: string): OrderState {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.businessFailure && answer.subCode === subCodes.tradeNotExist) return { kind: 'not_found' };
  if (answer.code !== resultCodes.success) return failureOf(answer);
  const mismatch = orderMismatch(answer.body, orderNumber);
  if (mismatch !== null) return mismatch;
  return tradeState(answer.body);
}

// ---------------------------------------------------------------------------
// Refunds. Alipay gives a refund no id of its own: it is known by the order
// and out_request_no, so the refund number is its reference.

function refundOutcomeOf(answer: GatewayAnswer, orderNumber: string, refundNumber: string, refundAmount: string): RefundOutcome {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.businessFailure && answer.subCode !== null && answer.subCode !== subCodes.systemError) {
    // A verified business refusal (over the amount, trade not paid, no such
    // trade …): nothing was refunded.
    return { kind: 'failed', reason: answer.subCode };
  }
  if (answer.code !== resultCodes.success) return failureOf(answer);
  const mismatch = orderMismatch(answer.body, orderNumber);
  if (mismatch !== null) return mismatch;
  // fund_change N answers a repeated out_request_no (or a refund not yet
  // settled): only a refund query can tell it succeeded.
  if (answer.body.fund_change === 'Y') return { kind: 'succeeded', reference: refundNumber };
  if (answer.body.fund_change === 'N') return { kind: 'pending', reference: refundNumber };
  return { kind: 'unknown', detail: `refund of ${refundAmount} answered without fund_change` };
}

function refundQueryOutcome(answer: GatewayAnswer, orderNumber: string, refundNumber: string): RefundOutcome {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.businessFailure && answer.subCode === subCodes.tradeNotExist) return { kind: 'not_found' };
  if (answer.code !== resultCodes.success) return failureOf(answer);
  const body = answer.body;
  // Alipay answers 10000 without the refund's fields when there is no such refund.
  if (body.out_request_no === undefined && body.refund_amount === undefined) return { kind: 'not_found' };
  if (body.out_request_no !== refundNumber || (body.out_trade_no !== undefined && body.out_trade_no !== orderNumber)) {
    return { kind: 'unknown', detail: 'alipay answered about another refund' };
  }
  /*
   * Alipay's description of this method: "if the answer holds the refund's
   * data, and refund_status is empty or REFUND_SUCCESS, the refund
   * succeeded". (Its newer field description reads the absence as "not
   * received or failed"; the method's rule is the one Alipay gives for reading
   * the answer, so it is followed, and an answer without a readable
   * refund_amount, which is not the refund's data, keeps the refund pending.)
   * Any other status is one we do not know: pending, never success.
   */
  if (body.refund_status === refundStatusSuccess) return { kind: 'succeeded', reference: refundNumber };
  const statusMissing = body.refund_status === undefined || body.refund_status === null || body.refund_status === '';
  const amountRead = typeof body.refund_amount === 'string' && parseDecimal(body.refund_amount, currency) !== null;
  if (statusMissing && amountRead) return { kind: 'succeeded', reference: refundNumber };
  return { kind: 'pending', reference: refundNumber };
}

export { parseBill } from './statement.ts';
export { appOrderString, readVerifiedAnswer, signedParams, type BizContent } from './gateway.ts';
export { verifyAlipayNotification } from './notifications.ts';
