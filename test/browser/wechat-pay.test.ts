/**
 * WeChat Pay in a real browser at a phone's size: inside WeChat (its user
 * agent, the merchant's ?wechat_openid=, and WeChat's bridge played by the
 * simulated WeChat client, which checks the signed parameters as WeChat's
 * does), and in a phone's browser through H5, where WeChat takes the payer
 * back to the checkout by itself.
 */
import type { Browser } from 'playwright-core';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/jobs/worker.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, screenshot, viewports } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;
let worker: Runner;
let wechat: WechatPaySimulator;
const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const weChatUserAgent = `${viewports.phone.userAgent} MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN`;

/** What WeChat's client puts in the page: WeixinJSBridge, whose getBrandWCPayRequest here goes to the simulated client. */
const bridgeScript = `window.WeixinJSBridge = { invoke: (name, parameters, callback) => { window.simulatedWechatClient(parameters).then(callback); } };`;

describe.skipIf(!browserAvailable)('WeChat Pay in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    wechat = await startWechatPaySimulator({ notifyDelayScale: 0.0001 });
    const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'wechat_pay', base_url: wechat.url, credentials: wechat.registerMerchant() });
    expect(created.status).toBe(200);
    worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await worker?.stop();
    await wechat?.close();
    await stack?.close();
  });

  async function newPayment() {
    const created = await stack.api('POST', '/v1/payments', { amount: 8_88, currency: 'CNY', description: '公众号内购买' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body as { id: string; checkout_url: string };
  }

  it('inside WeChat: pays through WeChat\'s cashier with the parameters the server signed, and shows the result', async () => {
    const payment = await newPayment();
    const { width, height } = viewports.phone;
    const context = await browser.newContext({ viewport: { width, height }, isMobile: true, hasTouch: true, userAgent: weChatUserAgent, locale: 'zh-CN' });
    const bridgeCalls: Record<string, unknown>[] = [];
    // WeChat's client injects WeixinJSBridge; here the simulated client answers, over Playwright's binding (no request from the page).
    await context.exposeBinding('simulatedWechatClient', (_source, parameters: Record<string, unknown>) => {
      bridgeCalls.push(parameters);
      return wechat.wechatClient(openid).getBrandWCPayRequest(parameters);
    });
    await context.addInitScript({ content: bridgeScript });
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname)) foreignRequests.push(request.url());
    });
    const [base, fragment] = payment.checkout_url.split('#');
    await page.goto(`${base}?wechat_openid=${openid}#${fragment}`);
    await page.getByTestId('method-wechat_pay').click();
    await page.getByTestId('pay-button').click();
    await page.getByTestId('result-title').waitFor({ timeout: 20_000 });
    expect(bridgeCalls).toHaveLength(1);
    expect(bridgeCalls[0]).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=/) });
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({ status: 'succeeded', amount_received: 888 });
    await screenshot(page, 'checkout-wechat-jsapi-result-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });

  it('inside WeChat, when the payer closes WeChat\'s window: says so and offers to open it again', async () => {
    const payment = await newPayment();
    const { width, height } = viewports.phone;
    const context = await browser.newContext({ viewport: { width, height }, isMobile: true, hasTouch: true, userAgent: weChatUserAgent, locale: 'en-US' });
    let calls = 0;
    await context.exposeBinding('simulatedWechatClient', (_source, parameters: Record<string, unknown>) => {
      calls += 1;
      return calls === 1 ? { err_msg: 'get_brand_wcpay_request:cancel' } : wechat.wechatClient(openid).getBrandWCPayRequest(parameters);
    });
    await context.addInitScript({ content: bridgeScript });
    const page = await context.newPage();
    const [base, fragment] = payment.checkout_url.split('#');
    await page.goto(`${base}?wechat_openid=${openid}#${fragment}`);
    await page.getByTestId('method-wechat_pay').click();
    await page.getByTestId('pay-button').click();
    await page.getByTestId('jsapi-notice').waitFor({ timeout: 15_000 });
    await screenshot(page, 'checkout-wechat-jsapi-canceled-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.locator('#jsapi-pay').click();
    await page.getByTestId('result-title').waitFor({ timeout: 20_000 });
    expect(calls).toBe(2);
    await context.close();
  });

  it('in a phone\'s browser (H5): WeChat takes the payer back to the checkout after paying, which shows the result', async () => {
    const payment = await newPayment();
    const { width, height, userAgent } = viewports.phone;
    const context = await browser.newContext({ viewport: { width, height }, isMobile: true, hasTouch: true, userAgent, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(payment.checkout_url);
    await page.getByTestId('method-wechat_pay').click();
    await page.getByTestId('pay-button').click();
    await page.waitForURL((url) => url.origin === new URL(wechat.url).origin, { timeout: 15_000 });
    await page.locator('button[value="pay"]').click();
    await page.waitForURL((url) => url.origin === new URL(stack.url).origin && url.pathname === `/checkout/${payment.id}`, { timeout: 15_000 });
    await page.getByTestId('result-title').waitFor({ timeout: 20_000 });
    await context.close();
  });
});
