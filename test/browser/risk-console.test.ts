/**
 * The console's Risk page in a real browser. An owner writes a rule in the
 * editor with a syntax error, sees it marked at the character the server
 * names, fixes it, back-tests it (three payments of the last 30 days held,
 * one of them later refunded), saves it and switches it on after its
 * back-test; a payment made through the API is held by it, approved in the
 * queue and seen captured through the API; another is rejected and seen
 * canceled. The blocklist takes an entry and gives it up; a payment's page
 * shows its risk and marks it fraudulent. An analyst reads the page without
 * the buttons, and the server refuses the analyst's writes. Every part at
 * 1280×800 and 390×844 in English, 简体中文 and 繁體中文, with no serious or
 * critical axe-core violation and no sideways scrolling; screenshots in
 * test-results/screenshots/console/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { emailRun } from '../support/console.ts';
import { card, startStack, type Stack } from '../support/stack.ts';
import { consoleScreenshot } from './console-screens.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, consoleLanguages, consoleViewportNames, memberWindow, signedInState, settled } from './console-kit.ts';

let stack: Stack;
let browser: Browser;
let owner: Awaited<ReturnType<BrowserContext['storageState']>>;
let analyst: Awaited<ReturnType<BrowserContext['storageState']>>;
let approved = '';
let pending = '';

/** A card payment confirmed through the API; answers its id and status. */
async function confirmedPayment(amount: number): Promise<{ id: string; status: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  return { id: created.body.id as string, status: confirmed.body.status as string };
}

async function statusOf(id: string): Promise<string> {
  return (await stack.api('GET', `/v1/payments/${id}`)).body.status as string;
}

describe.skipIf(!browserAvailable)('the console Risk page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    // A rule that never matches makes the merchant's confirms checked, so each stores its decision and signals to back-test on.
    const watch = await stack.api('POST', '/v1/risk_rules', { name: 'Watch', expression: 'amount > 100000000', action: 'block' });
    expect(watch.status, JSON.stringify(watch.body)).toBe(200);
    const large = [];
    for (const amount of [60_000, 70_000, 80_000, 1_000, 2_000]) {
      const payment = await confirmedPayment(amount);
      expect(payment.status).toBe('succeeded');
      if (amount >= 50_000) large.push(payment.id);
    }
    expect((await stack.api('POST', '/v1/refunds', { payment: large[0] })).status).toBe(200);
    browser = await launchBrowser();
    owner = await signedInState(browser, stack, 'owner', `risk-owner@${emailRun}.example.com`);
    analyst = await signedInState(browser, stack, 'analyst', `risk-analyst@${emailRun}.example.com`);
  }, 180_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function openSection(page: Page, section: 'reviews' | 'rules' | 'blocklist' | 'figures'): Promise<void> {
    await page.goto(`${stack.url}/console/risk?section=${section}`);
    await page.getByTestId(`risk-${section}`).waitFor({ timeout: 30_000 });
    await settled(page);
  }

  it('writes a rule with an error marked where the server found it, back-tests it, switches it on, and approves and rejects what it holds', async () => {
    const page = await memberWindow(browser, stack, owner, 'desktop', 'en');
    await openSection(page, 'rules');
    await page.getByTestId('rule-new').click();
    await page.getByTestId('rule-name').fill('Hold large');
    await page.getByTestId('rule-expression').fill('amount >== 50000');
    await page.getByTestId('rule-save').click();
    // jsep stops at the second "=" (character 9): marked there, with the server's reason.
    await page.getByTestId('rule-expression-error').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('rule-expression-error-mark').textContent()).toBe('=');
    expect(await page.getByTestId('rule-expression-error').textContent()).toContain('character 9');
    expect(await page.getByTestId('rule-expression-error').textContent()).toContain('Expected expression after >=');
    expect(await page.getByTestId('rule-expression').evaluate((field) => (field as unknown as { selectionStart: number }).selectionStart)).toBe(9);
    expect((await stack.api('GET', '/v1/risk_rules')).body.data).toHaveLength(1);
    await consoleScreenshot(page, 'risk-rule-error', 'desktop', 'en');
    expect(await consoleAccessibilityViolations(page)).toEqual([]);

    await page.getByTestId('rule-expression').fill('amount >= 50000');
    await page.getByTestId('rule-backtest').click();
    await page.getByTestId('rule-backtest-result').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('rule-backtest-result-summary').textContent()).toBe(
      'Over the last 30 days this rule would have held 3 payments for review, 1 of them later refunded and 0 marked fraudulent.',
    );
    expect(await page.getByTestId('rule-expression-error').count()).toBe(0);
    await page.getByTestId('rule-save').click();
    await page.getByTestId('rule-row-Hold large').waitFor({ timeout: 15_000 });
    const saved = (await stack.api('GET', '/v1/risk_rules')).body.data.find((rule: { name: string }) => rule.name === 'Hold large');
    expect(saved).toMatchObject({ expression: 'amount >= 50000', action: 'review', enabled: false, position: 1 });

    await page.getByTestId('rule-enabled-Hold large').click();
    await page.getByTestId('switch-on-backtest').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('switch-on-backtest-summary').textContent()).toContain('would have held 3 payments for review, 1 of them later refunded');
    await consoleScreenshot(page, 'risk-rule-backtest', 'desktop', 'en');
    await page.getByTestId('rule-switch-on').click();
    await expect.poll(async () => (await stack.api('GET', `/v1/risk_rules/${saved.id}`)).body.enabled, { timeout: 15_000 }).toBe(true);

    // Moved above "Watch" and back, through the order route.
    await page.getByTestId('rule-up-Hold large').click();
    await expect.poll(async () => (await stack.api('GET', '/v1/risk_rules')).body.data.map((rule: { name: string }) => rule.name), { timeout: 15_000 }).toEqual(['Hold large', 'Watch']);
    await page.getByTestId('rule-down-Hold large').waitFor();
    await expect.poll(() => page.getByTestId('rule-down-Hold large').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('rule-down-Hold large').click();
    await expect.poll(async () => (await stack.api('GET', '/v1/risk_rules')).body.data.map((rule: { name: string }) => rule.name), { timeout: 15_000 }).toEqual(['Watch', 'Hold large']);

    const held = await confirmedPayment(65_000);
    const rejected = await confirmedPayment(75_000);
    const waiting = await confirmedPayment(85_000);
    for (const payment of [held, rejected, waiting]) expect(payment.status).toBe('requires_capture');
    approved = held.id;
    pending = waiting.id;

    await openSection(page, 'reviews');
    await page.getByTestId(`review-${held.id}`).waitFor({ timeout: 15_000 });
    const row = page.getByTestId('reviews-table').locator('tr', { hasText: held.id });
    expect(await row.textContent()).toContain('650.00');
    expect(await row.textContent()).toContain('Hold large');
    await consoleScreenshot(page, 'risk-review-queue', 'desktop', 'en');
    await page.getByTestId(`review-approve-${held.id}`).click();
    await page.getByTestId('review-confirm').click();
    await expect.poll(() => statusOf(held.id), { timeout: 15_000 }).toBe('succeeded');
    await page.getByTestId(`review-${held.id}`).waitFor({ state: 'detached', timeout: 15_000 });

    await page.getByTestId(`review-reject-${rejected.id}`).click();
    await page.getByTestId('review-confirm').click();
    await expect.poll(() => statusOf(rejected.id), { timeout: 15_000 }).toBe('canceled');
    expect((await stack.api('GET', `/v1/payments/${rejected.id}`)).body.cancellation_reason).toBe('fraudulent');
    await page.getByTestId(`review-${rejected.id}`).waitFor({ state: 'detached', timeout: 15_000 });
    expect((await stack.api('GET', '/v1/reviews')).body.data.map((review: { id: string }) => review.id)).toEqual([waiting.id]);

    // The figures count both decisions; the table view is what a screen reader reads.
    await openSection(page, 'figures');
    await page.getByTestId('risk-chart-reviews-table').waitFor({ state: 'attached', timeout: 15_000 });
    const reviewTable = await page.getByTestId('risk-chart-reviews-table').textContent();
    expect(reviewTable).toMatch(/Approved\s*1/);
    expect(reviewTable).toMatch(/Rejected\s*1/);
    expect(reviewTable).toMatch(/Pending\s*1/);
    await page.context().close();
  }, 180_000);

  it('adds a blocklist entry and removes it, and shows a payment’s risk on its page and marks it fraudulent', async () => {
    const page = await memberWindow(browser, stack, owner, 'desktop', 'en');
    await openSection(page, 'blocklist');
    await page.getByTestId('blocklist-add').click();
    await page.getByTestId('blocklist-value').fill('Fraudster@Example.com');
    await page.getByTestId('blocklist-reason').fill('chargebacks');
    await page.getByTestId('blocklist-save').click();
    await page.getByTestId('blocklist-value-fraudster@example.com').waitFor({ timeout: 15_000 });
    const listed = (await stack.api('GET', '/v1/blocklists?kind=email')).body.data;
    expect(listed.map((entry: { value: string; reason: string }) => [entry.value, entry.reason])).toEqual([['fraudster@example.com', 'chargebacks']]);
    await page.getByTestId('blocklist-remove-fraudster@example.com').click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('blocklist-value-fraudster@example.com').waitFor({ state: 'detached', timeout: 15_000 });
    expect((await stack.api('GET', '/v1/blocklists?kind=email')).body.data).toEqual([]);

    await page.goto(`${stack.url}/console/payments/${approved}`);
    await page.getByTestId('payment-risk-decision').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('payment-risk-decision').textContent()).toBe('Held for review');
    expect(await page.getByTestId('payment-risk-rules').textContent()).toBe('Hold large');
    await page.getByTestId('payment-mark-fraud').click();
    await page.getByTestId('payment-mark-fraud-note').fill('the cardholder disputed it');
    await page.getByTestId('payment-mark-fraud-confirm').click();
    await page.getByTestId('payment-fraudulent').waitFor({ timeout: 15_000 });
    const risk = (await stack.api('GET', `/v1/payments/${approved}/risk`)).body;
    expect(risk).toMatchObject({ decision: 'review', fraudulent: true });
    const blocked = (await stack.api('GET', '/v1/blocklists')).body.data;
    expect(blocked.filter((entry: { source_payment: string }) => entry.source_payment === approved).map((entry: { kind: string }) => entry.kind)).toContain('card_fingerprint');
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    await consoleScreenshot(page, 'risk-payment', 'desktop', 'en');
    await page.context().close();
  }, 120_000);

  it('shows an analyst the rules and the queue without buttons, and the server refuses the analyst’s writes', async () => {
    const page = await memberWindow(browser, stack, analyst, 'desktop', 'en');
    await openSection(page, 'reviews');
    await page.getByTestId(`review-${pending}`).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId(`review-approve-${pending}`).count()).toBe(0);
    expect(await page.getByTestId('risk-section-blocklist').count()).toBe(0);
    await openSection(page, 'rules');
    expect(await page.getByTestId('rule-new').count()).toBe(0);
    expect(await page.getByTestId('rule-enabled-Hold large').textContent()).toBe('Yes');

    const request = page.context().request;
    const { csrf_token: csrf } = (await (await request.get(`${stack.url}/console/api/session`)).json()) as { csrf_token: string };
    const headers = { 'x-csrf-token': csrf, 'paypilot-mode': 'test', 'idempotency-key': `analyst-${Date.now()}` };
    for (const [url, data] of [
      [`/v1/reviews/${pending}/approve`, {}],
      [`/v1/reviews/${pending}/reject`, {}],
      ['/v1/risk_rules', { name: 'Sneaky', expression: 'amount > 0', action: 'block' }],
      ['/v1/blocklists', { kind: 'email', value: 'someone@example.com' }],
      [`/v1/payments/${pending}/fraud`, {}],
    ] as const) {
      const answer = await request.post(`${stack.url}${url}`, { data, headers: { ...headers, 'idempotency-key': `${headers['idempotency-key']}-${url}` } });
      expect({ url, status: answer.status(), code: ((await answer.json()) as { error?: { code?: string } }).error?.code }).toEqual({ url, status: 403, code: 'console_role_forbidden' });
    }
    expect(await statusOf(pending)).toBe('requires_capture');
    expect((await stack.api('GET', '/v1/risk_rules')).body.data.map((rule: { name: string }) => rule.name)).toEqual(['Watch', 'Hold large']);
    await page.context().close();
  }, 60_000);

  for (const viewport of consoleViewportNames) {
    it(`shows every part in every language, accessible, without sideways scrolling (${viewport})`, async () => {
      for (const language of consoleLanguages) {
        const page = await memberWindow(browser, stack, owner, viewport, language);
        for (const section of ['reviews', 'rules', 'blocklist', 'figures'] as const) {
          await openSection(page, section);
          if (section === 'reviews') await page.getByTestId(`review-${pending}`).waitFor({ timeout: 15_000 });
          if (section === 'rules') await page.getByTestId('rule-row-Hold large').waitFor({ timeout: 15_000 });
          if (section === 'figures') await page.getByTestId('risk-chart-decisions').waitFor({ timeout: 15_000 });
          expect(await page.locator('.ant-alert-error').count(), `${viewport} ${language} ${section}: an error is shown`).toBe(0);
          expect(await consoleAccessibilityViolations(page), `${viewport} ${language} ${section}`).toEqual([]);
          expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), `${viewport} ${language} ${section} scrolls sideways`).toBe(true);
          await consoleScreenshot(page, `risk-${section}`, viewport, language);
        }
        await page.context().close();
      }
    }, 300_000);
  }
});
