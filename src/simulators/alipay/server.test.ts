/**
 * The simulated Alipay on its own, over real sockets: the gateway's refusals,
 * its signed answers, the control route, the resend schedule's bound, and a
 * close() that stops every timer.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedParams } from '../../connectors/alipay/alipay-connector.ts';
import { extractMemberText, verifyRsa2 } from '../../connectors/alipay/signature.ts';
import { notificationAttemptsMax, resendDelaysMs } from './notifications.ts';
import { startAlipaySimulator } from './server.ts';
import type { AlipayMerchantCredentials, AlipaySimulator } from './server.ts';

/** A notify_url that records each post's arrival and answers `fail`. */
let posts: { atMs: number; body: string }[] = [];
let notifyServer: Server;
let notifyUrl: string;

beforeAll(async () => {
  notifyServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      posts.push({ atMs: Date.now(), body });
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('fail');
    });
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/n`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => notifyServer.close(() => resolve()));
});

const started: AlipaySimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((simulator) => simulator.close()));
  posts = [];
});

async function start(notifyDelayScale = 1): Promise<{ alipay: AlipaySimulator; merchant: AlipayMerchantCredentials }> {
  const alipay = await startAlipaySimulator({ notifyDelayScale });
  started.push(alipay);
  return { alipay, merchant: alipay.registerMerchant() };
}

async function post(url: string, params: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/gateway.do`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, text: await response.text() };
}

function signed(merchant: AlipayMerchantCredentials, method: string, biz: Record<string, string>, extra: Record<string, string> = {}) {
  return signedParams({ appId: merchant.app_id, privateKey: merchant.private_key }, method, biz, extra, Date.now());
}

async function precreateAndPay(alipay: AlipaySimulator, merchant: AlipayMerchantCredentials, orderNumber: string): Promise<void> {
  const biz = { out_trade_no: orderNumber, total_amount: '1.00', subject: '<script>x</script>' };
  const answer = await post(alipay.url, signed(merchant, 'alipay.trade.precreate', biz, { notify_url: notifyUrl }));
  expect(JSON.parse(answer.text).alipay_trade_precreate_response.code).toBe('10000');
  alipay.payer(orderNumber).pay();
}

describe('the gateway', () => {
  it('refuses a request whose signature fails with 40002 isv.invalid-signature, in a signed answer', async () => {
    const { alipay, merchant } = await start();
    const params = signed(merchant, 'alipay.trade.query', { out_trade_no: 'ORDER0001' });
    const answer = await post(alipay.url, { ...params, timestamp: '2020-01-01 00:00:00' });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text);
    expect(body.alipay_trade_query_response).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
    const text = extractMemberText(answer.text, 'alipay_trade_query_response');
    expect(verifyRsa2(text!, body.sign, merchant.alipay_public_key)).toBe(true);
    expect(alipay.stats().invalidSignatures).toBe(1);
  });

  it('refuses an unknown app_id and answers an unknown method under error_response', async () => {
    const { alipay, merchant } = await start();
    const unknownApp = await post(alipay.url, { ...signed(merchant, 'alipay.trade.query', {}), app_id: '2021000000000000' });
    expect(JSON.parse(unknownApp.text).alipay_trade_query_response.sub_code).toBe('isv.invalid-app-id');
    const unknownMethod = await post(alipay.url, signed(merchant, 'alipay.trade.nothing', {}));
    expect(JSON.parse(unknownMethod.text).error_response.sub_code).toBe('isv.invalid-method');
  });

  it('escapes the subject on the payer page', async () => {
    const { alipay, merchant } = await start();
    await post(alipay.url, signed(merchant, 'alipay.trade.precreate', { out_trade_no: 'ESC00001', total_amount: '1.00', subject: '<b>x</b>' }));
    const html = await (await fetch(`${alipay.url}/pay/ESC00001`)).text();
    expect(html).toContain('&#60;b&#62;x');
    expect(html).not.toContain('<b>x</b>');
  });

  it('sets faults through the control route and refuses unknown ones', async () => {
    const { alipay, merchant } = await start();
    const set = await fetch(`${alipay.url}/_control/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ failNext: 1, failMode: 'error_500' }),
    });
    expect(set.status).toBe(200);
    const bad = await fetch(`${alipay.url}/_control/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ explode: true }),
    });
    expect(bad.status).toBe(400);
    expect((await post(alipay.url, signed(merchant, 'alipay.trade.query', { out_trade_no: 'A' }))).status).toBe(500);
    expect((await post(alipay.url, signed(merchant, 'alipay.trade.query', { out_trade_no: 'A' }))).status).toBe(200);
    expect(() => alipay.setFaults({ failMode: 'explode' as never })).toThrow();
  });
});

describe('notifications', () => {
  it('follows Alipay’s schedule: 8 attempts at most, at growing intervals, then gives up', async () => {
    expect(resendDelaysMs).toEqual([240_000, 600_000, 600_000, 3_600_000, 7_200_000, 21_600_000, 54_000_000]);
    // 25.3 h scaled to about 0.9 s.
    const { alipay, merchant } = await start(0.00001);
    await precreateAndPay(alipay, merchant, 'SCHED0001');
    const deadline = Date.now() + 10_000;
    while (alipay.stats().notificationsAbandoned === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts).toHaveLength(notificationAttemptsMax);
    expect(alipay.stats()).toMatchObject({ notificationPosts: 8, notificationsAcknowledged: 0, notificationsAbandoned: 1 });
    const gaps = posts.slice(1).map((each, index) => each.atMs - posts[index]!.atMs);
    // The 15 h wait (540 ms scaled) is the longest; the 4 min one (2.4 ms) the shortest.
    expect(gaps[6]).toBeGreaterThan(gaps[0]!);
    expect(gaps[6]).toBeGreaterThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(posts).toHaveLength(8);
  });

  it('close() ends promptly and cancels the resends still waiting', async () => {
    const { alipay, merchant } = await start(1);
    await precreateAndPay(alipay, merchant, 'CLOSE0001');
    const deadline = Date.now() + 5_000;
    while (posts.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(posts).toHaveLength(1);
    const before = Date.now();
    await alipay.close();
    started.splice(0);
    expect(Date.now() - before).toBeLessThan(1_000);
  });
});
