/** The simulated world simulate-traffic plays in: its clock, the API and simulators it talks to, and the HTTP call it makes. */
import type { Clock } from '../../domain/clock.ts';
import type { FlowContext } from '../../flows/context.ts';
import { type AlipaySimulator } from '../alipay/server.ts';
import { type CardAcquirer } from '../card-acquirer/server.ts';
import { type UnionpaySimulator } from '../unionpay/server.ts';
import { type WechatPaySimulator } from '../wechat-pay/server.ts';


export const concurrencyDefault = 16;
export const mobileUserAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile';
export const requestTimeoutMs = 30_000;
/** Sweeps run for this many slots after the outage, while status queries and order closings catch up. */
export const sweepTailSlots = 8;

/** A clock that a slot sets: it runs with real time from `baseMs`, never past `baseMs + spanMs`. */
export class SlotClock implements Clock {
  private baseMs: number;
  private spanMs = 0;
  private realStartMs = performance.now();
  constructor(startMs: number) {
    this.baseMs = startMs;
  }
  nowMs(): number {
    return this.baseMs + Math.min(this.spanMs, Math.floor(performance.now() - this.realStartMs));
  }
  enter(baseMs: number, spanMs: number): void {
    this.baseMs = baseMs;
    this.spanMs = spanMs;
    this.realStartMs = performance.now();
  }
}

export interface World {
  context: FlowContext;
  clock: SlotClock;
  apiBase: string;
  secretKey: string;
  publishableKey: string;
  acquirer: CardAcquirer;
  qr: { alipay: AlipaySimulator; wechat_pay: WechatPaySimulator; unionpay: UnionpaySimulator };
  run: string;
  /** Answers of 500 (not 503): each one is a bug in Paypilot, listed in the summary. */
  internalErrors: string[];
}

// ---------------------------------------------------------------------------
// HTTP and concurrency.

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field
  body: any;
}

export async function call(world: World, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const response = await fetch(`${world.apiBase}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${world.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  // A 503 is a provider being down (the outage); a 500 is a bug of ours, and the summary says so.
  if (response.status === 500) world.internalErrors.push(`${method} ${pathname.replace(/\?.*/, '')}: ${text.slice(0, 200)}`);
  return { status: response.status, body: parsed };
}

/** Runs `work` over the items with at most `concurrency` at once; the first failure ends it. */
export async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

// ---------------------------------------------------------------------------
