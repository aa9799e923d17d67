/**
 * The UnionPay online gateway connector (银联在线, acp 5.1.0, signMethod 01).
 * Stateless, no retries, one explicit timeout per call. Credentials:
 * `mer_id`, `cert_id`, `private_key` (PEM, the merchant's signing key) and
 * `unionpay_public_key` (PEM, the key that verifies the gateway's answers and
 * notifications — see signature.ts for why the certificate a message brings
 * along is not used).
 *
 * What keeps money safe:
 * - every answer is verified (signature, merId, orderId) before it is read;
 *   an answer that fails any check, a timeout, a 5xx or a code we do not
 *   know is `unknown`, never success or failure;
 * - a refund is sent with the payment's own queryId, which we fetch by a
 *   query first; when that query fails nothing has been sent, so the failure
 *   is `retriable`.
 *
 * Deviations from the real gateway, forced by the stateless interface (the
 * simulator accepts them; see the report in this folder's tests):
 * - queryTrans.do needs `orderId` + `txnTime` of the original transaction:
 *   the flows hand the creation time back (`orderCreatedAt`,
 *   `refundCreatedAt`); without it the query goes by `orderId` alone, which
 *   only the simulator accepts.
 * - a refund carries `backUrl` (and the payment's order number in
 *   `reqReserved`) when the flows give a notify URL; its result comes by that
 *   notification or by `queryRefund`, so a refund answered `00` is `pending`
 *   (accepted), never `succeeded`, even though the simulator completes it at once.
 * - createOrder makes no call: it answers a redirect to
 *   `${baseUrl}/gateway/api/frontTransReq.do?<signed fields>`. The real
 *   gateway takes that form POSTed; the checkout page auto-submits it with
 *   `renderAutoSubmitForm(buildFrontForm(…))`. The simulator takes both.
 */
import type {
  ChannelConnector,
  ConnectorAccount,
  ConnectorFailure,
  CreateOrderRequest,
  NotificationVerdict,
  OrderState,
  ProviderAnswer,
  RefundOutcome,
  StatementLine,
  StatementOutcome,
} from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { isValidAmount } from '../../domain/money.ts';
import { defaultHttpExchange, failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import type { Currency } from '../../domain/money.ts';
import type { UnionpayFields } from './signature.ts';
import { signFields, verifyFields } from './signature.ts';
import {
  answerBytesMax,
  commonFields,
  currencyCodeCny,
  decodeStatement,
  encodeForm,
  formatBeijingTime,
  gatewayPaths,
  inFlightCodes,
  orderIdPattern,
  parseAnswer,
  parseFen,
  parseForm,
  refusedCodes,
  respCodes,
  txnTypes,
  unavailableCodes,
} from './wire.ts';

export interface UnionpayConnectorOptions {
  /** Per call, covering the answer's body too. Defaults to limits.connectorTimeoutMs. */
  timeoutMs?: number;
  /** For txnTime and settleDate; defaults to the system clock. */
  clock?: Clock;
  /** The shared HTTP exchange; defaults to one that reaches public addresses only. */
  exchange?: HttpExchange;
}

/** What the payer's browser submits to the gateway. */
export interface UnionpayFrontForm {
  /** `${baseUrl}/gateway/api/frontTransReq.do` */
  action: string;
  /** The signed fields, `signature` included. */
  fields: Record<string, string>;
}

export const notificationAcknowledged: ProviderAnswer = { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
export const notificationRefused: ProviderAnswer = { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };

/** Bounds a notification body before it is parsed. */
const notificationBytesMax = 16 * 1024;

export function createUnionpayConnector(options: UnionpayConnectorOptions = {}): ChannelConnector {
  const timeoutMs = options.timeoutMs ?? limits.connectorTimeoutMs;
  const clock = options.clock ?? systemClock;
  assert(Number.isSafeInteger(timeoutMs) && timeoutMs > 0, 'unionpay connector timeout must be a positive integer');
  const exchange = options.exchange ?? defaultHttpExchange();
  const call = (account: ConnectorAccount, path: string, fields: UnionpayFields): Promise<Answer> =>
    callGateway(exchange, account, path, fields, timeoutMs);

  const queryOrder = async (account: ConnectorAccount, orderNumber: string, createdAt: Date | undefined): Promise<OrderState> => {
    const answer = await call(account, gatewayPaths.query, queryFields(account, orderNumber, createdAt));
    return orderStateOf(readAnswer(answer, account, orderNumber));
  };

  return {
    name: 'unionpay',
    currencies: ['CNY'],

    async createOrder(account, request) {
      const form = buildFrontForm(account, request, request.createdAt?.getTime() ?? clock.nowMs());
      const url = `${form.action}?${encodeForm(form.fields)}`;
      return { kind: 'requires_action', reference: null, nextAction: { type: 'redirect_to_url', redirect_to_url: { url } } };
    },

    queryOrder: (account, { orderNumber, orderCreatedAt }) => queryOrder(account, orderNumber, orderCreatedAt),

    async closeOrder(account, { orderNumber, orderCreatedAt }) {
      // A front-end order has no close call: an unpaid order expires at its
      // payTimeout (set to the payment's expiry), after which the gateway
      // refuses the form and forgets the order.
      const state = await queryOrder(account, orderNumber, orderCreatedAt);
      switch (state.kind) {
        case 'paid':
          return { kind: 'already_paid' };
        case 'pending':
          return { kind: 'unknown', detail: 'the order can still be paid until its payTimeout; query again after it' };
        case 'closed':
        case 'failed':
        case 'not_found':
          return { kind: 'closed' };
        default:
          return state;
      }
    },

    async refund(account, request) {
      assertCny(request.currency);
      assert(isValidAmount(request.amount) && request.amount <= request.totalAmount, 'refund amount within the payment');
      assert(orderIdPattern.test(request.refundNumber), 'refund number is 8 to 40 letters and digits');
      const paid = await queryOrder(account, request.orderNumber, request.orderCreatedAt);
      if (paid.kind === 'not_found') return { kind: 'failed', reason: 'UnionPay has no such order' };
      if (paid.kind === 'pending' || paid.kind === 'closed' || paid.kind === 'failed') {
        return { kind: 'failed', reason: `the order is not paid (${paid.kind})` };
      }
      if (paid.kind !== 'paid') {
        // Nothing was sent yet: the refund itself certainly did not happen.
        return { kind: 'retriable', code: 'connector_unavailable', detail: `could not look the payment up: ${paid.kind}` };
      }
      const fields = refundFields(account, request, paid.reference, request.refundCreatedAt?.getTime() ?? clock.nowMs());
      const answer = await call(account, gatewayPaths.back, fields);
      return refundAnswer(readAnswer(answer, account, request.refundNumber));
    },

    async queryRefund(account, { refundNumber, refundCreatedAt }) {
      const answer = await call(account, gatewayPaths.query, queryFields(account, refundNumber, refundCreatedAt));
      return refundStateOf(readAnswer(answer, account, refundNumber));
    },

    verifyNotification(account, { rawBody }) {
      return verifyBackNotification(account, rawBody);
    },

    async downloadStatement(account, { date }) {
      const match = /^\d{4}-(\d{2})-(\d{2})$/.exec(date);
      assert(match !== null, 'statement date is YYYY-MM-DD');
      const settleDate = `${match[1]}${match[2]}`;
      const answer = await call(account, gatewayPaths.file, statementFields(account, settleDate, clock.nowMs()));
      return statementOf(readAnswer(answer, account, null), credentialsOf(account).merId, settleDate, date);
    },
  };
}

// ---------------------------------------------------------------------------
// Requests.

interface Credentials {
  merId: string;
  certId: string;
  privateKey: string;
  publicKey: string;
}

function credentialsOf(account: ConnectorAccount): Credentials {
  const { mer_id: merId, cert_id: certId, private_key: privateKey, unionpay_public_key: publicKey } = account.credentials;
  assert(merId && certId && privateKey && publicKey, `unionpay account ${account.id} lacks mer_id, cert_id, private_key or unionpay_public_key`);
  return { merId, certId, privateKey, publicKey };
}

function assertCny(currency: Currency): void {
  // The flows offer UnionPay for CNY only; anything else is a programmer error.
  assert(currency === 'CNY', `unionpay takes CNY only, not ${currency}`);
}

function gatewayUrl(account: ConnectorAccount, path: string): string {
  // Joined as text: `new URL(path, base)` would drop a path prefix in baseUrl.
  return account.baseUrl.replace(/\/+$/, '') + path;
}

/** The signed front-end purchase form (txnType 01) for the payer's browser. No I/O. */
export function buildFrontForm(account: ConnectorAccount, request: CreateOrderRequest, nowMs: number): UnionpayFrontForm {
  const { merId, certId, privateKey } = credentialsOf(account);
  assertCny(request.currency);
  assert(isValidAmount(request.amount), 'order amount is a valid amount');
  assert(orderIdPattern.test(request.orderNumber), 'order number is 8 to 40 letters and digits');
  const fields = signFields(
    {
      ...commonFields,
      txnType: txnTypes.purchase,
      txnSubType: '01',
      bizType: '000201',
      channelType: request.device === 'mobile' ? '08' : '07',
      accessType: '0',
      merId,
      orderId: request.orderNumber,
      txnTime: formatBeijingTime(nowMs),
      txnAmt: request.amount.toString(),
      currencyCode: currencyCodeCny,
      frontUrl: request.returnUrl ?? request.notifyUrl,
      backUrl: request.notifyUrl,
      payTimeout: formatBeijingTime(request.expiresAt.getTime()),
      certId,
    },
    privateKey,
  );
  return { action: gatewayUrl(account, gatewayPaths.front), fields };
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);

/** An HTML page that POSTs the form to the gateway as soon as it loads (what the SDK's `createAutoFormHtml` does). */
export function renderAutoSubmitForm(form: UnionpayFrontForm): string {
  const inputs = Object.entries(form.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return [
    '<!doctype html>',
    '<html><head><meta charset="UTF-8"><title>UnionPay</title></head>',
    '<body onload="document.forms[0].submit()">',
    `<form method="post" action="${escapeHtml(form.action)}" accept-charset="UTF-8">`,
    inputs,
    '<noscript><button type="submit">Continue to UnionPay</button></noscript>',
    '</form></body></html>',
  ].join('\n');
}

function queryFields(account: ConnectorAccount, orderId: string, createdAt: Date | undefined): Record<string, string> {
  const { merId, certId, privateKey } = credentialsOf(account);
  assert(orderIdPattern.test(orderId), 'queried order number is 8 to 40 letters and digits');
  // txnTime names the ORIGINAL transaction's time: the flows hand it back. Never the query's own time,
  // which could make the gateway answer "no such transaction" (34) for a paid order. Without it the
  // real gateway refuses the query, which we read as unknown: the safe side.
  const txnTime: Record<string, string> = createdAt ? { txnTime: formatBeijingTime(createdAt.getTime()) } : {};
  return signFields(
    { ...commonFields, txnType: txnTypes.query, txnSubType: '00', bizType: '000000', accessType: '0', merId, orderId, ...txnTime, certId },
    privateKey,
  );
}

function refundFields(
  account: ConnectorAccount,
  request: { orderNumber: string; refundNumber: string; amount: bigint; notifyUrl?: string },
  origQryId: string,
  nowMs: number,
): Record<string, string> {
  const { merId, certId, privateKey } = credentialsOf(account);
  return signFields(
    {
      ...commonFields,
      txnType: txnTypes.refund,
      txnSubType: '00',
      bizType: '000201',
      channelType: '07',
      accessType: '0',
      merId,
      orderId: request.refundNumber,
      txnTime: formatBeijingTime(nowMs),
      txnAmt: request.amount.toString(),
      currencyCode: currencyCodeCny,
      origQryId,
      // The refund's notification names only the refund's own orderId and the payment's queryId;
      // reqReserved (echoed back unchanged) carries the payment's order number so it can be checked.
      ...(request.notifyUrl ? { backUrl: request.notifyUrl, reqReserved: request.orderNumber } : {}),
      certId,
    },
    privateKey,
  );
}

function statementFields(account: ConnectorAccount, settleDate: string, nowMs: number): Record<string, string> {
  const { merId, certId, privateKey } = credentialsOf(account);
  return signFields(
    { ...commonFields, txnType: txnTypes.fileTransfer, txnSubType: '01', bizType: '000000', accessType: '0', merId, settleDate, txnTime: formatBeijingTime(nowMs), fileType: '00', certId },
    privateKey,
  );
}

// ---------------------------------------------------------------------------
// One HTTP exchange with the gateway.

type Answer = { received: true; status: number; text: string } | { received: false; failure: ConnectorFailure };

async function callGateway(exchange: HttpExchange, account: ConnectorAccount, path: string, fields: UnionpayFields, timeoutMs: number): Promise<Answer> {
  const result = await exchange.send({
    mode: account.mode,
    url: gatewayUrl(account, path),
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8', Accept: 'text/plain, text/html' },
    body: encodeForm(fields),
    timeoutMs,
    // The file transfer carries the day's statement inside its answer.
    responseBytesMax: path === gatewayPaths.file ? answerBytesMax : limits.providerResponseBytesMax,
    overLimit: 'fail',
    peer: 'UnionPay',
  });
  if (result.kind !== 'answered') return { received: false, failure: failureWithoutAnswer(result) };
  return { received: true, status: result.status, text: result.body.toString('utf8') };
}

/** An answer's verified fields, or the failure the answer stands for. */
type Read = { ok: true; fields: Record<string, string> } | { ok: false; failure: ConnectorFailure };

const unknownRead = (detail: string): Read => ({ ok: false, failure: { kind: 'unknown', detail } });

/** Reads an answer about `orderId` (null: no order expected): signature, merchant, order and respCode all checked. */
function readAnswer(answer: Answer, account: ConnectorAccount, orderId: string | null): Read {
  if (!answer.received) return { ok: false, failure: answer.failure };
  if (answer.status !== 200) return unknownRead(`UnionPay answered HTTP ${answer.status}`);
  if (answer.text.length > answerBytesMax) return unknownRead('UnionPay answered with an oversized body');
  const fields = parseAnswer(answer.text.trim());
  if (fields === null) return unknownRead('UnionPay answered with an unreadable body');
  const { merId, publicKey } = credentialsOf(account);
  if (!verifyFields(fields, publicKey)) return unknownRead('UnionPay answer signature does not verify');
  if (fields.merId !== merId) return unknownRead('UnionPay answered about another merchant');
  if (orderId !== null && fields.orderId !== orderId) return unknownRead('UnionPay answered about another order');
  if (fields.respCode === undefined) return unknownRead('UnionPay answer has no respCode');
  return { ok: true, fields };
}

/** What a respCode other than 00 means for a query or a file request. */
function failureOfCode(fields: Record<string, string>): ConnectorFailure {
  const code = fields.respCode ?? '';
  const detail = `UnionPay respCode ${code}${fields.respMsg ? ` ${fields.respMsg}` : ''}`;
  if (unavailableCodes.includes(code)) return { kind: 'retriable', code: 'connector_unavailable', detail };
  return { kind: 'unknown', detail };
}

// ---------------------------------------------------------------------------
// Answers onto outcomes.

function orderStateOf(answer: Read): OrderState {
  if (!answer.ok) return answer.failure;
  const read = answer.fields;
  if (read.respCode === respCodes.notFound) return { kind: 'not_found' };
  if (read.respCode !== respCodes.success) return failureOfCode(read);
  return paymentStateOf(read.origRespCode, read);
}

/** The state a payment's result code (origRespCode of a query, respCode of a notification) stands for. */
function paymentStateOf(code: string | undefined, fields: Record<string, string>): OrderState {
  if (code === undefined) return { kind: 'unknown', detail: 'UnionPay answer has no result code' };
  const message = fields.origRespMsg ?? fields.respMsg;
  if (code === respCodes.success) {
    const amount = parseFen(fields.txnAmt);
    const queryId = fields.queryId ?? '';
    if (amount === null || queryId === '' || (fields.currencyCode ?? currencyCodeCny) !== currencyCodeCny) {
      return { kind: 'unknown', detail: 'UnionPay reported a payment without a readable queryId, amount or currency' };
    }
    // traceTime (MMDDhhmmss) has no year, so the payment time is left unknown.
    return { kind: 'paid', reference: queryId, amountPaid: amount, paidAt: null };
  }
  if (inFlightCodes.includes(code)) return { kind: 'pending' };
  return { kind: 'failed', detail: `UnionPay result ${code}${message ? ` ${message}` : ''}` };
}

function refundAnswer(answer: Read): RefundOutcome {
  if (!answer.ok) return answer.failure;
  const read = answer.fields;
  const code = read.respCode ?? '';
  const detail = `UnionPay respCode ${code}${read.respMsg ? ` ${read.respMsg}` : ''}`;
  if (code === respCodes.success) {
    const queryId = read.queryId ?? '';
    if (queryId === '') return { kind: 'unknown', detail: 'UnionPay accepted the refund without a queryId' };
    return { kind: 'pending', reference: queryId };
  }
  if (refusedCodes.includes(code)) return { kind: 'failed', reason: detail };
  if (unavailableCodes.includes(code)) return { kind: 'retriable', code: 'connector_unavailable', detail };
  // 03/04/05 (in flight), 12 (this refund number was used: maybe by our own
  // earlier attempt) and any code we do not know: queryRefund will tell.
  return { kind: 'unknown', detail };
}

function refundStateOf(answer: Read): RefundOutcome {
  if (!answer.ok) return answer.failure;
  const read = answer.fields;
  if (read.respCode === respCodes.notFound) return { kind: 'not_found' };
  if (read.respCode !== respCodes.success) return failureOfCode(read);
  const code = read.origRespCode;
  const queryId = read.queryId ?? '';
  if (code === respCodes.success) {
    return queryId === '' ? { kind: 'unknown', detail: 'UnionPay reported a refund without a queryId' } : { kind: 'succeeded', reference: queryId };
  }
  if (code !== undefined && inFlightCodes.includes(code)) {
    return queryId === '' ? { kind: 'unknown', detail: 'refund in flight without a queryId' } : { kind: 'pending', reference: queryId };
  }
  if (code === undefined) return { kind: 'unknown', detail: 'UnionPay answer has no origRespCode' };
  return { kind: 'failed', reason: `UnionPay result ${code}${read.origRespMsg ? ` ${read.origRespMsg}` : ''}` };
}

function statementOf(answer: Read, merId: string, settleDate: string, date: string): StatementOutcome {
  if (!answer.ok) return answer.failure;
  const read = answer.fields;
  if (read.respCode === respCodes.fileNotReady) return { kind: 'not_ready' };
  if (read.respCode !== respCodes.success) return failureOfCode(read);
  if (read.settleDate !== settleDate) return { kind: 'unknown', detail: 'UnionPay answered with the file of another day' };
  const decoded = decodeStatement(read.fileContent ?? '', { merId, date });
  if ('error' in decoded) return { kind: 'unknown', detail: `UnionPay statement unreadable: ${decoded.error}` };
  // A cancellation (31) gives the money back as a refund does; this connector makes none, but one made elsewhere still counts.
  const lines: StatementLine[] = decoded.rows.map((row) => ({
    orderNumber: row.txnType === '01' ? row.orderId : row.origOrderId,
    reference: row.queryId,
    kind: row.txnType === '01' ? 'payment' : 'refund',
    refundNumber: row.txnType === '01' ? null : row.orderId,
    amount: row.amount,
    occurredAt: new Date(row.occurredAtMs),
  }));
  return { kind: 'statement', lines };
}

// ---------------------------------------------------------------------------
// Back notifications.

/**
 * A back notification (form POST to backUrl): a payment's (txnType 01) or a
 * refund's (txnType 04, sent because the refund named a backUrl). A refund's
 * notification names the refund's own orderId and the payment's queryId
 * (origQryId); the payment's order number comes back in reqReserved, where
 * the refund request put it. The message carries no time we could check
 * freshness against (resends come for hours), so `nowMs` is not used;
 * duplicates are caught by the notification id, `${queryId}_${txnType}`.
 */
function verifyBackNotification(account: ConnectorAccount, rawBody: Buffer): NotificationVerdict {
  const rejected = (reason: string, orderNumber: string | null): NotificationVerdict => ({ kind: 'rejected', reason, orderNumber, ack: notificationRefused });
  if (rawBody.length > notificationBytesMax) return rejected('notification body too large', null);
  const fields = parseForm(rawBody.toString('utf8'));
  if (fields === null) return rejected('notification body is not a form with distinct fields', null);
  const { queryId, txnType, merId, respCode } = fields;
  const ownOrderId = fields.orderId !== undefined && orderIdPattern.test(fields.orderId) ? fields.orderId : null;
  const paymentOrderId = txnType === txnTypes.refund ? (fields.reqReserved !== undefined && orderIdPattern.test(fields.reqReserved) ? fields.reqReserved : null) : ownOrderId;
  if (!verifyFields(fields, credentialsOf(account).publicKey)) return rejected('signature does not verify', paymentOrderId);
  if (ownOrderId === null) return rejected('orderId missing or malformed', null);
  if (fields.version !== commonFields.version || fields.signMethod !== commonFields.signMethod) return rejected('unexpected version or signMethod', paymentOrderId);
  if (merId === undefined || merId === '') return rejected('merId missing', paymentOrderId);
  if (queryId === undefined || !/^[A-Za-z0-9]{1,64}$/.test(queryId)) return rejected('queryId missing or malformed', paymentOrderId);
  if (respCode === undefined) return rejected('respCode missing', paymentOrderId);
  const base = { kind: 'verified' as const, notificationId: `${queryId}_${txnType}`, amount: parseFen(fields.txnAmt), merchantIdentity: { merId }, ack: notificationAcknowledged };
  if (txnType === txnTypes.refund) {
    if (paymentOrderId === null) return rejected('refund notification without the payment\'s order number in reqReserved', null);
    if ((fields.currencyCode ?? currencyCodeCny) !== currencyCodeCny) return rejected('refund in another currency', paymentOrderId);
    // UnionPay states the refund's own amount only (no order total, no refunded total).
    return { ...base, orderNumber: paymentOrderId, refundNumber: ownOrderId, state: refundResultOf(respCode, queryId, fields.respMsg), orderAmount: null, refundedTotal: null };
  }
  if (txnType !== txnTypes.purchase) return rejected(`txnType ${txnType ?? '(none)'} notifications are not used`, ownOrderId);
  const state = paymentStateOf(respCode, fields);
  if (state.kind === 'unknown') return rejected(state.detail, ownOrderId);
  return { ...base, orderNumber: ownOrderId, refundNumber: null, state };
}

/** What a refund notification's respCode says of the refund. */
function refundResultOf(code: string, queryId: string, message: string | undefined): RefundOutcome {
  if (code === respCodes.success) return { kind: 'succeeded', reference: queryId };
  if (inFlightCodes.includes(code)) return { kind: 'pending', reference: queryId };
  return { kind: 'failed', reason: `UnionPay result ${code}${message ? ` ${message}` : ''}` };
}
