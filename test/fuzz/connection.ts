/**
 * A keep-alive HTTP/1.1 client on a raw socket, so the fuzzer can send any
 * bytes at all and see exactly what comes back: each answer's status,
 * headers and body, whether the server reset or dropped the connection, and
 * whether it closed a connection it had not announced it would close
 * (`Connection: close`), which resets the client's next request on it.
 */
import net from 'node:net';

export interface Answer {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

export type Outcome =
  | { kind: 'answered'; answers: Answer[] }
  /** The connection ended by an error (a reset) before every answer arrived. */
  | { kind: 'reset'; detail: string; answers: Answer[] }
  /** The server closed the connection before every answer arrived. */
  | { kind: 'dropped'; answers: Answer[] }
  | { kind: 'timeout'; answers: Answer[] };

export interface Exchange {
  bytes: Buffer;
  /** One entry per request in `bytes` (several when pipelined): whether it was a HEAD. */
  heads: boolean[];
}

/** One connection at a time, reopened whenever the server closed the last one. */
export class Connection {
  private socket: net.Socket | null = null;
  private received = Buffer.alloc(0);
  private ended = false;
  private error: string | null = null;
  private wake: (() => void) | null = null;
  /** The last answer on this connection did not say Connection: close. */
  private reusable = false;

  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;

  constructor(host: string, port: number, timeoutMs: number) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one exchange and reads its answers. `unannouncedClose` is true when the previous answer
   * kept the connection alive and yet the server had closed it by the time this exchange came.
   */
  async send(exchange: Exchange): Promise<{ outcome: Outcome; unannouncedClose: boolean }> {
    let unannouncedClose = false;
    if (this.socket) {
      // Let a close the server sent right after its answer arrive before judging the connection.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.ended || this.error || this.socket.destroyed) {
        unannouncedClose = this.reusable;
        this.drop();
      }
    }
    if (!this.socket) await this.open();
    this.socket!.write(exchange.bytes);
    const outcome = await this.read(exchange.heads);
    const last = outcome.answers.at(-1);
    this.reusable = outcome.kind === 'answered' && last !== undefined && !/\bclose\b/i.test(last.headers.get('connection') ?? '');
    if (!this.reusable) this.drop();
    return { outcome, unannouncedClose };
  }

  close(): void {
    this.drop();
  }

  private open(): Promise<void> {
    this.received = Buffer.alloc(0);
    this.ended = false;
    this.error = null;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve());
      socket.once('error', (error) => reject(error));
      // Events of a connection already dropped must not touch the one that replaced it.
      socket.on('data', (chunk) => {
        if (this.socket !== socket) return;
        this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
        this.wake?.();
      });
      socket.on('end', () => {
        if (this.socket !== socket) return;
        this.ended = true;
        this.wake?.();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (this.socket !== socket) return;
        this.error = error.code ?? error.message;
        this.wake?.();
      });
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.ended = true;
        this.wake?.();
      });
      this.socket = socket;
    });
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.reusable = false;
  }

  private async read(heads: boolean[]): Promise<Outcome> {
    const answers: Answer[] = [];
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      while (answers.length < heads.length) {
        const parsed = parseAnswer(this.received, heads[answers.length] ?? false, this.ended);
        if (parsed === null) break;
        if (parsed === 'malformed') return { kind: 'answered', answers: [...answers, { status: 0, headers: new Map(), body: this.received }] };
        answers.push(parsed.answer);
        this.received = this.received.subarray(parsed.consumed);
        // A pipelined request after an answer that closes the connection is, rightly, never answered.
        if (/\bclose\b/i.test(parsed.answer.headers.get('connection') ?? '')) return { kind: 'answered', answers };
      }
      if (answers.length === heads.length) return { kind: 'answered', answers };
      if (this.error) return { kind: 'reset', detail: this.error, answers };
      if (this.ended) return { kind: 'dropped', answers };
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return { kind: 'timeout', answers };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }
}

const headEnd = Buffer.from('\r\n\r\n');

/** One answer from the front of `data`: null until it is complete, 'malformed' when it is not HTTP. */
export function parseAnswer(data: Buffer, head: boolean, ended: boolean): { answer: Answer; consumed: number } | 'malformed' | null {
  let offset = 0;
  for (;;) {
    const end = data.indexOf(headEnd, offset);
    if (end < 0) return ended && data.length > offset ? 'malformed' : null;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!match) return 'malformed';
    const status = Number(match[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return 'malformed';
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const bodyStart = end + headEnd.length;
    // An interim answer (100 Continue) comes before the real one.
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (head || status === 204 || status === 304) return { answer: { status, headers, body: Buffer.alloc(0) }, consumed: bodyStart };
    if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
      const chunked = readChunked(data, bodyStart);
      if (chunked === 'malformed') return 'malformed';
      if (chunked === null) return ended ? 'malformed' : null;
      return { answer: { status, headers, body: chunked.body }, consumed: chunked.end };
    }
    const length = headers.get('content-length');
    if (length === undefined) {
      // No length: the body runs to the end of the connection.
      return ended ? { answer: { status, headers, body: data.subarray(bodyStart) }, consumed: data.length } : null;
    }
    if (!/^\d+$/.test(length)) return 'malformed';
    const bodyEnd = bodyStart + Number(length);
    if (data.length < bodyEnd) return ended ? 'malformed' : null;
    return { answer: { status, headers, body: data.subarray(bodyStart, bodyEnd) }, consumed: bodyEnd };
  }
}

function readChunked(data: Buffer, start: number): { body: Buffer; end: number } | 'malformed' | null {
  const parts: Buffer[] = [];
  let offset = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return 'malformed';
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n', chunkStart);
      if (trailerEnd < 0) return null;
      return { body: Buffer.concat(parts), end: trailerEnd + 2 };
    }
    if (data.length < chunkStart + size + 2) return null;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    offset = chunkStart + size + 2;
  }
}
