/**
 * Logs never hold a secret. The API (at `trace`, to a captured stream) and
 * the worker (at `trace`, captured) see a payer's whole journey: a checkout
 * created, polled with its client_secret, confirmed with a card that asks
 * for a one-time code, the order page opened with its token, a wallet paid
 * with a PIN (a wrong one first), an Alipay notification with its signature,
 * a malformed HTTP request carrying a key, a body that is not JSON quoting a
 * card number, and an unknown route with a token in its query. Then the
 * whole log is searched for every secret used: none may appear.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import net from 'node:net';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { startStack, type Stack } from '../support/stack.ts';

const apiLog: string[] = [];
const workerLog: string[] = [];
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let recorder: { url: string; bodies: string[]; server: Server };

beforeAll(async () => {
  stack = await startStack({ instantRetries: true, log: { level: 'trace', destination: { write: (line) => void apiLog.push(line) } } });
  alipay = await startAlipaySimulator({ notifyDelayScale: 0.0001 });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'trace', logWriter: (_level, line) => void workerLog.push(line) });
  recorder = await startRecordingProxy(stack.url);
});

afterAll(async () => {
  await worker?.stop();
  await alipay?.close();
  await new Promise((resolve) => recorder?.server.close(resolve));
  await stack?.close();
});

/** Forwards everything to the API and keeps each body it carried, so the test knows the signature a provider sent. */
async function startRecordingProxy(target: string): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('utf8'));
      const forwarded = httpRequest(`${target}${incoming.url}`, { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forwarded.on('error', () => outgoing.writeHead(502).end());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, bodies, server };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends bytes that are not valid HTTP (a header without a colon), after a request line and a key. */
function sendMalformedRequest(url: string, requestLine: string, authorization: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(`${requestLine}\r\nHost: ${hostname}\r\nAuthorization: ${authorization}\r\nBroken header line\r\n\r\n`));
    socket.on('data', () => socket.end());
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** Where a secret stands in a log line: not inside a longer word or number (a 6-digit code inside a timestamp is not a leak). */
function occurs(text: string, secret: string): boolean {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9.])${escaped}(?![A-Za-z0-9])`).test(text);
}

describe('logs at trace level', () => {
  it('hold none of the keys, client secret, order token, PIN, card number, CVC, one-time code or notify signature used', async () => {
    const m = await stack.newMerchant({ name: 'Quiet Shop' });
    const asMerchant = { key: m.secretKey };
    const asPayer = { key: m.publishableKey };
    const alipayCredentials = alipay.registerMerchant();
    const account = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: alipay.url, credentials: alipayCredentials }, asMerchant);
    expect(account.status, JSON.stringify(account.body)).toBe(200);
    const customer = (await stack.api('POST', '/v1/customers', { name: 'Zhou Min', email: 'zhou.min@example.com' }, asMerchant)).body.id as string;

    // The hosted checkout: created by the merchant, polled and confirmed by the payer with the client secret.
    const cardNumber = '4000002760003184';
    const cvc = '739';
    const cardOtp = '000000';
    const payment = (await stack.api('POST', '/v1/payments', { amount: 2599, currency: 'USD', customer }, asMerchant)).body;
    const clientSecret = payment.client_secret as string;
    expect(clientSecret.length).toBeGreaterThan(10);
    const query = `client_secret=${encodeURIComponent(clientSecret)}`;
    expect((await stack.api('GET', `/v1/payments/${payment.id}?${query}`, undefined, asPayer)).status).toBe(200);
    expect((await stack.api('GET', `/v1/payments/${payment.id}/checkout?${query}`, undefined, asPayer)).status).toBe(200);
    const card = { type: 'card', card: { number: cardNumber, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc } };
    const asked = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { client_secret: clientSecret, payment_method: card }, asPayer);
    expect(asked.body, JSON.stringify(asked.body)).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_otp' } });
    const paid = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { client_secret: clientSecret, otp: cardOtp }, asPayer);
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    expect((await stack.api('GET', `/v1/payments/${payment.id}?${query}`, undefined, asPayer)).body.status).toBe('succeeded');

    // The order page, as the payer's email links it.
    const token = orderPageToken(payment.id, stack.context.keys.orderPage);
    expect((await stack.api('GET', `/v1/orders/${payment.id}?token=${token}`, undefined, { key: null })).status).toBe(200);
    expect((await fetch(`${stack.url}/orders/${payment.id}?token=${token}`)).status).toBe(200);

    // A wallet topped up by card, then paid with a wrong PIN and the right one.
    const pin = '582046';
    const wrongPin = '582047';
    expect((await stack.api('PUT', `/v1/customers/${customer}/wallet/pin`, { pin }, asMerchant)).status).toBe(200);
    const topUp = (await stack.api('POST', `/v1/customers/${customer}/wallet/top_ups`, { amount: 5_000, currency: 'CNY' }, asMerchant)).body;
    const topUpCard = { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc } };
    expect((await stack.api('POST', `/v1/payments/${topUp.id}/confirm`, { payment_method: topUpCard }, asMerchant)).body.status).toBe('succeeded');
    const fromWallet = (await stack.api('POST', '/v1/payments', { amount: 800, currency: 'CNY', customer }, asMerchant)).body;
    const wrong = await stack.api('POST', `/v1/payments/${fromWallet.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: wrongPin } } }, asMerchant);
    expect(wrong.body.error?.code).toBe('incorrect_pin');
    const walletPaid = await stack.api('POST', `/v1/payments/${fromWallet.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin } } }, asMerchant);
    expect(walletPaid.body.status, JSON.stringify(walletPaid.body)).toBe('succeeded');

    // Alipay: the notification reaches the API through the recording proxy, signed; the worker applies it.
    stack.context.publicBaseUrl = recorder.url;
    const qr = (await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY' }, asMerchant)).body;
    const viaAlipay = await stack.api('POST', `/v1/payments/${qr.id}/confirm`, { payment_method: { type: 'alipay' } }, asMerchant);
    stack.context.publicBaseUrl = stack.url;
    expect(viaAlipay.body.status, JSON.stringify(viaAlipay.body)).toBe('requires_action');
    const attempts = await stack.api('GET', `/v1/payments/${qr.id}/attempts`, undefined, asMerchant);
    alipay.payer(orderNumberOf(attempts.body.data[0].id)).pay();
    const settled = await waitFor(async () => (await stack.api('GET', `/v1/payments/${qr.id}`, undefined, asMerchant)).body, (p) => p.status === 'succeeded');
    expect(settled.status).toBe('succeeded');
    const notification = recorder.bodies.map((body) => new URLSearchParams(body)).find((form) => form.get('sign') && form.get('notify_id'));
    const notifySignature = notification?.get('sign') ?? '';
    expect(notifySignature.length).toBeGreaterThan(100);

    // What a careless client or an attacker sends: a broken request with a key, a body that is not JSON, an unknown route.
    await sendMalformedRequest(stack.url, `GET /v1/payments/${payment.id}?${query} HTTP/1.1`, `Bearer ${m.secretKey}`);
    const broken = await stack.api('POST', `/v1/payments/${qr.id}/confirm`, `{"payment_method":{"type":"card","card":{"number":"${cardNumber}","cvc":"${cvc}"`, asMerchant);
    expect(broken.status).toBe(400);
    expect((await stack.api('GET', `/v1/nowhere?token=${token}&${query}`, undefined, asPayer)).status).toBe(404);
    // Let the worker finish what it was doing (the payer's emails, the notification) so its lines are in.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const log = [...apiLog, ...workerLog].join('\n');
    // The log is there and says what happened, with the query's names but not its values.
    expect(apiLog.length).toBeGreaterThan(50);
    expect(workerLog.length).toBeGreaterThan(0);
    expect(log).toContain(`"url":"/v1/payments/${payment.id}?client_secret=[redacted]"`);
    expect(log).toContain(`"url":"/orders/${payment.id}?token=[redacted]"`);
    expect(log).toContain('/v1/notify/');
    const privateKeyBody = alipayCredentials.private_key.replace(/-----[^-]+-----|\s/g, '').slice(64, 128);
    const secrets: Record<string, string> = {
      'secret key': m.secretKey,
      'publishable key': m.publishableKey,
      'connector credential (acquirer key)': 'sk_sim_card_test',
      'connector credential (Alipay private key)': privateKeyBody,
      'client secret': clientSecret,
      'client secret, URL-encoded': encodeURIComponent(clientSecret),
      'order token': token,
      PIN: pin,
      'wrong PIN': wrongPin,
      'card number': cardNumber,
      'top-up card number': '4242424242424242',
      // Three digits alone also turn up as durations ("responseTime":739.4): the CVC is searched as a value, as it would leak.
      CVC: `"${cvc}"`,
      'CVC, form-encoded': `cvc=${cvc}`,
      'one-time code': cardOtp,
      'notify signature': notifySignature,
      'notify signature, form-encoded': new URLSearchParams({ s: notifySignature }).toString().slice(2),
    };
    for (const [what, secret] of Object.entries(secrets)) expect(occurs(log, secret), `${what} is in the log`).toBe(false);
  }, 60_000);
});
