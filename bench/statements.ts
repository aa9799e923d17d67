/**
 * What a payment costs the database, statement by statement: the list read
 * from the code (store/payments.ts, store/idempotency.ts, flows/payments/create-payment.ts,
 * flows/payments/confirm-payment.ts, http/plugins/idempotency.ts), and a counter that
 * classifies every statement a pg Pool sends, so the bench can check that
 * list against what the server and the baseline really send.
 */
import type pg from 'pg';

export interface StatementKind {
  name: string;
  /** Matched against the statement text, lower-cased with whitespace collapsed. */
  pattern: RegExp;
  /** What it is, for the printed list. */
  summary: string;
}

/** Every statement the bench expects, in the order a payment sends them (the two idempotency kinds appear twice). */
export const statementKinds: readonly StatementKind[] = [
  { name: 'insert payment', pattern: /^with created as/, summary: 'insert payments + payment_events + events (one CTE)' },
  {
    name: 'idempotency complete',
    pattern: /^update "?idempotency_keys"?/,
    summary: 'update idempotency_keys set status, response_status, response_body (keys completing together share one: fewer under load)',
  },
  { name: 'read payment', pattern: /^select "payments"\.\*/, summary: 'select payments.* + sum(refunds) subquery (+ whether the risk check has anything to read)' },
  {
    name: 'transition + new attempt',
    pattern: /^with updated as .*insert into payment_attempts/,
    summary: 'update payments (version check) + payment_events + events + insert payment_attempts',
  },
  {
    name: 'transition + attempt result',
    pattern: /^with updated as .*update payment_attempts/,
    summary: 'update payments (version check) + payment_events + events + update payment_attempts',
  },
  // Not expected on the happy path; listed so that they show when they happen.
  { name: 'idempotency claim', pattern: /^insert into idempotency_keys/, summary: 'a claim of its own (replay, or a path the claim cannot ride)' },
  { name: 'read card accounts', pattern: /^select \* from "connector_accounts"/, summary: 'enabled accounts, on a cache miss' },
  { name: 'idempotency read', pattern: /^select .* from "idempotency_keys"/, summary: 'existing key (replay, mismatch or in progress)' },
  { name: 'idempotency release', pattern: /^delete from "idempotency_keys"/, summary: 'release a key after a parameter error' },
  { name: 'api key lookup', pattern: /from "api_keys"/, summary: 'authentication cache miss' },
  {
    name: 'risk reading',
    pattern: /^with setup as/,
    summary: "the risk check's history, rules and model: only for a merchant with a rule, a blocklist or a model (store/risk-signals.ts)",
  },
  { name: 'attempt update', pattern: /^update "payment_attempts"/, summary: 'unknown provider outcome' },
  {
    name: 'api node heartbeat',
    pattern: /^with beat as \( insert into api_nodes/,
    summary: 'the API process\'s heartbeat (store/api-nodes.ts): a timer every 2 s, off the request path',
  },
  {
    name: 'request log',
    pattern: /^insert into api_request_log/,
    summary: "the merchant's recent-requests log: each API process appends its requests in batches, so well under one per payment",
  },
];

export interface ExpectedStatement {
  request: 'create' | 'confirm';
  kind: string;
  source: string;
}

/** The round trips one create + confirm pair costs, in order, read from the code. */
export function expectedStatements(withIdempotencyKeys: boolean): ExpectedStatement[] {
  const keyed = (request: 'create' | 'confirm', kind: string, source: string): ExpectedStatement[] =>
    withIdempotencyKeys ? [{ request, kind, source }] : [];
  return [
    // The key's claim rides on the flow's first write (store/idempotency.ts, claimRidesWith); the merchant's
    // enabled accounts come from the API process's cache (store/connector-accounts.ts), read once per merchant.
    { request: 'create', kind: 'insert payment', source: 'insertPayment (+ the idempotency claim)' },
    ...keyed('create', 'idempotency complete', 'completeIdempotencyKey (onSend)'),
    { request: 'confirm', kind: 'read payment', source: 'findPaymentToConfirm (+ whether the merchant has risk rules, a blocklist or a model)' },
    { request: 'confirm', kind: 'transition + new attempt', source: 'commitTransition → processing (+ the idempotency claim)' },
    { request: 'confirm', kind: 'transition + attempt result', source: 'commitTransition → succeeded' },
    ...keyed('confirm', 'idempotency complete', 'completeIdempotencyKey (onSend)'),
  ];
}

export type StatementCounts = Record<string, number>;

export interface StatementCounter {
  /** Counts every statement sent on the pool's connections from now on. */
  attach(pool: pg.Pool): void;
  snapshot(): StatementCounts;
}

/** Kysely sends the same few texts again and again (values go as parameters): classify each text once. */
const classifiedTextsMax = 1_000;

export function createStatementCounter(): StatementCounter {
  const counts: StatementCounts = {};
  const classified = new Map<string, string>();
  const count = (text: string) => {
    let name = classified.get(text);
    if (name === undefined) {
      name = classify(text);
      if (classified.size < classifiedTextsMax) classified.set(text, name);
    }
    counts[name] = (counts[name] ?? 0) + 1;
  };
  return {
    attach(pool) {
      pool.on('connect', (client) => {
        const original = client.query.bind(client) as (...args: unknown[]) => unknown;
        const counted = (...args: unknown[]) => {
          const first = args[0];
          count(typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? ''));
          return original(...args);
        };
        client.query = counted as typeof client.query;
      });
    },
    snapshot: () => ({ ...counts }),
  };
}

export function classify(text: string): string {
  const normalized = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const kind = statementKinds.find((candidate) => candidate.pattern.test(normalized));
  return kind ? kind.name : `other: ${normalized.slice(0, 60)}`;
}

export function difference(after: StatementCounts, before: StatementCounts): StatementCounts {
  const result: StatementCounts = {};
  for (const [name, value] of Object.entries(after)) {
    const delta = value - (before[name] ?? 0);
    if (delta !== 0) result[name] = delta;
  }
  return result;
}

export function sum(a: StatementCounts, b: StatementCounts): StatementCounts {
  const result: StatementCounts = { ...a };
  for (const [name, value] of Object.entries(b)) result[name] = (result[name] ?? 0) + value;
  return result;
}

export function total(counts: StatementCounts): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}
