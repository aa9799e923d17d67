/**
 * A checkout experiment in a real browser (Debian's Chromium through
 * playwright-core): two payers, one per variant (their browser ids chosen so
 * the hash puts them there), see two different checkouts (the control's
 * card fields at once, folded coupon field and "Pay"; the treatment's
 * two-step card form, open coupon field and "Complete purchase"),
 * both pay, and the results count each payer's exposure and conversion.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant } from '../../src/domain/experiments/assignment.ts';
import { browserAvailable, foreignRequests, launchBrowser, screenshot } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;
const expiryYear = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');
const desktop = { width: 1280, height: 800, locale: 'en-US', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' };

const variants = [
  { key: 'control', share: 0.5 },
  { key: 'treatment', share: 0.5, presentation: { method_order: ['card'], card_form: 'two_step', coupon_field: 'open', pay_button_label: 'complete_purchase' } },
];

/** A browser id the hash assigns to `variant` of the experiment. */
function payerIdIn(experimentId: string, variant: string): string {
  for (let i = 0; i < 1_000; i += 1) {
    const id = `browser-${variant}-${i.toString().padStart(4, '0')}`;
    if (assignVariant(experimentId, id, [{ key: 'control', share_basis_points: 5_000 }, { key: 'treatment', share_basis_points: 5_000 }]).key === variant) return id;
  }
  throw new Error('no payer id found for the variant');
}

async function openCheckout(payerId: string): Promise<{ page: Page; id: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 20_00, currency: 'CNY', order: { reference: 'TEA-3003' } });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const context = await browser.newContext({ viewport: { width: desktop.width, height: desktop.height }, userAgent: desktop.userAgent, locale: desktop.locale });
  await context.addInitScript({ content: `window.localStorage.setItem('paypilot.payer_id', ${JSON.stringify(payerId)});` });
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') foreignRequests.push(request.url());
  });
  await page.goto(created.body.checkout_url);
  await page.locator('.methods input[type=radio]').first().waitFor();
  return { page, id: created.body.id };
}

async function payByCard(page: Page): Promise<void> {
  await page.getByTestId('card-number').fill('4242424242424242');
  await page.getByTestId('card-expiry').fill(`12/${expiryYear}`);
  await page.getByTestId('card-cvc').fill('123');
  await page.getByTestId('pay-button').click();
  await page.getByTestId('result-title').waitFor({ timeout: 15_000 });
}

describe.skipIf(!browserAvailable)('a checkout experiment in the browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  it('renders the control and the treatment differently, both convert, and the results count them', async () => {
    const created = await stack.api('POST', '/v1/experiments', { name: 'Card first, two steps', variants, minimum_sample_per_variant: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const experimentId = created.body.id as string;
    expect((await stack.api('POST', `/v1/experiments/${experimentId}/start`, {})).status).toBe(200);

    // The control: the card's fields at once, the coupon field folded, "Pay ¥20.00".
    const control = await openCheckout(payerIdIn(experimentId, 'control'));
    expect(await control.page.getByTestId('method-card').isChecked()).toBe(true);
    await control.page.getByTestId('card-number').waitFor();
    expect(await control.page.getByTestId('coupon-open').isVisible()).toBe(true);
    expect(await control.page.getByTestId('coupon-input').count()).toBe(0);
    const controlLabel = (await control.page.getByTestId('pay-button').textContent()) ?? '';
    expect(controlLabel).toMatch(/^Pay /);
    await screenshot(control.page, 'experiment-control');
    await payByCard(control.page);

    // The treatment: the card's fields behind Continue (no Pay button until then), the coupon input open, "Complete purchase".
    const treatment = await openCheckout(payerIdIn(experimentId, 'treatment'));
    expect(await treatment.page.getByTestId('method-card').isChecked()).toBe(true);
    expect(await treatment.page.getByTestId('coupon-input').isVisible()).toBe(true);
    expect(await treatment.page.getByTestId('card-number').count()).toBe(0);
    expect(await treatment.page.getByTestId('pay-button').count()).toBe(0);
    await treatment.page.getByTestId('card-continue').click();
    await treatment.page.getByTestId('card-number').waitFor();
    expect(await treatment.page.getByTestId('pay-button').textContent()).toContain('Complete purchase');
    await screenshot(treatment.page, 'experiment-treatment');
    await payByCard(treatment.page);

    for (const { id } of [control, treatment]) expect((await stack.api('GET', `/v1/payments/${id}`)).body.status).toBe('succeeded');
    // The exposure is reported as the page shows; read until both are counted (no timing assumed).
    let results = await stack.api('GET', `/v1/experiments/${experimentId}/results`);
    for (let i = 0; i < 50 && results.body.variants.some((variant: { exposed_payers: number }) => variant.exposed_payers < 1); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      results = await stack.api('GET', `/v1/experiments/${experimentId}/results`);
    }
    expect(results.body.variants.map((variant: { key: string; exposed_payers: number; conversion: { count: number } }) => [variant.key, variant.exposed_payers, variant.conversion.count])).toEqual([
      ['control', 1, 1],
      ['treatment', 1, 1],
    ]);
  });
});
