/**
 * The console's Experiments page in a real browser: an experiment whose
 * exposures drifted from the plan shows its results with the sample ratio
 * mismatch warning, in English and 简体中文, with no serious or critical
 * axe-core violation; then an owner creates an experiment, starts it and
 * stops it promoting its variant, checked through the API.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, newConsoleContext, signInWithTotp, type ConsoleLanguage } from './console-kit.ts';

let stack: Stack;
let browser: Browser;
let session: Awaited<ReturnType<BrowserContext['storageState']>>;
let drifted: string;

describe.skipIf(!browserAvailable)('the console Experiments page in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    const created = await stack.api('POST', '/v1/experiments', { name: 'Drifted', minimum_sample_per_variant: 5, variants: [{ key: 'control', share: 0.5 }, { key: 'treatment', share: 0.5, presentation: { coupon_field: 'open' } }] });
    drifted = created.body.id;
    expect((await stack.api('POST', `/v1/experiments/${drifted}/start`, {})).status).toBe(200);
    // 30 payers exposed to the control and 5 to the treatment, planned 50/50: a mismatch no chance explains.
    const payment = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY' });
    const rows = [...Array.from({ length: 30 }, (_, i) => ['control', `payer_c_${i}_0000`]), ...Array.from({ length: 5 }, (_, i) => ['treatment', `payer_t_${i}_0000`])].map(([variant, payer]) => ({
      experiment_id: drifted,
      merchant_id: stack.merchant.merchantId,
      payment_id: payment.body.id as string,
      payer_key: payer as string,
      variant_key: variant as string,
      first_exposed_at: new Date(),
    }));
    await stack.db.db.insertInto('experiment_exposures').values(rows).execute();
    expect((await stack.api('GET', `/v1/experiments/${drifted}/results`)).body.sample_ratio_mismatch).toBe(true);

    browser = await launchBrowser();
    const email = `experiments-owner@${emailRun}.example.com`;
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

  async function consoleWindow(language: ConsoleLanguage): Promise<Page> {
    const context = await newConsoleContext(browser, 'desktop', language, session);
    await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('paypilot-console-mode', 'test');`);
    const current = await context.request.get(`${stack.url}/console/api/session`);
    const { csrf_token: csrf } = (await current.json()) as { csrf_token: string };
    expect((await context.request.post(`${stack.url}/console/api/session/preferences`, { data: { locale: language }, headers: { 'x-csrf-token': csrf } })).status()).toBe(200);
    return context.newPage();
  }

  for (const language of ['en', 'zh-CN'] as const) {
    it(`shows an experiment's results with the sample ratio mismatch warning (${language}), accessible`, async () => {
      const page = await consoleWindow(language);
      await page.goto(`${stack.url}/console/experiments`);
      await page.getByTestId(`experiment-results-${drifted}`).click();
      await page.getByTestId('experiment-mismatch').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('experiment-exposed-control').textContent()).toBe('30');
      expect(await page.getByTestId('experiment-exposed-treatment').textContent()).toBe('5');
      expect(await page.getByTestId('experiment-mismatch').textContent()).toContain(language === 'en' ? 'Sample ratio mismatch' : '样本比例不匹配');
      await page.waitForLoadState('networkidle');
      expect(await consoleAccessibilityViolations(page), language).toEqual([]);
      await page.context().close();
    }, 90_000);
  }

  it('creates an experiment, starts it and stops it promoting its variant, from the page', async () => {
    expect((await stack.api('POST', `/v1/experiments/${drifted}/stop`, {})).status).toBe(200);
    const page = await consoleWindow('en');
    await page.goto(`${stack.url}/console/experiments`);
    await page.getByTestId('experiment-new').click();
    await page.getByTestId('experiment-name').fill('Pay now wording');
    await page.getByTestId('experiment-pay-button').click();
    await page.locator('.ant-select-item-option', { hasText: 'Pay now' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await stack.api('GET', '/v1/experiments')).body.data.find((e: { name: string }) => e.name === 'Pay now wording')?.id ?? null, { timeout: 15_000 }).not.toBeNull();
    const made = (await stack.api('GET', '/v1/experiments')).body.data.find((e: { name: string }) => e.name === 'Pay now wording');
    expect(made.variants).toEqual([
      { key: 'control', name: 'Control', share: 0.5, presentation: {} },
      { key: 'variant', name: 'Variant', share: 0.5, presentation: { pay_button_label: 'pay_now' } },
    ]);
    await page.getByTestId(`experiment-start-${made.id}`).click();
    await page.getByTestId(`experiment-stop-${made.id}`).click();
    await page.getByTestId('experiment-promote').click();
    await page.locator('.ant-select-item-option', { hasText: /^Variant$/ }).click();
    await page.locator('.ant-modal').getByRole('button', { name: 'Stop' }).click();
    await expect.poll(async () => (await stack.api('GET', `/v1/experiments/${made.id}`)).body.status, { timeout: 15_000 }).toBe('stopped');
    expect((await stack.api('GET', '/v1/checkout_setting')).body).toMatchObject({ source_experiment: made.id, presentation: { pay_button_label: 'pay_now' } });
    await page.context().close();
  }, 90_000);
});
