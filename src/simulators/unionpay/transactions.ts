/** The gateway's transactions: frontTransReq.do (the payer page and its buttons), backTransReq.do (refunds), queryTrans.do and fileTransfer.do. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { signFields, verifyFields } from '../../connectors/unionpay/signature.ts';
import {
  commonFields,
  currencyCodeCny,
  encodeAnswer,
  encodeFileContent,
  formatBeijingTime,
  orderIdPattern,
  parseBeijingTime,
  parseFen,
  parseForm,
  respCodes,
  txnTypes,
  zmRecord,
} from '../../connectors/unionpay/wire.ts';
import type { ZmField } from '../../connectors/unionpay/wire.ts';
import { encodeGbk } from './gbk.ts';
import { writeZip } from './zip-writer.ts';
import { messagePage, payerPage } from './pages.ts';
import type { MerchantRecord, OrderRecord, RefundRecord } from './state.ts';
import { isExpired, refundedAmount, scopedKey } from './state.ts';
import { nextQueryId, payerOf, paymentResultFields, recordOrder, type Context } from './context.ts';
import { touch } from '../persistence/store.ts';

export type Fields = Record<string, string>;

export function formOf(request: FastifyRequest): Fields | null {
  return typeof request.body === 'string' ? parseForm(request.body) : null;
}

export function queryFieldsOf(request: FastifyRequest): Fields | null {
  const at = request.url.indexOf('?');
  return at < 0 ? null : parseForm(request.url.slice(at + 1));
}

/** A signed answer in the gateway's raw `k=v&…` format; blank fields are left out. */
export function answer(reply: FastifyReply, signed: Fields): FastifyReply {
  return reply.code(200).type('text/plain; charset=UTF-8').send(encodeAnswer(signed));
}

/** The fields an answer echoes from its request, present and non-blank only. */
export function echo(request: Fields, names: readonly string[]): Fields {
  const echoed: Fields = {};
  for (const name of names) {
    const value = request[name];
    if (value !== undefined && value !== '' && !value.includes('&')) echoed[name] = value;
  }
  return echoed;
}

export const echoedNames = ['txnType', 'txnSubType', 'bizType', 'accessType', 'merId', 'orderId', 'txnTime', 'settleDate', 'fileType'] as const;

export function signedAnswer(context: Context, request: Fields, respCode: string, respMsg: string, extra: Fields = {}): Fields {
  return signFields({ ...commonFields, ...echo(request, echoedNames), respCode, respMsg, ...extra }, context.keys.privateKeyPem);
}

/** The merchant of a request whose signature and certId check out; or the refusal to answer with. */
export function authenticate(context: Context, request: Fields): MerchantRecord | { respCode: string; respMsg: string } {
  if (request.version !== commonFields.version || request.signMethod !== commonFields.signMethod) {
    return { respCode: respCodes.formatError, respMsg: 'version must be 5.1.0 and signMethod 01' };
  }
  const merchant = context.merchants.get(request.merId ?? '');
  if (merchant === undefined) return { respCode: respCodes.merchantInvalid, respMsg: 'unknown merId' };
  if (request.certId !== merchant.certId || !verifyFields(request, merchant.publicKeyPem)) {
    return { respCode: respCodes.signatureInvalid, respMsg: 'signature verification failed' };
  }
  return merchant;
}

// ---------------------------------------------------------------------------
// frontTransReq.do: the payer page.

export async function frontTransaction(context: Context, request: Fields | null, reply: FastifyReply): Promise<FastifyReply> {
  const refuse = (code: string, message: string): FastifyReply =>
    reply.code(400).type('text/html; charset=UTF-8').send(messagePage(`UnionPay error ${code}`, message));
  if (request === null) return refuse(respCodes.formatError, 'the form is missing or repeats a field');
  const merchant = authenticate(context, request);
  if ('respCode' in merchant) return refuse(merchant.respCode, merchant.respMsg);
  const problem = frontFormProblem(request);
  if (problem !== null) return refuse(respCodes.formatError, problem);
  const nowMs = context.clock.nowMs();
  const payTimeoutMs = request.payTimeout === undefined ? null : parseBeijingTime(request.payTimeout);
  if (payTimeoutMs !== null && nowMs >= payTimeoutMs) return refuse(respCodes.failed, 'the payment time (payTimeout) has passed');
  const key = scopedKey(merchant.merId, request.orderId as string);
  context.state.records.sawKey('order_id', request.orderId as string);
  const existing = context.state.orders.get(key);
  const amount = parseFen(request.txnAmt) as bigint;
  if (existing !== undefined) {
    if (context.state.refunds.has(key) || existing.txnTime !== request.txnTime || existing.amount !== amount) {
      return refuse(respCodes.duplicate, 'this orderId was used for another transaction');
    }
    if (existing.status !== 'pending' || isExpired(existing, nowMs)) return refuse(respCodes.duplicate, `this order is ${existing.status}`);
    return reply.code(200).type('text/html; charset=UTF-8').send(payerPage(existing));
  }
  if (context.state.refunds.has(key)) return refuse(respCodes.duplicate, 'this orderId was used for another transaction');
  const order: OrderRecord = {
    merId: merchant.merId,
    orderId: request.orderId as string,
    txnTime: request.txnTime as string,
    amount,
    channelType: request.channelType as string,
    frontUrl: request.frontUrl as string,
    backUrl: request.backUrl as string,
    payTimeoutMs,
    status: 'pending',
    payerLeft: false,
    payment: null,
    refunds: [],
  };
  context.state.orders.set(key, order);
  context.state.stats.orders_opened += 1;
  recordOrder(context, order, 'ordered');
  return reply.code(200).type('text/html; charset=UTF-8').send(payerPage(order));
}

export function isHttpUrl(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** What is wrong with a purchase form, or null. */
export function frontFormProblem(request: Fields): string | null {
  const expected: Fields = { encoding: 'UTF-8', txnType: txnTypes.purchase, txnSubType: '01', bizType: '000201', accessType: '0', currencyCode: currencyCodeCny };
  for (const [name, value] of Object.entries(expected)) {
    if (request[name] !== value) return `${name} must be ${value}`;
  }
  if (request.channelType !== '07' && request.channelType !== '08') return 'channelType must be 07 or 08';
  if (!orderIdPattern.test(request.orderId ?? '')) return 'orderId must be 8 to 40 letters and digits';
  if (parseBeijingTime(request.txnTime ?? '') === null) return 'txnTime must be YYYYMMDDhhmmss';
  if (parseFen(request.txnAmt) === null) return 'txnAmt must be a positive number of fen';
  if (request.payTimeout !== undefined && parseBeijingTime(request.payTimeout) === null) return 'payTimeout must be YYYYMMDDhhmmss';
  if (!isHttpUrl(request.backUrl)) return 'backUrl must be an http(s) URL';
  if (!isHttpUrl(request.frontUrl)) return 'frontUrl must be an http(s) URL';
  return null;
}

export async function payerAction(context: Context, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const action = (request.params as { action: string }).action;
  const form = formOf(request);
  const order = form === null ? undefined : context.state.orders.get(scopedKey(form.merId ?? '', form.orderId ?? ''));
  const html = (status: number, title: string, message: string, link: string | null = null): FastifyReply =>
    reply.code(status).type('text/html; charset=UTF-8').send(messagePage(title, message, link));
  if (order === undefined || !['pay', 'decline', 'leave'].includes(action)) return html(404, 'Not found', 'no such order or action');
  if (action !== 'leave' && (order.status !== 'pending' || isExpired(order, context.clock.nowMs()))) {
    return html(409, 'Not payable', `this order is ${isExpired(order, context.clock.nowMs()) ? 'expired' : order.status}`);
  }
  const payer = payerOf(context, order.orderId);
  if (action === 'pay') {
    payer.pay();
    return html(200, 'Payment succeeded', 'Payment succeeded', order.frontUrl);
  }
  if (action === 'decline') {
    payer.decline();
    return html(200, 'Payment failed', 'Your bank declined the payment', order.frontUrl);
  }
  payer.leave();
  return html(200, 'You left', 'You left the payment page', order.frontUrl);
}

// ---------------------------------------------------------------------------
// backTransReq.do: refunds.

export function backTransaction(context: Context, request: Fields | null): Fields {
  if (request === null) return signedAnswer(context, {}, respCodes.formatError, 'the form is missing or repeats a field');
  const merchant = authenticate(context, request);
  if ('respCode' in merchant) return signedAnswer(context, request, merchant.respCode, merchant.respMsg);
  const refuse = (code: string, message: string): Fields => signedAnswer(context, request, code, message);
  if (request.txnType !== txnTypes.refund || request.txnSubType !== '00') return refuse(respCodes.formatError, 'only refunds (txnType 04, txnSubType 00) are simulated');
  if (!orderIdPattern.test(request.orderId ?? '')) return refuse(respCodes.formatError, 'orderId must be 8 to 40 letters and digits');
  const txnTimeMs = parseBeijingTime(request.txnTime ?? '');
  const amount = parseFen(request.txnAmt);
  if (txnTimeMs === null || amount === null || request.currencyCode !== currencyCodeCny || !request.origQryId) {
    return refuse(respCodes.fieldMissing, 'txnTime, txnAmt, currencyCode 156 and origQryId are required');
  }
  const key = scopedKey(merchant.merId, request.orderId as string);
  context.state.records.sawKey('order_id', request.orderId as string);
  if (context.state.orders.has(key) || context.state.refunds.has(key)) return refuse(respCodes.duplicate, 'duplicate orderId');
  const original = context.state.ordersByQueryId.get(request.origQryId);
  if (original === undefined || original.merId !== merchant.merId || original.status !== 'paid') {
    return refuse(respCodes.originalInvalid, 'original transaction not found or not paid');
  }
  if (amount > original.amount - refundedAmount(original)) return refuse(respCodes.amountOverLimit, 'refund exceeds what remains refundable');
  const nowMs = context.clock.nowMs();
  const refund = {
    merId: merchant.merId,
    orderId: request.orderId as string,
    txnTime: request.txnTime as string,
    amount,
    queryId: nextQueryId(context, nowMs),
    origOrderId: original.orderId,
    origQryId: request.origQryId,
    completedAtMs: nowMs,
  };
  original.refunds.push(refund);
  touch(context.state.orders, scopedKey(original.merId, original.orderId)); // found by its queryId: mark it changed for the journal
  context.state.refunds.set(key, refund);
  context.state.stats.refunds += 1;
  context.state.records.effect({ kind: 'refunded', keyKind: 'order_id', key: refund.orderId, object: refund.queryId, amount, currency: 'CNY', detail: `of ${original.orderId}` });
  if (isHttpUrl(request.backUrl)) {
    // The refund's result goes to the backUrl it named, as a payment's does; reqReserved comes back as it was sent.
    const fields = refundNotificationFields(refund, request.reqReserved);
    context.notifier.send(request.backUrl as string, signFields(fields, context.keys.privateKeyPem), () =>
      signFields({ ...fields, txnAmt: '1' }, context.keys.forgerPrivateKeyPem),
    );
    context.state.records.effect({ kind: 'notified', keyKind: 'order_id', key: refund.orderId, object: refund.queryId, amount, currency: 'CNY', detail: `refund ${refund.queryId}` });
  }
  return signedAnswer(context, request, respCodes.success, 'Success!', { queryId: refund.queryId, txnAmt: amount.toString(), origQryId: refund.origQryId });
}

/** A refund's back notification (txnType 04): its own orderId and queryId, the payment's origQryId, and the merchant's reqReserved echoed. */
export function refundNotificationFields(refund: RefundRecord, reqReserved: string | undefined): Record<string, string> {
  const completed = formatBeijingTime(refund.completedAtMs);
  return {
    ...commonFields,
    txnType: txnTypes.refund,
    txnSubType: '00',
    bizType: '000201',
    accessType: '0',
    merId: refund.merId,
    orderId: refund.orderId,
    txnTime: refund.txnTime,
    queryId: refund.queryId,
    origQryId: refund.origQryId,
    txnAmt: refund.amount.toString(),
    currencyCode: currencyCodeCny,
    settleAmt: refund.amount.toString(),
    settleCurrencyCode: currencyCodeCny,
    settleDate: completed.slice(4, 8),
    traceTime: completed.slice(4, 14),
    ...(reqReserved === undefined ? {} : { reqReserved }),
    respCode: respCodes.success,
    respMsg: 'Success!',
  };
}

// ---------------------------------------------------------------------------
// queryTrans.do.

export function queryTransaction(context: Context, request: Fields | null): Fields {
  if (request === null) return signedAnswer(context, {}, respCodes.formatError, 'the form is missing or repeats a field');
  const merchant = authenticate(context, request);
  if ('respCode' in merchant) return signedAnswer(context, request, merchant.respCode, merchant.respMsg);
  if (request.txnType !== txnTypes.query || !orderIdPattern.test(request.orderId ?? '')) {
    return signedAnswer(context, request, respCodes.formatError, 'txnType 00 and orderId are required');
  }
  context.state.stats.queries += 1;
  const key = scopedKey(merchant.merId, request.orderId as string);
  const notFound = (): Fields => signedAnswer(context, request, respCodes.notFound, 'no such transaction');
  // The real gateway needs the original's txnTime; we accept its absence (see the header), not a wrong one.
  const txnTimeMatches = (txnTime: string): boolean => request.txnTime === undefined || request.txnTime === txnTime;

  const refund = context.state.refunds.get(key);
  if (refund !== undefined) {
    if (!txnTimeMatches(refund.txnTime)) return notFound();
    return signedAnswer(context, request, respCodes.success, 'Success!', {
      origRespCode: respCodes.success,
      origRespMsg: 'Success!',
      queryId: refund.queryId,
      txnAmt: refund.amount.toString(),
      currencyCode: currencyCodeCny,
      origQryId: refund.origQryId,
      settleDate: formatBeijingTime(refund.completedAtMs).slice(4, 8),
    });
  }
  const order = context.state.orders.get(key);
  if (order === undefined || !txnTimeMatches(order.txnTime) || isExpired(order, context.clock.nowMs())) return notFound();
  switch (order.status) {
    case 'paid':
      return signedAnswer(context, request, respCodes.success, 'Success!', { origRespCode: respCodes.success, origRespMsg: 'Success!', ...paymentResultFields(order) });
    case 'pending':
      return signedAnswer(context, request, respCodes.success, 'Success!', { origRespCode: respCodes.accepted, origRespMsg: 'awaiting the payer' });
    case 'declined':
      return signedAnswer(context, request, respCodes.success, 'Success!', { origRespCode: '60', origRespMsg: 'declined by the issuer' });
  }
}

// ---------------------------------------------------------------------------
// fileTransfer.do: the statement of a settlement day.

export function fileTransfer(context: Context, request: Fields | null): Fields {
  if (request === null) return signedAnswer(context, {}, respCodes.formatError, 'the form is missing or repeats a field');
  const merchant = authenticate(context, request);
  if ('respCode' in merchant) return signedAnswer(context, request, merchant.respCode, merchant.respMsg);
  const settleDate = request.settleDate ?? '';
  if (request.txnType !== txnTypes.fileTransfer || request.fileType !== '00' || !/^\d{4}$/.test(settleDate)) {
    return signedAnswer(context, request, respCodes.formatError, 'txnType 76, fileType 00 and settleDate MMDD are required');
  }
  context.state.stats.statements += 1;
  // settleDate has no year: the latest such day that is not in the future.
  const today = formatBeijingTime(context.clock.nowMs()).slice(0, 8);
  const year = Number(today.slice(0, 4));
  const day = `${year}${settleDate}` <= today ? `${year}${settleDate}` : `${year - 1}${settleDate}`;
  if (day === today) return signedAnswer(context, request, respCodes.fileNotReady, 'the file of a day is ready once the day is over');
  const dayOf = (ms: number): string => formatBeijingTime(ms).slice(0, 8);
  const records: { atMs: number; queryId: string; values: Partial<Record<ZmField, string>> }[] = [];
  for (const order of context.state.orders.values()) {
    if (order.merId !== merchant.merId || order.payment === null || dayOf(order.payment.completedAtMs) !== day) continue;
    const { queryId, completedAtMs, traceNo } = order.payment;
    records.push({ atMs: completedAtMs, queryId, values: zmValues(merchant.merId, { tradeCode: 'S22', txnType: txnTypes.purchase, txnSubType: '01', orderId: order.orderId, queryId, traceNo, amount: order.amount, atMs: completedAtMs, credit: true }) });
  }
  for (const refund of context.state.refunds.values()) {
    if (refund.merId !== merchant.merId || dayOf(refund.completedAtMs) !== day) continue;
    const values = zmValues(merchant.merId, {
      tradeCode: 'S30', txnType: txnTypes.refund, txnSubType: '00', orderId: refund.orderId, queryId: refund.queryId,
      traceNo: refund.queryId.slice(-6), amount: refund.amount, atMs: refund.completedAtMs, credit: false,
    });
    records.push({ atMs: refund.completedAtMs, queryId: refund.queryId, values: { ...values, origQryId: refund.origQryId, origOrderId: refund.origOrderId } });
  }
  records.sort((a, b) => a.atMs - b.atMs || a.queryId.localeCompare(b.queryId));
  const zm = Buffer.concat(records.map((record) => Buffer.concat([zmRecord(record.values, encodeGbk), Buffer.from('\r\n')])));
  const yyMMdd = day.slice(2);
  const archive = writeZip(
    [
      { name: `INN${yyMMdd}88ZM_${merchant.merId}`, data: zm },
      { name: `INN${yyMMdd}88ZME_${merchant.merId}`, data: Buffer.alloc(0) },
    ],
    context.clock.nowMs(),
  );
  return signedAnswer(context, request, respCodes.success, 'Success!', {
    fileType: '00',
    settleDate,
    fileName: `${merchant.merId}_${day}.zip`,
    fileContent: encodeFileContent(archive),
  });
}

/**
 * A ZM record's fields for one of the simulator's transactions. The trade
 * codes (S22 purchase, S30 refund) and the signed amount fields (C credit, D
 * debit) follow samples, not a specification we could read: the connector
 * reads neither.
 */
export function zmValues(
  merId: string,
  transaction: { tradeCode: string; txnType: string; txnSubType: string; orderId: string; queryId: string; traceNo: string; amount: bigint; atMs: number; credit: boolean },
): Partial<Record<ZmField, string>> {
  const feeFen = transaction.credit ? (transaction.amount * 6n + 500n) / 1000n : 0n; // 0.6%, rounded half up
  const fen = (value: bigint, width: number): string => value.toString().padStart(width, '0');
  const sign = transaction.credit ? 'C' : 'D';
  return {
    tradeCode: transaction.tradeCode, acqInsCode: '00049992900', sendInsCode: '00049992900', traceNo: transaction.traceNo,
    txnTime: formatBeijingTime(transaction.atMs).slice(4, 14), accNo: '6216***********0018', txnAmt: fen(transaction.amount, 12),
    merCatCode: '5311', termType: '07', queryId: transaction.queryId, oldPayType: '00', orderId: transaction.orderId, payCardType: '01',
    merFee: `D${fen(feeFen, 12)}`, settleAmt: `${sign}${fen(transaction.amount, 12)}`, payType: '0001', txnType: transaction.txnType,
    txnSubType: transaction.txnSubType, bizType: '000201', accType: '01', interactMode: '1', merId,
    settleNetAmt: `${sign}${fen(transaction.credit ? transaction.amount - feeFen : transaction.amount, 12)}`, tradeMedia: '0',
  };
}

