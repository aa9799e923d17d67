/**
 * The simulated WeChat Pay's protocol spoken directly over HTTP: request
 * signatures, signed answers, the payer page, the fault controls, the bill's
 * raw layout, and a close() that stops resends. The connector's tests cover
 * the same server through the connector.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizationHeader, requestSigningMessage, signMessage, verifyWechatpaySignature } from '../../connectors/wechat-pay/signing.ts';
import { beijingDate, beijingRfc3339, tradeBillColumns } from '../../connectors/wechat-pay/wire.ts';
import { startWechatPaySimulator } from './server.ts';
import type { WechatPayMerchantCredentials, WechatPaySimulator } from './server.ts';

let wechat: WechatPaySimulator;
let merchant: WechatPayMerchantCredentials;

beforeAll(async () => {
  wechat = await startWechatPaySimulator({ notifyDelayScale: 0.001, refundSettleMs: 20 });
  merchant = wechat.registerMerchant();
});

afterAll(async () => {
  await wechat.close();
});

beforeEach(() => {
  wechat.reset();
});

interface Answer {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

async function call(method: 'GET' | 'POST', path: string, options: { body?: unknown; sign?: 'merchant' | 'wrong' | 'none'; base?: string } = {}): Promise<Answer> {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const sign = options.sign ?? 'merchant';
  if (sign !== 'none') {
    const message = requestSigningMessage({ method, pathWithQuery: path, timestamp, nonce, body: sign === 'wrong' ? `${body} ` : body });
    const signature = signMessage(message, merchant.private_key);
    headers.Authorization = authorizationHeader({ mchid: merchant.mchid, nonce_str: nonce, timestamp, serial_no: merchant.serial_no, signature });
  }
  const response = await fetch(`${options.base ?? wechat.url}${path}`, { method, headers, body: options.body === undefined ? undefined : body });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, text, body: parsed, headers: response.headers };
}

function orderBody(outTradeNo: string, overrides: Record<string, unknown> = {}) {
  return {
    appid: merchant.appid,
    mchid: merchant.mchid,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    time_expire: beijingRfc3339(Date.now() + 600_000),
    notify_url: 'http://127.0.0.1:9/notify',
    amount: { total: 100, currency: 'CNY' },
    ...overrides,
  };
}

function verified(answer: Answer): boolean {
  return verifyWechatpaySignature({
    headers: answer.headers,
    body: answer.text,
    platformPublicKey: merchant.platform_public_key,
    platformSerial: merchant.platform_serial,
    nowMs: Date.now(),
  }).ok;
}

describe('requests and answers', () => {
  it('registers merchants with their own keys and a 32-character APIv3 key', () => {
    const other = wechat.registerMerchant();
    expect(other.mchid).not.toBe(merchant.mchid);
    expect(other.private_key).not.toBe(merchant.private_key);
    expect(merchant.apiv3_key).toHaveLength(32);
    expect(merchant.private_key).toContain('BEGIN PRIVATE KEY');
    expect(merchant.platform_public_key).toContain('BEGIN PUBLIC KEY');
    expect(other.platform_serial).toBe(merchant.platform_serial);
  });

  it('refuses an unsigned or wrongly signed request with a signed 401 SIGN_ERROR, and does nothing', async () => {
    for (const sign of ['none', 'wrong'] as const) {
      const answer = await call('POST', '/v3/pay/transactions/native', { body: orderBody('SIGNTEST01'), sign });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'SIGN_ERROR' });
      expect(verified(answer)).toBe(true);
    }
    expect(wechat.stats()).toMatchObject({ ordersCreated: 0, signatureFailures: 2 });
  });

  it('signs every answer, 200, 204 and errors alike, with the platform key and serial', async () => {
    const created = await call('POST', '/v3/pay/transactions/native', { body: orderBody('SIGNTEST02') });
    expect(created.status).toBe(200);
    expect(created.body.code_url).toContain('/pay/SIGNTEST02');
    const missing = await call('GET', `/v3/pay/transactions/out-trade-no/NOSUCHORDER?mchid=${merchant.mchid}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    const closed = await call('POST', '/v3/pay/transactions/out-trade-no/SIGNTEST02/close', { body: { mchid: merchant.mchid } });
    expect(closed.status).toBe(204);
    for (const answer of [created, missing, closed]) {
      expect(answer.headers.get('wechatpay-serial')).toBe(merchant.platform_serial);
      expect(verified(answer)).toBe(true);
    }
  });

  it('answers PARAM_ERROR for an H5 order without scene_info, a JSAPI order without payer.openid, an amount as text, or another appid', async () => {
    const h5 = await call('POST', '/v3/pay/transactions/h5', { body: orderBody('PARAMTEST1') });
    expect(h5.status).toBe(400);
    expect(h5.body.code).toBe('PARAM_ERROR');
    const text = await call('POST', '/v3/pay/transactions/native', { body: orderBody('PARAMTEST2', { amount: { total: '100', currency: 'CNY' } }) });
    expect(text.body.code).toBe('PARAM_ERROR');
    const jsapi = await call('POST', '/v3/pay/transactions/jsapi', { body: orderBody('PARAMTEST4') });
    expect(jsapi.body).toEqual({ code: 'PARAM_ERROR', message: '缺少参数payer.openid' });
    const appid = await call('POST', '/v3/pay/transactions/native', { body: orderBody('PARAMTEST3', { appid: 'wx0000' }) });
    expect(appid.body.code).toBe('APPID_MCHID_NOT_MATCH');
    expect(wechat.stats().ordersCreated).toBe(0);
  });
});

describe('orders without time_expire (documented as optional)', () => {
  it('accepts the order and keeps it payable for the 2 hours its payer link is valid', async () => {
    const { time_expire: _dropped, ...body } = orderBody('NOEXPIRY01');
    const created = await call('POST', '/v3/pay/transactions/native', { body });
    expect(created.status).toBe(200);
    expect(created.body.code_url).toContain('/pay/NOEXPIRY01');
    const queried = await call('GET', `/v3/pay/transactions/out-trade-no/NOEXPIRY01?mchid=${merchant.mchid}`);
    expect(queried.body).toMatchObject({ trade_state: 'NOTPAY' });
    wechat.payer('NOEXPIRY01').pay();
    expect((await call('GET', `/v3/pay/transactions/out-trade-no/NOEXPIRY01?mchid=${merchant.mchid}`)).body.trade_state).toBe('SUCCESS');
  });

  it('still refuses a time_expire without an offset', async () => {
    const answer = await call('POST', '/v3/pay/transactions/native', { body: orderBody('NOEXPIRY02', { time_expire: '2026-06-15T20:00:00' }) });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('PARAM_ERROR');
  });
});

describe('the payer page', () => {
  it('takes an H5 payer back to redirect_url after paying, as WeChat does, and never to a javascript: address', async () => {
    const created = await call('POST', '/v3/pay/transactions/h5', {
      body: orderBody('H5BACK0001', { scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap' } } }),
    });
    expect(created.status).toBe(200);
    const back = 'http://shop.example/checkout/pay_1?from=wechat';
    const link = `${created.body.h5_url}&redirect_url=${encodeURIComponent(back)}`;
    const page = await (await fetch(link)).text();
    const action = /action="([^"]*\/pay\?[^"]*)"/.exec(page)?.[1]?.replaceAll('&#38;', '&');
    expect(action).toContain('redirect_url=');
    const paid = await fetch(new URL(action ?? '', wechat.url), { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(back);
    const created2 = await call('POST', '/v3/pay/transactions/h5', {
      body: orderBody('H5BACK0002', { scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap' } } }),
    });
    const url = new URL(created2.body.h5_url);
    const hostile = await fetch(`${url.origin}/pay/H5BACK0002/leave${url.search}&redirect_url=${encodeURIComponent('javascript:alert(1)')}`, { method: 'POST', redirect: 'manual' });
    expect(hostile.status).toBe(200);
    expect(hostile.headers.get('location')).toBeNull();
  });

  it('shows amount, description and the three buttons, and paying by the form pays the order', async () => {
    const created = await call('POST', '/v3/pay/transactions/native', { body: orderBody('PAGETEST01', { amount: { total: 12345, currency: 'CNY' } }) });
    const page = await (await fetch(created.body.code_url)).text();
    expect(page).toContain('123.45');
    expect(page).toContain('Image形象店-深圳腾大-QQ公仔');
    for (const action of ['pay', 'fail', 'leave']) expect(page).toContain(`value="${action}"`);
    const url = new URL(created.body.code_url);
    const paid = await fetch(`${url.origin}/pay/PAGETEST01/pay${url.search}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    });
    expect(paid.status).toBe(200);
    const queried = await call('GET', `/v3/pay/transactions/out-trade-no/PAGETEST01?mchid=${merchant.mchid}`);
    expect(queried.body).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 12345 } });
    const again = await fetch(`${url.origin}/pay/PAGETEST01/pay${url.search}`, { method: 'POST' });
    expect(again.status).toBe(409);
  });
});

describe('fault controls', () => {
  it('sets faults by POST /_control/faults and refuses unknown or ill-typed ones', async () => {
    const set = await fetch(`${wechat.url}/_control/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ failNext: 1, failMode: 'error_500', forgeNotifications: true }),
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ failNext: 1, forgeNotifications: true });
    const answer = await call('GET', `/v3/pay/transactions/out-trade-no/X1234567?mchid=${merchant.mchid}`);
    expect(answer.status).toBe(500);
    expect(answer.body.code).toBe('SYSTEM_ERROR');
    for (const bad of [{ failMode: 'explode' }, { dropNotifications: 1 }, { latencyMs: -1 }, { nonsense: true }]) {
      const refused = await fetch(`${wechat.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(bad) });
      expect(refused.status).toBe(400);
    }
    expect(() => wechat.setFaults({ failNext: -1 })).toThrow();
    wechat.setFaults({ failNext: 5 });
    expect((await fetch(`${wechat.url}/_control/reset`, { method: 'POST' })).status).toBe(200);
    expect((await call('GET', `/v3/pay/transactions/out-trade-no/X1234567?mchid=${merchant.mchid}`)).status).toBe(404);
  });

  it('adds latency to API answers', async () => {
    wechat.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await call('GET', `/v3/pay/transactions/out-trade-no/X1234567?mchid=${merchant.mchid}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('the trade bill file', () => {
  it('has the header row, backticked rows and the summary; its SHA1 is in the signed answer', async () => {
    await call('POST', '/v3/pay/transactions/native', { body: orderBody('BILLTEST01') });
    wechat.payer('BILLTEST01').pay();
    const link = await call('GET', `/v3/bill/tradebill?bill_date=${beijingDate(Date.now())}&bill_type=ALL`);
    expect(link.status).toBe(200);
    expect(link.body.hash_type).toBe('SHA1');
    const file = await call('GET', new URL(link.body.download_url).pathname + new URL(link.body.download_url).search);
    expect(file.status).toBe(200);
    const lines = file.text.split('\r\n');
    expect(lines[0]).toBe(tradeBillColumns.join(','));
    expect(lines[1]?.split(',').every((field) => field.startsWith('`'))).toBe(true);
    expect(lines[1]).toContain('`BILLTEST01');
    expect(lines[1]).toContain('`1.00');
    expect(lines[2]).toMatch(/^总交易单数,/);
    expect(lines[3]).toBe('`1,`1.00,`0.00,`0.00,`0.01000,`1.00,`0.00');
    const unsigned = await call('GET', new URL(link.body.download_url).pathname + new URL(link.body.download_url).search, { sign: 'none' });
    expect(unsigned.status).toBe(401);
  });
});

describe('a restart with a data directory', () => {
  it('keeps the platform certificates (rotated ones too) and JSAPI orders, which can still be paid', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { jsapiSigningMessage } = await import('../../connectors/wechat-pay/signing.ts');
    const dataDir = mkdtempSync(join(tmpdir(), 'wechat-sim-'));
    try {
      const first = await startWechatPaySimulator({ dataDir, notifyDelayScale: 0.001 });
      const kept = first.registerMerchant();
      const rotated = first.rotatePlatformCertificate();
      const body = JSON.stringify({
        appid: kept.appid, mchid: kept.mchid, description: '重启', out_trade_no: 'RESTART0001', notify_url: 'http://127.0.0.1:9/n',
        amount: { total: 5, currency: 'CNY' }, payer: { openid: 'oRestart000000000000000000' },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = signMessage(requestSigningMessage({ method: 'POST', pathWithQuery: '/v3/pay/transactions/jsapi', timestamp, nonce: 'N2', body }), kept.private_key);
      const created = await fetch(`${first.url}/v3/pay/transactions/jsapi`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: authorizationHeader({ mchid: kept.mchid, nonce_str: 'N2', timestamp, serial_no: kept.serial_no, signature }) },
        body,
      });
      expect(created.headers.get('wechatpay-serial')).toBe(rotated.serial);
      const { prepay_id: prepayId } = (await created.json()) as { prepay_id: string };
      await first.close();

      const second = await startWechatPaySimulator({ dataDir, notifyDelayScale: 0.001 });
      try {
        const parameters = { appId: kept.appid, timeStamp: timestamp, nonceStr: 'RESTARTNONCE', package: `prepay_id=${prepayId}`, signType: 'RSA' };
        const paySign = signMessage(jsapiSigningMessage(parameters), kept.private_key);
        expect(second.wechatClient('oRestart000000000000000000').getBrandWCPayRequest({ ...parameters, paySign })).toEqual({ err_msg: 'get_brand_wcpay_request:ok' });
        const certificatesTimestamp = String(Math.floor(Date.now() / 1000));
        const certificatesSignature = signMessage(requestSigningMessage({ method: 'GET', pathWithQuery: '/v3/certificates', timestamp: certificatesTimestamp, nonce: 'N3', body: '' }), kept.private_key);
        const listed = await fetch(`${second.url}/v3/certificates`, {
          headers: { Authorization: authorizationHeader({ mchid: kept.mchid, nonce_str: 'N3', timestamp: certificatesTimestamp, serial_no: kept.serial_no, signature: certificatesSignature }) },
        });
        expect(listed.headers.get('wechatpay-serial')).toBe(rotated.serial);
        const { data } = (await listed.json()) as { data: { serial_no: string }[] };
        expect(data.map((entry) => entry.serial_no)).toEqual([kept.platform_serial, rotated.serial]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('close()', () => {
  it('ends promptly and stops resending notifications', async () => {
    let posts = 0;
    const refusing = createServer((_request, response) => {
      posts += 1;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const address = refusing.address();
    if (address === null || typeof address !== 'object') throw new Error('no port');
    // The first resend would come 15 s × 0.02 = 300 ms after the first attempt.
    const slow = await startWechatPaySimulator({ notifyDelayScale: 0.02 });
    const slowMerchant = slow.registerMerchant();
    try {
      const body = JSON.stringify({ ...orderBody('CLOSETEST1'), appid: slowMerchant.appid, mchid: slowMerchant.mchid, notify_url: `http://127.0.0.1:${address.port}/n` });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const message = requestSigningMessage({ method: 'POST', pathWithQuery: '/v3/pay/transactions/native', timestamp, nonce: 'N1', body });
      const authorization = authorizationHeader({
        mchid: slowMerchant.mchid, nonce_str: 'N1', timestamp, serial_no: slowMerchant.serial_no,
        signature: signMessage(message, slowMerchant.private_key),
      });
      const created = await fetch(`${slow.url}/v3/pay/transactions/native`, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body });
      expect(created.status).toBe(200);
      slow.payer('CLOSETEST1').pay();
      const deadline = Date.now() + 2_000;
      while (posts === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(posts).toBe(1);
      const started = Date.now();
      await slow.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 600));
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
    expect(posts).toBe(1);
  });
});
