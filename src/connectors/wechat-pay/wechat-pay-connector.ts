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
import { createHash } from 'node:crypto';
import type {
  ChannelConnector,
  ConnectorAccount,
  ConnectorFailure,
  CreateOrderRequest,
  NotificationVerdict,
  OrderOutcome,
  OrderState,
  ProviderAnswer,
  RefundOutcome,
  StatementOutcome,
} from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import { cryptoRandom, systemClock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson } from '../../domain/money.ts';
import { defaultHttpExchange, failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import {
  authorizationHeader,
  decryptAeadAesGcm,
  jsapiSigningMessage,
  requestSigningMessage,
  signMessage,
  verifyWithPlatformKeys,
  type SignatureCheck,
} from './signing.ts';
import { configuredKey, isPublicKeyMode, PlatformCertificateCache, readCertificates, type PlatformKey } from './platform-certificates.ts';
import type { WireNotification, WireOrderRequest, WireRefundRequest } from './wire.ts';
import {
  beijingRfc3339,
  errorCodeOf,
  isObject,
  orderState,
  parseBillLink,
  parseNotification,
  parseRefund,
  parseRefundNotice,
  parseTradeBill,
  parseTransaction,
  refundEventTypes,
  refundOutcome,
} from './wire.ts';

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

export const wechatPayCredentialNames = ['mchid', 'appid', 'serial_no', 'private_key', 'apiv3_key'] as const;
/**
 * Optional: the platform public key and its id (`PUB_KEY_ID_…`, public key
 * mode), or a first platform certificate's key and serial (certificate mode,
 * which then downloads the rest); left out, certificate mode starts from the
 * first download (platform-certificates.ts).
 */
export const wechatPayOptionalCredentialNames = ['platform_public_key', 'platform_serial'] as const;
type Credentials = Record<(typeof wechatPayCredentialNames)[number], string> &
  Partial<Record<(typeof wechatPayOptionalCredentialNames)[number], string>>;

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

function credentialsOf(account: ConnectorAccount): Credentials {
  const credentials: Partial<Credentials> = {};
  for (const name of wechatPayCredentialNames) {
    const value = account.credentials[name];
    assert(value !== undefined && value !== '', `wechat pay account ${account.id} has no ${name} credential`);
    credentials[name] = value;
  }
  for (const name of wechatPayOptionalCredentialNames) {
    const value = account.credentials[name];
    if (value !== undefined && value !== '') credentials[name] = value;
  }
  return credentials as Credentials;
}

// ---------------------------------------------------------------------------
// Platform keys: the configured one, and in certificate mode the downloaded certificates.

function platformKeys(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): PlatformKey[] {
  const configured = configuredKey(credentials);
  const downloaded = isPublicKeyMode(credentials) ? [] : exchange.certificates.keys(account.id);
  return configured === null ? downloaded : [configured, ...downloaded.filter((key) => key.serial !== configured.serial.toUpperCase())];
}

/**
 * Downloads /v3/certificates and keeps what opens under the APIv3 key and
 * signs the answer itself (or is signed by the configured certificate). A
 * failed download keeps what was kept; the caller goes on with it.
 */
async function refreshCertificates(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): Promise<void> {
  await exchange.certificates.once(account.id, async () => {
    const sent = await sendSigned(exchange, account, credentials, { method: 'GET', path: '/v3/certificates' }, limits.providerResponseBytesMax);
    if (!sent.ok || sent.status !== 200) return;
    const nowMs = exchange.clock.nowMs();
    let body: unknown;
    try {
      body = JSON.parse(sent.raw.toString('utf8')) as unknown;
    } catch {
      return;
    }
    const read = readCertificates(body, credentials.apiv3_key, nowMs);
    if ('error' in read) return;
    const configured = configuredKey(credentials);
    const check = verifyWithPlatformKeys({ headers: sent.headers, body: sent.raw, keys: configured === null ? read.keys : [...read.keys, configured], nowMs });
    if (check.ok) exchange.certificates.store(account.id, read.keys, nowMs);
  });
}

/** Certificate mode: a download is due (see platform-certificates.ts); a configured certificate starts the 12-hour clock without one. */
function certificatesDue(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): boolean {
  if (isPublicKeyMode(credentials)) return false;
  const nowMs = exchange.clock.nowMs();
  if (!exchange.certificates.has(account.id) && configuredKey(credentials) !== null) {
    exchange.certificates.store(account.id, [], nowMs);
    return false;
  }
  return exchange.certificates.isDue(account.id, nowMs);
}

/** Checks an answer's signature; in certificate mode, a serial we do not know makes us download the certificates once and check again. */
async function verifyAnswer(exchange: Exchange, account: ConnectorAccount, credentials: Credentials, headers: Headers, raw: Buffer): Promise<SignatureCheck> {
  const first = verifyWithPlatformKeys({ headers, body: raw, keys: platformKeys(exchange, account, credentials), nowMs: exchange.clock.nowMs() });
  if (first.ok || first.unknownSerial !== true || isPublicKeyMode(credentials)) return first;
  if (!exchange.certificates.claimUnknownSerialFetch(account.id, exchange.clock.nowMs())) return first;
  await refreshCertificates(exchange, account, credentials);
  return verifyWithPlatformKeys({ headers, body: raw, keys: platformKeys(exchange, account, credentials), nowMs: exchange.clock.nowMs() });
}

// ---------------------------------------------------------------------------
// One signed, verified HTTP exchange with WeChat Pay.

interface Exchange {
  timeoutMs: number;
  clock: Clock;
  random: RandomSource;
  http: HttpExchange;
  /** The platform certificates downloaded per account (certificate mode). */
  certificates: PlatformCertificateCache;
}

interface Call {
  method: 'GET' | 'POST';
  /** Path with query, or (for the bill download) an absolute URL WeChat gave us. */
  path: string;
  body?: unknown;
}

/**
 * A verified answer (status, raw text and parsed JSON body, null when empty)
 * or the failure that stands for an answer we cannot believe.
 */
type Answer = { ok: true; status: number; text: string; body: unknown } | { ok: false; failure: ConnectorFailure };

function unknown(detail: string): { ok: false; failure: ConnectorFailure } {
  return { ok: false, failure: { kind: 'unknown', detail } };
}

type Sent = { ok: true; status: number; headers: Headers; raw: Buffer } | { ok: false; failure: ConnectorFailure };

/** One request signed with the merchant key, and its answer unverified. */
async function sendSigned(exchange: Exchange, account: ConnectorAccount, credentials: Credentials, call: Call, responseBytesMax: number): Promise<Sent> {
  // Joined as text: `new URL(path, base)` would drop a path prefix in baseUrl.
  const url = /^https?:\/\//.test(call.path) ? new URL(call.path) : new URL(account.baseUrl.replace(/\/+$/, '') + call.path);
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const timestamp = String(Math.floor(exchange.clock.nowMs() / 1000));
  const nonce = exchange.random.bytes(16).toString('hex').toUpperCase();
  let signature: string;
  try {
    signature = signMessage(requestSigningMessage({ method: call.method, pathWithQuery: url.pathname + url.search, timestamp, nonce, body }), credentials.private_key);
  } catch {
    // Nothing was sent; a private key we cannot read is a configuration error.
    return { ok: false, failure: { kind: 'retriable', code: 'connector_unavailable', detail: 'private_key is not a readable RSA key' } };
  }
  const headers: Record<string, string> = {
    Authorization: authorizationHeader({ mchid: credentials.mchid, nonce_str: nonce, timestamp, serial_no: credentials.serial_no, signature }),
    Accept: 'application/json',
    'User-Agent': 'paypilot-wechatpay/0.1',
  };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  const result = await exchange.http.send({
    mode: account.mode,
    url,
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : body,
    timeoutMs: exchange.timeoutMs,
    responseBytesMax,
    overLimit: 'fail',
    peer: 'WeChat Pay',
  });
  if (result.kind !== 'answered') return { ok: false, failure: failureWithoutAnswer(result) };
  return { ok: true, status: result.status, headers: result.headers, raw: result.body };
}

async function send(
  exchange: Exchange,
  account: ConnectorAccount,
  credentials: Credentials,
  call: Call,
  verifyBody: 'signature' | { sha1: string } = 'signature',
): Promise<Answer> {
  // Certificate mode: the certificates are fetched before they are needed (first use, every 12 hours, a day before expiry).
  if (certificatesDue(exchange, account, credentials)) await refreshCertificates(exchange, account, credentials);
  // Only the bill file (checked by its SHA1 instead of a signature) may be large.
  const sent = await sendSigned(exchange, account, credentials, call, verifyBody === 'signature' ? limits.providerResponseBytesMax : limits.providerStatementBytesMax);
  if (!sent.ok) return sent;
  const { raw } = sent;
  const response = { status: sent.status, headers: sent.headers };
  if (verifyBody === 'signature') {
    const check = await verifyAnswer(exchange, account, credentials, response.headers, raw);
    if (!check.ok) return unknown(`answer ${response.status} not verified: ${check.reason}`);
  } else if (response.status === 200 && createHash('sha1').update(raw).digest('hex') !== verifyBody.sha1.toLowerCase()) {
    return unknown('bill file does not match its SHA1');
  }
  const text = raw.toString('utf8');
  if (verifyBody !== 'signature' && response.status === 200) return { ok: true, status: response.status, text, body: null };
  if (text === '') return { ok: true, status: response.status, text, body: null };
  try {
    return { ok: true, status: response.status, text, body: JSON.parse(text) as unknown };
  } catch {
    return unknown(`WeChat Pay answered ${response.status} with a body that is not JSON`);
  }
}

function errorMessageOf(body: unknown): string {
  return isObject(body) && typeof body.message === 'string' ? body.message : '';
}

/** WeChat's own words for "try again later": nothing was decided. */
function isTransient(status: number, body: unknown): boolean {
  const code = errorCodeOf(body);
  return status === 401 || status === 429 || code === 'SYSTEM_ERROR' || code === 'FREQUENCY_LIMITED' || code === 'FREQUENCY_LIMIT_EXCEED';
}

/**
 * A verified answer that is not the success we asked for. Only a refused
 * signature (401) and rate limiting (429) say for certain that nothing was
 * done; everything else may hide work done, so it is `unknown`.
 */
function failureFromStatus(status: number, body: unknown): ConnectorFailure {
  const code = errorCodeOf(body);
  if (status === 401 || status === 429) {
    return { kind: 'retriable', code: 'connector_unavailable', detail: `WeChat Pay answered ${status}${code === null ? '' : ` ${code}`}` };
  }
  return { kind: 'unknown', detail: `WeChat Pay answered ${status}${code === null ? '' : ` ${code}`}` };
}

// ---------------------------------------------------------------------------
// Orders.

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

// ---------------------------------------------------------------------------
// Notifications.

/** WeChat resends anything but 200/204; this body is the one its documentation asks for. */
const rejectedAck: ProviderAnswer = { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message: '失败' }) };
const acceptedAck: ProviderAnswer = { status: 204, contentType: 'text/plain', body: '' };

function rejected(reason: string, orderNumber: string | null = null): NotificationVerdict {
  return { kind: 'rejected', reason, orderNumber, ack: rejectedAck };
}

function openResource(credentials: Credentials, notification: WireNotification): unknown {
  const plain = decryptAeadAesGcm(credentials.apiv3_key, notification.resource);
  if (plain === null) return undefined;
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function verifyNotification(
  credentials: Credentials,
  keys: readonly PlatformKey[],
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer; nowMs: number },
): { kind: 'verified' | 'rejected'; verdict: NotificationVerdict; unknownSerial: boolean } {
  const notification = parseNotification(parseJson(request.rawBody));
  const check = verifyWithPlatformKeys({ headers: request.headers, body: request.rawBody, keys, nowMs: request.nowMs });
  if (!check.ok) {
    // The resource only opens under our APIv3 key, so its order number may
    // name the order whose status to pull; nothing else in it is believed.
    const opened = notification === null ? undefined : openResource(credentials, notification);
    const orderNumber = isObject(opened) && typeof opened.out_trade_no === 'string' ? opened.out_trade_no : null;
    return { kind: 'rejected', verdict: rejected(check.reason, orderNumber), unknownSerial: check.unknownSerial === true };
  }
  const verdict = verifiedNotification(credentials, notification);
  return { kind: verdict.kind, verdict, unknownSerial: false };
}

/** A notification whose signature holds: its resource opened and read. */
function verifiedNotification(credentials: Credentials, notification: WireNotification | null): NotificationVerdict {
  if (notification === null) return rejected('not a WeChat Pay notification body');
  const resource = openResource(credentials, notification);
  if (resource === undefined) return rejected('resource does not decrypt under the APIv3 key');
  if (notification.event_type === 'TRANSACTION.SUCCESS') return transactionVerdict(notification, resource);
  if ((refundEventTypes as readonly string[]).includes(notification.event_type)) return refundVerdict(notification, resource);
  const orderNumber = isObject(resource) && typeof resource.out_trade_no === 'string' ? resource.out_trade_no : null;
  return rejected(`event ${notification.event_type} is not handled`, orderNumber);
}

function transactionVerdict(notification: WireNotification, resource: unknown): NotificationVerdict {
  const transaction = parseTransaction(resource);
  if (transaction === null) return rejected('transaction resource unreadable');
  if (transaction.trade_state !== 'SUCCESS' || transaction.amount.currency !== 'CNY') {
    return rejected(`TRANSACTION.SUCCESS with trade_state ${transaction.trade_state} in ${transaction.amount.currency}`, transaction.out_trade_no);
  }
  const state = orderState(transaction);
  if (state.kind !== 'paid') return rejected('TRANSACTION.SUCCESS without transaction_id', transaction.out_trade_no);
  return {
    kind: 'verified',
    notificationId: notification.id,
    orderNumber: transaction.out_trade_no,
    refundNumber: null,
    state,
    amount: BigInt(transaction.amount.total),
    merchantIdentity: { mchid: transaction.mchid, appid: transaction.appid },
    ack: acceptedAck,
  };
}

function refundVerdict(notification: WireNotification, resource: unknown): NotificationVerdict {
  const refund = parseRefundNotice(resource);
  if (refund === null) return rejected('refund resource unreadable');
  if (`REFUND.${refund.refund_status}` !== notification.event_type) {
    return rejected(`${notification.event_type} with refund_status ${refund.refund_status}`, refund.out_trade_no);
  }
  return {
    kind: 'verified',
    notificationId: notification.id,
    orderNumber: refund.out_trade_no,
    refundNumber: refund.out_refund_no,
    state: refundOutcome(refund.refund_status, refund.refund_id),
    amount: BigInt(refund.amount.refund),
    orderAmount: BigInt(refund.amount.total),
    merchantIdentity: { mchid: refund.mchid },
    ack: acceptedAck,
  };
}

// ---------------------------------------------------------------------------
// The trade bill.

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
