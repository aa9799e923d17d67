/**
 * The checkout's coupon field in a real browser (Debian's Chromium through
 * playwright-core), on a 390×844 phone in Chinese and a 1280×800 desktop in
 * English: every coupon error the payer can meet (unknown, disabled,
 * expired, not yet valid, minimum not met, limit reached, not for the
 * method, another currency, a customer required, first payment only, too
 * many codes tried) is shown in the page's language, and a good code shows the new total before paying, is charged,
 * and is on the result page. axe finds nothing serious at each stage.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, screenshot } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { localizeError } from '../../src/domain/errors.ts';

let stack: Stack;
let browser: Browser;
const expiryYear = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');

const sizes = [
  { name: 'phone', width: 390, height: 844, isMobile: true, locale: 'zh-CN', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' },
  { name: 'desktop', width: 1280, height: 800, isMobile: false, locale: 'en-US', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
] as const;

let seq = 0;
async function coupon(fields: Record<string, unknown>): Promise<string> {
  seq += 1;
  const code = `WEB${Date.now().toString(36).toUpperCase()}${seq}`;
  const created = await stack.api('POST', '/v1/coupons', { code, currency: 'CNY', ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return code;
}

async function openCheckout(size: (typeof sizes)[number], fields: Record<string, unknown> = {}): Promise<{ page: Page; id: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 20_00, currency: 'CNY', order: { reference: 'TEA-2002' }, ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, isMobile: size.isMobile, hasTouch: size.isMobile, userAgent: size.userAgent, locale: size.locale });
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') foreignRequests.push(request.url());
  });
  await page.goto(created.body.checkout_url);
  await page.getByTestId('pay-button').waitFor();
  return { page, id: created.body.id };
}

async function applyCode(page: Page, code: string): Promise<void> {
  if (await page.getByTestId('coupon-open').isVisible().catch(() => false)) await page.getByTestId('coupon-open').click();
  await page.getByTestId('coupon-input').fill(code);
  await page.getByTestId('coupon-apply').click();
}

describe.skipIf(!browserAvailable)('the coupon field of the checkout', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  for (const size of sizes) {
    it(`shows every coupon error in the page's language on a ${size.width}×${size.height} ${size.name}`, async () => {
      const hour = 3600_000;
      const used = await coupon({ amount_off: 100, max_redemptions: 1 });
      const spent = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', coupon: used });
      expect((await stack.api('POST', `/v1/payments/${spent.body.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } })).body.status).toBe('succeeded');
      const disabled = await coupon({ percent_off: 10 });
      const disabledId = (await stack.api('GET', '/v1/coupons?limit=1')).body.data[0].id;
      await stack.api('POST', `/v1/coupons/${disabledId}/disable`);
      const cases: [string, string][] = [
        ['NOSUCHCODE', 'coupon_unknown'],
        [await coupon({ percent_off: 10, ends_at: new Date(Date.now() - hour).toISOString() }), 'coupon_expired'],
        [await coupon({ percent_off: 10, starts_at: new Date(Date.now() + hour).toISOString() }), 'coupon_not_yet_valid'],
        [await coupon({ percent_off: 10, minimum_amount: 50_00 }), 'coupon_minimum_not_met'],
        [used, 'coupon_limit_reached'],
        [await coupon({ percent_off: 10, payment_method_types: ['alipay'] }), 'coupon_not_for_method'],
        [disabled, 'coupon_disabled'],
        [await coupon({ percent_off: 10, currency: 'USD' }), 'coupon_currency_mismatch'],
        [await coupon({ percent_off: 10, max_redemptions_per_customer: 1 }), 'coupon_customer_required'],
      ];
      const { page, id } = await openCheckout(size, { payment_method_types: ['card'] });
      await page.getByTestId('coupon-open').click();
      expect(await accessibilityViolations(page)).toEqual([]);
      for (const [code, errorCode] of cases) {
        const expected = (await stack.api('POST', `/v1/payments/${id}`, { coupon: code }, { headers: { 'accept-language': size.locale } })).body.error;
        expect(expected.code, code).toBe(errorCode);
        await applyCode(page, code);
        const error = page.locator('#coupon-error');
        // Each error replaces the one before: wait for this code's.
        await expect.poll(async () => (await error.getByTestId('error-message').textContent().catch(() => '')) ?? '', { timeout: 10_000 }).toBe(expected.message);
        const message = (await error.getByTestId('error-message').textContent()) ?? '';
        if (size.locale === 'zh-CN') expect(message, errorCode).toMatch(/[\u4e00-\u9fff]/);
        expect(await error.getByTestId('error-suggestion').textContent(), errorCode).toBe(expected.suggestion);
        if (errorCode === 'coupon_minimum_not_met') {
          await screenshot(page, `coupon-error-${size.name}`);
          expect(await accessibilityViolations(page)).toEqual([]);
        }
      }
      // The payer's tenth code, then an eleventh: no more codes on this payment.
      await applyCode(page, 'NOSUCHCODE2');
      await applyCode(page, 'NOSUCHCODE3');
      const exhausted = localizeError('coupon_tries_exhausted', size.locale === 'zh-CN' ? 'zh-CN' : 'en');
      await expect.poll(async () => (await page.locator('#coupon-error').getByTestId('error-message').textContent().catch(() => '')) ?? '', { timeout: 10_000 }).toBe(exhausted.message);
      expect(await page.locator('#coupon-error').getByTestId('error-suggestion').textContent()).toBe(exhausted.suggestion);
      // Nothing changed on the payment: the full price is still what the Pay button asks.
      const payment = (await stack.api('GET', `/v1/payments/${id}`)).body;
      expect(payment).toMatchObject({ amount: 20_00, amount_discount: 0, coupon: null });
      expect(await page.getByTestId('pay-button').textContent()).toContain('20.00');
      await page.context().close();

      // A first-payment-only coupon on the checkout of a customer who has paid before (the page speaks the customer's language).
      const customer = (await stack.api('POST', '/v1/customers', { email: `payer-${size.name}@example.com`, locale: size.locale === 'zh-CN' ? 'zh-CN' : 'en' })).body.id as string;
      const earlier = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer });
      expect((await stack.api('POST', `/v1/payments/${earlier.body.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } })).body.status).toBe('succeeded');
      const firstOnly = await coupon({ percent_off: 10, first_payment_only: true });
      const returning = await openCheckout(size, { customer });
      const expected = (await stack.api('POST', `/v1/payments/${returning.id}`, { coupon: firstOnly }, { headers: { 'accept-language': size.locale } })).body.error;
      expect(expected.code).toBe('coupon_first_payment_only');
      await applyCode(returning.page, firstOnly);
      await expect.poll(async () => (await returning.page.locator('#coupon-error').getByTestId('error-message').textContent().catch(() => '')) ?? '', { timeout: 10_000 }).toBe(expected.message);
      expect(await returning.page.locator('#coupon-error').getByTestId('error-suggestion').textContent()).toBe(expected.suggestion);
      expect(await accessibilityViolations(returning.page)).toEqual([]);
      expect((await stack.api('GET', `/v1/payments/${returning.id}`)).body).toMatchObject({ amount: 20_00, coupon: null });
      await returning.page.context().close();
    }, 90_000);

    it(`applies a coupon, shows the new total before paying and the discount after on a ${size.width}×${size.height} ${size.name}`, async () => {
      const code = await coupon({ percent_off: 15 });
      const { page, id } = await openCheckout(size);
      await applyCode(page, code.toLowerCase());
      await page.getByTestId('coupon-applied').waitFor();
      expect(await page.getByTestId('coupon-original').textContent()).toContain('20.00');
      expect(await page.getByTestId('coupon-discount').textContent()).toContain('3.00');
      expect(await page.getByTestId('coupon-due').textContent()).toContain('17.00');
      expect(await page.getByTestId('pay-button').textContent()).toContain('17.00');
      const noScroll = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
      expect(noScroll).toBe(true);
      await screenshot(page, `coupon-applied-${size.name}`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByTestId('method-card').click();
      await page.getByTestId('card-number').fill('4242424242424242');
      await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
      await page.getByTestId('card-cvc').fill('123');
      await page.getByTestId('pay-button').click();
      await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('result-discount').textContent()).toContain('3.00');
      expect(await page.getByTestId('result-amount').textContent()).toContain('17.00');
      await screenshot(page, `coupon-result-${size.name}`);
      expect(await accessibilityViolations(page)).toEqual([]);
      expect((await stack.api('GET', `/v1/payments/${id}`)).body).toMatchObject({ status: 'succeeded', amount_received: 17_00, amount_original: 20_00, amount_discount: 3_00, coupon: code });
      await page.context().close();
    });
  }
});
