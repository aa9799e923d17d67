/**
 * WeChat Pay inside WeChat, end to end: the merchant (or the checkout, with
 * the openid the merchant put in its link) confirms with
 * payment_method_options.wechat_pay.openid; the API answers next_action
 * wechat_pay_jsapi; WeChat's client (simulated) checks the parameters and
 * the payer pays; the notification makes the payment succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let wechat: WechatPaySimulator;
let secretKey: string;
const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  wechat = await startWechatPaySimulator({ clock, notifyDelayScale: 0.0001 });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const merchant = await stack.newMerchant();
  secretKey = merchant.secretKey;
  const account = await stack.api('POST', '/v1/connector_accounts', { connector: 'wechat_pay', base_url: wechat.url, credentials: wechat.registerMerchant() }, { key: secretKey });
  expect(account.status, JSON.stringify(account.body)).toBe(200);
});

afterAll(async () => {
  await worker?.stop();
  await wechat?.close();
  await stack?.close();
});

describe('WeChat Pay JSAPI through the API', () => {
  it('answers wechat_pay_jsapi for a payer with an openid, and the payment succeeds once WeChat\'s client pays', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 888, currency: 'CNY', description: '公众号内购买' }, { key: secretKey });
    const headers = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile MicroMessenger/8.0.47' };
    const confirmed = await stack.api(
      'POST',
      `/v1/payments/${created.body.id}/confirm`,
      { payment_method: { type: 'wechat_pay' }, payment_method_options: { wechat_pay: { openid } } },
      { key: secretKey, headers },
    );
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'wechat_pay_jsapi', wechat_pay_jsapi: { signType: 'RSA' } } });
    const parameters = confirmed.body.next_action.wechat_pay_jsapi;
    expect(wechat.wechatClient('oSomeoneElse000000000000000').getBrandWCPayRequest(parameters).err_msg).toBe('get_brand_wcpay_request:fail');
    expect(wechat.wechatClient(openid).getBrandWCPayRequest(parameters)).toEqual({ err_msg: 'get_brand_wcpay_request:ok' });
    const deadline = Date.now() + 10_000;
    let payment = confirmed.body;
    while (payment.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      payment = (await stack.api('GET', `/v1/payments/${created.body.id}`, undefined, { key: secretKey })).body;
    }
    expect(payment).toMatchObject({ status: 'succeeded', amount_received: 888 });
  });

  it('refuses an openid that is not one', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 888, currency: 'CNY' }, { key: secretKey });
    const refused = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'wechat_pay' }, payment_method_options: { wechat_pay: { openid: 'o<script>' } } }, { key: secretKey });
    expect(refused.status).toBe(400);
  });
});
