/**
 * The checkout as a Chinese cashier (收银台) in a real browser: the methods in
 * the order the payer most likely uses them, the countdown, the Pay button on
 * a 360×740 phone's first screen, a way back to the merchant from every end,
 * the merchant's cancellation in the merchant's words, payer words for broken
 * links, and the order page after a refund. Screenshots go to
 * test-results/screenshots.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startUnionpaySimulator, type UnionpaySimulator } from '../../src/simulators/unionpay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, newPage, screenshot, type ViewportName } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;
let alipay: AlipaySimulator;
let wechat: WechatPaySimulator;
let unionpay: UnionpaySimulator;
const card = { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' };
const expiryYear = String(card.exp_year % 100).padStart(2, '0');
const developerWords = /api key|secret key|publishable|test mode|live mode|authorization|bearer|developer|sk_test|pk_test|密钥|模式|开发者|開發者/i;

describe.skipIf(!browserAvailable)('the checkout as a cashier, in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    [alipay, wechat, unionpay] = await Promise.all([
      startAlipaySimulator({ notifyDelayScale: 0.0001 }),
      startWechatPaySimulator({ notifyDelayScale: 0.0001 }),
      startUnionpaySimulator({ notifyDelayScale: 0.0001 }),
    ]);
    for (const [connector, simulator] of [['alipay', alipay], ['wechat_pay', wechat], ['unionpay', unionpay]] as const) {
      const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() });
      expect(created.status).toBe(200);
    }
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await Promise.all([alipay?.close(), wechat?.close(), unionpay?.close()]);
    await stack?.close();
  });

  async function newPayment(fields: Record<string, unknown> = {}) {
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', order: { reference: 'TEA-2001', items: [{ name: 'Oolong tea 乌龙茶', quantity: 1, unit_amount: 12_34 }] }, ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body as { id: string; checkout_url: string; client_secret: string };
  }

  async function customerWithWallet(balance: number) {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'en' });
    await stack.api('PUT', `/v1/customers/${customer.body.id}/wallet/pin`, { pin: '402913' });
    const topUp = await stack.api('POST', `/v1/customers/${customer.body.id}/wallet/top_ups`, { amount: balance, currency: 'CNY' });
    await stack.api('POST', `/v1/payments/${topUp.body.id}/confirm`, { payment_method: { type: 'card', card } });
    return customer.body.id as string;
  }

  async function openCheckout(viewport: ViewportName, url: string, locale = 'en-US'): Promise<Page> {
    const page = await newPage(browser, viewport, locale);
    await page.goto(url);
    await page.locator('input[name="method"]').first().waitFor();
    return page;
  }

  function methodOrder(page: Page): Promise<string[]> {
    return page.locator('input[name="method"]').evaluateAll((inputs) => inputs.map((input) => input.getAttribute('value') ?? ''));
  }

  async function checkedMethod(page: Page): Promise<string | null> {
    return page.locator('input[name="method"]:checked').getAttribute('value');
  }

  /** Only what fits on the screen, unlike the full-page screenshots. */
  async function screenshotOfScreen(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(path.resolve('test-results/screenshots'), `${name}.png`), fullPage: false });
  }

  async function payByCard(page: Page) {
    await page.getByTestId('method-card').click();
    await page.getByTestId('card-number').fill(card.number);
    await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
    await page.getByTestId('card-cvc').fill('123');
    await page.getByTestId('pay-button').click();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
  }

  it('lists WeChat Pay then Alipay first for CNY on a phone, each with its mark, and preselects the first', async () => {
    const payment = await newPayment();
    const page = await openCheckout('phone', payment.checkout_url, 'zh-CN');
    const order = await methodOrder(page);
    expect(order.slice(0, 2)).toEqual(['wechat_pay', 'alipay']);
    expect(order.indexOf('card')).toBeGreaterThan(1);
    expect(await checkedMethod(page)).toBe('wechat_pay');
    expect(await page.locator('label.method > svg.mark').count()).toBe(order.length);
    expect(await page.locator('label[for="method-wechat_pay"]').textContent()).toContain('微信支付');
    await screenshot(page, 'cashier-methods-cny-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('lists Alipay then WeChat Pay before cards for CNY on a desktop', async () => {
    const payment = await newPayment();
    const page = await openCheckout('desktop', payment.checkout_url);
    const order = await methodOrder(page);
    expect(order.slice(0, 2)).toEqual(['alipay', 'wechat_pay']);
    expect(order.indexOf('card')).toBeGreaterThan(1);
    await screenshot(page, 'cashier-methods-cny-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('lists bank cards and UnionPay as one choice, and offers UnionPay\'s page once the number typed is a UnionPay card\'s', async () => {
    const payment = await newPayment();
    const page = await openCheckout('desktop', payment.checkout_url);
    const order = await methodOrder(page);
    expect(order).toContain('card');
    expect(order).not.toContain('unionpay');
    expect(await page.locator('label[for="method-card"]').textContent()).toContain('Bank card');
    await page.getByTestId('method-card').click();
    const option = page.getByTestId('unionpay-option');
    expect(await option.getAttribute('class')).not.toContain('detected');
    await page.getByTestId('card-number').fill('6212345678901232');
    await expect.poll(async () => (await page.getByTestId('card-brand').textContent()) ?? '').toMatch(/unionpay/i);
    expect(await option.getAttribute('class')).toContain('detected');
    expect(await option.textContent()).toMatch(/This is a UnionPay card/);
    await screenshot(page, 'cashier-unionpay-detected-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByTestId('method-unionpay').click();
    await page.waitForURL((url) => url.origin === new URL(unionpay.url).origin, { timeout: 15_000 });
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.payment_method).toMatchObject({ type: 'unionpay' });
    await page.context().close();
  });

  for (const viewport of ['phone', 'desktop'] as ViewportName[]) {
    it(`lists the card first in a currency other than CNY on a ${viewport}`, async () => {
      const payment = await newPayment({ currency: 'USD', order: { reference: 'TEA-USD' } });
      const page = await openCheckout(viewport, payment.checkout_url);
      const order = await methodOrder(page);
      expect(order[0]).toBe('card');
      expect(await checkedMethod(page)).toBe('card');
      await screenshot(page, `cashier-methods-usd-${viewport}`);
      await page.context().close();
    });
  }

  it('puts the wallet first when its balance covers the amount, and last when it does not', async () => {
    const customer = await customerWithWallet(50_00);
    const covered = await newPayment({ customer, payment_method_types: ['card', 'alipay', 'wechat_pay', 'wallet'] });
    const page = await openCheckout('phone', covered.checkout_url);
    expect((await methodOrder(page))[0]).toBe('wallet');
    expect(await checkedMethod(page)).toBe('wallet');
    await page.getByTestId('pin-input').waitFor();
    await screenshot(page, 'cashier-wallet-covers-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    const short = await newPayment({ customer, amount: 80_00, payment_method_types: ['card', 'alipay', 'wechat_pay', 'wallet'] });
    await page.goto(short.checkout_url);
    await page.locator('input[name="method"]').first().waitFor();
    const order = await methodOrder(page);
    expect(order.at(-1)).toBe('wallet');
    expect(order[0]).toBe('wechat_pay');
    await page.context().close();
  });

  it('puts the method this customer used last first, before WeChat Pay on a phone', async () => {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'en' });
    const earlier = await newPayment({ customer: customer.body.id });
    await stack.api('POST', `/v1/payments/${earlier.id}/confirm`, { payment_method: { type: 'card', card } });
    const payment = await newPayment({ customer: customer.body.id });
    const page = await openCheckout('phone', payment.checkout_url);
    expect((await methodOrder(page))[0]).toBe('card');
    expect(await checkedMethod(page)).toBe('card');
    await page.context().close();
  });

  it('remembers in this browser the method a payer without a customer record used last', async () => {
    const first = await newPayment();
    const page = await openCheckout('phone', first.checkout_url);
    expect((await methodOrder(page))[0]).toBe('wechat_pay');
    await payByCard(page);
    const second = await newPayment();
    await page.goto(second.checkout_url);
    await page.locator('input[name="method"]').first().waitFor();
    expect((await methodOrder(page))[0]).toBe('card');
    await page.context().close();
  });

  it('shows the amount and the Pay button on a 360×740 phone without scrolling, with the card form open too', async () => {
    const payment = await newPayment({ order: { reference: 'TEA-2002', items: [{ name: 'Oolong tea 乌龙茶', quantity: 1, unit_amount: 6_00 }, { name: 'Tea cups 茶杯', quantity: 2, unit_amount: 3_17 }] } });
    const page = await openCheckout('phone', payment.checkout_url);
    const onScreen = async (testId: string) => {
      const box = await page.getByTestId(testId).boundingBox();
      expect(box, testId).not.toBeNull();
      return box !== null && box.y >= 0 && box.y + box.height <= 740 && box.x >= 0 && box.x + box.width <= 360;
    };
    /** The button itself, not something drawn over it, is what a tap at its centre reaches. */
    const reachable = () =>
      page.evaluate(`(() => {
        const button = document.getElementById('pay-button');
        if (!button) return false;
        const box = button.getBoundingClientRect();
        return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === button;
      })()`);
    expect(await page.evaluate('window.scrollY')).toBe(0);
    expect(await onScreen('amount')).toBe(true);
    expect(await onScreen('pay-button')).toBe(true);
    expect(await reachable()).toBe(true);
    await screenshotOfScreen(page, 'cashier-first-screen-phone');
    await page.getByTestId('method-card').click();
    await page.getByTestId('card-number').waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    expect(await onScreen('amount')).toBe(true);
    expect(await onScreen('pay-button')).toBe(true);
    expect(await reachable()).toBe(true);
    await screenshotOfScreen(page, 'cashier-first-screen-card-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('counts down to the payment\'s expiry, second by second', async () => {
    const payment = await newPayment({ expires_in_seconds: 600 });
    const page = await openCheckout('phone', payment.checkout_url, 'zh-CN');
    const countdown = page.getByTestId('countdown');
    const first = (await countdown.textContent()) ?? '';
    expect(first).toMatch(/请在 (10:00|9:[0-5]\d) 内完成支付/);
    await expect.poll(async () => (await countdown.textContent()) ?? '', { timeout: 5_000 }).not.toBe(first);
    await screenshot(page, 'cashier-countdown-phone');
    await page.context().close();
  });

  it('leads back to the merchant\'s return_url after paying, even after a QR code pointed the payment back at the checkout', async () => {
    const returnUrl = `${stack.url}/shop/thanks?order=TEA-2001`;
    const payment = await newPayment({ return_url: returnUrl });
    const page = await openCheckout('desktop', payment.checkout_url);
    await page.getByTestId('method-alipay').click();
    await page.getByTestId('pay-button').click();
    await page.getByTestId('qr-code').waitFor();
    await page.getByTestId('other-method').click();
    await payByCard(page);
    expect(await page.getByTestId('return-to-merchant').getAttribute('href')).toBe(returnUrl);
    await screenshot(page, 'cashier-result-return-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('leads back to the merchant from the canceled and the expired pages, on a phone', async () => {
    const returnUrl = `${stack.url}/shop/cart`;
    const canceled = await newPayment({ return_url: returnUrl });
    const page = await openCheckout('phone', canceled.checkout_url);
    await page.getByTestId('cancel-button').click();
    await page.getByTestId('cancel-reason-price_changed').check();
    await page.getByTestId('cancel-confirm').click();
    await page.getByTestId('canceled-note').waitFor();
    expect(await page.getByTestId('return-to-merchant').getAttribute('href')).toBe(returnUrl);
    await screenshot(page, 'cashier-canceled-return-phone');
    const expired = await newPayment({ return_url: returnUrl });
    await sql`update payments set expires_at = now() - interval '1 second' where id = ${expired.id}`.execute(stack.db.db);
    await page.goto(expired.checkout_url);
    await page.getByTestId('canceled-note').waitFor();
    expect(await page.getByTestId('status-title').textContent()).toMatch(/expired/i);
    expect(await page.getByTestId('return-to-merchant').getAttribute('href')).toBe(returnUrl);
    await screenshot(page, 'cashier-expired-return-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('without a return_url, a finished page still says where to go rather than ending there', async () => {
    const payment = await newPayment();
    await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    const page = await newPage(browser, 'phone');
    await page.goto(payment.checkout_url);
    await page.getByTestId('canceled-note').waitFor();
    expect(await page.getByTestId('return-to-merchant').count()).toBe(0);
    expect(await page.getByTestId('close-hint').textContent()).toMatch(/return to/i);
    await page.context().close();
  });

  it('a payment the merchant canceled as fraudulent says the merchant canceled it: no "I did not place this order", no rating', async () => {
    const payment = await newPayment();
    const canceled = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { cancellation_reason: 'fraudulent' });
    expect(canceled.body.status).toBe('canceled');
    for (const locale of ['en-US', 'zh-CN'] as const) {
      const page = await newPage(browser, 'phone', locale);
      await page.goto(payment.checkout_url);
      await page.getByTestId('canceled-note').waitFor();
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toMatch(/did not place|我没有下过这个订单|未下此订单/);
      expect(await page.getByTestId('cancellation-reason').count()).toBe(0);
      expect(await page.getByTestId('rating-1').count()).toBe(0);
      expect(await page.getByTestId('canceled-note').textContent()).toMatch(locale === 'en-US' ? /canceled this payment/ : /已取消此笔付款/);
      await screenshot(page, `cashier-fraud-canceled-${locale}-phone`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.context().close();
    }
  });

  it('a broken payment link and a bad order token speak to the payer, never of keys, modes or developers', async () => {
    const payment = await newPayment();
    for (const locale of ['en-US', 'zh-CN', 'zh-TW'] as const) {
      const page = await newPage(browser, 'phone', locale);
      await page.goto(`${stack.url}/checkout/pay_doesnotexist#${payment.client_secret}`);
      await page.getByTestId('error-message').waitFor();
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(developerWords);
      if (locale === 'en-US') await screenshot(page, 'cashier-broken-link-phone');
      await page.goto(`${stack.url}/checkout/${payment.id}#cs_wrong_secret`);
      await page.getByTestId('error-message').waitFor();
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(developerWords);
      await page.goto(`${stack.url}/orders/${payment.id}?token=not-the-token`);
      await page.getByTestId('error-message').waitFor();
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(developerWords);
      // Mangled links: an id too long for any payment, an extra segment. A page, not the API's JSON error.
      for (const mangled of [`/checkout/${'x'.repeat(80)}`, `/checkout/${payment.id}/extra`, `/orders/${'x'.repeat(80)}?token=t`]) {
        const response = await page.goto(`${stack.url}${mangled}`);
        expect(response?.headers()['content-type'], mangled).toMatch(/text\/html/);
        await page.getByTestId('error-message').waitFor();
        expect((await page.locator('main').textContent()) ?? '', mangled).not.toMatch(developerWords);
      }
      if (locale === 'en-US') {
        await screenshot(page, 'order-bad-token-phone');
        expect(await accessibilityViolations(page)).toEqual([]);
      }
      await page.context().close();
    }
  });

  it('the order page says partially refunded, then refunded, as refunds succeed, not paid', async () => {
    const payment = await newPayment({ amount: 50_00 });
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'card', card } });
    const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout`);
    const page = await newPage(browser, 'phone');
    await page.goto(session.body.order_url);
    await page.getByTestId('order-status').waitFor();
    expect(await page.getByTestId('order-status').textContent()).toBe('Paid');
    const partial = await stack.api('POST', '/v1/refunds', { payment: payment.id, amount: 20_00 });
    expect(partial.body.status).toBe('succeeded');
    await page.reload();
    await page.getByTestId('order-status').waitFor();
    expect(await page.getByTestId('order-status').textContent()).toBe('Partially refunded');
    await stack.api('POST', '/v1/refunds', { payment: payment.id });
    await page.reload();
    await page.getByTestId('timeline-refunded').first().waitFor();
    expect(await page.getByTestId('order-status').textContent()).toBe('Refunded');
    await screenshot(page, 'order-fully-refunded-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });
});
