/**
 * The hosted checkout and the order page in a real browser (Debian's Chromium
 * through playwright-core), at a phone's and a desktop's size: what the payer
 * sees and does, checked against the API. Screenshots of every page go to
 * test-results/screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import type { Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/jobs/worker.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, newPage, screenshot, type ViewportName } from '../support/browser.ts';
import { sentVerificationCode, startStack, type Stack } from '../support/stack.ts';

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
      // Then the optional "would you recommend" question, 0–10.
      await page.getByTestId('nps-form').waitFor();
      await screenshot(page, `checkout-nps-${viewport}`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByTestId('nps-9').click();
      await page.getByTestId('nps-submit').click();
      await page.getByTestId('nps-thanks').waitFor();
      const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout`);
      expect(session.body.feedback).toEqual({ rating: 5, comment: 'Fast and clear', nps_score: 9 });
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

  /** A merchant who asks flagged customers for a code, and a customer flagged for canceling two payments within the hour (the limit is one). */
  async function flaggedCustomer(contact: Record<string, string>) {
    const m = await stack.newMerchant({ name: 'Tea House' });
    const asMerchant = { key: m.secretKey };
    const settings = await stack.api('POST', '/v1/cancellation_abuse_settings', { max_cancellations_per_hour: 1, action: 'require_otp' }, asMerchant);
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const customer = await stack.api('POST', '/v1/customers', { name: 'Li Wei', ...contact }, asMerchant);
    for (let i = 0; i < 2; i += 1) {
      const canceled = await stack.api('POST', '/v1/payments', { amount: 5_00, currency: 'CNY', customer: customer.body.id }, asMerchant);
      const cancel = await stack.api('POST', `/v1/payments/${canceled.body.id}/cancel`, { client_secret: canceled.body.client_secret }, { key: m.publishableKey });
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    }
    const flagged = await stack.api('GET', `/v1/customers/${customer.body.id}`, undefined, asMerchant);
    expect(Date.parse(flagged.body.restricted_until)).toBeGreaterThan(Date.now());
    return { asMerchant, customer: customer.body.id as string };
  }

  it('asks a customer flagged for cancelling too often for the code sent to them, then pays without the card typed again', async () => {
    const { asMerchant, customer } = await flaggedCustomer({ locale: 'en', phone: '+86 138 0013 8000' });
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', customer, order: { reference: 'TEA-2002' } }, asMerchant);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const payment = created.body as { id: string; checkout_url: string };
    const page = await newPage(browser, 'phone');
    const confirms: Record<string, unknown>[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/v1/payments/${payment.id}/confirm`)) confirms.push(JSON.parse(request.postData() ?? '{}'));
    });
    await page.goto(payment.checkout_url);
    await payByCard(page, '4242424242424242');

    // The code step names where the code went and when it expires, and takes focus on its input.
    await page.getByTestId('verify-intro').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('verify-intro').textContent()).toContain('by SMS to •••• 8000');
    expect(await page.getByTestId('verify-expiry').textContent()).toMatch(/expires at/);
    expect(await page.getByTestId('otp-input').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByTestId('otp-submit').textContent()).toContain('12.34');
    expect(await page.getByTestId('otp-input').getAttribute('aria-describedby')).toContain('otp-intro');
    await screenshot(page, 'checkout-customer-verification-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
    const current = (await stack.api('GET', `/v1/payments/${payment.id}`, undefined, asMerchant)).body;
    expect(current).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_otp', verify_otp: { reason: 'customer_verification', channel: 'sms', sent_to: '•••• 8000' } } });
    const code = await sentCode(payment.id);

    // A wrong code: the API's message and suggestion, the tries left, and the payer may try again.
    await page.getByTestId('otp-input').fill(code === '123456' ? '654321' : '123456');
    await page.getByTestId('otp-submit').click();
    await page.getByTestId('error-message').waitFor();
    expect(await page.getByTestId('error-message').textContent()).toContain('not correct');
    expect(await page.getByTestId('error-suggestion').textContent()).toContain('2 attempts remain');
    expect(await page.getByTestId('otp-attempts').textContent()).toContain('2 attempts left');
    expect(await page.getByTestId('otp-input').inputValue()).toBe('');
    expect(await page.getByTestId('otp-input').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await screenshot(page, 'checkout-customer-verification-wrong-code-phone');
    expect(await accessibilityViolations(page)).toEqual([]);

    // The right code pays with the card already given: nothing is typed again.
    await page.getByTestId('otp-input').fill(code);
    await page.getByTestId('otp-submit').click();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('result-order-number').textContent()).toContain('TEA-2002');
    const paid = (await stack.api('GET', `/v1/payments/${payment.id}`, undefined, asMerchant)).body;
    expect(paid).toMatchObject({ status: 'succeeded', payment_method: { type: 'card', card: { last4: '4242' } } });
    expect(confirms.map((body) => Object.keys(body).sort())).toEqual([
      ['client_secret', 'payment_method'],
      ['client_secret', 'otp', 'payment_method'],
      ['client_secret', 'otp', 'payment_method'],
    ]);
    expect(confirms[2]).toMatchObject({ otp: code, payment_method: { type: 'card', card: { number: '4242424242424242' } } });
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`, undefined, asMerchant);
    expect(attempts.body.data.map((a: { status: string }) => a.status)).toEqual(['succeeded']);
    // The card and the code were kept in memory only: not in the address, nor in the tab's storage.
    const kept = String(await page.evaluate('location.href + JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })'));
    expect(kept).not.toContain('4242424242424242');
    expect(kept).not.toContain(code);
    await page.context().close();
  });

  it('explains an expired code in the payer\'s language and sends a new one when the payer pays again, the card still filled in', async () => {
    const { asMerchant, customer } = await flaggedCustomer({ locale: 'zh-CN', email: 'li@example.com' });
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', customer }, asMerchant);
    const payment = created.body as { id: string; checkout_url: string };
    const page = await newPage(browser, 'desktop', 'zh-CN');
    await page.goto(payment.checkout_url);
    await payByCard(page, '4242424242424242');
    await page.getByTestId('verify-intro').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('verify-intro').textContent()).toContain('通过电子邮件向 l•••@example.com 发送');
    expect(await page.getByTestId('verify-expiry').textContent()).toContain('失效');
    await screenshot(page, 'checkout-customer-verification-zh-CN-desktop');
    const first = await sentCode(payment.id);
    // Ten minutes pass (the code's end moved back rather than waiting).
    await sql`update customer_verifications set expires_at = now() - interval '1 second' where payment_id = ${payment.id}`.execute(stack.db.db);
    await page.getByTestId('otp-input').fill(first);
    await page.getByTestId('otp-submit').click();
    await page.getByTestId('error-message').waitFor();
    expect(await page.getByTestId('error-message').textContent()).toContain('验证码已失效');
    expect(await page.getByTestId('error-detail').textContent()).toContain('付款信息已保留');
    expect(await page.getByTestId('error').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await screenshot(page, 'checkout-customer-verification-expired-zh-CN-desktop');
    expect(await accessibilityViolations(page)).toEqual([]);
    // Back on the pay step with the card as typed: paying again sends a new code, which pays.
    expect((await page.getByTestId('card-number').inputValue()).replace(/\D/g, '')).toBe('4242424242424242');
    await page.getByTestId('pay-button').click();
    await page.getByTestId('verify-intro').waitFor({ timeout: 15_000 });
    const second = await sentCode(payment.id);
    const sent = await sql<{ count: number }>`select count(*)::int as count from messages where payment_id = ${payment.id} and purpose = 'customer_verification'`.execute(stack.db.db);
    expect(sent.rows[0]?.count).toBe(2);
    await page.getByTestId('otp-input').fill(second);
    await page.getByTestId('otp-submit').click();
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    expect((await stack.api('GET', `/v1/payments/${payment.id}`, undefined, asMerchant)).body.status).toBe('succeeded');
    await page.context().close();
  });

  it('after the customer\'s code, still asks for a card\'s own code (4000002760003184) as before', async () => {
    const { asMerchant, customer } = await flaggedCustomer({ locale: 'en', phone: '+86 138 0013 8000' });
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', customer }, asMerchant);
    const payment = created.body as { id: string; checkout_url: string };
    const page = await newPage(browser, 'phone');
    await page.goto(payment.checkout_url);
    await payByCard(page, '4000002760003184');
    await page.getByTestId('verify-intro').waitFor({ timeout: 15_000 });
    await page.getByTestId('otp-input').fill(await sentCode(payment.id));
    await page.getByTestId('otp-submit').click();
    // The bank's step: its own words, an empty input, the code alone.
    await expect.poll(async () => page.getByTestId('otp-title').textContent(), { timeout: 15_000 }).toBe('Enter your one-time code');
    expect(await page.getByTestId('verify-intro').count()).toBe(0);
    expect(await page.getByTestId('otp-input').inputValue()).toBe('');
    const bankConfirm = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/confirm'));
    await page.getByTestId('otp-input').fill('000000');
    await page.getByTestId('otp-submit').click();
    expect(Object.keys(JSON.parse((await bankConfirm).postData() ?? '{}')).sort()).toEqual(['client_secret', 'otp']);
    await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
    expect((await stack.api('GET', `/v1/payments/${payment.id}`, undefined, asMerchant)).body.status).toBe('succeeded');
    await page.context().close();
  });

  /** The code in the newest message queued for the payment (the worker would send it), as the integration tests read it. */
  async function sentCode(paymentId: string): Promise<string> {
    return sentVerificationCode(stack, paymentId);
  }

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
    // Approved, and its refund went through: the badge says refunded, not merely approved.
    await page.getByTestId('after-sales-request-refunded').waitFor();
    await page.getByTestId('timeline-refunded').waitFor();
    await screenshot(page, 'order-refunded-phone');
    expect((await statusOf(payment.id)).amount_refunded).toBe(20_00);
    await page.context().close();
  });
});
