/**
 * The API's failures over HTTP, against real PostgreSQL: the error object of
 * API.md, every kind of malformed request, authentication and the payer's
 * client_secret, tenant isolation, the language of messages, and a seeded
 * stream of odd requests that must never get a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/domain/errors.ts';
import { errorFields, errorProblems, placeholder } from '../support/error-envelope.ts';
import { seededGenerator } from '../support/seeded.ts';
import { card, startStack, type ApiResponse, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

/** Asserts a catalogued error with this status and code; answers its error object. */
function expectError(response: ApiResponse, status: number, code: ErrorCode, param?: string | null): Record<string, any> {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(errorProblems(response)).toEqual([]);
  const error = (response.body as { error: Record<string, any> }).error;
  expect(error.code).toBe(code);
  if (param !== undefined) expect(error.param).toBe(param);
  return error;
}

async function newPayment(body: Record<string, unknown> = {}, key?: string) {
  const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', ...body }, key ? { key } : {});
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as { id: string; client_secret: string };
}

function countPayments(merchantId: string): Promise<number> {
  return stack.db.db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow()
    .then((row) => Number(row.count));
}

describe('the error object', () => {
  it('has exactly the fields of API.md, with the request id of the answer', async () => {
    const response = await stack.api('POST', '/v1/payments', { currency: 'CNY' });
    const error = expectError(response, 400, 'parameter_missing', 'amount');
    expect(Object.keys(error).sort()).toEqual(errorFields);
    expect(error).toMatchObject({ type: 'invalid_request_error', decline_code: null, payment: null });
    expect(error.request_id).toBe(response.headers.get('request-id'));
    expect(error.message).toBe('The required parameter amount is missing.');
    expect(error.suggestion).toBe('Add amount to the request and send it again.');
  });

  it('gives every request its own request id', async () => {
    const first = await stack.api('GET', '/v1/payments/pay_missing');
    const second = await stack.api('GET', '/v1/payments/pay_missing');
    expect(first.body.error.request_id).not.toBe(second.body.error.request_id);
  });

  it('points doc_url at the catalog page, which documents the code', async () => {
    const error = expectError(await stack.api('GET', '/v1/nothing_here'), 404, 'route_unknown');
    expect(new URL(error.doc_url).pathname).toBe('/docs/errors');
    const page = await stack.api('GET', '/docs/errors', undefined, { key: null });
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('id="route_unknown"');
  });

  it('names the payment on a card decline, with type card_error and a decline_code', async () => {
    const payment = await newPayment();
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000000002') });
    const error = expectError(response, 402, 'card_declined', null);
    expect(error).toMatchObject({ type: 'card_error', decline_code: 'generic_decline', payment: payment.id });
  });
});

describe('unknown parameters', () => {
  it('refuses an unknown top-level field with parameter_unknown naming it', async () => {
    expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', colour: 'red' }), 400, 'parameter_unknown', 'colour');
  });

  it('refuses an unknown field inside order with its dotted path', async () => {
    const response = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', order: { reference: 'A-1', bogus: true } });
    expectError(response, 400, 'parameter_unknown', 'order.bogus');
  });

  it('refuses an unknown field inside an order item with its index in the path', async () => {
    const order = { reference: 'A-1', items: [{ name: 'tea', quantity: 1, unit_amount: 100, colour: 'green' }] };
    expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', order }), 400, 'parameter_unknown', 'order.items.0.colour');
  });

  it('refuses an unknown field inside payment_method.card', async () => {
    const payment = await newPayment();
    const method = card('4242424242424242');
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { ...method, card: { ...method.card, pin: '1234' } } });
    expectError(response, 400, 'parameter_unknown', 'payment_method.card.pin');
  });

  it('refuses a create-only field (amount) on confirm', async () => {
    const payment = await newPayment();
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), amount: 5 }), 400, 'parameter_unknown', 'amount');
  });

  it('refuses an unknown query parameter on a list, including __proto__', async () => {
    expectError(await stack.api('GET', '/v1/payments?colour=red'), 400, 'parameter_unknown', 'colour');
    expectError(await stack.api('GET', '/v1/payments?__proto__=1'), 400, 'parameter_unknown', '__proto__');
  });

  it('refuses an unknown field beside a non-card payment_method.type as parameter_unknown on that field', async () => {
    const payment = await newPayment();
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'alipay', extra: 1 } });
    expectError(response, 400, 'parameter_unknown', 'payment_method.extra');
  });
});

describe('missing parameters', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['amount on create', '/v1/payments', { currency: 'CNY' }, 'amount'],
    ['currency on create', '/v1/payments', { amount: 100 }, 'currency'],
    ['order.reference inside order', '/v1/payments', { amount: 100, currency: 'CNY', order: { description: 'x' } }, 'order.reference'],
    ['quantity inside an order item', '/v1/payments', { amount: 100, currency: 'CNY', order: { reference: 'A', items: [{ name: 'tea', unit_amount: 1 }] } }, 'order.items.0.quantity'],
    ['payment on a refund', '/v1/refunds', { amount: 100 }, 'payment'],
  ];
  for (const [name, path, body, param] of cases) {
    it(`answers parameter_missing for ${name}`, async () => {
      expectError(await stack.api('POST', path, body), 400, 'parameter_missing', param);
    });
  }

  it('answers parameter_missing for the card of a card payment_method, and for its cvc', async () => {
    const payment = await newPayment();
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'card' } }), 400, 'parameter_missing', 'payment_method.card');
    const { cvc: _cvc, ...noCvc } = card('4242424242424242').card;
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'card', card: noCvc } });
    expectError(response, 400, 'parameter_missing', 'payment_method.card.cvc');
  });

  it('answers parameter_missing for payment_method on a confirm without one, and the payment is unchanged', async () => {
    const payment = await newPayment();
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, {}), 400, 'parameter_missing', 'payment_method');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`), 400, 'parameter_missing', 'payment_method');
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('requires_payment_method');
  });
});

describe('wrong types and values', () => {
  const amountCases: [string, string][] = [
    ['a string "100"', '"100"'],
    ['a fraction 12.5', '12.5'],
    ['zero', '0'],
    ['-1', '-1'],
    ['10^12 + 1', '1000000000001'],
    ['1e300', '1e300'],
    ['2^53 + 1', '9007199254740993'],
    ['a 30-digit number', '123456789012345678901234567890'],
    ['1e400 (Infinity once parsed)', '1e400'],
    ['null', 'null'],
    ['true', 'true'],
    ['an array', '[100]'],
    ['an object', '{"value":100}'],
  ];
  for (const [name, json] of amountCases) {
    it(`refuses an amount of ${name} with amount_invalid`, async () => {
      const response = await stack.api('POST', '/v1/payments', `{"amount":${json},"currency":"CNY"}`);
      expectError(response, 400, 'amount_invalid', 'amount');
    });
  }

  it('accepts exactly 10^12 minor units, the largest amount', async () => {
    const response = await stack.api('POST', '/v1/payments', { amount: 1_000_000_000_000, currency: 'CNY' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ amount: 1_000_000_000_000, currency: 'CNY', status: 'requires_payment_method' });
  });

  it('accepts 1 minor unit, the smallest amount', async () => {
    expect((await stack.api('POST', '/v1/payments', { amount: 1, currency: 'CNY' })).status).toBe(200);
  });

  it('refuses an absurd refund amount with amount_invalid', async () => {
    const payment = await newPayment();
    for (const amount of [0, -5, 1e300, 12.5]) {
      expectError(await stack.api('POST', '/v1/refunds', { payment: payment.id, amount }), 400, 'amount_invalid', 'amount');
    }
  });

  const currencyCases: [string, unknown][] = [
    ['XXX (well-formed but unsupported)', 'XXX'],
    ['lower-case cny', 'cny'],
    ['the number 5', 5],
    ['an empty string', ''],
    ['four letters', 'CNYY'],
    ['null', null],
  ];
  for (const [name, currency] of currencyCases) {
    it(`refuses a currency of ${name} with currency_invalid`, async () => {
      expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency }), 400, 'currency_invalid', 'currency');
    });
  }

  it('accepts JPY (no minor unit) and KWD (three decimals)', async () => {
    for (const currency of ['JPY', 'KWD']) {
      const response = await stack.api('POST', '/v1/payments', { amount: 1500, currency });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ amount: 1500, currency });
    }
  });

  const invalidCases: [string, Record<string, unknown>, string][] = [
    ['an array for order', { order: [] }, 'order'],
    ['an array for metadata', { metadata: ['a'] }, 'metadata'],
    ['a number as a metadata value', { metadata: { k: 5 } }, 'metadata.k'],
    ['an unknown capture_method', { capture_method: 'sometimes' }, 'capture_method'],
    ['an expiry beyond a week', { expires_in_seconds: 8 * 24 * 3600 }, 'expires_in_seconds'],
    ['a return_url that is not http(s)', { return_url: 'javascript:alert(1)' }, 'return_url'],
    ['a string for an order item quantity', { order: { reference: 'A', items: [{ name: 'tea', quantity: '2', unit_amount: 1 }] } }, 'order.items.0.quantity'],
  ];
  for (const [name, extra, param] of invalidCases) {
    it(`refuses ${name} with parameter_invalid on ${param}`, async () => {
      expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', ...extra }), 400, 'parameter_invalid', param);
    });
  }

  it('refuses 51 metadata keys (the bound is 50) and accepts 50', async () => {
    const metadata = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', metadata: metadata(51) }), 400, 'parameter_invalid', 'metadata');
    expect((await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', metadata: metadata(50) })).status).toBe(200);
  });

  it('refuses a body that is an array, a string or null with parameter_invalid', async () => {
    for (const raw of ['[1,2]', '"pay"', 'null', '42']) {
      expectError(await stack.api('POST', '/v1/payments', raw), 400, 'parameter_invalid');
    }
  });

  it('refuses a payment_method that is an array', async () => {
    const payment = await newPayment();
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: [] }), 400, 'parameter_invalid', 'payment_method');
  });

  it('refuses card month 13 and a two-digit CVC with parameter_invalid before any provider call', async () => {
    const payment = await newPayment();
    const before = stack.acquirer.stats().requests;
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242', { exp_month: 13 }) }), 400, 'parameter_invalid', 'payment_method.card.exp_month');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242', { cvc: '12' }) }), 400, 'parameter_invalid', 'payment_method.card.cvc');
    expect(stack.acquirer.stats().requests).toBe(before);
  });

  it('refuses a Luhn-invalid number and a past expiry as card errors without a provider call', async () => {
    const payment = await newPayment();
    const before = stack.acquirer.stats().requests;
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424241') }), 402, 'incorrect_number');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242', { exp_year: 2020 }) }), 402, 'expired_card');
    expect(stack.acquirer.stats().requests).toBe(before);
  });

  it('refuses an unknown payment_method.type as parameter_invalid on payment_method.type, not as a missing card', async () => {
    const payment = await newPayment();
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'bitcoin' } });
    expectError(response, 400, 'parameter_invalid', 'payment_method.type');
  });

  it('refuses a wallet PIN of the wrong shape as parameter_invalid on payment_method.wallet.pin', async () => {
    const payment = await newPayment();
    const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: '12' } } });
    expectError(response, 400, 'parameter_invalid', 'payment_method.wallet.pin');
  });

  it('refuses list filters out of range with parameter_invalid', async () => {
    for (const [query, param] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=abc', 'limit'], ['status=paid', 'status'], ['created_gte=yesterday', 'created_gte']]) {
      expectError(await stack.api('GET', `/v1/payments?${query}`), 400, 'parameter_invalid', param);
    }
  });

  it('answers a leap-second timestamp filter (23:59:60, valid RFC 3339) without a 5xx', async () => {
    const response = await stack.api('GET', '/v1/payments?created_gte=2016-12-31T23:59:60Z');
    expect(response.status).toBeLessThan(500);
    if (response.status !== 200) expect(errorProblems(response)).toEqual([]);
  });

  it('answers a NUL character in a text field without a 5xx', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/payments', { amount: 100, currency: 'CNY', description: 'tea\u0000' }],
      ['POST', '/v1/payments', { amount: 100, currency: 'CNY', metadata: { 'k\u0000': 'v' } }],
      ['POST', '/v1/refunds', { payment: 'pay_\u0000' }],
      ['GET', '/v1/payments/pay_%00', undefined],
      ['GET', '/v1/payments?customer=%00', undefined],
    ];
    const answers = [];
    for (const [method, path, body] of cases) {
      const response = await stack.api(method, path, body);
      answers.push({ method, path, status: response.status, code: response.body?.error?.code ?? null });
    }
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  });

  it('answers a lone UTF-16 surrogate in a description without a 5xx', async () => {
    const response = await stack.api('POST', '/v1/payments', '{"amount":100,"currency":"CNY","description":"tea \\ud800"}');
    expect(response.status).toBeLessThan(500);
  });
});

describe('malformed requests', () => {
  it('refuses malformed JSON with json_invalid', async () => {
    for (const raw of ['{"amount": 100,', '{amount: 100}', "{'amount': 100}", '', '{"amount":100}}']) {
      expectError(await stack.api('POST', '/v1/payments', raw), 400, 'json_invalid', null);
    }
  });

  it('refuses JSON that carries __proto__ (prototype poisoning) without creating anything', async () => {
    const response = await stack.api('POST', '/v1/payments', '{"amount":100,"currency":"CNY","__proto__":{"admin":true}}');
    expect(response.status).toBe(400);
    expect(errorProblems(response)).toEqual([]);
  });

  it('refuses a body over 64 KiB with 413 body_too_large, naming the bound', async () => {
    const response = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', description: 'x'.repeat(70_000) });
    const error = expectError(response, 413, 'body_too_large');
    expect(error.message).toContain('65536');
  });

  it('refuses a form-encoded body with 415 media_type_unsupported', async () => {
    const response = await stack.api('POST', '/v1/payments', 'amount=100&currency=CNY', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectError(response, 415, 'media_type_unsupported');
  });

  it('refuses a body with another JSON-like media type (application/vnd.api+json) with 415', async () => {
    const response = await stack.api('POST', '/v1/payments', '{"amount":100,"currency":"CNY"}', { headers: { 'content-type': 'application/vnd.api+json' } });
    expectError(response, 415, 'media_type_unsupported');
  });

  it('refuses a JSON body sent as text/plain with 415, not as a malformed parameter', async () => {
    const response = await stack.api('POST', '/v1/payments', '{"amount":100,"currency":"CNY"}', { headers: { 'content-type': 'text/plain' } });
    expectError(response, 415, 'media_type_unsupported');
  });

  it('answers an unknown route with 404 route_unknown naming method and path', async () => {
    const error = expectError(await stack.api('GET', '/v1/paymentz'), 404, 'route_unknown');
    expect(error.message).toBe('There is no GET /v1/paymentz in this API.');
    expectError(await stack.api('DELETE', '/v1/payments'), 404, 'route_unknown');
    expectError(await stack.api('POST', '/v1/payments/', { amount: 100, currency: 'CNY' }), 404, 'route_unknown');
  });

  it('answers an unknown route with route_unknown even without a key', async () => {
    expectError(await stack.api('GET', '/v1/nowhere', undefined, { key: null }), 404, 'route_unknown');
  });

  it('answers a malformed percent-encoding in the path with a catalogued 400, not the framework default body', async () => {
    const response = await stack.api('GET', '/v1/payments/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(errorProblems(response)).toEqual([]);
  });

  it('answers a payment id longer than the router accepts (over 100 characters) with a catalogued error, not the framework default body', async () => {
    const response = await stack.api('GET', `/v1/payments/pay_${'x'.repeat(120)}`);
    expect(response.status).toBeLessThan(500);
    expect(errorProblems(response)).toEqual([]);
  });
});

describe('authentication and permissions', () => {
  it('refuses a request without a key with 401 api_key_invalid', async () => {
    expectError(await stack.api('GET', '/v1/payments', undefined, { key: null }), 401, 'api_key_invalid');
    expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: null }), 401, 'api_key_invalid');
  });

  it('refuses a well-formed but unknown key with 401', async () => {
    expectError(await stack.api('GET', '/v1/payments', undefined, { key: `sk_test_${'A'.repeat(32)}` }), 401, 'api_key_invalid');
  });

  it('refuses malformed keys and other schemes with 401', async () => {
    for (const key of ['sk_test_short', 'sk_prod_' + 'A'.repeat(32), stack.secretKey + 'x', 'Bearer', '\u00e9']) {
      expectError(await stack.api('GET', '/v1/payments', undefined, { key }), 401, 'api_key_invalid');
    }
    const basic = `Basic ${Buffer.from(`${stack.secretKey}:`).toString('base64')}`;
    expectError(await stack.api('GET', '/v1/payments', undefined, { key: null, headers: { authorization: basic } }), 401, 'api_key_invalid');
    expectError(await stack.api('GET', '/v1/payments', undefined, { key: null, headers: { authorization: stack.secretKey } }), 401, 'api_key_invalid');
  });

  it('checks the key before the body: bad JSON without a key is 401, not 400', async () => {
    expectError(await stack.api('POST', '/v1/payments', '{not json', { key: null }), 401, 'api_key_invalid');
  });

  it('refuses a publishable key on create, list and refund with 403 permission_denied, creating nothing', async () => {
    const merchant = await stack.newMerchant();
    expectError(await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: merchant.publishableKey }), 403, 'permission_denied');
    expectError(await stack.api('GET', '/v1/payments', undefined, { key: merchant.publishableKey }), 403, 'permission_denied');
    expectError(await stack.api('POST', '/v1/refunds', { payment: 'pay_x' }, { key: merchant.publishableKey }), 403, 'permission_denied');
    expect(await countPayments(merchant.merchant.merchantId)).toBe(0);
  });

  it('asks a publishable key for client_secret on confirm, retrieve and cancel (parameter_missing)', async () => {
    const payment = await newPayment();
    const pk = { key: stack.publishableKey };
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, pk), 400, 'parameter_missing', 'client_secret');
    expectError(await stack.api('GET', `/v1/payments/${payment.id}`, undefined, pk), 400, 'parameter_missing', 'client_secret');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/cancel`, {}, pk), 400, 'parameter_missing', 'client_secret');
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('requires_payment_method');
  });

  it('answers a wrong client_secret exactly like a missing payment (404 resource_missing), and charges nothing', async () => {
    const payment = await newPayment();
    const other = await newPayment();
    const pk = { key: stack.publishableKey };
    const before = stack.acquirer.stats().requests;
    const wrongSecrets = ['nope', other.client_secret, payment.client_secret.slice(0, -1) + (payment.client_secret.endsWith('A') ? 'B' : 'A')];
    for (const secret of wrongSecrets) {
      const confirm = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), client_secret: secret }, pk);
      const error = expectError(confirm, 404, 'resource_missing', 'id');
      expect(error.message).toBe(`No such payment: ${payment.id}.`);
      expectError(await stack.api('GET', `/v1/payments/${payment.id}?client_secret=${encodeURIComponent(secret)}`, undefined, pk), 404, 'resource_missing', 'id');
      expectError(await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { client_secret: secret }, pk), 404, 'resource_missing', 'id');
    }
    const missingId = 'pay_00000000000000000000000000';
    const missing = await stack.api('POST', `/v1/payments/${missingId}/confirm`, { payment_method: card('4242424242424242'), client_secret: 'nope' }, pk);
    const missingError = expectError(missing, 404, 'resource_missing', 'id');
    expect(missingError.message).toBe(`No such payment: ${missingId}.`);
    expect(stack.acquirer.stats().requests).toBe(before);
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('requires_payment_method');
  });

  it('lets a publishable key with the right client_secret retrieve and confirm', async () => {
    const payment = await newPayment();
    const pk = { key: stack.publishableKey };
    expect((await stack.api('GET', `/v1/payments/${payment.id}?client_secret=${payment.client_secret}`, undefined, pk)).status).toBe(200);
    const confirmed = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), client_secret: payment.client_secret }, pk);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('succeeded');
  });
});

describe('missing resources and tenant isolation', () => {
  it('answers an unknown payment id with 404 resource_missing', async () => {
    const error = expectError(await stack.api('GET', '/v1/payments/pay_00000000000000000000000000'), 404, 'resource_missing', 'id');
    expect(error.message).toBe('No such payment: pay_00000000000000000000000000.');
    expectError(await stack.api('POST', '/v1/payments/pay_nope/confirm', { payment_method: card('4242424242424242') }), 404, 'resource_missing');
    expectError(await stack.api('POST', '/v1/payments/pay_nope/cancel', {}), 404, 'resource_missing');
    expectError(await stack.api('POST', '/v1/refunds', { payment: 'pay_nope' }), 404, 'resource_missing', 'payment');
  });

  it("never shows another merchant's payment to a test-mode key", async () => {
    const payment = await newPayment();
    const other = await stack.newMerchant();
    const key = { key: other.secretKey };
    expectError(await stack.api('GET', `/v1/payments/${payment.id}`, undefined, key), 404, 'resource_missing');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, key), 404, 'resource_missing');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/cancel`, {}, key), 404, 'resource_missing');
    expectError(await stack.api('GET', `/v1/payments/${payment.id}/attempts`, undefined, key), 404, 'resource_missing');
    const list = await stack.api('GET', '/v1/payments?limit=100', undefined, key);
    expect(list.body.data.map((p: { id: string }) => p.id)).not.toContain(payment.id);
    // Even with the payment's own client_secret, another merchant's publishable key finds nothing.
    const viaPk = await stack.api('GET', `/v1/payments/${payment.id}?client_secret=${payment.client_secret}`, undefined, { key: other.publishableKey });
    expectError(viaPk, 404, 'resource_missing');
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('requires_payment_method');
  });

  it('never shows a test-mode payment to the same merchant\'s live key', async () => {
    const payment = await newPayment();
    const live = stack.merchant.keys.secret_live;
    expectError(await stack.api('GET', `/v1/payments/${payment.id}`, undefined, { key: live }), 404, 'resource_missing');
    expectError(await stack.api('POST', `/v1/payments/${payment.id}/cancel`, {}, { key: live }), 404, 'resource_missing');
  });
});

describe('languages', () => {
  const missingAmount = {
    en: { message: 'The required parameter amount is missing.', suggestion: 'Add amount to the request and send it again.' },
    'zh-CN': { message: '缺少必填参数 amount。', suggestion: '请在请求中加入 amount 后重新发送。' },
    'zh-TW': { message: '缺少必填參數 amount。', suggestion: '請在請求中加入 amount 後重新傳送。' },
  };
  const cases: [string, keyof typeof missingAmount][] = [
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['fr', 'en'],
    ['fr;q=1, zh-TW;q=0.5', 'zh-TW'],
    ['en;q=0.2, zh-CN;q=0.9', 'zh-CN'],
    ['zh-CN;q=0, en', 'en'],
    ['*', 'en'],
    ['', 'en'],
  ];
  for (const [header, locale] of cases) {
    it(`answers Accept-Language "${header}" in ${locale}`, async () => {
      const response = await stack.api('POST', '/v1/payments', { currency: 'CNY' }, { headers: { 'accept-language': header } });
      const error = expectError(response, 400, 'parameter_missing', 'amount');
      expect({ message: error.message, suggestion: error.suggestion }).toEqual(missingAmount[locale]);
    });
  }

  it('writes Simplified and Traditional differently, and fills every placeholder', async () => {
    const lang = (l: string) => ({ headers: { 'accept-language': l } });
    const simplified = expectError(await stack.api('GET', '/v1/nope', undefined, lang('zh-CN')), 404, 'route_unknown');
    const traditional = expectError(await stack.api('GET', '/v1/nope', undefined, lang('zh-TW')), 404, 'route_unknown');
    expect(simplified.message).toBe('此 API 没有 GET /v1/nope。');
    expect(traditional.message).toBe('此 API 沒有 GET /v1/nope。');
    expect(simplified.suggestion).toBe('请对照 /docs 的 API 文档检查请求方法和路径。');
    expect(traditional.suggestion).toBe('請對照 /docs 的 API 文件檢查請求方法與路徑。');
    const invalid = expectError(await stack.api('GET', '/v1/payments?limit=0', undefined, lang('zh-TW')), 400, 'parameter_invalid', 'limit');
    expect(invalid.message).toMatch(/^參數 limit 無效：.+。$/);
    expect(invalid.message).not.toMatch(placeholder);
    const unknown = expectError(await stack.api('POST', '/v1/payments', { amount: 1, currency: 'CNY', x: 1 }, lang('zh-CN')), 400, 'parameter_unknown', 'x');
    expect(unknown.message).toBe('无法识别参数 x。');
    expect(unknown.suggestion).toBe('请删除 x，或对照 API 文档检查拼写。');
    const tooLarge = expectError(await stack.api('POST', '/v1/payments', { amount: 1, currency: 'CNY', description: 'x'.repeat(70_000) }, lang('zh-TW')), 413, 'body_too_large');
    expect(tooLarge.message).toBe('請求內容超過 65536 位元組。');
    const auth = expectError(await stack.api('GET', '/v1/payments', undefined, { key: null, ...lang('zh-TW') }), 401, 'api_key_invalid');
    expect(auth.message).toBe('未提供有效的 API 金鑰。');
  });

  it('explains a payment in the wrong state in Chinese without an untranslated English verb', async () => {
    const payment = await newPayment();
    expect((await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') })).status).toBe(200);
    for (const locale of ['zh-CN', 'zh-TW']) {
      const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, { headers: { 'accept-language': locale } });
      const error = expectError(response, 409, 'payment_unexpected_state');
      expect(error.payment).toBe(payment.id);
      expect(error.message).toMatch(locale === 'zh-CN' ? /^此付款当前状态为 succeeded，/ : /^此付款目前狀態為 succeeded，/);
      // The status is an API value and may stay as it is; the action is prose and must be in the reader's language.
      expect(error.message).not.toMatch(/confirmed/);
    }
  });

  const declined = {
    en: { message: 'The card has insufficient funds.', suggestion: 'Try another card or payment method, or contact your bank.' },
    'zh-CN': { message: '银行卡余额不足。', suggestion: '请换一张卡或其他支付方式，或联系发卡银行。' },
    'zh-TW': { message: '卡片餘額不足。', suggestion: '請改用其他卡片或支付方式，或聯絡發卡銀行。' },
  };
  for (const locale of ['en', 'zh-CN', 'zh-TW'] as const) {
    it(`explains a card declined for insufficient funds in ${locale}, on the answer and on the payment`, async () => {
      const payment = await newPayment();
      const lang = { headers: { 'accept-language': locale } };
      const response = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000009995') }, lang);
      const error = expectError(response, 402, 'card_declined', null);
      expect(error).toMatchObject({ type: 'card_error', decline_code: 'insufficient_funds', payment: payment.id, ...declined[locale] });
      const retrieved = await stack.api('GET', `/v1/payments/${payment.id}`, undefined, lang);
      expect(retrieved.body.status).toBe('requires_payment_method');
      expect(retrieved.body.last_error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds', ...declined[locale] });
    });
  }

  it('shows a payer a generic decline for a lost card, in their language, while the merchant sees lost_card', async () => {
    const payment = await newPayment();
    const payer = await stack.api(
      'POST',
      `/v1/payments/${payment.id}/confirm`,
      { payment_method: card('4000000000009987'), client_secret: payment.client_secret },
      { key: stack.publishableKey, headers: { 'accept-language': 'zh-TW' } },
    );
    const error = expectError(payer, 402, 'card_declined');
    expect(error).toMatchObject({ decline_code: 'generic_decline', message: '信用卡被拒絕。', suggestion: '請改用其他卡片或支付方式，或聯絡發卡銀行。' });
    expect(JSON.stringify(payer.body)).not.toMatch(/lost/);
    const payerView = await stack.api('GET', `/v1/payments/${payment.id}?client_secret=${payment.client_secret}`, undefined, { key: stack.publishableKey });
    expect(payerView.body.last_error.decline_code).toBe('generic_decline');
    const merchantView = await stack.api('GET', `/v1/payments/${payment.id}`, undefined, { headers: { 'accept-language': 'zh-CN' } });
    expect(merchantView.body.last_error).toMatchObject({ decline_code: 'lost_card', message: '银行卡被拒绝。' });
  });

  it('shows a payer a generic decline for a stolen card', async () => {
    const payment = await newPayment();
    const payer = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000009979'), client_secret: payment.client_secret }, { key: stack.publishableKey });
    expect(expectError(payer, 402, 'card_declined').decline_code).toBe('generic_decline');
  });
});

describe('robustness', () => {
  it('answers 200 seeded odd requests without a 5xx, each failure a catalogued error', async () => {
    const seed = Number(process.env.PAYPILOT_FUZZ_SEED ?? 20_260_101);
    const random = seededGenerator(seed);
    const payment = await newPayment();
    const paid = await newPayment();
    expect((await stack.api('POST', `/v1/payments/${paid.id}/confirm`, { payment_method: card('4242424242424242') })).status).toBe(200);
    const oddStrings = [
      '', ' ', 'a', 'x'.repeat(70), 'x'.repeat(5000), '\u0000', 'pay_\u0000', '\ud800', '😀', '支付', '<script>alert(1)</script>',
      "' OR 1=1 --", '%00', '../../etc/passwd', 'pay_nope', payment.id, paid.id, 'NaN', 'Infinity', '-1', '1e3', 'CNY', 'cny',
      '2016-12-31T23:59:60Z', '2024-02-30T00:00:00Z', '2024-01-01T00:00:00Z', 'card', 'requires_payment_method', '__proto__',
      'https://example.com/\u0000', 'http://', '4242424242424242', '000000',
    ];
    const oddNumbers = [0, -1, 1, 1.5, 100, 1e12, 1e12 + 1, 1e300, -0, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 13, 2100, 0.1, 60, 604_800];
    const fieldNames = [
      'amount', 'currency', 'capture_method', 'payment_method_types', 'customer', 'order', 'description', 'metadata', 'return_url',
      'expires_in_seconds', 'payment_method', 'otp', 'client_secret', 'payment', 'reason', 'type', 'card', 'number', 'exp_month',
      'exp_year', 'cvc', 'reference', 'items', 'unknown_field', '__proto__', 'constructor',
    ];
    const oddValue = (depth = 0): unknown => {
      switch (random.int(depth > 1 ? 4 : 6)) {
        case 0: return random.pick(oddStrings);
        case 1: return random.pick(oddNumbers);
        case 2: return random.pick([true, false, null]);
        case 3: return random.pick([[], {}, [1], ['card']]);
        case 4: return Array.from({ length: random.int(3) }, () => oddValue(depth + 1));
        default: return Object.fromEntries(Array.from({ length: random.int(3) }, () => [random.pick(fieldNames), oddValue(depth + 1)]));
      }
    };
    // Valid requests, so that a mutation or two still reaches the flows and the database.
    const validBodies: Record<'create' | 'confirm' | 'refund', () => Record<string, unknown>> = {
      create: () => ({
        amount: 1000,
        currency: 'CNY',
        description: 'tea',
        order: { reference: 'R-1', description: 'order', items: [{ name: 'tea', quantity: 1, unit_amount: 1000 }] },
        metadata: { k: 'v' },
        return_url: 'https://shop.example/return',
      }),
      confirm: () => ({ payment_method: card(random.pick(['4242424242424242', '4000000000000002', '4242424242424241', '4000000000000069'])), return_url: 'https://shop.example/r' }),
      refund: () => ({ payment: random.pick([paid.id, payment.id, 'pay_nope']), amount: 1, reason: 'other' }),
    };
    /** Every place in a JSON value that holds a string or a number, as a path of keys. */
    const leaves = (value: unknown, path: (string | number)[] = []): (string | number)[][] => {
      if (typeof value === 'string' || typeof value === 'number') return [path];
      if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, Array.isArray(value) ? Number(k) : k]));
      return [];
    };
    const objects = (value: unknown): Record<string, unknown>[] =>
      value && typeof value === 'object' ? [...(Array.isArray(value) ? [] : [value as Record<string, unknown>]), ...Object.values(value).flatMap(objects)] : [];
    const mutate = (body: Record<string, unknown>): unknown => {
      const result: Record<string, any> = structuredClone(body);
      for (let i = 0, n = 1 + random.int(2); i < n; i += 1) {
        const choice = random.int(20);
        if (choice < 9) {
          // Same type, odd value: the request keeps its shape and goes deep.
          const path = random.pick(leaves(result));
          if (path.length === 0) continue;
          const parent = path.slice(0, -1).reduce((o: any, k) => o[k], result);
          const key = path[path.length - 1] as string;
          parent[key] = typeof parent[key] === 'number' ? random.pick(oddNumbers) : random.pick(oddStrings);
        } else if (choice < 13) {
          random.pick(objects(result))[random.pick(fieldNames)] = oddValue();
        } else if (choice < 16) {
          const target = random.pick(objects(result));
          const keys = Object.keys(target);
          if (keys.length > 0) delete target[random.pick(keys)];
        } else if (choice < 19) {
          const target = random.pick(objects(result));
          const keys = Object.keys(target);
          if (keys.length > 0) target[random.pick(keys)] = oddValue();
        } else {
          return oddValue();
        }
      }
      return result;
    };
    const rawBodies = ['{', '{"amount":', '[', '"', 'null', '{"amount":100,"currency":"CNY"', '\u0000', '{"a":1}{"b":2}', 'undefined', '{"amount":1e999,"currency":"CNY"}', '{"amount":100,"currency":"CNY","description":"\\ud800"}'];
    const contentTypes = ['application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'];
    const key = () => (random.int(10) === 0 ? random.pick([stack.publishableKey, null, 'sk_test_nope', `sk_test_${'Z'.repeat(32)}`]) : stack.secretKey);
    // A lone surrogate has no UTF-8 form: send the bytes a careless client would (CESU-8), itself an odd input.
    const encode = (text: string): string => (text.isWellFormed() ? encodeURIComponent(text) : '%ED%A0%80');
    const dates = ['2016-12-31T23:59:60Z', '2024-01-01T00:00:00+14:00', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2024-01-01T00:00:00.123456789Z', '2024-01-01 00:00:00Z', '2024-13-01T00:00:00Z', 'now'];
    const queryPools: Record<string, () => unknown> = {
      limit: () => random.pick([...oddNumbers, 'abc', '', '1e1']),
      starting_after: () => random.pick(oddStrings),
      status: () => random.pick(['succeeded', 'paid', '', 'CANCELED', '\u0000']),
      customer: () => random.pick(oddStrings),
      created_gte: () => random.pick(dates),
      created_lt: () => random.pick(dates),
      colour: () => 'red',
    };

    const problems: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const target = random.pick(['create', 'confirm', 'refund', 'list'] as const);
      let method = 'POST';
      let path: string;
      let body: unknown;
      const headers: Record<string, string> = {};
      if (target === 'list') {
        method = 'GET';
        const names = Object.keys(queryPools);
        const pairs = Array.from({ length: 1 + random.int(3) }, () => {
          const name = random.pick(names);
          return `${name}=${encode(String(queryPools[name]!()))}`;
        });
        if (random.int(10) === 0) pairs.push(random.pick(['%', '%zz', '&&', '=', 'limit=1&limit=2', 'limit[]=1']));
        path = `/v1/payments?${pairs.join('&')}`;
      } else {
        const id = random.int(6) === 0 ? encode(String(random.pick(oddStrings))) || 'x' : random.pick([payment.id, paid.id]);
        path = target === 'create' ? '/v1/payments' : target === 'refund' ? '/v1/refunds' : `/v1/payments/${id}/confirm`;
        body = random.int(10) === 0 ? random.pick(rawBodies) : JSON.stringify(mutate(validBodies[target]()));
        if (random.int(12) === 0) headers['content-type'] = random.pick(contentTypes);
        if (random.int(6) === 0) headers['idempotency-key'] = random.pick(['k', 'x'.repeat(256), `fuzz-${i}`, ' ']);
      }
      if (random.int(5) === 0) headers['accept-language'] = random.pick(['zh-CN', 'zh-TW', 'fr;q=0.1, zh-HK', 'x'.repeat(300), ';;;q=abc']);
      const response = await stack.api(method, path, body, { key: key(), headers });
      const label = `#${i} ${method} ${path.slice(0, 90)} ${typeof body === 'string' ? body.slice(0, 300) : ''} ${JSON.stringify(headers).slice(0, 60)}`;
      if (response.status >= 500) problems.push(`${label} → ${response.status} ${response.body?.error?.code ?? ''}`);
      else if (response.status >= 300) {
        const found = errorProblems(response);
        if (found.length > 0) problems.push(`${label} → ${response.status}: ${found.join('; ')}`);
      }
    }
    expect(problems, `seed ${seed}`).toEqual([]);
  });
});
