/**
 * The console's analytics and operations pages in a real browser (Debian's
 * Chromium through playwright-core), at 1280×800 and 390×844, in English,
 * 简体中文 and 繁體中文: each page shows its figures with no serious or
 * critical axe-core violation and is saved as a screenshot per page, size
 * and language (test-results/screenshots/console). Then what an operator
 * does there: an alert acknowledged, and a connector account disabled and
 * enabled again on the channels page, each checked through the API and the
 * audit trail.
 *
 * An owner signs in once through the sign-in page (password, then a TOTP
 * code computed from the enrolment secret); the other windows reuse that
 * session's cookie, since each TOTP step can be used only once.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { card, startStack, type Stack } from '../support/stack.ts';
import { raiseAlert } from '../../src/store/alerts.ts';
import { analyzeQueuedComments } from '../../src/flows/insight/analyze-comments.ts';
import { totp } from '../../src/domain/console/totp.ts';
import {
  checkNoPageProblems,
  consoleAccessibilityViolations,
  consoleLanguages,
  consoleViewportNames,
  newConsoleContext,
  pageProblems,
  signInWithTotp,
  type ConsoleLanguage,
  type ConsoleViewport,
} from './console-kit.ts';
import { consoleScreenshot } from './console-screens.ts';

let stack: Stack;
let browser: Browser;
let session: Awaited<ReturnType<BrowserContext['storageState']>>;

/** Each page's address, what marks it drawn, and a figure or table it must show once its data came. */
const pages = [
  { name: 'overview', path: '', ready: 'figure-payments' },
  { name: 'channels', path: 'channels', ready: 'accounts-table' },
  { name: 'cancellations', path: 'cancellations', ready: 'chart-cancellations-totals' },
  { name: 'segments', path: 'segments', ready: 'segments-summary' },
  { name: 'alerts', path: 'alerts', ready: 'alerts-triggered' },
  { name: 'after-sales', path: 'after-sales', ready: 'after-sales-table' },
  { name: 'feedback', path: 'feedback', ready: 'chart-csat' },
  { name: 'reconciliation', path: 'reconciliation', ready: 'reconciliation-runs' },
] as const;

describe.skipIf(!browserAvailable)('console analytics and operations pages in a browser', () => {
  let alertId: string;

  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    await seed();
    alertId = await raiseTestAlert();
    browser = await launchBrowser();

    const email = `analytics-owner@${emailRun}.example.com`;
    await addMember(stack, stack.merchant.merchantId, 'owner', email);
    // Enrolled through the API (the sign-in tests cover the page's enrolment); signed in through the page.
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

  /** A signed-in window on the merchant's test data, in one language. */
  async function consoleWindow(viewport: ConsoleViewport, language: ConsoleLanguage): Promise<Page> {
    const context = await newConsoleContext(browser, viewport, language, session);
    // The data of this file is test-mode data; the shell keeps the mode per tab.
    // about:blank, where every page starts, has no storage of its own. (A string: this runs in the page, not in Node.)
    await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    // The member's language is remembered by the server and wins over the browser's.
    const current = await context.request.get(`${stack.url}/console/api/session`);
    const { csrf_token: csrf } = (await current.json()) as { csrf_token: string };
    const changed = await context.request.post(`${stack.url}/console/api/session/preferences`, { data: { locale: language }, headers: { 'x-csrf-token': csrf } });
    expect(changed.status()).toBe(200);
    return context.newPage();
  }

  for (const viewport of consoleViewportNames) {
    for (const target of pages) {
      it(`shows ${target.name} in every language, accessible (${viewport})`, async () => {
        for (const language of consoleLanguages) {
          const page = await consoleWindow(viewport, language);
          await page.goto(`${stack.url}/console${target.path ? `/${target.path}` : ''}`);
          await page
            .getByTestId(target.ready)
            .first()
            .waitFor({ timeout: 30_000 })
            .catch(async (error: unknown) => {
              await consoleScreenshot(page, `${target.name}-failed`, viewport, language);
              throw new Error(`${target.name} ${viewport} ${language}: ${(await page.locator('main').innerText().catch(() => '')).slice(0, 500)}`, { cause: error });
            });
          // Every request of the page answered (nothing left spinning) before it is judged.
          await page.waitForLoadState('networkidle');
          expect(await page.locator('.ant-alert-error').count(), `${target.name} ${language}: an error is shown`).toBe(0);
          expect(await consoleAccessibilityViolations(page), `${target.name} ${viewport} ${language}`).toEqual([]);
          await consoleScreenshot(page, target.name, viewport, language);
          const noScroll = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1');
          expect(noScroll, `${target.name} ${viewport} ${language} scrolls sideways`).toBe(true);
          await page.context().close();
        }
      }, 180_000);
    }
  }

  it('shows a chart’s figures as a table on request, the same figures screen readers read', async () => {
    const page = await consoleWindow('desktop', 'en');
    await page.goto(`${stack.url}/console`);
    const table = page.getByTestId('chart-payments-table');
    await table.waitFor({ state: 'attached' });
    // Hidden from eyes but present for screen readers until the switch shows it.
    expect((await table.locator('xpath=..').boundingBox())?.width).toBeLessThanOrEqual(1);
    expect(await table.locator('th[scope=col]').allTextContents()).toEqual(['Time', 'Created', 'Succeeded']);
    await page.getByTestId('chart-payments-table-switch').click();
    await expect.poll(async () => (await table.locator('xpath=..').boundingBox())?.width ?? 0).toBeGreaterThan(100);
    const cells = await table.locator('tbody td').allTextContents();
    expect(cells.map((text) => Number(text.replace(/,/g, ''))).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await consoleAccessibilityViolations(page)).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows the themes and sentiment of the comments on the feedback page', async () => {
    const page = await consoleWindow('desktop', 'en');
    await page.goto(`${stack.url}/console/feedback`);
    const analyzed = page.getByTestId('figure-analyzed-comments');
    await analyzed.waitFor();
    await expect.poll(async () => analyzed.innerText()).toMatch(/\b2\b/);
    const topics = page.getByTestId('themes-topics');
    await expect.poll(async () => topics.innerText()).toContain('Slow');
    // The slow comment is the example of its topic; the other one raised no topic.
    expect(await topics.innerText()).toContain('付款页面太慢了');
    expect(await topics.locator('tbody tr').count()).toBe(1);
    await consoleScreenshot(page, 'feedback-themes', 'desktop', 'en');
    await page.context().close();
  }, 60_000);

  it('shows an after-sales request’s amount with its payment’s currency', async () => {
    const page = await consoleWindow('desktop', 'zh-TW');
    await page.goto(`${stack.url}/console/after-sales`);
    const table = page.getByTestId('after-sales-table');
    await table.locator('tbody tr').first().waitFor();
    // 500 minor units of the payment's CNY, as Intl writes them in the member's language: never the bare 500.
    const expected = new Intl.NumberFormat('zh-TW', { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 }).format(5);
    await expect.poll(async () => (await table.locator('tbody').innerText()).includes(expected)).toBe(true);
    await page.context().close();
  }, 60_000);

  it('opens the decision dialog of an after-sales request and the alert rule form within the page’s policy', async () => {
    // The note fields must not set inline styles the console's policy refuses (an autosizing text area does).
    const before = pageProblems.length;
    const page = await consoleWindow('desktop', 'en');
    await page.goto(`${stack.url}/console/after-sales`);
    await page.locator('[data-testid^="after-sales-reject-"]').first().click();
    const note = page.getByTestId('after-sales-note');
    await note.fill('The parcel was returned.\nA second line.\nAnd a third.');
    expect(await note.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await page.goto(`${stack.url}/console/alerts`);
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByTestId('rule-new').click();
    await page.locator('textarea').first().fill('A rule to watch the card channel.');
    // Nothing the browser refused, and no stray measuring text area left in the page.
    expect(pageProblems.slice(before)).toEqual([]);
    expect(await page.locator('body > textarea').count()).toBe(0);
    await page.context().close();
  }, 60_000);

  it('acknowledges an open alert: recorded through the API and in the audit trail', async () => {
    const page = await consoleWindow('desktop', 'en');
    await page.goto(`${stack.url}/console/alerts`);
    const button = page.getByTestId(`alert-acknowledge-${alertId}`);
    await button.click();
    await page.getByTestId(`alert-acknowledged-${alertId}`).waitFor();
    await consoleScreenshot(page, 'alerts-acknowledged', 'desktop', 'en');
    const alert = await stack.api('GET', `/v1/alerts/${alertId}`);
    expect(alert.body.acknowledged_at).not.toBeNull();
    expect(alert.body.state).toBe('triggered');
    const trail = await stack.db.db.selectFrom('audit_log').select(['action', 'object_id']).where('merchant_id', '=', stack.merchant.merchantId).where('action', '=', 'alert.acknowledged').execute();
    expect(trail.map((row) => row.object_id)).toEqual([alertId]);
    await page.context().close();
  }, 60_000);

  it('disables a connector account and enables it again on the channels page', async () => {
    const account = stack.cardAccountId;
    const enabled = async () => (await stack.api('GET', '/v1/connector_accounts')).body.data.find((a: { id: string }) => a.id === account).enabled as boolean;
    expect(await enabled()).toBe(true);
    const page = await consoleWindow('phone', 'zh-CN');
    await page.goto(`${stack.url}/console/channels`);
    const toggle = page.getByTestId(`account-enabled-${account}`);
    await toggle.click();
    await expect.poll(enabled, { timeout: 10_000 }).toBe(false);
    await expect.poll(async () => toggle.getAttribute('aria-checked')).toBe('false');
    await consoleScreenshot(page, 'channels-disabled', 'phone', 'zh-CN');
    await toggle.click();
    await expect.poll(enabled, { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => toggle.getAttribute('aria-checked')).toBe('true');
    const trail = await stack.db.db
      .selectFrom('audit_log')
      .select(['action', 'before', 'after'])
      .where('merchant_id', '=', stack.merchant.merchantId)
      .where('action', '=', 'connector_account.updated')
      .orderBy('seq')
      .execute();
    expect(trail.map((row) => [(row.before as any)?.enabled, (row.after as any)?.enabled])).toEqual([
      [true, false],
      [false, true],
    ]);
    await page.context().close();
  }, 60_000);
});

/** Payments of every outcome, a cancellation, ratings, an after-sales request and a reconciliation mismatch, so every page has something to show. */
async function seed(): Promise<void> {
  const pay = async (number: string) => {
    const created = await stack.api('POST', '/v1/payments', { amount: 12_34, currency: 'CNY' });
    expect(created.status).toBe(200);
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) });
    expect([200, 402]).toContain(confirmed.status);
    return created.body.id as string;
  };
  const paid = [await pay('4242424242424242'), await pay('4242424242424242'), await pay('5555555555554444')];
  await pay('4000000000000002');
  await pay('4000000000009995');
  const abandoned = await stack.api('POST', '/v1/payments', { amount: 56_78, currency: 'CNY' });
  expect((await stack.api('POST', `/v1/payments/${abandoned.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' })).status).toBe(200);
  const db = stack.db.db;
  const now = new Date();
  await db
    .insertInto('payment_feedback')
    .values([
      { payment_id: paid[0]!, merchant_id: stack.merchant.merchantId, rating: 5, comment: 'Fast and clear', nps_score: 9, created_at: now },
      { payment_id: paid[1]!, merchant_id: stack.merchant.merchantId, rating: 2, comment: '付款页面太慢了', nps_score: 4, created_at: now },
    ])
    .execute();
  // What the worker does within a minute: the comments' themes and sentiment for the feedback page.
  await analyzeQueuedComments(stack.context);
  await db
    .insertInto('after_sales_requests')
    .values({ id: stack.context.ids.newId('asr'), payment_id: paid[2]!, merchant_id: stack.merchant.merchantId, mode: 'test', kind: 'refund', reason: 'Arrived broken', amount: 500n, status: 'pending', merchant_note: null, refund_id: null, created_at: now, decided_at: null })
    .execute();
  await db
    .insertInto('reconciliation_mismatches')
    .values({
      id: stack.context.ids.newId('rcm'),
      merchant_id: stack.merchant.merchantId,
      connector_account_id: stack.cardAccountId,
      statement_date: now.toISOString().slice(0, 10),
      kind: 'missing_here',
      order_number: 'ord_browser_test',
      refund_number: '',
      our_amount: null,
      their_amount: 12_34n,
      our_status: 'requires_payment_method',
      repaired: true,
      note: 'marked succeeded: the provider shows it paid',
      created_at: now,
    } as any)
    .execute();
}

/** A failure-rate rule and its open alert, as the worker's evaluation would raise it. */
async function raiseTestAlert(): Promise<string> {
  const rule = await stack.api('POST', '/v1/alert_rules', { kind: 'failure_rate', payment_method_type: 'card', threshold: 0.3, window_seconds: 300, min_sample: 1 });
  expect(rule.status, JSON.stringify(rule.body)).toBe(200);
  const at = new Date();
  const alert = await raiseAlert(
    stack.db.db,
    {
      id: stack.context.ids.newId('alt'),
      rule_id: rule.body.id,
      merchant_id: stack.merchant.merchantId,
      mode: 'test',
      kind: 'failure_rate',
      payment_method_type: 'card',
      connector_account_id: null,
      value: 0.4,
      threshold: 0.3,
      sample_count: 5,
      onset_at: new Date(at.getTime() - 60_000),
      triggered_at: at,
    } as any,
    { id: stack.context.ids.newId('evt'), data: {} },
    null,
  );
  expect(alert).not.toBeNull();
  return alert!.id;
}
