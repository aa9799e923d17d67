/**
 * Loyalty points at the hosted checkout, in a real browser at a phone's
 * (390×844) and a desktop's (1280×800) size: the balance and its value, the
 * toggle and what remains to pay, the payment charged for the rest, and the
 * points used and earned on the result page; axe finds nothing.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, newPage, screenshot, viewports, type ViewportName } from '../support/browser.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;
const expiryYear = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');

describe.skipIf(!browserAvailable)('loyalty points at the checkout', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    const programme = await stack.api('PUT', '/v1/loyalty/programme', {
      enabled: true,
      currency: 'CNY',
      earn: { points_per_unit: 1 },
      spend_delay_hours: 0,
      expiry_days: 365,
      redemption: { points: 100, amount: 100, cap_percent: 50 },
    });
    expect(programme.status).toBe(200);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  for (const viewport of ['phone', 'desktop'] as ViewportName[]) {
    it(`uses points on a ${viewport}: balance, toggle, what remains, points used and earned`, async () => {
      const customer = (await stack.api('POST', '/v1/customers', { email: 'payer@example.com', locale: 'en' })).body.id as string;
      // 800.00 CNY paid earlier: 800 points, spendable at once (no delay in this programme).
      const earlier = await stack.api('POST', '/v1/payments', { amount: 80_000, currency: 'CNY', customer });
      expect((await stack.api('POST', `/v1/payments/${earlier.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');

      const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY', customer, order: { reference: 'TEA-2001' } });
      const page = await newPage(browser, viewport);
      // The sizes the brief names: a 390×844 phone (the shared phone is 360×740) and a 1280×800 desktop.
      await page.setViewportSize(viewport === 'phone' ? { width: 390, height: 844 } : { width: viewports.desktop.width, height: viewports.desktop.height });
      await page.goto(created.body.checkout_url);
      await page.getByTestId('points').waitFor();
      expect(await page.getByTestId('points-balance').textContent()).toMatch(/800 points, worth .*8\.00/);
      expect(await page.getByTestId('pay-button').textContent()).toContain('12.34');
      await page.getByTestId('method-card').click();
      await page.getByTestId('use-points').check();
      // Capped at half of 12.34: 617 points for 6.17.
      expect(await page.getByTestId('points-due').textContent()).toContain('6.17');
      expect(await page.getByTestId('pay-button').textContent()).toContain('6.17');
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await screenshot(page, `checkout-points-${viewport}`);
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByTestId('card-number').fill('4242424242424242');
      await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
      await page.getByTestId('card-cvc').fill('123');
      await page.getByTestId('pay-button').click();
      await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('result-points-used').textContent()).toContain('617 points');
      expect(await page.getByTestId('points-earned').textContent()).toContain('You earned 6 points');
      await screenshot(page, `checkout-points-result-${viewport}`);
      expect(await accessibilityViolations(page)).toEqual([]);

      const paid = (await stack.api('GET', `/v1/payments/${created.body.id}`)).body;
      expect(paid).toMatchObject({ status: 'succeeded', amount: 617, amount_received: 617, points: { redeemed: 617, value: 617, amount_original: 1_234, earned: 6 } });
      const points = (await stack.api('GET', `/v1/customers/${customer}/points`)).body;
      expect(points).toMatchObject({ balance: 800 - 617 + 6, pending: 0, reserved: 0 });
      await page.context().close();
    });
  }
});
