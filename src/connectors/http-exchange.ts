/**
 * The one outbound HTTP exchange: every call to a provider (the four
 * connectors) and every webhook delivery goes through here, on undici.
 *
 * What it guarantees to its callers:
 * - a keep-alive pool per origin (one undici Agent per mode, which pools by
 *   origin), with explicit connect, headers and body timeouts and a deadline
 *   on the whole exchange, body included;
 * - an answer is read only up to a stated size, checked while it arrives,
 *   so a provider (or a merchant's endpoint) cannot fill our memory;
 * - every connection goes to an address the outbound policy allows for the
 *   call's mode (domain/notifications/outbound-address.ts), judged on the address actually
 *   connected to, after our own resolution: a name that resolved to a public
 *   address when it was saved and to a private one now (DNS rebinding) is
 *   refused, and so is an IP literal, which no lookup would see;
 * - a failure says whether the request provably never reached the peer
 *   (`not_sent`: refused, no such name, refused by the policy, no connection
 *   within the connect timeout) or may have (`failed`, `too_large`): only
 *   the first lets a payment move on to another account.
 *
 * No retries and no redirects: a 3xx comes back as an answer like any other.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent, Client, buildConnector, request, type Dispatcher } from 'undici';
import type { ConnectorFailure } from './connector.ts';
import { assert } from '../domain/assert.ts';
import { limits } from '../domain/limits.ts';
import {
  addressAllowed,
  classifyAddress,
  countsAsPublic,
  isIpAddress,
  strictOutboundPolicy,
  type OutboundAddressPolicy,
  type OutboundMode,
} from '../domain/notifications/outbound-address.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Turns a host name into its addresses; injected so a test can play a name whose answer changes. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface ExchangeRequest {
  /** Whose rules apply: test mode may reach private addresses when the operator allows it. */
  mode: OutboundMode;
  url: string | URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The deadline of the whole exchange, body included; also the headers and body (idle) timeouts. */
  timeoutMs: number;
  responseBytesMax: number;
  /**
   * `fail`: an answer over the limit is `too_large` (providers: a truncated
   * answer would be misread). `keep_first_bytes`: keep what fits, stop
   * reading, and keep what arrived if the body breaks off (webhooks: the
   * status is the answer).
   */
  overLimit: 'fail' | 'keep_first_bytes';
  /** How failures name the other side: "request to {peer} failed: ECONNREFUSED". */
  peer: string;
  /** Report whether the answer came from a public address (the webhook log keeps bodies only from those). */
  reportAddress?: boolean;
}

export type ExchangeResult =
  | {
      kind: 'answered';
      status: number;
      headers: Headers;
      body: Buffer;
      /** False when the body was cut at the limit or broke off (keep_first_bytes only). */
      complete: boolean;
      /** With reportAddress: whether the peer's address is public (or counted so by the policy); otherwise null. */
      fromPublicAddress: boolean | null;
    }
  | { kind: 'not_sent'; detail: string; refusedByPolicy: boolean }
  | { kind: 'failed'; detail: string; timedOut: boolean }
  | { kind: 'too_large'; status: number; detail: string };

export interface HttpExchange {
  readonly policy: OutboundAddressPolicy;
  send(request: ExchangeRequest): Promise<ExchangeResult>;
  /** The addresses a name resolves to now (for checking a URL when it is saved). */
  resolve: Resolver;
  close(): Promise<void>;
}

export interface HttpExchangeOptions {
  policy?: OutboundAddressPolicy;
  resolve?: Resolver;
  connectTimeoutMs?: number;
}

/** Raised by the connector when the address about to be connected to is not allowed. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  readonly code = 'ERR_ADDRESS_NOT_ALLOWED';
  readonly hostname: string;
  readonly address: string;
  constructor(hostname: string, address: string) {
    super(`${hostname === address ? address : `${hostname} resolves to ${address}, which`} is a ${classifyAddress(address).replace('_', '-')} address, not a public one`);
    this.hostname = hostname;
    this.address = address;
  }
}

/**
 * What a provider exchange without an answer means for money: a request that
 * provably never reached the provider may go to the next account; any other
 * may have been acted on, so only a status query can tell.
 */
export function failureWithoutAnswer(result: Exclude<ExchangeResult, { kind: 'answered' }>): ConnectorFailure {
  if (result.kind === 'not_sent') return { kind: 'retriable', code: 'connector_unavailable', detail: result.detail };
  return { kind: 'unknown', detail: result.detail };
}

let strictDefault: HttpExchange | null = null;

/** The exchange a connector uses when it is given none: public addresses only, in either mode. */
export function defaultHttpExchange(): HttpExchange {
  strictDefault ??= createHttpExchange();
  return strictDefault;
}

export function createHttpExchange(options: HttpExchangeOptions = {}): HttpExchange {
  const policy = options.policy ?? strictOutboundPolicy;
  const resolve = options.resolve ?? systemResolver;
  const connectTimeoutMs = options.connectTimeoutMs ?? limits.outboundConnectTimeoutMs;
  assert(Number.isSafeInteger(connectTimeoutMs) && connectTimeoutMs > 0, 'connect timeout must be a positive integer');
  const agents = new Map<OutboundMode, Agent>();

  const guardedConnector = (mode: OutboundMode, onAddress?: (address: string) => void): buildConnector.connector => {
    const connect = buildConnector({ timeout: connectTimeoutMs });
    return (connectOptions, callback) => {
      pickAddress(connectOptions.hostname, mode, policy, resolve).then(
        (address) => {
          onAddress?.(address);
          // Connect to the address we judged, never to a second lookup's answer; TLS still checks the name (servername).
          connect({ ...connectOptions, hostname: address }, callback);
        },
        (error: Error) => callback(error, null),
      );
    };
  };

  const agentFor = (mode: OutboundMode): Agent => {
    let agent = agents.get(mode);
    if (!agent) {
      agent = new Agent({
        connect: guardedConnector(mode),
        connections: limits.outboundConnectionsPerOriginMax,
        keepAliveTimeout: limits.outboundKeepAliveMs,
        keepAliveMaxTimeout: limits.outboundKeepAliveMs,
      });
      agents.set(mode, agent);
    }
    return agent;
  };

  /** A connection of its own, so the address it reached is known; only where that address may be private. */
  const oneShot = (url: URL, mode: OutboundMode): { dispatcher: Dispatcher; address: () => string | null } => {
    let connected: string | null = null;
    const client = new Client(url.origin, {
      connect: guardedConnector(mode, (address) => (connected = address)),
      pipelining: 1,
      keepAliveTimeout: 1,
    });
    return { dispatcher: client, address: () => connected };
  };

  return {
    policy,
    resolve,
    async send(call) {
      assert(Number.isSafeInteger(call.timeoutMs) && call.timeoutMs > 0, 'an exchange has a positive timeout');
      assert(Number.isSafeInteger(call.responseBytesMax) && call.responseBytesMax > 0, 'an exchange has a response size limit');
      const url = typeof call.url === 'string' ? new URL(call.url) : call.url;
      // In live mode (or without the operator's flag) only public addresses can be reached at all.
      const mayBePrivate = call.mode === 'test' && policy.allowPrivateInTest;
      const own = call.reportAddress && mayBePrivate ? oneShot(url, call.mode) : null;
      try {
        return await exchange(own?.dispatcher ?? agentFor(call.mode), url, call, () => {
          if (!call.reportAddress) return null;
          if (!own) return true;
          const address = own.address();
          return address !== null && countsAsPublic(address, policy);
        });
      } finally {
        if (own) void own.dispatcher.destroy().catch(() => {});
      }
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}

async function pickAddress(hostname: string, mode: OutboundMode, policy: OutboundAddressPolicy, resolve: Resolver): Promise<string> {
  if (isIpAddress(hostname)) {
    if (!addressAllowed(hostname, mode, policy)) throw new AddressRefusedError(hostname, hostname);
    return hostname;
  }
  const addresses = await resolve(hostname);
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  // Every address must pass: the socket layer could otherwise fall back to the one that does not.
  const refused = addresses.find((entry) => !addressAllowed(entry.address, mode, policy));
  if (refused) throw new AddressRefusedError(hostname, refused.address);
  return addresses[0]!.address;
}

async function exchange(dispatcher: Dispatcher, url: URL, call: ExchangeRequest, fromPublicAddress: () => boolean | null): Promise<ExchangeResult> {
  const signal = AbortSignal.timeout(call.timeoutMs);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher,
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (error) {
    return failureOf(error, call);
  }
  const headers = toHeaders(response.headers);
  const declared = Number(headers.get('content-length') ?? Number.NaN);
  if (call.overLimit === 'fail' && declared > call.responseBytesMax) {
    response.body.destroy();
    return tooLarge(response.statusCode, call);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > call.responseBytesMax) {
        if (call.overLimit === 'fail') {
          response.body.destroy();
          return tooLarge(response.statusCode, call);
        }
        cut = true;
        break;
      }
      if (call.overLimit === 'keep_first_bytes' && size === call.responseBytesMax) {
        cut = true;
        break;
      }
    }
  } catch (error) {
    if (call.overLimit === 'fail') return failureOf(error, call);
    // A body cut off after the status line: what arrived is still the answer.
    return answered(response.statusCode, headers, chunks, call, false, fromPublicAddress());
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
  return answered(response.statusCode, headers, chunks, call, !cut, fromPublicAddress());
}

function answered(status: number, headers: Headers, chunks: Buffer[], call: ExchangeRequest, complete: boolean, fromPublicAddress: boolean | null): ExchangeResult {
  const body = Buffer.concat(chunks);
  return { kind: 'answered', status, headers, body: body.subarray(0, call.responseBytesMax), complete, fromPublicAddress };
}

function tooLarge(status: number, call: ExchangeRequest): ExchangeResult {
  return { kind: 'too_large', status, detail: `${call.peer} answered ${status} with a body larger than ${call.responseBytesMax} bytes` };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/**
 * Errors raised before a single byte of the request could have left: no
 * connection was made (refused, no such name, no route, the connect timeout,
 * the address policy). Anything else (a reset, a timeout on the answer) may
 * have come after the peer acted.
 */
const notSentCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT', 'ERR_ADDRESS_NOT_ALLOWED',
]);
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function failureOf(error: unknown, call: ExchangeRequest): ExchangeResult {
  const code = errorCode(error);
  if (error instanceof AddressRefusedError) return { kind: 'not_sent', detail: `request to ${call.peer} refused: ${error.message}`, refusedByPolicy: true };
  if (notSentCodes.has(code)) return { kind: 'not_sent', detail: `request to ${call.peer} failed: ${code}`, refusedByPolicy: false };
  const name = error instanceof Error ? error.name : '';
  const timedOut = name === 'TimeoutError' || timeoutCodes.has(code);
  // The message of a connection error never carries the request; a detail must not quote it (it may hold a card number).
  return { kind: 'failed', timedOut, detail: timedOut ? `no answer within ${call.timeoutMs} ms` : `request to ${call.peer} failed: ${code}` };
}

function errorCode(error: unknown): string {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return error instanceof Error ? error.name : 'unknown error';
}
