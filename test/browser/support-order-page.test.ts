/**
 * The payer asks for help on the order page: searches the merchant's FAQ
 * (nothing answers), sends a question, sees the merchant's answer in the
 * thread, and answers an emailed NPS survey with one click, in a real
 * browser (Debian's Chromium).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { surveyToken } from '../../src/domain/support/nps-survey.ts';
import { accessibilityViolations, browserAvailable, foreignRequests, launchBrowser, newPage } from '../support/browser.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let browser: Browser;

describe.skipIf(!browserAvailable)('help on the order page, in a browser', () => {
  beforeAll(async () => {
    stack = await startStack({ instantRetries: true });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    expect(foreignRequests).toEqual([]);
    await browser?.close();
    await stack?.close();
  });

  it('searches the FAQ, asks the merchant, and sees the answer in the thread', async () => {
    await stack.api('POST', '/v1/faq', { locale: 'en', question: 'How do I get a refund?', answer: 'Ask on your order page; refunds take 3 to 5 days.' });
    const customer = await stack.api('POST', '/v1/customers', { email: `help-${Date.now()}@example.com`, locale: 'en' });
    const created = await stack.api('POST', '/v1/payments', { amount: 30_00, currency: 'CNY', customer: customer.body.id, order: { reference: 'HELP-1' } });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const session = await stack.api('GET', `/v1/payments/${created.body.id}/checkout`);
    const page = await newPage(browser, 'phone', 'en');
    await page.goto(session.body.order_url);

    await page.getByTestId('faq-entry').first().waitFor();
    await page.getByTestId('faq-search-input').fill('refund');
    await page.getByTestId('faq-search-submit').click();
    // The FAQ showed one entry before the search too: wait for the search's answer itself.
    await page.locator('[data-search-query="refund"]').waitFor();
    expect(await page.getByTestId('faq-entry').count()).toBe(1);
    await page.getByTestId('faq-search-input').fill('broken teapot');
    await page.getByTestId('faq-search-submit').click();
    await page.getByTestId('faq-no-results').waitFor();

    await page.getByTestId('support-category').selectOption('product');
    await page.getByTestId('support-message').fill('The teapot arrived broken.');
    await page.getByTestId('support-submit').click();
    await page.getByTestId('support-sent').waitFor();
    await page.getByTestId('support-request-open').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    const queue = await stack.api('GET', `/v1/support_requests?payment=${created.body.id}`);
    expect(queue.body.data[0]).toMatchObject({ category: 'product', status: 'open', contact_preference: 'email', contact: customer.body.email });
    await stack.api('POST', `/v1/support_requests/${queue.body.data[0].id}/replies`, { message: 'Sorry! A new one is on its way.' });
    await page.reload();
    await page.getByTestId('support-request-answered').waitFor();
    expect(await page.getByTestId('support-message-merchant').textContent()).toContain('A new one is on its way.');

    // The counted searches: one answered, one not.
    const figures = await stack.api('GET', '/v1/analytics/support?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z');
    expect(figures.body.faq).toMatchObject({ searches: 2, searches_unanswered: 1, unanswered_queries: [{ query: 'broken teapot', count: 1 }] });
    await page.context().close();
  });

  it('keeps what the payer types while an earlier search answers', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 9_00, currency: 'CNY', order: { reference: 'HELP-2' } });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const session = await stack.api('GET', `/v1/payments/${created.body.id}/checkout`);
    const page = await newPage(browser, 'desktop', 'en');
    // The search's answer waits until the payer has typed on.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname.endsWith('/faq') && url.searchParams.has('q'),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    await page.goto(session.body.order_url);
    const input = page.getByTestId('faq-search-input');
    await input.waitFor();
    // The payer searches with Enter and types on in the field while the answer is on its way.
    await input.fill('refund');
    await input.press('Enter');
    await page.keyboard.type('s and returns');
    release();
    await page.locator('[data-search-query="refund"]').waitFor();
    expect(await input.inputValue()).toBe('refunds and returns');
    // The caret stays where the payer left it, in the field: typing on appends.
    await page.keyboard.type('!');
    expect(await input.inputValue()).toBe('refunds and returns!');
    await page.context().close();
  });

  it("leads from the checkout's result page to help on the order page", async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 8_00, currency: 'CNY' });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const page = await newPage(browser, 'phone', 'zh-TW');
    await page.goto(created.body.checkout_url);
    await page.getByTestId('help-link').click();
    await page.getByTestId('support-submit').waitFor();
    expect(page.url()).toContain(`/orders/${created.body.id}?token=`);
    await page.context().close();
  });

  it('answers an emailed NPS survey from its link with one click (opening the link answers nothing)', async () => {
    const customer = await stack.api('POST', '/v1/customers', { email: `nps-${Date.now()}@example.com`, locale: 'zh-CN' });
    const created = await stack.api('POST', '/v1/payments', { amount: 12_00, currency: 'CNY', customer: customer.body.id });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const surveyId = stack.context.ids.newId('nps');
    await stack.db.db
      .insertInto('nps_surveys')
      .values({ id: surveyId, merchant_id: stack.merchant.merchantId, mode: 'test', customer_id: customer.body.id, payment_id: created.body.id, period_number: 1, message_id: 'msg_none', status: 'sent', created_at: new Date() })
      .execute();
    const session = await stack.api('GET', `/v1/payments/${created.body.id}/checkout`);
    const page = await newPage(browser, 'desktop', 'zh-CN');
    await page.goto(`${session.body.order_url}&survey=${surveyId}&survey_token=${surveyToken(surveyId, 'answer', stack.context.keys.surveys)}`);
    await page.getByTestId('nps-score-8').waitFor();
    expect((await stack.db.db.selectFrom('nps_surveys').select('status').where('id', '=', surveyId).executeTakeFirstOrThrow()).status).toBe('sent');
    await page.getByTestId('nps-score-8').click();
    await page.getByTestId('nps-thanks').waitFor();
    const feedback = await stack.db.db.selectFrom('payment_feedback').selectAll().where('payment_id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(feedback).toMatchObject({ nps_score: 8, rating: null });
    await page.context().close();
  });
});
