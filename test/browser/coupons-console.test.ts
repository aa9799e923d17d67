/**
 * The console's Coupons page in a real browser, at 1280×800 and 390×844 in
 * English, 简体中文 and 繁體中文: each coupon with its redemptions, the
 * discount it cost and the payments it brought, with no serious or critical
 * axe-core violation. Then an owner creates a coupon and disables one
 * through the page, checked through the API.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { card, startStack, type Stack } from '../support/stack.ts';
import {
  checkNoPageProblems,
  consoleAccessibilityViolations,
  consoleLanguages,
  consoleViewportNames,
  newConsoleContext,
  signInWithTotp,
  type ConsoleLanguage,
  type ConsoleViewport,
} from './console-kit.ts';

let stack: Stack;
let browser: Browser;
let session: Awaited<ReturnType<BrowserContext['storageState']>>;
const seeded = `SEED${Date.now().toString(36).toUpperCase()}`;
const sibling = `SIB${Date.now().toString(36).toUpperCase()}`;
const paidWithSeeded: string[] = [];
let declinedWithSeeded = '';

describe.skipIf(!browserAvailable)('the console Coupons page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    const coupon = await stack.api('POST', '/v1/coupons', { code: seeded, currency: 'CNY', percent_off: 10, campaign: 'winter', max_redemptions: 100 });
    expect(coupon.status).toBe(200);
    for (const amount of [10_000, 20_000]) {
      const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', coupon: seeded });
      expect((await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
      paidWithSeeded.push(created.body.id);
    }
    // A second coupon of the campaign, and a declined payment: its redemption is released.
    expect((await stack.api('POST', '/v1/coupons', { code: sibling, currency: 'CNY', amount_off: 500, campaign: 'winter' })).status).toBe(200);
    const withSibling = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY', coupon: sibling });
    expect((await stack.api('POST', `/v1/payments/${withSibling.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    const declined = await stack.api('POST', '/v1/payments', { amount: 3_000, currency: 'CNY', coupon: seeded });
    await stack.api('POST', `/v1/payments/${declined.body.id}/confirm`, { payment_method: card('4000000000000002') });
    expect((await stack.api('GET', `/v1/payments/${declined.body.id}`)).body.status).toBe('requires_payment_method');
    declinedWithSeeded = declined.body.id;
    browser = await launchBrowser();
    const email = `coupons-owner@${emailRun}.example.com`;
    await addMember(stack, stack.merchant.merchantId, 'owner', email);
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email, password: memberPassword })).status).toBe(200);
    const { secret } = await enrol(client, (key) => totp(key, Date.now()));
    // The code just used for enrolment cannot be used again: wait for the next step.
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
    const context = await newConsoleContext(browser, 'desktop');
    const page = await context.newPage();
    await signInWithTotp(page, `${stack.url}/console`, email, memberPassword, secret);
    session = await context.storageState();
    await context.close();
  }, 180_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function consoleWindow(viewport: ConsoleViewport, language: ConsoleLanguage): Promise<Page> {
    const context = await newConsoleContext(browser, viewport, language, session);
    await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    const current = await context.request.get(`${stack.url}/console/api/session`);
    const { csrf_token: csrf } = (await current.json()) as { csrf_token: string };
    expect((await context.request.post(`${stack.url}/console/api/session/preferences`, { data: { locale: language }, headers: { 'x-csrf-token': csrf } })).status()).toBe(200);
    return context.newPage();
  }

  for (const viewport of consoleViewportNames) {
    it(`lists coupons with their redemptions and cost in every language, accessible (${viewport})`, async () => {
      for (const language of consoleLanguages) {
        const page = await consoleWindow(viewport, language);
        await page.goto(`${stack.url}/console/coupons`);
        await page.getByTestId(`coupon-redeemed-${seeded}`).waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle');
        expect(await page.getByTestId(`coupon-redeemed-${seeded}`).textContent()).toBe('2');
        const row = page.getByTestId('coupons-table').locator('tr', { hasText: seeded });
        // 10 % of 100.00 and of 200.00: 30.00 given; 300.00 of payments brought.
        expect(await row.textContent()).toMatch(/30\.00/);
        expect(await row.textContent()).toMatch(/300\.00/);
        // The campaign: both its coupons summed (30.00 + 5.00 given; 3 payments, 270.00 + 45.00 received).
        const campaign = page.getByTestId('campaigns-table').locator('tr', { has: page.getByTestId('campaign-winter') });
        await expect.poll(async () => (await campaign.textContent()) ?? '', { timeout: 15_000 }).toMatch(/35\.00/);
        expect(await campaign.textContent()).toMatch(/315\.00/);
        // The coupon's redemptions, one per payment, each linking to its payment.
        await page.getByTestId(`coupon-redemptions-${seeded}`).click();
        const redemptions = page.getByTestId('coupon-redemptions-table');
        for (const id of [...paidWithSeeded, declinedWithSeeded]) await redemptions.getByTestId(`redemption-payment-${id}`).waitFor({ timeout: 15_000 });
        expect(await redemptions.locator('tbody tr').count()).toBe(3);
        expect(await redemptions.locator('tr', { has: page.getByTestId(`redemption-payment-${paidWithSeeded[1]}`) }).textContent()).toMatch(/20\.00/);
        expect(await consoleAccessibilityViolations(page), `${viewport} ${language} redemptions`).toEqual([]);
        if (language === 'en') {
          expect(await redemptions.locator('tr', { has: page.getByTestId(`redemption-payment-${declinedWithSeeded}`) }).textContent()).toContain('released');
          await redemptions.getByTestId(`redemption-payment-${paidWithSeeded[0]}`).click();
          await page.waitForURL(`**/console/payments/${paidWithSeeded[0]}`);
        }
        expect(await page.locator('.ant-alert-error').count(), `${language}: an error is shown`).toBe(0);
        expect(await consoleAccessibilityViolations(page), `${viewport} ${language}`).toEqual([]);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), `${viewport} ${language} scrolls sideways`).toBe(true);
        await page.context().close();
      }
    }, 180_000);
  }

  it('creates a coupon and disables it from the page', async () => {
    const page = await consoleWindow('desktop', 'en');
    await page.goto(`${stack.url}/console/coupons`);
    await page.getByTestId('coupon-new').click();
    const code = `NEW${Date.now().toString(36).toUpperCase()}`;
    await page.getByTestId('coupon-code').fill(code);
    await page.getByTestId('coupon-value').fill('15');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId(`coupon-disable-${code}`).waitFor({ timeout: 15_000 });
    const made = (await stack.api('GET', '/v1/coupons?limit=100')).body.data.find((c: { code: string }) => c.code === code);
    expect(made).toMatchObject({ percent_off: 15, currency: 'CNY', active: true });
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    await page.getByTestId(`coupon-disable-${code}`).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Disable' }).click();
    await expect.poll(async () => (await stack.api('GET', `/v1/coupons/${made.id}`)).body.disabled_at).not.toBeNull();
    await page.context().close();
  }, 60_000);
});
