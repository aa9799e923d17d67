/**
 * Every page of the console's own (payments, a payment, customers, team,
 * audit log, settings, developers, my account) in a real browser, at
 * 1280×800 and 390×844, in English, simplified and traditional Chinese: an
 * owner signed in with password and TOTP, axe-core finding no serious or
 * critical violation, and a screenshot of each. Then a refund made on a
 * payment's page, seen through the API and in the audit log.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { startStack, type Stack } from '../support/stack.ts';
import {
  checkNoPageProblems,
  chooseLanguage,
  consoleAccessibilityViolations,
  consoleLanguages,
  consoleViewportNames,
  markTotpStepUsed,
  newConsoleContext,
  paidPayment,
  settled,
  showTestData,
  signInWithTotp,
  type ConsoleViewport,
} from './console-kit.ts';
import { consoleScreenshot, docsScreenshot } from './console-screens.ts';

let stack: Stack;
let browser: Browser;
let paymentId: string;
const ownerEmail = `pages-owner@${emailRun}.example.com`;
let secret: Buffer;
const signedIn = new Map<ConsoleViewport, Awaited<ReturnType<BrowserContext['storageState']>>>();

const languageNames = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' } as const;

describe.skipIf(!browserAvailable)('console pages in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    await addMember(stack, stack.merchant.merchantId, 'owner', ownerEmail);
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email: ownerEmail, password: memberPassword })).status).toBe(200);
    secret = (await enrol(client, (s) => totp(s, Date.now()))).secret;
    markTotpStepUsed(ownerEmail);
    paymentId = await paidPayment(stack, 88_00, 'TEA-2001');
    await paidPayment(stack, 12_34, 'TEA-2002');
  }, 120_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function ownerContext(viewport: ConsoleViewport): Promise<BrowserContext> {
    let state = signedIn.get(viewport);
    if (!state) {
      const context = await newConsoleContext(browser, viewport);
      const page = await context.newPage();
      await signInWithTotp(page, `${stack.url}/`, ownerEmail, memberPassword, secret);
      state = await context.storageState();
      signedIn.set(viewport, state);
      await context.close();
    }
    return newConsoleContext(browser, viewport, 'en', state);
  }

  const pages = [
    { name: 'payments', path: () => '/console/payments', ready: 'payment-link' },
    { name: 'payment', path: () => `/console/payments/${paymentId}`, ready: 'payment-summary' },
    { name: 'customers', path: () => '/console/customers', ready: 'customers-table' },
    { name: 'team', path: () => '/console/team', ready: 'team-table' },
    { name: 'audit', path: () => '/console/audit', ready: 'audit-table' },
    { name: 'settings', path: () => '/console/settings', ready: 'settings-business-name' },
    { name: 'developers', path: () => '/console/developers', ready: 'keys-table' },
    { name: 'account', path: () => '/console/account', ready: 'two-factor-on' },
  ];

  for (const viewport of consoleViewportNames) {
    it(`shows every page in three languages with no serious accessibility violation (${viewport})`, async () => {
      const context = await ownerContext(viewport);
      const page = await context.newPage();
      const problems: string[] = [];
      await page.goto(`${stack.url}/console/payments`);
      await showTestData(page);
      for (const language of consoleLanguages) {
        // The switcher remembers the language on the server, for this member.
        await chooseLanguage(page, languageNames[language]);
        await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe(language);
        for (const entry of pages) {
          // Every page is looked at, and what is wrong with each is told at the end.
          try {
            await page.goto(`${stack.url}${entry.path()}`);
            await page.getByTestId(entry.ready).first().waitFor({ timeout: 20_000 });
            await settled(page);
            await consoleScreenshot(page, entry.name, viewport, language);
            if (entry.name === 'payments' && viewport === 'desktop' && language === 'en') await docsScreenshot(page, 'payments');
            if (entry.name === 'payment' && viewport === 'phone' && language === 'zh-CN') await docsScreenshot(page, 'payment-phone');
            const loadErrors = await page.getByTestId('load-error').allTextContents();
            if (loadErrors.length > 0) problems.push(`${entry.name} ${viewport} ${language}: ${loadErrors.join('; ')}`);
            const violations = await consoleAccessibilityViolations(page);
            if (violations.length > 0) problems.push(`${entry.name} ${viewport} ${language}: ${JSON.stringify(violations)}`);
            if (viewport === 'phone' && !(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'))) {
              problems.push(`${entry.name} ${language}: scrolls sideways on a phone`);
            }
          } catch (error) {
            problems.push(`${entry.name} ${viewport} ${language}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          }
        }
      }
      expect(problems).toEqual([]);
      const session = await stack.db.db.selectFrom('console_members').select('locale').where('email', '=', ownerEmail).executeTakeFirstOrThrow();
      expect(session.locale).toBe('zh-TW');
      // Back to English for the next test.
      await chooseLanguage(page, 'English');
      await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('en');
      await context.close();
    }, 300_000);
  }

  for (const viewport of consoleViewportNames) {
    it(`refunds from a payment's page, and the refund shows through the API and in the audit log (${viewport})`, async () => {
      const payment = await paidPayment(stack, 50_00, `REFUND-${viewport}`);
      const context = await ownerContext(viewport);
      const page = await context.newPage();
      await page.goto(`${stack.url}/console/payments/${payment}`);
      await showTestData(page);
      await page.getByTestId('refund-open').click();
      await page.getByTestId('refund-amount').fill('12.50');
      await consoleScreenshot(page, 'refund-dialog', viewport, 'en');
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      await page.getByTestId('refund-confirm').click();
      await expect.poll(async () => (await page.getByTestId('amount-refunded').textContent()) ?? '').toContain('12.50');

      const seen = await stack.api('GET', `/v1/payments/${payment}`);
      expect(seen.body.amount_refunded).toBe(12_50);
      const refunds = await stack.api('GET', `/v1/refunds?payment=${payment}`);
      expect(refunds.body.data.map((r: { amount: number }) => r.amount)).toEqual([12_50]);

      await page.goto(`${stack.url}/console/audit`);
      await page.getByTestId('audit-object-id').fill(payment);
      await page.getByTestId('audit-search').click();
      const row = page.getByTestId('audit-table').locator('tr', { hasText: 'payment.refunded' });
      // Until the search answers, the table shows the newest entries of every object (the other viewport's refund among them).
      await expect.poll(async () => (await row.allTextContents()).map((text) => text.includes(payment)), { timeout: 15_000 }).toEqual([true]);
      expect(await row.first().textContent()).toContain(ownerEmail);
      await consoleScreenshot(page, 'audit-refund', viewport, 'en');
      await context.close();
    }, 120_000);
  }
  it('finds a payment by its order reference and exports the search and the audit log as CSV', async () => {
    const context = await ownerContext('desktop');
    const page = await context.newPage();
    await page.goto(`${stack.url}/console/payments`);
    await showTestData(page);
    await page.getByTestId('payment-link').first().waitFor();
    await page.getByTestId('payments-query').fill('TEA-2001');
    await page.getByTestId('payments-search').click();
    await expect.poll(() => page.getByTestId('payment-link').count()).toBe(1);
    expect(await page.getByTestId('payment-link').textContent()).toBe(paymentId);

    const [paymentsCsv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('payments-export').click()]);
    const paymentsText = await readFile((await paymentsCsv.path())!, 'utf8');
    expect(paymentsText).toContain(paymentId);
    expect(paymentsText).not.toContain('TEA-2002');

    await page.goto(`${stack.url}/console/audit`);
    await page.getByTestId('audit-table').waitFor();
    const [auditCsv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    const auditText = await readFile((await auditCsv.path())!, 'utf8');
    expect(auditText.split('\n')[0]).toContain('action');
    expect(auditText).toContain('member.signed_in');
    await context.close();
  }, 120_000);

  it('creates, rolls and revokes an API key on the Developers page, each secret shown once', async () => {
    const context = await ownerContext('desktop');
    const page = await context.newPage();
    await page.goto(`${stack.url}/console/developers`);
    await showTestData(page);
    await page.getByTestId('keys-table').waitFor();
    await page.getByTestId('key-create').click();
    const secret = (await page.getByTestId('secret-once').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^sk_test_/);
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    // The new key works against the API, and the page never shows the secret again.
    expect((await stack.api('GET', '/v1/payments', undefined, { key: secret })).status).toBe(200);
    const keys = await stack.api('GET', '/v1/api_keys?limit=100');
    const created = keys.body.data.find((key: { hint: string }) => secret.endsWith(key.hint.slice(-4)) && key.hint.startsWith('sk_test'));
    expect(created).toBeTruthy();
    await page.getByTestId(`key-roll-${created.id}`).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll' }).click();
    const rolled = (await page.getByTestId('secret-once').textContent())?.trim() ?? '';
    expect(rolled).toMatch(/^sk_test_/);
    expect(rolled).not.toBe(secret);
    await page.keyboard.press('Escape');
    await page.getByTestId(`key-revoke-${created.id}`).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => (await stack.api('GET', '/v1/payments', undefined, { key: secret })).status).toBe(401);
    expect(await page.content()).not.toContain(secret);
    // The audit row is appended after the change commits, just before the answer leaves (plugins/api-audit.ts),
    // so the key can already be refused while the row is still on its way.
    const auditActions = async () => (await stack.db.db.selectFrom('audit_log').select('action').where('merchant_id', '=', stack.merchant.merchantId).where('action', 'like', 'api_key.%').execute()).map((row) => row.action);
    await expect.poll(auditActions).toEqual(expect.arrayContaining(['api_key.created', 'api_key.rolled', 'api_key.revoked']));
    await context.close();
  }, 120_000);
});
