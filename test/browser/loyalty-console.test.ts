/**
 * A customer's loyalty points on the console's customer page, in a real
 * browser at 1280×800 and 390×844: the balances and the movements, read
 * through the session's access to GET /v1/customers/:id/points; axe finds
 * no serious or critical violation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { card, startStack, type Stack } from '../support/stack.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, consoleViewportNames, markTotpStepUsed, newConsoleContext, settled, showTestData, signInWithTotp } from './console-kit.ts';
import { consoleScreenshot } from './console-screens.ts';

let stack: Stack;
let browser: Browser;
let customer: string;
let secret: Buffer;
const ownerEmail = `points-owner@${emailRun}.example.com`;

describe.skipIf(!browserAvailable)("a customer's points in the console", () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    await addMember(stack, stack.merchant.merchantId, 'owner', ownerEmail);
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email: ownerEmail, password: memberPassword })).status).toBe(200);
    secret = (await enrol(client, (s) => totp(s, Date.now()))).secret;
    markTotpStepUsed(ownerEmail);
    expect((await stack.api('PUT', '/v1/loyalty/programme', { enabled: true, currency: 'CNY', earn: { points_per_unit: 1 }, spend_delay_hours: 0, expiry_days: 365, redemption: { points: 100, amount: 100, cap_percent: 50 } })).status).toBe(200);
    customer = (await stack.api('POST', '/v1/customers', { email: 'points@example.com', name: 'Points Payer', locale: 'en' })).body.id;
    const created = await stack.api('POST', '/v1/payments', { amount: 420_00, currency: 'CNY', customer });
    expect((await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
  }, 120_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  for (const viewport of consoleViewportNames) {
    it(`shows the balances and the movements (${viewport})`, async () => {
      const context = await newConsoleContext(browser, viewport);
      const page = await context.newPage();
      await signInWithTotp(page, `${stack.url}/`, ownerEmail, memberPassword, secret);
      await page.goto(`${stack.url}/console/customers/${customer}`);
      await showTestData(page);
      await page.getByTestId('customer-points').waitFor();
      await expect.poll(async () => (await page.getByTestId('customer-points').textContent()) ?? '').toContain('420 spendable');
      await settled(page);
      await consoleScreenshot(page, 'customer-points', viewport, 'en');
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      await context.close();
    }, 120_000);
  }
});
