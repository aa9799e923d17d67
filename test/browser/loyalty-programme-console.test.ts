/**
 * The console's Loyalty page in a real browser, at 1280×800 and 390×844 in
 * English, 简体中文 and 繁體中文: the points programme's terms and the
 * points analytics (issued, redeemed, expired, outstanding liability) as
 * GET /v1/analytics/points answers them, with no serious or critical axe-core
 * violation and no sideways scrolling. An owner changes the programme through
 * the page (checked through the API); an analyst reads the page without the
 * edit button, and the server refuses the analyst's PUT.
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
  fillPassword,
  newConsoleContext,
  signInWithTotp,
  type ConsoleLanguage,
  type ConsoleViewport,
} from './console-kit.ts';

let stack: Stack;
let browser: Browser;
let ownerSession: Awaited<ReturnType<BrowserContext['storageState']>>;
let analystSession: Awaited<ReturnType<BrowserContext['storageState']>>;
let issued = 0;

const programme = {
  enabled: true,
  currency: 'CNY',
  // A campaign long over: shown on the page, it multiplies none of the payments below.
  earn: { points_per_unit: 10, by_payment_method: { wallet: 20 }, segment_percent: { gold: 150 }, campaigns: [{ name: 'spring', starts_at: '2020-03-01T00:00:00.000Z', ends_at: '2020-04-01T00:00:00.000Z', percent: 200 }] },
  spend_delay_hours: 24,
  expiry_days: 30,
  redemption: { points: 100, amount: 100, cap_percent: 50 },
};

describe.skipIf(!browserAvailable)('the console Loyalty page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    expect((await stack.api('PUT', '/v1/loyalty/programme', programme)).status).toBe(200);
    const customer = (await stack.api('POST', '/v1/customers', { email: 'points-payer@example.com' })).body.id as string;
    for (const amount of [10_000, 25_000]) {
      const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer });
      expect((await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    }
    const figures = await stack.api('GET', '/v1/analytics/points');
    issued = figures.body.issued as number;
    // 10 points per yuan of 100.00 and 250.00.
    expect(issued).toBe(3500);
    browser = await launchBrowser();
    const ownerEmail = `loyalty-owner@${emailRun}.example.com`;
    await addMember(stack, stack.merchant.merchantId, 'owner', ownerEmail);
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email: ownerEmail, password: memberPassword })).status).toBe(200);
    const { secret } = await enrol(client, (key) => totp(key, Date.now()));
    // The code just used for enrolment cannot be used again: wait for the next step.
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
    const ownerContext = await newConsoleContext(browser, 'desktop');
    await signInWithTotp(await ownerContext.newPage(), `${stack.url}/console`, ownerEmail, memberPassword, secret);
    ownerSession = await ownerContext.storageState();
    await ownerContext.close();
    // Analysts need no second factor: the password alone signs them in.
    const analystEmail = `loyalty-analyst@${emailRun}.example.com`;
    await addMember(stack, stack.merchant.merchantId, 'analyst', analystEmail);
    const analystContext = await newConsoleContext(browser, 'desktop');
    const analystPage = await analystContext.newPage();
    await analystPage.goto(`${stack.url}/console`);
    await fillPassword(analystPage, analystEmail, memberPassword);
    await analystPage.locator('.ant-layout').first().waitFor({ timeout: 30_000 });
    analystSession = await analystContext.storageState();
    await analystContext.close();
  }, 180_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function consoleWindow(session: typeof ownerSession, viewport: ConsoleViewport, language: ConsoleLanguage): Promise<{ page: Page; csrf: string }> {
    const context = await newConsoleContext(browser, viewport, language, session);
    await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    const current = await context.request.get(`${stack.url}/console/api/session`);
    const { csrf_token: csrf } = (await current.json()) as { csrf_token: string };
    expect((await context.request.post(`${stack.url}/console/api/session/preferences`, { data: { locale: language }, headers: { 'x-csrf-token': csrf } })).status()).toBe(200);
    return { page: await context.newPage(), csrf };
  }

  for (const viewport of consoleViewportNames) {
    it(`shows the programme and the points issued, redeemed, expired and outstanding in every language, accessible (${viewport})`, async () => {
      for (const language of consoleLanguages) {
        const { page } = await consoleWindow(ownerSession, viewport, language);
        await page.goto(`${stack.url}/console/loyalty`);
        await page.getByTestId('loyalty-programme').waitFor({ timeout: 30_000 });
        await page.getByTestId('points-issued').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle');
        expect(Number((await page.getByTestId('points-issued').textContent())!.replace(/\D/g, ''))).toBe(issued);
        expect(await page.getByTestId('points-figure-outstanding').textContent()).toMatch(/3,?500/);
        // 3 500 points at 100 points per 1.00 CNY: a liability of 35.00.
        expect(await page.getByTestId('points-table').textContent()).toMatch(/35\.00/);
        expect(await page.getByTestId('loyalty-points-per-unit').textContent()).toBe('10');
        // The earn rules the page does not edit are shown: the method's rate, the segment's multiplier, the campaign's window.
        expect(await page.getByTestId('loyalty-by-method').textContent()).toBe('wallet: 20');
        expect(await page.getByTestId('loyalty-segments').textContent()).toBe('gold: 150%');
        expect(await page.getByTestId('loyalty-campaigns').textContent()).toMatch(/^spring: 200% \(.*2020.*–.*2020.*\)$/);
        expect(await page.getByTestId('loyalty-edit').count()).toBe(1);
        expect(await page.locator('.ant-alert-error').count(), `${language}: an error is shown`).toBe(0);
        expect(await consoleAccessibilityViolations(page), `${viewport} ${language}`).toEqual([]);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), `${viewport} ${language} scrolls sideways`).toBe(true);
        await page.context().close();
      }
    }, 180_000);
  }

  it('lets an owner change the programme from the page, keeping the terms the page does not edit', async () => {
    const { page } = await consoleWindow(ownerSession, 'desktop', 'en');
    await page.goto(`${stack.url}/console/loyalty`);
    await page.getByTestId('loyalty-edit').click();
    await page.getByTestId('loyalty-points-per-unit-input').fill('12');
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('loyalty-points-per-unit').filter({ hasText: '12' }).waitFor({ timeout: 15_000 });
    const read = await stack.api('GET', '/v1/loyalty/programme');
    expect(read.body).toMatchObject({ enabled: true, currency: 'CNY', earn: { points_per_unit: 12, by_payment_method: { wallet: 20 }, segment_percent: { gold: 150 }, campaigns: [{ name: 'spring', percent: 200 }] }, expiry_days: 30 });
    await page.context().close();
  }, 60_000);

  it('shows an analyst the page without the edit button, and the server refuses the analyst a change', async () => {
    const { page, csrf } = await consoleWindow(analystSession, 'phone', 'zh-CN');
    await page.goto(`${stack.url}/console/loyalty`);
    await page.getByTestId('loyalty-programme').waitFor({ timeout: 30_000 });
    await page.getByTestId('points-issued').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('loyalty-edit').count()).toBe(0);
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    const refused = await page.context().request.put(`${stack.url}/v1/loyalty/programme`, {
      data: { ...programme, earn: { ...programme.earn, points_per_unit: 99 } },
      headers: { 'x-csrf-token': csrf, 'paypilot-mode': 'test' },
    });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('console_role_forbidden');
    expect((await stack.api('GET', '/v1/loyalty/programme')).body.earn.points_per_unit).not.toBe(99);
    await page.context().close();
  }, 60_000);
});
