/** Alipay open platform gateway: credentials, the RSA2-signed request, the order strings signed without a call (wap.pay, app.pay), one verified exchange, and reading a trade state. */
import type { AlipayClient, ConnectorAccount, ConnectorFailure, CreateOrderRequest, OrderOutcome, OrderState } from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import { limits } from '../../domain/limits.ts';
import { formatDecimal, parseDecimal } from '../../domain/money.ts';
import { failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import type { Params } from './signature.ts';
import { beijingDateTime, extractMemberText, parseBeijingDateTime, requestSigningString, signRsa2, verifyRsa2 } from './signature.ts';
import type { AlipayMethod } from './wire.ts';
import { errorResponseMemberName, productCodes, responseMemberName, resultCodes } from './wire.ts';

/** Alipay settles these channels in yuan only. */
export const currency = 'CNY';

// ---------------------------------------------------------------------------
// Credentials and the signed request.

export interface Credentials {
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  sellerId: string;
}

export function credentialsOf(account: ConnectorAccount): Credentials {
  const read = (name: string): string => {
    const value = account.credentials[name];
    assert(value !== undefined && value !== '', `alipay account ${account.id} has no ${name} credential`);
    return value;
  };
  return { appId: read('app_id'), privateKey: read('private_key'), alipayPublicKey: read('alipay_public_key'), sellerId: read('seller_id') };
}

export function gatewayUrl(account: ConnectorAccount): string {
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
export function wapPayOrder(account: ConnectorAccount, request: CreateOrderRequest, nowMs: number): OrderOutcome {
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
 * official Java SDK's sdkExecute answers: every parameter, sorted, sign last,
 * as a URL query (values form-encoded); the Node SDK's carries the same
 * parameters and the same sign in another order (sdk-order-string.test.ts).
 */
export function appPayOrder(account: ConnectorAccount, request: CreateOrderRequest, nowMs: number): OrderOutcome {
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
export function miniProgramTrade(request: CreateOrderRequest, client: Extract<AlipayClient, { kind: 'mini_program' }>): BizContent {
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

export type JsonObject = Record<string, unknown>;

/** A verified answer of the gateway, or the failure that stands for the exchange. */
export type GatewayAnswer =
  | { kind: 'answer'; code: string; subCode: string | null; body: JsonObject }
  | ConnectorFailure;

export interface GatewayCall {
  method: AlipayMethod;
  biz: BizContent;
  extra: Params;
  timeoutMs: number;
  nowMs: number;
}

export async function callGateway(exchange: HttpExchange, account: ConnectorAccount, call: GatewayCall): Promise<GatewayAnswer> {
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
export function failureOf(answer: Extract<GatewayAnswer, { kind: 'answer' }>): ConnectorFailure {
  const detail = `alipay answered ${answer.code}${answer.subCode === null ? '' : ` ${answer.subCode}`}`;
  if (answer.code === resultCodes.invalidArguments) return { kind: 'retriable', code: 'connector_unavailable', detail };
  return { kind: 'unknown', detail };
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function orderMismatch(body: JsonObject, orderNumber: string): ConnectorFailure | null {
  return body.out_trade_no === orderNumber ? null : { kind: 'unknown', detail: 'alipay answered about another order' };
}

/**
 * A trade's fields (from a query or a notification) as an order state. A
 * TRADE_CLOSED trade that was paid (it has a payment date) was fully refunded:
 * it stays paid here, and the refunds are tracked on their own.
 */
export function tradeState(fields: JsonObject): OrderState {
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

export function isFilled(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

export function paidState(fields: JsonObject): OrderState {
  const tradeNo = fields.trade_no;
  const amount = typeof fields.total_amount === 'string' ? parseDecimal(fields.total_amount, currency) : null;
  if (typeof tradeNo !== 'string' || tradeNo === '' || amount === null) {
    return { kind: 'unknown', detail: 'paid trade without a readable trade_no or total_amount' };
  }
  const paidText = isFilled(fields.send_pay_date) ? fields.send_pay_date : fields.gmt_payment;
  const paidAt = isFilled(paidText) ? parseBeijingDateTime(paidText) : null;
  return { kind: 'paid', reference: tradeNo, amountPaid: amount, paidAt };
}
