/**
 * The WeChat Pay connector: speaks API v3 (signing.ts, wire.ts) and maps each
 * answer onto a connector outcome. Stateless, no retries, one explicit
 * timeout per call.
 *
 * What keeps money safe:
 * - every answer is verified (platform serial, 5-minute window, signature on
 *   the raw body) before anything in it is believed, errors included; an
 *   answer that does not verify, a timeout, a dropped connection or a body we
 *   cannot read is `unknown`, never success or failure;
 * - the order number (out_trade_no) and refund number (out_refund_no) are
 *   WeChat's idempotency keys: a retry with the same number never charges or
 *   refunds twice;
 * - a notification is believed only when its signature holds and its
 *   resource opens under our APIv3 key.
 */
import type {
  ChannelConnector,
  ConnectorAccount,
  CreateOrderRequest,
  OrderOutcome,
  OrderState,
  RefundOutcome,
  StatementOutcome,
} from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import { cryptoRandom, systemClock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson } from '../../domain/money.ts';
import { defaultHttpExchange, type HttpExchange } from '../http-exchange.ts';
import { jsapiSigningMessage, signMessage } from './signing.ts';
import { isPublicKeyMode, PlatformCertificateCache } from './platform-certificates.ts';
import type { WireOrderRequest, WireRefundRequest } from './wire.ts';
import {
  beijingRfc3339,
  errorCodeOf,
  isObject,
  orderState,
  parseBillLink,
  parseRefund,
  parseTradeBill,
  parseTransaction,
  refundOutcome,
} from './wire.ts';
import { type Credentials, credentialsOf, platformKeys, refreshCertificates, type Exchange, type Answer, send, errorMessageOf, isTransient, failureFromStatus } from './exchange.ts';
import { verifyNotification } from './notifications.ts';

export interface WechatPayConnectorOptions {
  /** Per call, covering the answer's body too. Defaults to limits.connectorTimeoutMs. */
  timeoutMs?: number;
  /** Signs request timestamps and judges the age of answers. */
  clock?: Clock;
  /** Request nonces. */
  random?: RandomSource;
  /** The shared HTTP exchange; defaults to one that reaches public addresses only. */
  exchange?: HttpExchange;
}

/** The payer's IP WeChat requires for H5 when we do not know it. */
const payerIpFallback = '127.0.0.1';
/** WeChat limits `description` to 127 bytes; longer is cut by characters until it fits. */
const descriptionBytesMax = 127;

export function createWechatPayConnector(options: WechatPayConnectorOptions = {}): ChannelConnector {
  const timeoutMs = options.timeoutMs ?? limits.connectorTimeoutMs;
  assert(Number.isSafeInteger(timeoutMs) && timeoutMs > 0, 'wechat pay connector timeout must be a positive integer');
  const exchange: Exchange = {
    timeoutMs,
    clock: options.clock ?? systemClock,
    random: options.random ?? cryptoRandom,
    http: options.exchange ?? defaultHttpExchange(),
    certificates: new PlatformCertificateCache(),
  };

  return {
    name: 'wechat_pay',
    currencies: ['CNY'],

    async createOrder(account, request) {
      const credentials = credentialsOf(account);
      const { path, body } = orderRequest(credentials, request);
      const answer = await send(exchange, account, credentials, { method: 'POST', path, body });
      if (body.payer !== undefined) return jsapiOrderAnswer(exchange, credentials, answer);
      return createOrderAnswer(answer, request);
    },

    async queryOrder(account, { orderNumber }) {
      const credentials = credentialsOf(account);
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNumber)}?mchid=${encodeURIComponent(credentials.mchid)}`;
      const answer = await send(exchange, account, credentials, { method: 'GET', path });
      return queryOrderAnswer(answer, orderNumber, credentials);
    },

    async closeOrder(account, { orderNumber }) {
      const credentials = credentialsOf(account);
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNumber)}/close`;
      const answer = await send(exchange, account, credentials, { method: 'POST', path, body: { mchid: credentials.mchid } });
      if (!answer.ok) return answer.failure;
      if (answer.status === 204) return { kind: 'closed' };
      if (answer.status === 400 && errorCodeOf(answer.body) === 'ORDERPAID') return { kind: 'already_paid' };
      return failureFromStatus(answer.status, answer.body);
    },

    async refund(account, request) {
      const credentials = credentialsOf(account);
      assert(request.currency === 'CNY', 'WeChat Pay refunds in CNY only');
      const body: WireRefundRequest = {
        out_trade_no: request.orderNumber,
        out_refund_no: request.refundNumber,
        ...(request.reason === null ? {} : { reason: request.reason.slice(0, 80) }),
        // Where WeChat sends REFUND.SUCCESS / ABNORMAL / CLOSED; without it only the address set on the merchant platform gets them.
        ...(request.notifyUrl === undefined ? {} : { notify_url: request.notifyUrl }),
        amount: { refund: amountToJson(request.amount), total: amountToJson(request.totalAmount), currency: 'CNY' },
      };
      const answer = await send(exchange, account, credentials, { method: 'POST', path: '/v3/refund/domestic/refunds', body });
      if (answer.ok && answer.status >= 400 && answer.status < 500 && !isTransient(answer.status, answer.body)) {
        // A verified refusal of a new refund: WeChat checks before it moves money.
        return { kind: 'failed', reason: `${errorCodeOf(answer.body) ?? answer.status}: ${errorMessageOf(answer.body)}` };
      }
      return refundAnswer(answer, request);
    },

    async queryRefund(account, request) {
      const credentials = credentialsOf(account);
      const path = `/v3/refund/domestic/refunds/${encodeURIComponent(request.refundNumber)}`;
      const answer = await send(exchange, account, credentials, { method: 'GET', path });
      if (answer.ok && answer.status === 404 && errorCodeOf(answer.body) === 'RESOURCE_NOT_EXISTS') return { kind: 'not_found' };
      return refundAnswer(answer, { orderNumber: request.orderNumber, refundNumber: request.refundNumber });
    },

    verifyNotification(account, request) {
      const credentials = credentialsOf(account);
      const verdict = verifyNotification(credentials, platformKeys(exchange, account, credentials), request);
      // Certificate mode: a serial we do not know may be WeChat's new certificate. The notification is refused
      // now (WeChat resends it in 15 s) and the certificates are fetched meanwhile, outside this pure check.
      if (verdict.kind === 'rejected' && verdict.unknownSerial && !isPublicKeyMode(credentials) && exchange.certificates.claimUnknownSerialFetch(account.id, request.nowMs)) {
        void refreshCertificates(exchange, account, credentials).catch(() => undefined);
      }
      return verdict.verdict;
    },

    async downloadStatement(account, { date }) {
      assert(/^\d{4}-\d{2}-\d{2}$/.test(date), 'a statement date is YYYY-MM-DD');
      const credentials = credentialsOf(account);
      const answer = await send(exchange, account, credentials, { method: 'GET', path: `/v3/bill/tradebill?bill_date=${date}&bill_type=ALL` });
      return downloadBill(exchange, account, credentials, answer);
    },
  };
}

function truncateUtf8(text: string, bytesMax: number): string {
  let result = text;
  while (Buffer.byteLength(result, 'utf8') > bytesMax) result = Array.from(result).slice(0, -1).join('');
  return result;
}

function orderRequest(credentials: Credentials, request: CreateOrderRequest): { path: string; body: WireOrderRequest } {
  assert(request.currency === 'CNY', 'WeChat Pay orders are in CNY only');
  const body: WireOrderRequest = {
    appid: credentials.appid,
    mchid: credentials.mchid,
    description: truncateUtf8(request.subject, descriptionBytesMax),
    out_trade_no: request.orderNumber,
    time_expire: beijingRfc3339(request.expiresAt.getTime()),
    notify_url: request.notifyUrl,
    amount: { total: amountToJson(request.amount), currency: 'CNY' },
  };
  // Inside WeChat with the payer's openid: JSAPI, paid in WeChat's own cashier.
  if (request.payerOpenid) return { path: '/v3/pay/transactions/jsapi', body: { ...body, payer: { openid: request.payerOpenid } } };
  if (request.device === 'desktop') return { path: '/v3/pay/transactions/native', body };
  return {
    path: '/v3/pay/transactions/h5',
    body: { ...body, scene_info: { payer_client_ip: request.payerIp ?? payerIpFallback, h5_info: { type: 'Wap' } } },
  };
}

function createOrderAnswer(answer: Answer, request: CreateOrderRequest): OrderOutcome {
  if (!answer.ok) return answer.failure;
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const expiresAt = request.expiresAt.toISOString();
  const field = request.device === 'desktop' ? 'code_url' : 'h5_url';
  const url = isObject(answer.body) ? answer.body[field] : undefined;
  if (typeof url !== 'string' || url === '') return { kind: 'unknown', detail: `WeChat Pay answered 200 without ${field}` };
  // WeChat gives no transaction id until the payer pays.
  if (request.device === 'desktop') {
    return { kind: 'requires_action', reference: null, nextAction: { type: 'display_qr_code', display_qr_code: { data: url, expires_at: expiresAt } } };
  }
  const redirect = request.returnUrl === null ? url : `${url}${url.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(request.returnUrl)}`;
  return { kind: 'requires_action', reference: null, nextAction: { type: 'redirect_to_url', redirect_to_url: { url: redirect } } };
}

/**
 * A JSAPI order answers `prepay_id`; the page needs it signed with the
 * merchant key for WeChat's client, which checks paySign before it shows its
 * cashier. The prepay_id (and so these parameters) is valid for 2 hours.
 */
function jsapiOrderAnswer(exchange: Exchange, credentials: Credentials, answer: Answer): OrderOutcome {
  if (!answer.ok) return answer.failure;
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const prepayId = isObject(answer.body) ? answer.body.prepay_id : undefined;
  if (typeof prepayId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(prepayId)) return { kind: 'unknown', detail: 'WeChat Pay answered 200 without a prepay_id' };
  const unsigned = {
    appId: credentials.appid,
    timeStamp: String(Math.floor(exchange.clock.nowMs() / 1000)),
    nonceStr: exchange.random.bytes(16).toString('hex').toUpperCase(),
    package: `prepay_id=${prepayId}`,
    signType: 'RSA' as const,
  };
  let paySign: string;
  try {
    paySign = signMessage(jsapiSigningMessage(unsigned), credentials.private_key);
  } catch {
    // The order exists at WeChat but cannot be paid from here; a retry with the same order number answers the same prepay_id.
    return { kind: 'unknown', detail: 'private_key is not a readable RSA key' };
  }
  return { kind: 'requires_action', reference: null, nextAction: { type: 'wechat_pay_jsapi', wechat_pay_jsapi: { ...unsigned, paySign } } };
}

function queryOrderAnswer(answer: Answer, orderNumber: string, credentials: Credentials): OrderState {
  if (!answer.ok) return answer.failure;
  // Only WeChat's own verified "no such order" counts: a bare 404 (a wrong
  // base URL, a proxy) must not make a paid order look like it never existed.
  if (answer.status === 404 && errorCodeOf(answer.body) === 'ORDER_NOT_EXIST') return { kind: 'not_found' };
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const transaction = parseTransaction(answer.body);
  if (transaction === null) return { kind: 'unknown', detail: 'WeChat Pay answered 200 with an unexpected transaction' };
  if (transaction.out_trade_no !== orderNumber || transaction.mchid !== credentials.mchid) {
    return { kind: 'unknown', detail: 'WeChat Pay answered about another order' };
  }
  if (transaction.amount.currency !== 'CNY') return { kind: 'unknown', detail: `order in ${transaction.amount.currency}` };
  return orderState(transaction);
}

// ---------------------------------------------------------------------------
// Refunds.

function refundAnswer(answer: Answer, expect: { orderNumber: string; refundNumber: string; amount?: bigint }): RefundOutcome {
  if (!answer.ok) return answer.failure;
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const refund = parseRefund(answer.body);
  if (refund === null) return { kind: 'unknown', detail: 'WeChat Pay answered 200 with an unexpected refund' };
  const mismatch =
    refund.out_refund_no !== expect.refundNumber ||
    refund.out_trade_no !== expect.orderNumber ||
    (expect.amount !== undefined && BigInt(refund.amount.refund) !== expect.amount);
  if (mismatch) return { kind: 'unknown', detail: 'WeChat Pay answered with another refund' };
  return refundOutcome(refund.status, refund.refund_id);
}

async function downloadBill(exchange: Exchange, account: ConnectorAccount, credentials: Credentials, answer: Answer): Promise<StatementOutcome> {
  if (!answer.ok) return answer.failure;
  const code = errorCodeOf(answer.body);
  // WeChat answers these for a day whose bill is not made yet, or that had no
  // trade: either way there is nothing to reconcile yet.
  if (answer.status === 400 && (code === 'NO_STATEMENT_EXIST' || code === 'STATEMENT_CREATING')) return { kind: 'not_ready' };
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const link = parseBillLink(answer.body);
  if (link === null) return { kind: 'unknown', detail: 'WeChat Pay answered 200 without a bill download_url' };
  // The file comes unsigned (as the official SDKs expect); the signed answer's
  // SHA1 is what proves it is the bill WeChat meant.
  const file = await send(exchange, account, credentials, { method: 'GET', path: link.download_url }, { sha1: link.hash_value });
  if (!file.ok) return file.failure;
  if (file.status !== 200) return { kind: 'unknown', detail: `bill download answered ${file.status}` };
  const lines = parseTradeBill(file.text);
  return lines === null ? { kind: 'unknown', detail: 'the trade bill is not in the expected format' } : { kind: 'statement', lines };
}
