/**
 * What the seeded fuzzer (test/fuzz) found reaching a 500 or a dropped
 * connection, each kept as a regression: JSON nested deep enough to overflow
 * a recursive walk, a one-time code sent to a payment that waits on a
 * provider's order, and requests Node's HTTP parser refuses, which must be
 * answered in the catalog's envelope with `Connection: close` and a clean
 * end of the connection, never a reset.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { errorProblems } from '../support/error-envelope.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let alipay: AlipaySimulator;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
  alipay = await startAlipaySimulator({ notifyDelayScale: 1 });
  const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: alipay.url, credentials: alipay.registerMerchant() });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
});
afterAll(async () => {
  await alipay?.close();
  await stack?.close();
});

/** `depth` arrays inside one another around `inner`. */
function nested(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

describe('JSON nested deeper than the bound', () => {
  for (const path of ['/v1/events/evt_0000000000000000000000000/redeliver', '/v1/alerts/alr_0000000000000000000000000/acknowledge']) {
    it(`refuses 5 000 levels under an Idempotency-Key on ${path} (no body schema) with a catalogued 400, not a stack overflow`, async () => {
      for (const body of [nested(5_000), `{"a":${nested(5_000)}}`, `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`]) {
        const response = await stack.api('POST', path, body, { headers: { 'idempotency-key': `deep-${path}-${body.length}-${body[1]}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(400);
        expect(errorProblems(response)).toEqual([]);
        expect(response.body.error.code).toBe('json_too_deep');
      }
    });
  }

  it(`refuses depth ${limits.jsonDepthMax + 1} and accepts depth ${limits.jsonDepthMax} (the bound counts objects and arrays, not brackets in strings)`, async () => {
    const path = '/v1/payments';
    // Metadata holds strings only: depth is reached inside a value the schema then refuses as parameter_invalid, not json_too_deep.
    const atBound = `{"amount":100,"currency":"CNY","metadata":${nested(limits.jsonDepthMax - 1, '"x"')}}`;
    const overBound = `{"amount":100,"currency":"CNY","metadata":${nested(limits.jsonDepthMax, '"x"')}}`;
    const atBoundAnswer = await stack.api('POST', path, atBound);
    expect(atBoundAnswer.status).toBe(400);
    expect(atBoundAnswer.body.error.code).toBe('parameter_invalid');
    const overAnswer = await stack.api('POST', path, overBound);
    expect(overAnswer.status).toBe(400);
    expect(overAnswer.body.error.code).toBe('json_too_deep');
    // Brackets inside a string are text, not nesting.
    const inString = await stack.api('POST', path, { amount: 100, currency: 'CNY', description: '['.repeat(500) + '{"\\'.repeat(100) });
    expect(inString.status, JSON.stringify(inString.body)).toBe(200);
  });
});

describe('a one-time code only where the attempt asked for one', () => {
  it('refuses otp on a payment waiting at an Alipay QR code before anything moves: no card call, payment still requires_action', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY' });
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    const cardRequests = stack.acquirer.stats().requests;
    const alipayRequests = alipay.stats().requests;
    const history = await stack.api('GET', `/v1/payments/${created.body.id}/history`);

    const answer = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { otp: '000000' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(errorProblems(answer)).toEqual([]);
    expect(answer.body.error).toMatchObject({ code: 'payment_unexpected_state', param: 'otp', payment: created.body.id });

    const after = await stack.api('GET', `/v1/payments/${created.body.id}`);
    expect(after.body).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    expect((await stack.api('GET', `/v1/payments/${created.body.id}/history`)).body).toEqual(history.body);
    expect(stack.acquirer.stats().requests).toBe(cardRequests);
    expect(alipay.stats().requests).toBe(alipayRequests);
    const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`);
    expect(attempts.body.data.map((attempt: { status: string }) => attempt.status)).toEqual(['requires_action']);
  });

  it('refuses otp on a payment with no payment method yet, and on one that succeeded, changing nothing', async () => {
    const fresh = await stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY' });
    const cardRequests = stack.acquirer.stats().requests;
    const refused = await stack.api('POST', `/v1/payments/${fresh.body.id}/confirm`, { otp: '000000' });
    expect(refused.status).toBe(409);
    expect(errorProblems(refused)).toEqual([]);
    expect((await stack.api('GET', `/v1/payments/${fresh.body.id}`)).body.status).toBe('requires_payment_method');

    const paid = await stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY' });
    expect((await stack.api('POST', `/v1/payments/${paid.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    const afterPaying = stack.acquirer.stats().requests;
    expect(afterPaying).toBeGreaterThan(cardRequests);
    const late = await stack.api('POST', `/v1/payments/${paid.body.id}/confirm`, { otp: '000000' });
    expect(late.status).toBe(409);
    expect(errorProblems(late)).toEqual([]);
    expect(stack.acquirer.stats().requests).toBe(afterPaying);
  });

  it('still takes the code a card asked for (the guard does not refuse the case it is for)', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 700, currency: 'CNY' });
    const asked = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4000002760003184') });
    expect(asked.body).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_otp' } });
    const verified = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { otp: '000000' });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.status).toBe('succeeded');
  });
});

interface RawAnswer {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
  /** The connection ended by an error (ECONNRESET …) instead of an orderly close. */
  error: string | null;
}

/** Sends bytes on a new connection (after a valid keep-alive request, when asked) and reads until the server closes it. */
function rawExchange(payload: Buffer | string, options: { keepAliveFirst?: boolean } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let error: string | null = null;
    let firstAnswered = !options.keepAliveFirst;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of connection; read so far: ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, 10_000);
    socket.on('connect', () => {
      if (options.keepAliveFirst) socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      else socket.write(payload);
    });
    socket.on('data', (chunk) => {
      if (!firstAnswered) {
        // The first answer (to the valid request) is complete once its body of {"status":"ok"} arrived.
        const text = chunk.toString('latin1');
        expect(text).toMatch(/^HTTP\/1\.1 200 /);
        expect(text.toLowerCase()).not.toContain('connection: close');
        firstAnswered = true;
        socket.write(payload);
        return;
      }
      chunks.push(chunk);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ statusLine, headers, body, error });
    });
  });
}

function expectEnvelope(answer: RawAnswer, status: number, code: string): void {
  expect(answer.error, `connection ended by ${answer.error}`).toBeNull();
  expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  expect(answer.headers.connection).toBe('close');
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  const body = JSON.parse(answer.body) as { error: { code: string } };
  expect(errorProblems({ status, body })).toEqual([]);
  expect(body.error.code).toBe(code);
}

describe("requests Node's HTTP parser refuses", () => {
  const host = 'Host: 127.0.0.1\r\n';
  const cases: [string, Buffer | string, number, string][] = [
    ['a byte 0xFF in the URL', Buffer.concat([Buffer.from('GET /v1/payments/pay_'), Buffer.from([0xff]), Buffer.from(` HTTP/1.1\r\n${host}\r\n`)]), 400, 'request_malformed'],
    ['a byte 0x7F (DEL) in the URL', `GET /v1/pay\x7fments HTTP/1.1\r\n${host}\r\n`, 400, 'request_malformed'],
    ['a URL not starting with /', `GET v1/payments HTTP/1.1\r\n${host}\r\n`, 400, 'request_malformed'],
    ['over 16 KiB of headers', `GET /v1/payments HTTP/1.1\r\n${host}X-Filler: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431, 'headers_too_large'],
    ['over 16 KiB of headers, far over (unread bytes left behind)', `GET /v1/payments HTTP/1.1\r\n${host}${`X-Filler: ${'a'.repeat(1_000)}\r\n`.repeat(200)}\r\n`, 431, 'headers_too_large'],
    ['a header name with a space', `GET /health HTTP/1.1\r\n${host}Bad Header: x\r\n\r\n`, 400, 'request_malformed'],
    ['an invalid method', `G@T /health HTTP/1.1\r\n${host}\r\n`, 400, 'request_malformed'],
    ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n', 400, 'request_malformed'],
    ['two Content-Length headers that disagree', `POST /v1/payments HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400, 'request_malformed'],
    ['a malformed chunked body', `POST /v1/payments HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400, 'request_malformed'],
  ];
  for (const [name, payload, status, code] of cases) {
    it(`answers ${name} with ${status} ${code} in the envelope, Connection: close, and an orderly close`, async () => {
      expectEnvelope(await rawExchange(payload), status, code);
    });
  }

  it('answers CONNECT (a proxy tunnel, which Node hands to no route) with 404 route_unknown in the envelope and an orderly close, not a dropped connection', async () => {
    expectEnvelope(await rawExchange(`CONNECT 127.0.0.1:443 HTTP/1.1\r\n${host}\r\n`), 404, 'route_unknown');
  });

  it('answers an HTTP/1.1 request without Host with 400 request_malformed in the envelope, not Node\'s empty 400', async () => {
    const answer = await rawExchange(`GET /v1/payments HTTP/1.1\r\nAuthorization: Bearer ${stack.secretKey}\r\nConnection: close\r\n\r\n`);
    expectEnvelope(answer, 400, 'request_malformed');
  });

  it('serves a request whose Expect names something other than 100-continue (ignored, as RFC 9110 allows), instead of Node\'s empty 417', async () => {
    const answer = await rawExchange(`GET /v1/payments?limit=1 HTTP/1.1\r\n${host}Authorization: Bearer ${stack.secretKey}\r\nExpect: nonsense\r\nConnection: close\r\n\r\n`);
    expect(answer.error).toBeNull();
    expect(answer.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(answer.body)).toMatchObject({ object: 'list' });
  });

  it('closes a connection that asked for an Upgrade (never granted) after answering, with Connection: close: Node stops answering oversized headers on it', async () => {
    const answer = await rawExchange(`GET /health HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: ${'foo'}\r\n\r\n`);
    expect(answer.error).toBeNull();
    expect(answer.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.headers.connection).toBe('close');
  });

  it('answers the same on a keep-alive connection that already served a request, so the client does not reuse it', async () => {
    for (const [, payload, status, code] of cases.slice(0, 4)) {
      expectEnvelope(await rawExchange(payload, { keepAliveFirst: true }), status, code);
    }
  });
});
