/**
 * What the console's browser tests share: a desktop (1280×800) and a phone
 * (390×844) page on a stack's console, a member signed in through the real
 * sign-in page, TOTP codes computed from the enrolment secret, and a watch
 * for Content-Security-Policy refusals (the console must need none).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { totp, totpStepSeconds } from '../../src/domain/console/totp.ts';
import { foreignRequests } from '../support/browser.ts';
import { addMember, base32Decode, ConsoleClient, enrol, memberPassword } from '../support/console.ts';
import type { Stack } from '../support/stack.ts';
import { requiresSecondFactor, type ConsoleRole } from '../../src/domain/console/roles.ts';

export const consoleViewports = {
  desktop: { width: 1280, height: 800, isMobile: false, hasTouch: false },
  phone: { width: 390, height: 844, isMobile: true, hasTouch: true },
} as const;
export type ConsoleViewport = keyof typeof consoleViewports;
export const consoleViewportNames = Object.keys(consoleViewports) as ConsoleViewport[];

export const browserLocales = { en: 'en-US', 'zh-CN': 'zh-CN', 'zh-TW': 'zh-TW' } as const;
export type ConsoleLanguage = keyof typeof browserLocales;
export const consoleLanguages = Object.keys(browserLocales) as ConsoleLanguage[];

/** Messages of the browser's console that say the page broke its own policy or threw. */
export const pageProblems: string[] = [];

export async function newConsoleContext(browser: Browser, viewport: ConsoleViewport, language: ConsoleLanguage = 'en', storageState?: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<BrowserContext> {
  const v = consoleViewports[viewport];
  const context = await browser.newContext({ viewport: { width: v.width, height: v.height }, isMobile: v.isMobile, hasTouch: v.hasTouch, locale: browserLocales[language], timezoneId: 'UTC', storageState, acceptDownloads: true, reducedMotion: 'reduce' });
  context.on('page', watchPage);
  return context;
}

function watchPage(page: Page): void {
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) pageProblems.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (error) => pageProblems.push(`${page.url()}: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:' && url.protocol !== 'blob:') foreignRequests.push(request.url());
  });
}

export async function newConsolePage(browser: Browser, viewport: ConsoleViewport, language: ConsoleLanguage = 'en'): Promise<Page> {
  const context = await newConsoleContext(browser, viewport, language);
  return context.newPage();
}

/**
 * TOTP codes are single-use: the server refuses a step at or before the last
 * one it took. Each member's last step is remembered here, and the next code
 * is for a later step (the server accepts one step of drift).
 */
const lastSteps = new Map<string, number>();

export function nextCode(email: string, secret: Buffer): string {
  const current = Math.floor(Date.now() / 1000 / totpStepSeconds);
  const last = lastSteps.get(email) ?? -1;
  const step = Math.max(current, last + 1);
  if (step > current + 1) throw new Error('no TOTP step left within the drift; wait for the next step');
  lastSteps.set(email, step);
  return totp(secret, step * totpStepSeconds * 1000);
}

/** Waits until a code for a new step can be made (at most one step, 30 s). */
export async function waitForFreshStep(email: string): Promise<void> {
  const last = lastSteps.get(email) ?? -1;
  while (Math.floor(Date.now() / 1000 / totpStepSeconds) + 1 <= last) await new Promise((resolve) => setTimeout(resolve, 500));
}

export async function fillPassword(page: Page, email: string, password: string): Promise<void> {
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
}

/** Enrols the second factor through the page after a first sign-in; answers the secret and the recovery codes. */
export async function enrolThroughPage(page: Page, email: string): Promise<{ secret: Buffer; recoveryCodes: string[] }> {
  await page.getByTestId('enrol-start').click();
  const secretText = (await page.getByTestId('enrol-secret').textContent()) ?? '';
  const secret = base32Decode(secretText.trim());
  expect(secret.length).toBeGreaterThanOrEqual(16);
  await waitForFreshStep(email);
  await page.getByTestId('enrol-code').fill(nextCode(email, secret));
  await page.getByTestId('enrol-confirm').click();
  await page.getByTestId('recovery-codes').waitFor();
  const recoveryCodes = (await page.getByTestId('recovery-code-item').allTextContents()).map((code) => code.trim());
  return { secret, recoveryCodes };
}

/** Signs in through the page with password and TOTP; leaves the page in the shell. */
export async function signInWithTotp(page: Page, url: string, email: string, password: string, secret: Buffer): Promise<void> {
  await page.goto(url);
  await fillPassword(page, email, password);
  // The member may have used this step's code a moment ago (another viewport's sign-in): wait for the next step.
  await waitForFreshStep(email);
  await page.getByTestId('totp-code').fill(nextCode(email, secret));
  await page.getByTestId('second-factor-submit').click();
  await page.getByTestId('console-page').waitFor();
}

export function checkNoPageProblems(): void {
  expect(pageProblems).toEqual([]);
  expect(foreignRequests).toEqual([]);
}

let axeSource: string | null = null;

/**
 * axe-core's serious and critical violations, with the elements they are on.
 * The source is evaluated rather than added as a script tag, which the
 * console's policy refuses (and would report as a problem of the page).
 */
export async function consoleAccessibilityViolations(page: Page): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  axeSource ??= await readFile(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axeSource);
  const results = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Marks the current TOTP step as used for `email` (after an enrolment made outside the page). */
export function markTotpStepUsed(email: string): void {
  lastSteps.set(email, Math.floor(Date.now() / 1000 / totpStepSeconds));
}

/** Switches the console to test data (the stack's payments are test payments), unless it already shows them. */
export async function showTestData(page: Page): Promise<void> {
  const banner = page.locator('.console-test-banner');
  if (await banner.isVisible()) return;
  await page.getByTestId('mode-switch').getByText(/^(Test|测试|測試)$/).click();
  await banner.waitFor();
}

/** Waits until the page's data has arrived: no request in flight and no spinner. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
}

/** A succeeded test card payment of `amount` minor units. */
export async function paidPayment(stack: { api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }> }, amount: number, reference: string): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', order: { reference, items: [{ name: 'Tea 茶', quantity: 1, unit_amount: amount }] } });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } } });
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
  return created.body.id as string;
}

/** Picks a language in the header's switcher (remembered on the server for the member). */
export async function chooseLanguage(page: Page, name: string): Promise<void> {
  await page.getByTestId('language-select').click();
  await page.locator('.ant-select-item-option').filter({ hasText: name }).click();
}

/**
 * A member of `role` added to the stack's merchant and signed in through the
 * page (an owner or admin enrolled through the API first, then signed in with
 * a code of a later step), kept as a storage state to open windows with.
 */
export async function signedInState(browser: Browser, stack: Stack, role: ConsoleRole, email: string): Promise<Awaited<ReturnType<BrowserContext['storageState']>>> {
  await addMember(stack, stack.merchant.merchantId, role, email);
  const context = await newConsoleContext(browser, 'desktop');
  const page = await context.newPage();
  if (requiresSecondFactor(role)) {
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email, password: memberPassword })).status).toBe(200);
    const { secret } = await enrol(client, (key) => totp(key, Date.now()));
    markTotpStepUsed(email);
    await signInWithTotp(page, `${stack.url}/console`, email, memberPassword, secret);
  } else {
    await page.goto(`${stack.url}/console`);
    await fillPassword(page, email, memberPassword);
    await page.getByTestId('console-page').waitFor({ timeout: 30_000 });
  }
  const state = await context.storageState();
  await context.close();
  return state;
}

/** A window of a signed-in member at `viewport`, in `language` (saved as the member's), showing test data. */
export async function memberWindow(browser: Browser, stack: Stack, state: Awaited<ReturnType<BrowserContext['storageState']>>, viewport: ConsoleViewport, language: ConsoleLanguage): Promise<Page> {
  const context = await newConsoleContext(browser, viewport, language, state);
  await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
  const { csrf_token: csrf } = (await (await context.request.get(`${stack.url}/console/api/session`)).json()) as { csrf_token: string };
  expect((await context.request.post(`${stack.url}/console/api/session/preferences`, { data: { locale: language }, headers: { 'x-csrf-token': csrf } })).status()).toBe(200);
  return context.newPage();
}
