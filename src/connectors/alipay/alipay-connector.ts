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
import type {
  AlipayClient,
  ChannelConnector,
  ConnectorAccount,
  ConnectorFailure,
  CreateOrderRequest,
  NotificationVerdict,
  OrderOutcome,
  OrderState,
  ProviderAnswer,
  RefundOutcome,
} from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { formatDecimal, parseDecimal } from '../../domain/money.ts';
import { defaultHttpExchange, failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import { fetchStatement } from './statement.ts';
import type { Params } from './signature.ts';
import {
  beijingDateTime,
  extractMemberText,
  notificationSigningString,
  parseBeijingDateTime,
  requestSigningString,
  signRsa2,
  verifyRsa2,
} from './signature.ts';
import type { AlipayMethod } from './wire.ts';
import {
  errorResponseMemberName,
  productCodes,
  refundStatusSuccess,
  responseMemberName,
  resultCodes,
  subCodes,
} from './wire.ts';

export interface AlipayConnectorOptions {
  /** Per call, covering the answer's body too. Defaults to limits.connectorTimeoutMs. */
  timeoutMs?: number;
  /** For `timestamp`; defaults to the system clock. */
  clock?: Clock;
  /** The shared HTTP exchange; defaults to one that reaches public addresses only. */
  exchange?: HttpExchange;
}

/** Alipay settles these channels in yuan only. */
const currency = 'CNY';

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
// Credentials and the signed request.

interface Credentials {
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  sellerId: string;
}

function credentialsOf(account: ConnectorAccount): Credentials {
  const read = (name: string): string => {
    const value = account.credentials[name];
    assert(value !== undefined && value !== '', `alipay account ${account.id} has no ${name} credential`);
    return value;
  };
  return { appId: read('app_id'), privateKey: read('private_key'), alipayPublicKey: read('alipay_public_key'), sellerId: read('seller_id') };
}

function gatewayUrl(account: ConnectorAccount): string {
  // Joined as text: `new URL(path, base)` would drop a path prefix in baseUrl.
  return `${account.baseUrl.replace(/\/+$/, '')}/gateway.do`;
}

/** biz_content's members: text, or (query_options) a list of texts. */
export type BizContent = Readonly<Record<string, string | readonly string[]>>;

/** The common parameters plus biz_content, signed. */
export function signedParams(
  credentials: Pick<Credentials, 'appId' | 'privateKey'>,
  method: string,
  biz: BizContent,
  extra: Params,
  nowMs: number,
): Record<string, string> {
  const params: Record<string, string> = {
    app_id: credentials.appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: beijingDateTime(nowMs),
    version: '1.0',
    biz_content: JSON.stringify(biz),
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== null && value !== '') params[key] = value;
  params.sign = signRsa2(requestSigningString(params), credentials.privateKey);
  return params;
}

/**
 * A phone pays in Alipay's mobile cashier (手机网站支付, wap.pay), which opens
 * the Alipay app when it is installed. No call is made: the payer's browser
 * carries the signed request to the gateway. quit_url is where the cashier's
 * back button leads, the same page the payer returns to after paying.
 */
function wapPayOrder(account: ConnectorAccount, request: CreateOrderRequest, nowMs: number): OrderOutcome {
  const credentials = credentialsOf(account);
  const params = signedParams(credentials, 'alipay.trade.wap.pay', {
    out_trade_no: request.orderNumber,
    total_amount: formatDecimal(request.amount, currency),
    subject: request.subject,
    product_code: productCodes['alipay.trade.wap.pay'],
    time_expire: beijingDateTime(request.expiresAt.getTime()),
    ...(request.returnUrl === null ? {} : { quit_url: request.returnUrl }),
  }, { notify_url: request.notifyUrl, return_url: request.returnUrl }, nowMs);
  const url = `${gatewayUrl(account)}?${new URLSearchParams(params).toString()}`;
  return { kind: 'requires_action', reference: null, nextAction: { type: 'redirect_to_url', redirect_to_url: { url } } };
}

/**
 * A payer in the merchant's app pays through Alipay's app SDK (APP支付,
 * app.pay): the server signs the order and makes no call, and the app hands
 * the order string to the SDK, which opens Alipay. The string is what the
 * official SDKs' sdkExecute answers: every parameter, sign last, as a URL
 * query (values form-encoded).
 */
function appPayOrder(account: ConnectorAccount, request: CreateOrderRequest, nowMs: number): OrderOutcome {
  const params = signedParams(credentialsOf(account), 'alipay.trade.app.pay', {
    out_trade_no: request.orderNumber,
    total_amount: formatDecimal(request.amount, currency),
    subject: request.subject,
    product_code: productCodes['alipay.trade.app.pay'],
    time_expire: beijingDateTime(request.expiresAt.getTime()),
  }, { notify_url: request.notifyUrl }, nowMs);
  return { kind: 'requires_action', reference: null, nextAction: { type: 'alipay_app', alipay_app: { order_string: appOrderString(params) } } };
}

/** The signed parameters as the app SDK takes them: sorted by key, sign last, form-encoded values. */
export function appOrderString(params: Readonly<Record<string, string>>): string {
  const { sign, ...unsigned } = params;
  assert(sign !== undefined, 'an order string is signed');
  const sorted = Object.keys(unsigned).sort().map((key): [string, string] => [key, unsigned[key] ?? '']);
  return new URLSearchParams([...sorted, ['sign', sign]]).toString();
}

/** trade.create's business parameters for a mini program (JSAPI_PAY): the payer is named, by user id or open id. */
function miniProgramTrade(request: CreateOrderRequest, client: Extract<AlipayClient, { kind: 'mini_program' }>): BizContent {
  assert((client.buyerId === null) !== (client.buyerOpenId === null), 'a mini-program order names its payer by buyer_id or buyer_open_id, one of the two');
  return {
    out_trade_no: request.orderNumber,
    total_amount: formatDecimal(request.amount, currency),
    subject: request.subject,
    product_code: productCodes['alipay.trade.create'],
    ...(client.buyerId === null ? {} : { buyer_id: client.buyerId }),
    ...(client.buyerOpenId === null ? {} : { buyer_open_id: client.buyerOpenId }),
    ...(client.opAppId === null ? {} : { op_app_id: client.opAppId }),
    time_expire: beijingDateTime(request.expiresAt.getTime()),
  };
}

// ---------------------------------------------------------------------------
// One exchange with the gateway.

type JsonObject = Record<string, unknown>;

/** A verified answer of the gateway, or the failure that stands for the exchange. */
type GatewayAnswer =
  | { kind: 'answer'; code: string; subCode: string | null; body: JsonObject }
  | ConnectorFailure;

interface GatewayCall {
  method: AlipayMethod;
  biz: BizContent;
  extra: Params;
  timeoutMs: number;
  nowMs: number;
}

async function callGateway(exchange: HttpExchange, account: ConnectorAccount, call: GatewayCall): Promise<GatewayAnswer> {
  const credentials = credentialsOf(account);
  const params = signedParams(credentials, call.method, call.biz, call.extra, call.nowMs);
  const result = await exchange.send({
    mode: account.mode,
    url: gatewayUrl(account),
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8', Accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
    timeoutMs: call.timeoutMs,
    responseBytesMax: limits.providerResponseBytesMax,
    overLimit: 'fail',
    peer: 'alipay',
  });
  if (result.kind !== 'answered') return failureWithoutAnswer(result);
  if (result.status !== 200) return { kind: 'unknown', detail: `alipay answered HTTP ${result.status}` };
  return readVerifiedAnswer(result.body.toString('utf8'), call.method, credentials.alipayPublicKey);
}

/** Checks the signature over the exact response text, then reads code and sub_code. */
export function readVerifiedAnswer(text: string, method: string, alipayPublicKey: string): GatewayAnswer {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return { kind: 'unknown', detail: 'alipay answered with a body that is not JSON' };
  }
  if (!isObject(envelope)) return { kind: 'unknown', detail: 'alipay answered with a body that is not an object' };
  const member = responseMemberName(method) in envelope ? responseMemberName(method) : errorResponseMemberName;
  const signed = extractMemberText(text, member);
  const signature = envelope.sign;
  if (signed === null) return { kind: 'unknown', detail: `alipay answered without ${responseMemberName(method)}` };
  if (typeof signature !== 'string' || !verifyRsa2(signed, signature, alipayPublicKey)) {
    return { kind: 'unknown', detail: 'alipay answer failed signature verification' };
  }
  const body = envelope[member];
  if (!isObject(body) || typeof body.code !== 'string') return { kind: 'unknown', detail: 'alipay answer without a code' };
  return { kind: 'answer', code: body.code, subCode: typeof body.sub_code === 'string' ? body.sub_code : null, body };
}

/**
 * A verified answer that is not a success. Only an invalid signature or app id
 * (40002) says for certain that Alipay did nothing, as a 401 would; 20000 and
 * every business failure not handled by the caller may hide work done.
 */
function failureOf(answer: Extract<GatewayAnswer, { kind: 'answer' }>): ConnectorFailure {
  const detail = `alipay answered ${answer.code}${answer.subCode === null ? '' : ` ${answer.subCode}`}`;
  if (answer.code === resultCodes.invalidArguments) return { kind: 'retriable', code: 'connector_unavailable', detail };
  return { kind: 'unknown', detail };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function orderMismatch(body: JsonObject, orderNumber: string): ConnectorFailure | null {
  return body.out_trade_no === orderNumber ? null : { kind: 'unknown', detail: 'alipay answered about another order' };
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
 * out_trade_no finds the same trade again.
 */
function tradeCreateOutcome(answer: GatewayAnswer, request: CreateOrderRequest): OrderOutcome {
  if (answer.kind !== 'answer') return answer;
  if (answer.code === resultCodes.serviceUnavailable) return { kind: 'retriable', code: 'connector_unavailable', detail: 'alipay answered 20000' };
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

/**
 * A trade's fields (from a query or a notification) as an order state. A
 * TRADE_CLOSED trade that was paid (it has a payment date) was fully refunded:
 * it stays paid here, and the refunds are tracked on their own.
 */
function tradeState(fields: JsonObject): OrderState {
  const status = fields.trade_status;
  switch (status) {
    case 'WAIT_BUYER_PAY':
      return { kind: 'pending' };
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return paidState(fields);
    case 'TRADE_CLOSED':
      return isFilled(fields.send_pay_date) || isFilled(fields.gmt_payment) ? paidState(fields) : { kind: 'closed' };
    default:
      // An unknown status is never success or failure: the payment waits.
      return { kind: 'pending' };
  }
}

function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function paidState(fields: JsonObject): OrderState {
  const tradeNo = fields.trade_no;
  const amount = typeof fields.total_amount === 'string' ? parseDecimal(fields.total_amount, currency) : null;
  if (typeof tradeNo !== 'string' || tradeNo === '' || amount === null) {
    return { kind: 'unknown', detail: 'paid trade without a readable trade_no or total_amount' };
  }
  const paidText = isFilled(fields.send_pay_date) ? fields.send_pay_date : fields.gmt_payment;
  const paidAt = isFilled(paidText) ? parseBeijingDateTime(paidText) : null;
  return { kind: 'paid', reference: tradeNo, amountPaid: amount, paidAt };
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

// ---------------------------------------------------------------------------
// Notifications.

const acceptAnswer: ProviderAnswer = { status: 200, contentType: 'text/plain', body: 'success' };
/** Anything but `success` makes Alipay send the notification again. */
const refuseAnswer: ProviderAnswer = { status: 400, contentType: 'text/plain', body: 'fail' };

export function verifyAlipayNotification(account: ConnectorAccount, rawBody: Buffer): NotificationVerdict {
  const credentials = credentialsOf(account);
  // URLSearchParams decodes form encoding (`+` is a space), as Alipay signed the decoded values.
  const form = new URLSearchParams(rawBody.toString('utf8'));
  const fields: Record<string, string> = {};
  for (const [key, value] of form) {
    if (key in fields) return rejected('a field appears twice', null);
    fields[key] = value;
  }
  const orderNumber = fields.out_trade_no !== undefined && fields.out_trade_no !== '' ? fields.out_trade_no : null;
  const signature = fields.sign;
  if (signature === undefined || signature === '') return rejected('no sign', orderNumber);
  if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2') return rejected(`sign_type ${fields.sign_type}`, orderNumber);
  if (!verifyRsa2(notificationSigningString(fields), signature, credentials.alipayPublicKey)) {
    return rejected('signature verification failed', orderNumber);
  }
  const { notify_id: notificationId, app_id: appId } = fields;
  if (notificationId === undefined || notificationId === '' || orderNumber === null || fields.trade_status === undefined) {
    return rejected('notify_id, out_trade_no or trade_status missing', orderNumber);
  }
  if (appId !== credentials.appId) return rejected('notification for another app_id', orderNumber);
  const amount = fields.total_amount === undefined ? null : parseDecimal(fields.total_amount, currency);
  if (fields.total_amount !== undefined && amount === null) return rejected('total_amount unreadable', orderNumber);
  const merchantIdentity: Record<string, string> = { app_id: appId };
  if (fields.seller_id !== undefined) merchantIdentity.seller_id = fields.seller_id;
  const base = { kind: 'verified' as const, notificationId, orderNumber, merchantIdentity, ack: acceptAnswer };
  /*
   * A refund is told by the trade's own notification (trade_status_sync): a
   * partial refund keeps TRADE_SUCCESS, a full one makes TRADE_CLOSED, and
   * either adds out_biz_no (our out_request_no), refund_fee (all refunded on
   * the trade so far, not this refund alone) and gmt_refund. Alipay sends one
   * only when a refund succeeded.
   */
  const refundNumber = fields.out_biz_no;
  if (refundNumber !== undefined && refundNumber !== '' && fields.refund_fee !== undefined) {
    const refundedTotal = parseDecimal(fields.refund_fee, currency);
    if (refundedTotal === null) return rejected('refund_fee unreadable', orderNumber);
    return { ...base, amount: null, orderAmount: amount, refundedTotal, refundNumber, state: { kind: 'succeeded', reference: refundNumber } };
  }
  return { ...base, amount, refundNumber: null, state: tradeState(fields) };
}

function rejected(reason: string, orderNumber: string | null): NotificationVerdict {
  return { kind: 'rejected', reason, orderNumber, ack: refuseAnswer };
}

export { parseBill } from './statement.ts';
