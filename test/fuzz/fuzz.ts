/**
 * `npm run fuzz -- --requests N --seed S`: a seeded fuzz of the whole HTTP
 * API. Starts the API in this process on 127.0.0.1 (see world.ts), draws
 * requests for every operation of its OpenAPI description plus raw
 * malformed HTTP (see requests.ts, malformed-http.ts), sends them over a few
 * keep-alive connections, and counts what must never happen: a 5xx, a
 * connection reset or dropped (or closed without `Connection: close` after
 * an answer), an error answered outside the API's envelope, and a request
 * left without an answer. Prints the counts with examples, and exits 1 when
 * any is above zero. Bounded by the request count and by --max-seconds.
 *
 * Options: --requests N (default 1000), --seed S (default 1), --concurrency C
 * (default 4), --max-seconds T (default 1800), --log-level L (the API's log,
 * default silent), --by-operation (statuses per operation). DATABASE_URL: use that PostgreSQL instead of an embedded one.
 */
import { parseArgs } from 'node:util';
import { errorProblems } from '../support/error-envelope.ts';
import { seededGenerator } from '../support/seeded.ts';
import { Connection, type Answer, type Outcome } from './connection.ts';
import { operationsOf, RequestGenerator, type FuzzRequest } from './requests.ts';
import { rememberId, startWorld, type World } from './world.ts';

const categories = ['5xx', 'resets', 'outside envelope', 'no answer'] as const;
type Category = (typeof categories)[number];
const examplesPerCategory = 5;
const answerTimeoutMs = 15_000;

interface Tally {
  sent: number;
  answers: number;
  statuses: Map<number, number>;
  /** Statuses by operation. */
  byOperation: Map<string, Map<number, number>>;
  counts: Record<Category, number>;
  examples: Record<Category, string[]>;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '4' },
      'max-seconds': { type: 'string', default: '1800' },
      'log-level': { type: 'string', default: 'silent' },
      'by-operation': { type: 'boolean', default: false },
    },
  });
  const requests = positiveInteger(values.requests, 'requests');
  const seed = positiveInteger(values.seed, 'seed', 0);
  const concurrency = positiveInteger(values.concurrency, 'concurrency');
  const maxSeconds = positiveInteger(values['max-seconds'], 'max-seconds');
  const startedMs = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const world = await startWorld({ databaseUrl: process.env.DATABASE_URL, logLevel: values['log-level'], log });
  let finished = false;
  try {
    const operations = operationsOf(world.app.swagger());
    const generator = new RequestGenerator(seededGenerator(seed), world, operations);
    log(`fuzz: ${requests} requests, seed ${seed}, ${operations.length} operations, ${concurrency} connections, API at ${world.url} (set-up ${((Date.now() - startedMs) / 1000).toFixed(1)} s)`);
    const tally: Tally = { sent: 0, answers: 0, statuses: new Map(), byOperation: new Map(), counts: { '5xx': 0, resets: 0, 'outside envelope': 0, 'no answer': 0 }, examples: { '5xx': [], resets: [], 'outside envelope': [], 'no answer': [] } };
    const deadlineMs = startedMs + maxSeconds * 1000;
    const fuzzStartedMs = Date.now();
    let next = 0;
    const client = async () => {
      const connection = new Connection(world.host, world.port, answerTimeoutMs);
      let previous: FuzzRequest | null = null;
      while (next < requests && Date.now() < deadlineMs) {
        const index = next;
        next += 1;
        const request = generator.next();
        const { outcome, unannouncedClose } = await connection.send(request.exchange);
        if (unannouncedClose && previous) record(tally, 'resets', `#${index - 1}? ${previous.label}: the connection was closed after an answer without Connection: close`, previous, null);
        judge(tally, world, index, request, outcome, unannouncedClose ? null : previous);
        previous = request;
        if (tally.sent % 10_000 === 0) log(`fuzz: ${tally.sent} sent, ${((Date.now() - fuzzStartedMs) / 1000).toFixed(0)} s`);
      }
      connection.close();
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    finished = tally.sent >= requests;
    report(tally, { requests, seed, seconds: (Date.now() - fuzzStartedMs) / 1000, operations: operations.map((o) => `${o.method} ${o.path}`), byOperation: values['by-operation'] }, finished);
    return finished && categories.every((category) => tally.counts[category] === 0) ? 0 : 1;
  } finally {
    await world.close();
  }
}

/** `previous`: the request answered just before on the same connection, named when this one was not answered. */
function judge(tally: Tally, world: World, index: number, request: FuzzRequest, outcome: Outcome, previous: FuzzRequest | null): void {
  const after = previous ? ` (after ${printable(previous.text, 300)} on the same connection)` : '';
  tally.sent += 1;
  outcome.answers.forEach((answer, position) => {
    tally.answers += 1;
    tally.statuses.set(answer.status, (tally.statuses.get(answer.status) ?? 0) + 1);
    const statuses = tally.byOperation.get(request.operation) ?? new Map<number, number>();
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    tally.byOperation.set(request.operation, statuses);
    const head = request.exchange.heads[position] ?? false;
    if (answer.status >= 500) record(tally, '5xx', `#${index} ${request.label}`, request, answer);
    else if (answer.status === 0) record(tally, 'outside envelope', `#${index} ${request.label}: not an HTTP answer`, request, answer);
    else if (answer.status >= 400 && !head && !request.providerFormat[position]) {
      const problems = envelopeProblems(answer, request.text);
      if (problems.length > 0) record(tally, 'outside envelope', `#${index} ${request.label}: ${problems.join('; ')}`, request, answer);
    } else if (answer.status < 300) learnIds(world, answer);
  });
  if (outcome.kind === 'reset' || outcome.kind === 'dropped') {
    record(tally, 'resets', `#${index} ${request.label}: ${outcome.kind === 'reset' ? `reset (${outcome.detail})` : 'closed without an answer'}${after}`, request, outcome.answers.at(-1) ?? null);
  }
  if (outcome.kind === 'timeout') record(tally, 'no answer', `#${index} ${request.label}: no answer in ${answerTimeoutMs} ms${after}`, request, null);
}

/** The envelope's problems, less a `{placeholder}` the request itself carried (a field name echoed back is not a template left unfilled). */
function envelopeProblems(answer: Answer, requestText: string): string[] {
  if (!/^application\/json/.test(answer.headers.get('content-type') ?? '')) return [`content-type ${answer.headers.get('content-type') ?? '(none)'}`];
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return ['a body that is not JSON'];
  }
  return errorProblems({ status: answer.status, body }).filter((problem) => {
    const echoed = /keeps a placeholder: .*?(\{\w+\})/.exec(problem);
    return !(echoed && (requestText.includes(echoed[1]!) || decoded(requestText).includes(echoed[1]!)));
  });
}

function decoded(text: string): string {
  return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function learnIds(world: World, answer: Answer): void {
  if (!/json/.test(answer.headers.get('content-type') ?? '') || answer.body.length > 200_000) return;
  try {
    const body = JSON.parse(answer.body.toString('utf8')) as { id?: unknown; client_secret?: unknown; data?: unknown };
    for (const item of [body, ...(Array.isArray(body.data) ? body.data.slice(0, 10) : [])] as { id?: unknown; client_secret?: unknown }[]) {
      if (typeof item?.id !== 'string') continue;
      rememberId(world, item.id);
      if (typeof item.client_secret === 'string') world.clientSecrets.set(item.id, item.client_secret);
    }
  } catch {
    // A 2xx that is not JSON (a page, CSV, metrics) holds no ids.
  }
}

function record(tally: Tally, category: Category, label: string, request: FuzzRequest, answer: Answer | null): void {
  tally.counts[category] += 1;
  if (tally.examples[category].length >= examplesPerCategory) return;
  const answered = answer ? `\n      → ${answer.status} ${printable(answer.body.toString('utf8'), 400)}` : '';
  tally.examples[category].push(`${label}\n      ${printable(request.text, 500)}${answered}`);
}

function printable(text: string, max: number): string {
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  return JSON.stringify(shown).slice(1, -1);
}

function report(tally: Tally, run: { requests: number; seed: number; seconds: number; operations: string[]; byOperation: boolean }, finished: boolean): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`\nfuzz: ${tally.sent} of ${run.requests} requests (seed ${run.seed}) in ${run.seconds.toFixed(1)} s, ${(tally.sent / Math.max(run.seconds, 0.001)).toFixed(0)}/s, ${tally.answers} answers`);
  const covered = run.operations.filter((operation) => tally.byOperation.has(operation));
  out(`operations reached: ${covered.length} of ${run.operations.length}`);
  out(`statuses: ${statusLine(tally.statuses)}`);
  if (run.byOperation) for (const [operation, statuses] of [...tally.byOperation.entries()].sort()) out(`    ${operation}: ${statusLine(statuses)}`);
  for (const category of categories) {
    out(`${category}: ${tally.counts[category]}`);
    for (const example of tally.examples[category]) out(`    ${example}`);
  }
  if (!finished) out(`stopped by --max-seconds before all ${run.requests} requests were sent`);
}

function statusLine(statuses: Map<number, number>): string {
  return [...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([status, count]) => `${status}×${count}`).join(' ');
}

function positiveInteger(text: string | undefined, name: string, min = 1): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
