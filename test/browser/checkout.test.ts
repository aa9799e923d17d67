/**
 * The hosted checkout and the order page in a real browser (Debian's Chromium
 * through playwright-core), at a phone's and a desktop's size: what the payer
 * sees and does, checked against the API. Screenshots of every page go to
 * test-results/screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/jobs/worker.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, newPage, screenshot, type ViewportName } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;
let worker: Runner;
let alipay: AlipaySimulator;
let wechat: WechatPaySimulator;
const expiryYear = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');

describe.skipIf(!browserAvailable)('hosted checkout in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    [alipay, wechat] = await Promise.all([startAlipaySimulator({ notifyDelayScale: 0.0001 }), startWechatPaySimulator({ notifyDelayScale: 0.0001 })]);
    for (const [connector, simulator] of [['alipay', alipay], ['wechat_pay', wechat]] as const) {
      const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() });
      expect(created.status).toBe(200);
    }
    worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await worker?.stop();
    await Promise.all([alipay?.close(), wechat?.close()]);
    await stack?.close();
  });

  async function newPayment(fields: Record<string, unknown> = {}) {
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', order: { reference: 'TEA-1001', items: [{ name: 'Oolong tea 乌龙茶', quantity: 1, unit_amount: 12_34 }] }, ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body as { id: string; checkout_url: string; client_secret: string };
  }

  async function payByCard(page: Page, number: string) {
    await page.getByTestId('method-card').click();
    await page.getByTestId('card-number').fill(number);
    await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
    await page.getByTestId('card-cvc').fill('123');
    await page.getByTestId('pay-button').click();
  }

  async function statusOf(paymentId: string) {
    return (await stack.api('GET', `/v1/payments/${paymentId}`)).body;
  }

  for (const viewport of ['phone', 'desktop'] as ViewportName[]) {
    it(`pays by card on a ${viewport}, shows the result and takes a rating`, async () => {
      const payment = await newPayment();
      const page = await newPage(browser, viewport);
      await page.goto(payment.checkout_url);
      await page.getByTestId('pay-button').waitFor();
      await page.getByTestId('method-card').click();
      await page.getByTestId('card-number').fill('4242424242424242');
      await expect.poll(async () => (await page.getByTestId('card-brand').textContent()) ?? '').toMatch(/visa/i);
      await screenshot(page, `checkout-card-${viewport}`);
      const noScroll = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
      expect(noScroll).toBe(true);
      await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
      await page.getByTestId('card-cvc').fill('123');
      await page.getByTestId('pay-button').click();
      await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('result-order-number').textContent()).toContain('TEA-1001');
      await screenshot(page, `checkout-result-${viewport}`);
      expect((await statusOf(payment.id)).status).toBe('succeeded');
      await page.getByTestId('rating-5').click();
      await page.getByTestId('rating-comment').fill('Fast and clear');
      await page.getByTestId('rating-submit').click();
      await page.getByTestId('rating-thanks').waitFor();
      const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout`);
      expect(session.body.feedback).toEqual({ rating: 5, comment: 'Fast and clear' });
      const funnel = await stack.api('GET', `/v1/payments/${payment.id}/funnel_events`);
      expect(funnel.body.data.map((e: { type: string }) => e.type)).toEqual(['checkout_viewed', 'method_chosen', 'confirm_submitted', 'succeeded']);
      expect(funnel.body.data[0]).toMatchObject({ device_class: viewport === 'phone' ? 'mobile' : 'desktop', locale: 'en' });
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('explains a decline and lets the payer pay with another card without reloading, never paying twice', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'desktop');
    await page.goto(payment.checkout_url);
    await payByCard(page, '4000000000000002');
    await page.getByTestId('error-message').waitFor();
    expect(await page.getByTestId('error-message').textContent()).toContain('declined');
    expect((await page.getByTestId('error-suggestion').textContent())?.length).toBeGreaterThan(10);
    await screenshot(page, 'checkout-declined-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByTestId('card-number').fill('5555555555554444');
    // A double click sends one payment.
    await page.getByTestId('pay-button').dblclick();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`);
    expect(attempts.body.data.map((a: { status: string }) => a.status)).toEqual(['failed', 'succeeded']);
    await page.context().close();
  });

  it('can be paid with the keyboard alone, with the method this customer used last preselected', async () => {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'en' });
    const earlier = await newPayment({ customer: customer.body.id });
    await stack.api('POST', `/v1/payments/${earlier.id}/confirm`, { payment_method: { type: 'alipay' } });
    const paidByCard = await newPayment({ customer: customer.body.id });
    await stack.api('POST', `/v1/payments/${paidByCard.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } } });
    const payment = await newPayment({ customer: customer.body.id, payment_method_types: ['alipay', 'card'] });
    const page = await newPage(browser, 'desktop');
    await page.goto(payment.checkout_url);
    await page.getByTestId('pay-button').waitFor();
    expect(await page.getByTestId('method-card').isChecked()).toBe(true);
    // Tab to the card number, type everything, and press Enter: no mouse.
    for (let i = 0; i < 30 && !(await page.getByTestId('card-number').evaluate((el) => el === el.ownerDocument.activeElement)); i += 1) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('4242424242424242');
    await page.keyboard.press('Tab');
    await page.keyboard.type(`12${expiryYear}`);
    await page.keyboard.press('Tab');
    await page.keyboard.type('123');
    await page.keyboard.press('Enter');
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    expect((await statusOf(payment.id)).status).toBe('succeeded');
    await page.context().close();
  });

  it('asks for the one-time code when the card needs it', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'phone');
    await page.goto(payment.checkout_url);
    await payByCard(page, '4000002760003184');
    await page.getByTestId('otp-input').waitFor();
    await screenshot(page, 'checkout-otp-phone');
    await page.getByTestId('otp-input').fill('000000');
    await page.getByTestId('otp-submit').click();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    expect((await statusOf(payment.id)).status).toBe('succeeded');
    await page.context().close();
  });

  it('pays with Alipay by QR code on a desktop, through the simulator\'s payer page', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'desktop');
    await page.goto(payment.checkout_url);
    await page.getByTestId('method-alipay').click();
    await page.getByTestId('pay-button').click();
    await page.getByTestId('qr-code').waitFor();
    await screenshot(page, 'checkout-alipay-qr-desktop');
    const current = await statusOf(payment.id);
    expect(current.next_action.type).toBe('display_qr_code');
    // The payer scans the code: open its address on a "phone" and pay there.
    const phone = await newPage(browser, 'phone');
    await phone.goto(current.next_action.display_qr_code.data);
    await phone.locator('button[value="pay"]').click();
    await page.getByTestId('result-title').waitFor({ timeout: 20_000 });
    expect((await statusOf(payment.id)).status).toBe('succeeded');
    await phone.context().close();
    await page.context().close();
  });

  it('lets the payer leave the QR code and pay by card instead, without reloading', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'desktop');
    await page.goto(payment.checkout_url);
    await page.getByTestId('method-alipay').click();
    await page.getByTestId('pay-button').click();
    await page.getByTestId('qr-code').waitFor();
    // The payer opened the code on their phone but changed their mind.
    const qr = (await statusOf(payment.id)).next_action.display_qr_code.data;
    await fetch(qr);
    await page.getByTestId('other-method').click();
    await payByCard(page, '4242424242424242');
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`);
    expect(attempts.body.data.map((a: { connector: string; status: string }) => [a.connector, a.status])).toEqual([['alipay', 'failed'], ['card', 'succeeded']]);
    await page.context().close();
  });

  it('pays with WeChat Pay on a phone by redirect to the simulator and back', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'phone');
    await page.goto(payment.checkout_url);
    await page.getByTestId('method-wechat_pay').click();
    await page.getByTestId('pay-button').click();
    await page.waitForURL((url) => url.origin === new URL(wechat.url).origin, { timeout: 15_000 });
    await page.locator('button[value="pay"]').click();
    await expect.poll(async () => (await statusOf(payment.id)).status, { timeout: 20_000 }).toBe('succeeded');
    await page.goto(`${stack.url}/checkout/${payment.id}`);
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    await page.context().close();
  });

  it('pays from the wallet: a wrong PIN shows the attempts left, the right one pays', async () => {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'en' });
    await stack.api('PUT', `/v1/customers/${customer.body.id}/wallet/pin`, { pin: '402913' });
    const topUp = await stack.api('POST', `/v1/customers/${customer.body.id}/wallet/top_ups`, { amount: 50_00, currency: 'CNY' });
    await stack.api('POST', `/v1/payments/${topUp.body.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 + 5, cvc: '123' } } });
    const payment = await newPayment({ customer: customer.body.id, payment_method_types: ['card', 'wallet'] });
    const page = await newPage(browser, 'phone');
    await page.goto(payment.checkout_url);
    await page.getByTestId('method-wallet').click();
    expect(await page.getByTestId('wallet-balance').textContent()).toContain('50.00');
    await page.getByTestId('pin-input').fill('111112');
    await page.getByTestId('pin-submit').click();
    await page.getByTestId('error-message').waitFor();
    expect(await page.getByTestId('error-suggestion').textContent()).toContain('4');
    await screenshot(page, 'checkout-wallet-wrong-pin-phone');
    await page.getByTestId('pin-input').fill('402913');
    await page.getByTestId('pin-submit').click();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    const wallet = await stack.api('GET', `/v1/customers/${customer.body.id}/wallet`);
    expect(wallet.body.available).toBe(50_00 - 12_34);
    await page.context().close();
  });

  it('cancels with a reason and a comment, recorded on the payment', async () => {
    const payment = await newPayment();
    const page = await newPage(browser, 'desktop');
    await page.goto(payment.checkout_url);
    await page.getByTestId('cancel-button').click();
    await page.getByTestId('cancel-reason-price_changed').check();
    await page.getByTestId('cancel-comment').fill('The price went up at the last step');
    await screenshot(page, 'checkout-cancel-dialog-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByTestId('cancel-confirm').click();
    await page.getByTestId('status-title').waitFor();
    const canceled = await statusOf(payment.id);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'price_changed', cancellation_comment: 'The price went up at the last step' });
    const history = await stack.api('GET', `/v1/payments/${payment.id}/history`);
    expect(history.body.data.at(-1)).toMatchObject({ to_status: 'canceled', actor: 'payer' });
    await page.context().close();
  });

  for (const [locale, expected] of [['zh-CN', '¥12.34'], ['zh-TW', '12.34'], ['en-US', 'CN¥12.34']] as const) {
    it(`speaks ${locale} and formats the amount for it, with a working language switcher`, async () => {
      const payment = await newPayment();
      const page = await newPage(browser, 'desktop', locale);
      await page.goto(payment.checkout_url);
      await page.getByTestId('pay-button').waitFor();
      const lang = await page.evaluate('document.documentElement.lang');
      expect(lang).toBe(locale === 'en-US' ? 'en' : locale);
      expect(await page.locator('body').textContent()).toContain(expected);
      await screenshot(page, `checkout-${locale}-desktop`);
      await page.getByTestId('language-select').selectOption('zh-TW');
      await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('zh-TW');
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('tracks the order after shipping and takes an after-sales refund request the merchant approves', async () => {
    const payment = await newPayment({ amount: 50_00 });
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } } });
    await stack.api('POST', `/v1/payments/${payment.id}/fulfillment_events`, { type: 'shipped', carrier: 'SF Express', tracking_number: 'SF1234567890' });
    const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout`);
    const page = await newPage(browser, 'phone', 'zh-CN');
    await page.goto(session.body.order_url);
    await page.getByTestId('timeline-shipped').waitFor();
    expect(await page.getByTestId('timeline-shipped').textContent()).toContain('SF1234567890');
    await screenshot(page, 'order-shipped-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByTestId('after-sales-kind').selectOption('refund');
    await page.getByTestId('after-sales-reason').fill('茶叶罐压坏了');
    await page.getByTestId('after-sales-amount').fill('20.00');
    await page.getByTestId('after-sales-submit').click();
    await page.getByTestId('after-sales-request-pending').waitFor();
    const requests = await stack.api('GET', `/v1/after_sales_requests?payment=${payment.id}`);
    expect(requests.body.data[0]).toMatchObject({ kind: 'refund', amount: 20_00, reason: '茶叶罐压坏了' });
    await stack.api('POST', `/v1/after_sales_requests/${requests.body.data[0].id}/approve`, {});
    await page.reload();
    await page.getByTestId('after-sales-request-approved').waitFor();
    await page.getByTestId('timeline-refunded').waitFor();
    await screenshot(page, 'order-refunded-phone');
    expect((await statusOf(payment.id)).amount_refunded).toBe(20_00);
    await page.context().close();
  });
});
