/**
 * Seeded requests for every operation of the OpenAPI description
 * (`app.swagger()`): valid ones, ones with wrong types, values past their
 * bounds and Unicode edge cases, bodies nested deep or badly encoded, odd
 * headers, odd paths and queries, and raw bytes that are not quite HTTP.
 */
import type { SeededGenerator } from '../support/seeded.ts';
import type { Exchange } from './connection.ts';
import { malformedHttp } from './malformed-http.ts';
import { unicodeEdgeCases, Values, type Schema } from './values.ts';
import type { World } from './world.ts';

export interface Operation {
  method: string;
  /** As the description writes it: `/v1/payments/{id}/confirm`. */
  path: string;
  parameters: { name: string; in: string; required: boolean; schema: Schema }[];
  body: Schema | null;
  secured: boolean;
}

export interface FuzzRequest {
  /** The kind of request, for the report: `POST /v1/payments/{id}/confirm body`. */
  label: string;
  /** `POST /v1/payments/{id}/confirm`, or `raw` for raw malformed HTTP. */
  operation: string;
  exchange: Exchange;
  /** Per request in the exchange: answered in a provider's own format (a notification), not in the API's envelope. */
  providerFormat: boolean[];
  /** The bytes as text, for the report's examples. */
  text: string;
}

interface Draft {
  method: string;
  target: string | Buffer;
  headers: [string, string | Buffer][];
  body: Buffer | null;
  version?: string;
  omitHost?: boolean;
  omitLength?: boolean;
}

export function operationsOf(spec: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, Schema>>(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: ((operation.parameters ?? []) as Schema[]).map((p) => ({ name: p.name, in: p.in, required: Boolean(p.required), schema: p.schema ?? {} })),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
        secured: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

export class RequestGenerator {
  private readonly values: Values;
  private sequence = 0;

  private readonly random: SeededGenerator;
  private readonly world: World;
  private readonly operations: Operation[];

  constructor(random: SeededGenerator, world: World, operations: Operation[]) {
    this.random = random;
    this.world = world;
    this.operations = operations;
    this.values = new Values(random, world);
  }

  next(): FuzzRequest {
    this.sequence += 1;
    const roll = this.random.int(100);
    if (roll < 8) return this.finish('raw', 'raw malformed HTTP', malformedHttp(this.random, this.world, () => this.draft(this.random.pick(this.operations), 'valid')));
    const operation = this.random.pick(this.operations);
    const kind = roll < 25 ? 'valid' : roll < 55 ? 'body' : roll < 68 ? 'headers' : roll < 80 ? 'encoding' : roll < 92 ? 'path and query' : 'idempotency';
    const draft = this.draft(operation, kind);
    const label = `${operation.method} ${operation.path} ${kind}`;
    return this.finish(`${operation.method} ${operation.path}`, label, [draft]);
  }

  private finish(operation: string, label: string, drafts: (Draft | Buffer)[]): FuzzRequest {
    const providerFormat = drafts.map((draft) => !Buffer.isBuffer(draft) && String(draft.target).startsWith('/v1/notify/'));
    const parts = drafts.map((draft) => (Buffer.isBuffer(draft) ? draft : serialize(draft)));
    const heads = drafts.map((draft) => !Buffer.isBuffer(draft) && draft.method === 'HEAD');
    const bytes = Buffer.concat(parts);
    return { label, operation, exchange: { bytes, heads }, providerFormat, text: bytes.toString('latin1') };
  }

  /** A request for the operation, made odd in one way (`kind`). */
  private draft(operation: Operation, kind: string): Draft {
    const resource = operation.path.split('/')[2] ?? '';
    const pathParams: Record<string, string> = {};
    for (const parameter of operation.parameters.filter((p) => p.in === 'path')) pathParams[parameter.name] = this.values.idFor(resource);
    const query: [string, string][] = [];
    for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
      // The order page's token is the one its link carries, computed for the payment.
      if (resource === 'orders' && parameter.name === 'token') query.push(['token', this.world.orderToken(pathParams.id ?? '')]);
      else if (parameter.required || this.random.chance(0.3)) query.push([parameter.name, String(this.values.valid(parameter.schema, parameter.name))]);
    }
    const paymentId = pathParams.id;
    const useClientSecret = operation.secured && resource === 'payments' && paymentId && this.world.clientSecrets.has(paymentId) && this.random.chance(0.2);
    let key: string | null = resource === 'connector_accounts' ? this.world.sandbox.secret : this.world.main.secret;
    if (!operation.secured) key = null;
    let bodyValue: unknown = operation.body ? this.values.valid(operation.body, 'body') : undefined;
    if (useClientSecret) {
      key = this.world.main.publishable;
      if (operation.method === 'GET') query.push(['client_secret', this.world.clientSecrets.get(paymentId)!]);
      else if (bodyValue && typeof bodyValue === 'object') (bodyValue as Record<string, unknown>).client_secret = this.world.clientSecrets.get(paymentId);
    }
    const headers: [string, string | Buffer][] = [];
    if (key) headers.push(['Authorization', `Bearer ${key}`]);
    if (this.random.chance(0.3)) headers.push(['Accept-Language', this.random.pick(['zh-CN', 'zh-TW', 'en', 'zh-HK', 'fr;q=0.1, zh-TW;q=0.9', '*'])]);
    if (operation.method === 'POST' && this.random.chance(0.3)) headers.push(['Idempotency-Key', `fuzz-${this.sequence}`]);
    if (kind === 'body' && operation.body) bodyValue = this.mutate(bodyValue, operation.body);
    if (kind === 'body' && !operation.body && operation.method !== 'GET') bodyValue = this.values.odd(undefined);
    let body = bodyValue === undefined ? null : Buffer.from(toJson(bodyValue));
    if (body) headers.push(['Content-Type', 'application/json']);
    const draft: Draft = { method: operation.method, target: fillPath(operation.path, pathParams, query), headers, body };
    if (kind === 'headers') this.oddHeaders(draft);
    if (kind === 'encoding') this.oddEncoding(draft);
    if (kind === 'path and query') this.oddTarget(draft, operation);
    if (kind === 'idempotency') {
      draft.headers = draft.headers.filter(([name]) => name !== 'Idempotency-Key');
      draft.headers.push(['Idempotency-Key', this.random.pick(['fuzz-shared-1', 'fuzz-shared-2', `fuzz-${this.sequence % 50}`])]);
      if (!body && this.random.chance(0.5)) body = draft.body = Buffer.from('{}');
    }
    return draft;
  }

  /** One to three changes somewhere in a valid body: a wrong type, a value past a bound, a field missing or unknown, a deep nest. */
  private mutate(value: unknown, schema: Schema): unknown {
    let result = structuredClone(value);
    for (let i = 0, n = 1 + this.random.int(3); i < n; i += 1) {
      const spots = spotsOf(result, schema);
      const spot = this.random.pick(spots);
      const choice = this.random.int(12);
      let replacement: unknown;
      if (choice < 5) replacement = this.values.odd(spot.schema);
      else if (choice < 7) replacement = nestedValue(this.random.pick([2, 10, 31, 33, 100, 5_000]), this.random.chance(0.5));
      else if (choice < 9 && spot.parent && !Array.isArray(spot.parent)) {
        delete (spot.parent as Record<string, unknown>)[spot.key as string];
        continue;
      } else if (choice < 11 && spot.value && typeof spot.value === 'object' && !Array.isArray(spot.value)) {
        (spot.value as Record<string, unknown>)[this.random.pick(['unknown_field', '__proto__', 'constructor', '', '😀', 'amount', 'a'.repeat(300)])] = this.values.odd(undefined);
        continue;
      } else replacement = this.values.valid(spot.schema, String(spot.key));
      if (!spot.parent) result = replacement;
      else (spot.parent as Record<string | number, unknown>)[spot.key] = replacement;
    }
    return result;
  }

  private oddHeaders(draft: Draft): void {
    const choice = this.random.int(12);
    const without = (name: string) => (draft.headers = draft.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase()));
    switch (choice) {
      case 0:
        without('Authorization');
        draft.headers.push(['Authorization', this.random.pick(['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer ${this.world.other.secret}`, `Bearer ${this.world.main.live}`, `Bearer ${this.world.main.publishable}`, `bearer ${this.world.main.secret}`, `Bearer  ${this.world.main.secret}`, `Bearer ${this.world.main.secret}x`, `Bearer sk_test_${'A'.repeat(1000)}`])]);
        break;
      case 1:
        without('Authorization');
        draft.headers.push(['Authorization', Buffer.concat([Buffer.from('Bearer sk_test_'), Buffer.from([0xc3, 0xa9, 0xff, 0x80])])]);
        break;
      case 2:
        draft.headers.push(['Idempotency-Key', this.random.pick(['', ' ', 'k'.repeat(255), 'k'.repeat(256), '支付-1', '\t', 'a,b'])]);
        break;
      case 3:
        draft.headers.push(['Idempotency-Key', Buffer.from([0x6b, 0xe6, 0x94, 0xaf, 0xff])]);
        break;
      case 4:
        without('Content-Type');
        draft.headers.push(['Content-Type', this.random.pick(['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json;', 'application/json; boundary=x; charset="utf-8"', 'APPLICATION/JSON', 'application/json, text/plain', 'application/*', '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/problem+json', 'application/json\u0000'])]);
        if (!draft.body) draft.body = Buffer.from('{}');
        break;
      case 5:
        draft.headers.push(['Accept-Language', this.random.pick(['x'.repeat(4000), ';;;q=abc', 'zh-CN;q=NaN', '*;q=0', 'zh-Hant-TW-u-ca-chinese', ',,,', 'zh-CN'.repeat(500)])]);
        break;
      case 6:
        draft.headers.push(['Accept', this.random.pick(['text/csv', 'application/xml', '*/*;q=0', 'text/csv;q=0.1, application/json', ''])]);
        break;
      case 7:
        draft.headers.push(['Content-Encoding', this.random.pick(['gzip', 'br', 'deflate', 'identity', 'x-unknown'])]);
        break;
      case 8:
        draft.headers.push(['X-Filler', 'f'.repeat(this.random.pick([1_000, 8_000, 15_000]))]);
        break;
      case 9:
        // The same header twice.
        draft.headers.push(...draft.headers.filter(([name]) => ['Authorization', 'Content-Type', 'Idempotency-Key'].includes(name)).map(([n, v]) => [n, v] as [string, string | Buffer]));
        break;
      case 10:
        draft.headers.push(['Expect', this.random.pick(['100-continue', 'nonsense'])]);
        break;
      default:
        draft.headers.push([this.random.pick(['X-Forwarded-For', 'User-Agent', 'Cookie', 'Referer', 'Origin']), this.random.pick(['😀', 'x'.repeat(2000), '127.0.0.1, ::1, garbage', 'Mozilla/5.0 (iPhone) Mobile', '\u00ff'])]);
    }
  }

  private oddEncoding(draft: Draft): void {
    const json = draft.body ?? Buffer.from('{}');
    const choice = this.random.int(10);
    const bodies: (() => Buffer)[] = [
      () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]),
      () => Buffer.from(json.toString('utf8'), 'utf16le'),
      () => Buffer.concat([json.subarray(0, Math.max(0, json.length - 1)), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0x7d])]),
      () => Buffer.from(`{"description":"${Buffer.from([0xed, 0xa0, 0x80]).toString('latin1')}"}`, 'latin1'),
      () => Buffer.from(this.random.pick(['', ' ', '{', '[', '"', 'null', '{}{}', '{"a":1,"a":2}', '{"amount":1e999}', '{"amount":-0}', '{"amount":1.0}', '{"amount":0x10}', "{'a':1}", '{"a":1,}', 'NaN', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000'])),
      () => Buffer.from(`{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`),
      () => Buffer.from(`${'{"a":'.repeat(this.random.pick([32, 33, 64, 10_000]))}1${'}'.repeat(10_000).slice(0, 0)}`),
      () => Buffer.from(JSON.stringify({ items: Array.from({ length: 5_000 }, (_, i) => i) })),
      () => Buffer.alloc(this.random.pick([65_536, 65_537, 200_000]), 0x20),
      () => Buffer.from(`[${'{},'.repeat(20_000)}{}]`),
    ];
    draft.body = bodies[choice]!();
    if (!draft.headers.some(([name]) => name === 'Content-Type')) draft.headers.push(['Content-Type', 'application/json']);
    if (draft.method === 'GET' && this.random.chance(0.5)) draft.method = 'POST';
  }

  private oddTarget(draft: Draft, operation: Operation): void {
    const base = typeof draft.target === 'string' ? draft.target : '/v1/payments';
    const [path = '', query = ''] = base.split('?');
    const segments = path.split('/');
    const oddSegment = () => {
      const text = this.random.pick([...unicodeEdgeCases, 'x'.repeat(this.random.pick([64, 65, 500, 5_000])), '..', '.', '%2F', '%2e%2e', '%ZZ', '%E0%A4%A', '%00', '%C0%AF', '%ED%A0%80', ';a=b', '*']);
      return /%|\*|;/.test(text) ? text : encodeURIComponent(text.isWellFormed() ? text : 'x');
    };
    const choice = this.random.int(9);
    if (choice < 3 && segments.length > 3) segments[3] = oddSegment();
    else if (choice < 4) segments.push(oddSegment());
    else if (choice < 5) segments.splice(2, 0, '');
    else if (choice < 6) draft.method = this.random.pick(['HEAD', 'OPTIONS', 'PATCH', 'DELETE', 'PUT', 'TRACE', 'PROPFIND', 'SEARCH']);
    const oddQuery = () =>
      this.random.pick(['limit=abc', 'limit=0', 'limit=101', 'limit=1&limit=2', 'limit[]=1', 'limit[a]=1', '%', '%zz=1', '&&&', '=', 'created_gte=2016-12-31T23:59:60Z', 'from=9999-12-31T23:59:59Z&to=0000-01-01T00:00:00Z', `starting_after=${'x'.repeat(100)}`, 'currency=cny', 'status=', 'unknown=1', '__proto__=1', 'constructor[prototype]=1', `a=${'%E6%94%AF'.repeat(300)}`, 'granularity=minute', 'k=0', 'k=1e3', 'csv_rows=x']);
    const queries = choice >= 6 || this.random.chance(0.3) ? [query, oddQuery()].filter(Boolean).join('&') : query;
    draft.target = segments.join('/') + (queries ? `?${queries}` : '');
    if (operation.method === 'GET' && draft.method === 'POST') draft.body = Buffer.from('{}');
  }
}

/** Every place in a body value that can be changed: the value itself, and each property and item inside it. */
function spotsOf(value: unknown, schema: Schema | undefined): { parent: unknown; key: string | number; value: unknown; schema: Schema | undefined }[] {
  const spots: { parent: unknown; key: string | number; value: unknown; schema: Schema | undefined }[] = [{ parent: null, key: '', value, schema }];
  const walk = (node: unknown, nodeSchema: Schema | undefined, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 4) return;
    for (const [key, child] of Object.entries(node)) {
      const childSchema = Array.isArray(node) ? nodeSchema?.items : nodeSchema?.properties?.[key];
      spots.push({ parent: node, key: Array.isArray(node) ? Number(key) : key, value: child, schema: childSchema });
      walk(child, childSchema, depth + 1);
    }
  };
  walk(value, schema, 0);
  return spots;
}

/**
 * A value nested `depth` levels deep, as a marker the serializer expands into text (JSON.stringify itself
 * recurses, and would overflow the fuzzer's own stack on the deepest).
 */
function nestedValue(depth: number, asObjects: boolean): unknown {
  return `\u0001nest:${depth}:${asObjects ? 'o' : 'a'}\u0001`;
}

function toJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/"\\u0001nest:(\d+):([oa])\\u0001"/g, (_whole, depth: string, kind: string) =>
    kind === 'o' ? `${'{"a":'.repeat(Number(depth))}1${'}'.repeat(Number(depth))}` : `${'['.repeat(Number(depth))}1${']'.repeat(Number(depth))}`,
  );
}

function fillPath(template: string, params: Record<string, string>, query: [string, string][]): string {
  const path = template.replace(/\{(\w+)\}/g, (_whole, name: string) => encodeURIComponent(params[name] ?? 'x'));
  const search = query.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value.isWellFormed() ? value : 'x')}`).join('&');
  return search ? `${path}?${search}` : path;
}

export function serialize(draft: Draft): Buffer {
  const lines: Buffer[] = [Buffer.concat([Buffer.from(`${draft.method} `), Buffer.from(draft.target as string | Buffer), Buffer.from(` ${draft.version ?? 'HTTP/1.1'}\r\n`)])];
  if (!draft.omitHost) lines.push(Buffer.from('Host: 127.0.0.1\r\n'));
  for (const [name, value] of draft.headers) lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\r\n')]));
  if (draft.body && !draft.omitLength) lines.push(Buffer.from(`Content-Length: ${draft.body.length}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (draft.body) lines.push(draft.body);
  return Buffer.concat(lines);
}

export type { Draft };
