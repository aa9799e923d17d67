/**
 * The merchant's side of the chaos run: every POST carries an
 * Idempotency-Key, and after a reset, a refused connection, a 5xx or a 409
 * `idempotency_key_in_use` the merchant tries again with the same key, as
 * API.md tells it to, backing off, for a bounded time. It remembers which
 * object each key answered, so the run can check one key → one object.
 *
 * At most `requestsInFlightMax` requests are on the wire at once; a payment
 * waiting out a backoff (a key left in progress by a killed API stays so until
 * the API has missed its heartbeats for `limits.apiNodeDeadAfterMs`) holds no slot, so the others keep the API busy meanwhile.
 */

export interface Answer {
  status: number;
   
  body: any;
  replayed: boolean;
}

export interface ClientFigures {
  requests: number;
  retries: number;
  networkErrors: number;
  /** 502s of the proxy and bare 503s of a node shutting down: retried like network errors. */
  gatewayErrors: number;
  inUseAnswers: number;
  serverErrors: number;
  replayed: number;
  /** Requests answered (not 409) after at least one 409 idempotency_key_in_use: the key was freed, or taken over once its holder was dead or the key stale. */
  answeredAfterInUse: number;
  /** The longest wait, in seconds, from the first 409 to that answer. */
  longestInUseWaitSeconds: number;
  /** Requests abandoned after keyRetryMs of errors or 409s: the merchant gave up on the key. */
  gaveUp: number;
  gaveUpSamples: string[];
  internalErrorSamples: string[];
}

const requestTimeoutMs = 40_000;
const backoffStartMs = 250;
const backoffMaxMs = 3_000;
/** A 500 or 503 is replayed from the stored key after the first; a few tries are what a merchant would do. */
const serverErrorRetriesMax = 3;

export class ApiClient {
  readonly figures: ClientFigures = {
    requests: 0, retries: 0, networkErrors: 0, gatewayErrors: 0, inUseAnswers: 0, serverErrors: 0, replayed: 0,
    answeredAfterInUse: 0, longestInUseWaitSeconds: 0, gaveUp: 0, gaveUpSamples: [], internalErrorSamples: [],
  };
  /** Idempotency-Key → the ids of the objects its answers named. */
  readonly objectsByKey = new Map<string, Set<string>>();
  private readonly base: string;
  private readonly secretKey: string;
  private readonly keyRetryMs: number;
  private readonly requestsInFlightMax: number;
  private requestsInFlight = 0;
  private readonly waitingForSlot: (() => void)[] = [];

  constructor(base: string, secretKey: string, keyRetryMs: number, requestsInFlightMax: number) {
    this.base = base;
    this.secretKey = secretKey;
    this.keyRetryMs = keyRetryMs;
    this.requestsInFlightMax = requestsInFlightMax;
  }

  /** A POST with its key, retried as a merchant would; null when the merchant gave up. */
  async post(pathname: string, body: unknown, key: string, method = 'POST'): Promise<Answer | null> {
    const startedMs = Date.now();
    let backoffMs = backoffStartMs;
    let serverErrors = 0;
    let firstInUseMs: number | null = null;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) this.figures.retries += 1;
      const answer = await this.send(method, pathname, body, { 'idempotency-key': key });
      if (answer !== null) {
        if (answer.replayed) this.figures.replayed += 1;
        const inUse = answer.status === 409 && answer.body?.error?.code === 'idempotency_key_in_use';
        if (inUse) {
          this.figures.inUseAnswers += 1;
          firstInUseMs ??= Date.now();
        }
        // A load balancer's 502 (no node reached, or the node died mid-request) or a closing node's bare 503 is
        // what a refused connection is without one: retried with the same key for as long, never counted as an error of Paypilot's.
        const unreached = answer.status === 502 || (answer.status === 503 && typeof answer.body?.error?.code !== 'string');
        if (unreached) this.figures.gatewayErrors += 1;
        if (answer.status >= 500 && !unreached) {
          this.figures.serverErrors += 1;
          serverErrors += 1;
          if (answer.status === 500 && this.figures.internalErrorSamples.length < 5) {
            this.figures.internalErrorSamples.push(`${method} ${pathname}: ${JSON.stringify(answer.body).slice(0, 200)}`);
          }
        }
        const retriable = inUse || unreached || answer.status === 429 || (answer.status >= 500 && serverErrors <= serverErrorRetriesMax);
        if (!retriable) {
          if (firstInUseMs !== null) {
            this.figures.answeredAfterInUse += 1;
            this.figures.longestInUseWaitSeconds = Math.max(this.figures.longestInUseWaitSeconds, Math.round((Date.now() - firstInUseMs) / 1000));
          }
          if (answer.status === 200 && typeof answer.body?.id === 'string') this.remember(key, answer.body.id);
          return answer;
        }
      }
      if (Date.now() - startedMs + backoffMs > this.keyRetryMs) {
        this.figures.gaveUp += 1;
        if (this.figures.gaveUpSamples.length < 5) this.figures.gaveUpSamples.push(`${method} ${pathname} key ${key}: ${answer === null ? 'no answer' : `${answer.status} ${answer.body?.error?.code ?? ''}`}`);
        return answer;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs + Math.floor(Math.random() * backoffMs * 0.2)));
      backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
    }
  }

  /** A GET, retried while the API is down; null when it never answered within keyRetryMs. */
  async get(pathname: string): Promise<Answer | null> {
    const startedMs = Date.now();
    while (Date.now() - startedMs < this.keyRetryMs) {
      const answer = await this.send('GET', pathname, undefined, {});
      if (answer !== null && answer.status < 500) return answer;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return null;
  }

  private remember(key: string, id: string): void {
    let ids = this.objectsByKey.get(key);
    if (ids === undefined) this.objectsByKey.set(key, (ids = new Set()));
    ids.add(id);
  }

  private async takeSlot(): Promise<void> {
    if (this.requestsInFlight < this.requestsInFlightMax) {
      this.requestsInFlight += 1;
      return;
    }
    // The slot is handed over by giveSlot: the count stays as it is.
    await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
  }

  private giveSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.requestsInFlight -= 1;
  }

  private async send(method: string, pathname: string, body: unknown, headers: Record<string, string>): Promise<Answer | null> {
    await this.takeSlot();
    try {
      return await this.sendNow(method, pathname, body, headers);
    } finally {
      this.giveSlot();
    }
  }

  private async sendNow(method: string, pathname: string, body: unknown, headers: Record<string, string>): Promise<Answer | null> {
    this.figures.requests += 1;
    try {
      const response = await fetch(`${this.base}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${this.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { raw: text.slice(0, 200) };
      }
      return { status: response.status, body: parsed, replayed: response.headers.get('idempotent-replayed') === 'true' };
    } catch {
      // Refused (the API is down), reset (it was killed mid-request) or timed out: the merchant does not know what happened.
      this.figures.networkErrors += 1;
      return null;
    }
  }
}
