/**
 * The console's Support page in a real browser: a member of the support role
 * (no second factor needed) sees a payer's question in the queue, opens its
 * thread, answers and resolves it from the page; the answer is checked
 * through the API and the payer's order-page thread, with no serious or
 * critical axe-core violation, in English and 繁體中文.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, emailRun, memberPassword } from '../support/console.ts';
import { card, startStack, type Stack } from '../support/stack.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, fillPassword, newConsoleContext, type ConsoleLanguage } from './console-kit.ts';

let stack: Stack;
let browser: Browser;
const email = `support-agent@${emailRun}.example.com`;

describe.skipIf(!browserAvailable)('the console Support page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    await addMember(stack, stack.merchant.merchantId, 'support', email);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function askedQuestion(message: string) {
    const customer = await stack.api('POST', '/v1/customers', { email: `payer-${Date.now()}@example.com` });
    const created = await stack.api('POST', '/v1/payments', { amount: 66_00, currency: 'CNY', customer: customer.body.id });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const token = orderPageToken(created.body.id, stack.context.keys.orderPage);
    const asked = await stack.api('POST', `/v1/orders/${created.body.id}/support_requests?token=${token}`, { category: 'refund', message, contact_preference: 'email' }, { key: null });
    expect(asked.status).toBe(200);
    return { payment: created.body.id as string, token, request: asked.body.id as string };
  }

  async function signedIn(language: ConsoleLanguage) {
    const context = await newConsoleContext(browser, 'desktop', language);
    await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    const page = await context.newPage();
    await page.goto(`${stack.url}/console/support`);
    await fillPassword(page, email, memberPassword);
    await page.getByTestId('console-page').waitFor();
    return page;
  }

  for (const language of ['en', 'zh-TW'] as const) {
    it(`answers and resolves a payer's question from the queue (${language})`, async () => {
      const asked = await askedQuestion(`Where is my refund? (${language})`);
      const page = await signedIn(language);
      await page.goto(`${stack.url}/console/support`);
      await page.getByTestId(`support-open-${asked.request}`).click({ timeout: 30_000 });
      await page.getByTestId('support-figure-first-response').waitFor();
      await page.getByTestId('support-thread-payer').waitFor();
      expect(await page.getByTestId('support-thread-payer').textContent()).toContain('Where is my refund?');
      expect(await consoleAccessibilityViolations(page), language).toEqual([]);
      await page.getByTestId('support-answer').fill('Refunded today; allow 3 days.');
      await page.getByTestId('support-resolve-too').click();
      await page.getByTestId('support-send').click();
      await page.getByTestId('support-reopen').waitFor({ timeout: 15_000 });
      const request = await stack.api('GET', `/v1/support_requests/${asked.request}`);
      expect(request.body).toMatchObject({ status: 'resolved' });
      expect(request.body.messages.map((m: { author: string }) => m.author)).toEqual(['payer', 'merchant']);
      if (language === 'zh-TW') {
        // The English run's request was answered and resolved: the figures of the last 30 days show its times.
        await page.getByTestId('support-thread-merchant').waitFor();
        await page.keyboard.press('Escape');
        await page.reload();
        await expect.poll(async () => page.getByTestId('support-figure-reopen').textContent(), { timeout: 15_000 }).toContain('0%');
      }
      const payerSees = await stack.api('GET', `/v1/orders/${asked.payment}/support_requests?token=${asked.token}`, undefined, { key: null });
      expect(payerSees.body.data[0].messages[1].body).toBe('Refunded today; allow 3 days.');
      await page.context().close();
    }, 120_000);
  }
});
