/**
 * NPS surveys by email: sent `delay_days` after a payment succeeded, once per
 * customer per period however often the job runs, never after the customer
 * unsubscribed (by the signed link in the email), and never twice when the
 * worker died after handing the email to the server. The answer lands in the
 * payment's feedback (the NPS store) and counts in /v1/analytics/feedback.
 *
 * The job and the sends are called here as the worker calls them, so the
 * test decides when each runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { jobNames } from '../../src/jobs/worker.ts';
import { sendDueMessages, sendMessage } from '../../src/flows/notifications/send-message.ts';
import { sendDueSurveys } from '../../src/flows/support/nps-surveys.ts';
import { surveyToken } from '../../src/domain/support/nps-survey.ts';
import { smtpMailer } from '../../src/messaging/mailer.ts';
import { claimMessage, queueMessages } from '../../src/store/messages.ts';
import { startMailCatcher, type MailCatcher } from '../../src/simulators/mail-catcher/server.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const dayMs = 24 * 60 * 60 * 1000;
const periodDays = 30;
// One day into a 30-day period (periods count from the epoch), so the first weeks stay in one period.
const startMs = Math.floor(Date.UTC(2026, 6, 1) / (periodDays * dayMs)) * periodDays * dayMs + dayMs;
const clock = new ManualClock(startMs);
let stack: Stack;
let catcher: MailCatcher;
let key: string;
let merchantId: string;

beforeAll(async () => {
  catcher = await startMailCatcher({});
  stack = await startStack({
    clock,
    messaging: { mailer: smtpMailer({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, user: null, password: null }), sms: null, mailFrom: 'Survey <nps@shop.example>' },
  });
  const merchant = await stack.newMerchant({ name: 'Survey Shop' });
  key = merchant.secretKey;
  merchantId = merchant.merchant.merchantId;
});
afterAll(async () => {
  stack?.context.messaging.mailer?.close();
  await stack?.close();
  await catcher?.close();
});

let count = 0;
async function newCustomer(fields: Record<string, unknown> = {}) {
  count += 1;
  const email = `nps${count}-${startMs}@example.com`;
  const created = await stack.api('POST', '/v1/customers', { email, locale: 'en', ...fields }, { key });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { id: created.body.id as string, email };
}

async function pay(customer: string): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1800, currency: 'CNY', customer }, { key });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

async function surveysOf(customer: string) {
  return stack.db.db.selectFrom('nps_surveys').selectAll().where('customer_id', '=', customer).orderBy('created_at').execute();
}

/** Sends what is due, as the worker's send_message jobs and sweep would. */
async function sendQueued(): Promise<number> {
  return sendDueMessages(stack.context);
}

function linksOf(text: string) {
  const answer = /\/orders\/[^\s?]+\?token=[^\s&]+&survey=([^\s&]+)&survey_token=([^\s]+)/.exec(text);
  const unsubscribe = /(\/v1\/nps_surveys\/[^\s/]+\/unsubscribe\?token=[^\s]+)/.exec(text);
  if (!answer || !unsubscribe) throw new Error(`no survey links in: ${text}`);
  return { survey: answer[1]!, answerToken: answer[2]!, unsubscribePath: unsubscribe[1]! };
}

describe('NPS surveys', () => {
  it('is a job of the worker, and off until the merchant turns it on', async () => {
    expect(jobNames).toContain('send_nps_surveys');
    const settings = await stack.api('GET', '/v1/nps_survey_settings', undefined, { key });
    expect(settings.body).toMatchObject({ enabled: false, delay_days: 7, period_days: 90 });
    const customer = await newCustomer();
    await pay(customer.id);
    clock.advanceMs(8 * dayMs);
    expect(await sendDueSurveys(stack.context)).toBe(0);
    clock.setMs(startMs);
    const changed = await stack.api('POST', '/v1/nps_survey_settings', { enabled: true, delay_days: 3, period_days: periodDays }, { key });
    expect(changed.body).toMatchObject({ enabled: true, delay_days: 3, period_days: periodDays });
    // A partial change keeps the other fields.
    expect((await stack.api('POST', '/v1/nps_survey_settings', { delay_days: 3 }, { key })).body.period_days).toBe(periodDays);
  });

  it('sends the survey once, delay_days after the payment, however often the job runs', async () => {
    clock.setMs(startMs);
    const customer = await newCustomer();
    const payment = await pay(customer.id);
    clock.setMs(startMs + 2 * dayMs);
    await sendDueSurveys(stack.context);
    expect(await surveysOf(customer.id)).toHaveLength(0);

    clock.setMs(startMs + 3 * dayMs + 60_000);
    const [a, b] = await Promise.all([sendDueSurveys(stack.context), sendDueSurveys(stack.context)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    await sendDueSurveys(stack.context);
    const surveys = await surveysOf(customer.id);
    expect(surveys).toHaveLength(1);
    expect(surveys[0]!.payment_id).toBe(payment);

    await sendQueued();
    await sendQueued();
    const email = await catcher.waitForEmail((e) => e.to.includes(customer.email), 10_000);
    expect(email.subject).toContain('Survey Shop');
    expect(catcher.emails().filter((e) => e.to.includes(customer.email))).toHaveLength(1);

    // A second payment in the same period gets no second survey.
    clock.setMs(startMs + 4 * dayMs);
    await pay(customer.id);
    clock.setMs(startMs + 8 * dayMs);
    await sendDueSurveys(stack.context);
    expect(await surveysOf(customer.id)).toHaveLength(1);

    // The answer, through the link's token, lands in the payment's feedback; the first answer stands.
    const links = linksOf(email.text);
    expect(links.survey).toBe(surveys[0]!.id);
    expect((await stack.api('POST', `/v1/nps_surveys/${links.survey}/answer`, { token: 'z'.repeat(32), score: 3 }, { key: null })).status).toBe(404);
    const answered = await stack.api('POST', `/v1/nps_surveys/${links.survey}/answer`, { token: links.answerToken, score: 9 }, { key: null });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body).toMatchObject({ status: 'answered', nps_score: 9 });
    expect((await stack.api('POST', `/v1/nps_surveys/${links.survey}/answer`, { token: links.answerToken, score: 0 }, { key: null })).body.nps_score).toBe(9);
    const feedback = await stack.db.db.selectFrom('payment_feedback').selectAll().where('payment_id', '=', payment).executeTakeFirstOrThrow();
    expect(feedback).toMatchObject({ rating: null, nps_score: 9 });
    const figures = await stack.api('GET', `/v1/analytics/feedback?from=${new Date(startMs - dayMs).toISOString()}&to=${new Date(startMs + dayMs).toISOString()}`, undefined, { key });
    expect(figures.body).toMatchObject({ responses: 0, nps_responses: 1, promoters: 1, nps: 100 });
    // The checkout rating may still come afterwards: it fills the rating and keeps the survey's NPS answer.
    const rated = await stack.api('POST', `/v1/payments/${payment}/feedback`, { rating: 4, nps_score: 2 }, { key });
    expect(rated.body).toMatchObject({ rating: 4, nps_score: 9 });
    const after = await stack.api('GET', `/v1/analytics/feedback?from=${new Date(startMs - dayMs).toISOString()}&to=${new Date(startMs + dayMs).toISOString()}`, undefined, { key });
    expect(after.body).toMatchObject({ responses: 1, csat: 1, nps_responses: 1, nps: 100 });
  });

  it('sends no survey after the customer unsubscribed by the link, and skips one queued but not yet sent', async () => {
    clock.setMs(startMs + 10 * dayMs);
    const customer = await newCustomer();
    await pay(customer.id);
    clock.setMs(startMs + 13 * dayMs + 60_000);
    await sendDueSurveys(stack.context);
    await sendQueued();
    const email = await catcher.waitForEmail((e) => e.to.includes(customer.email), 10_000);
    const links = linksOf(email.text);
    expect((await stack.api('GET', `${links.unsubscribePath.slice(0, -3)}xyz`, undefined, { key: null })).status).toBe(404);
    const unsubscribed = await stack.api('GET', links.unsubscribePath, undefined, { key: null });
    expect(unsubscribed.status, JSON.stringify(unsubscribed.body)).toBe(200);
    expect(unsubscribed.body).toMatchObject({ unsubscribed: true });
    expect((await stack.api('POST', links.unsubscribePath, undefined, { key: null })).status).toBe(200);

    // The next period: a new payment, due, and still no survey.
    clock.setMs(startMs + periodDays * dayMs + dayMs);
    await pay(customer.id);
    clock.setMs(startMs + periodDays * dayMs + 5 * dayMs);
    await sendDueSurveys(stack.context);
    await sendQueued();
    expect(await surveysOf(customer.id)).toHaveLength(1);
    expect(catcher.emails().filter((e) => e.to.includes(customer.email))).toHaveLength(1);

    // One queued and not yet sent when the customer unsubscribes is never sent.
    const late = await newCustomer();
    clock.setMs(startMs + 2 * periodDays * dayMs + dayMs);
    await pay(late.id);
    clock.setMs(startMs + 2 * periodDays * dayMs + 5 * dayMs);
    await sendDueSurveys(stack.context);
    const [queued] = await surveysOf(late.id);
    expect(queued).toBeDefined();
    const unsubscribeToken = surveyToken(queued!.id, 'unsubscribe', stack.context.keys.surveys);
    expect((await stack.api('POST', `/v1/nps_surveys/${queued!.id}/unsubscribe?token=${unsubscribeToken}`, undefined, { key: null })).status).toBe(200);
    await sendQueued();
    const message = await stack.db.db.selectFrom('messages').selectAll().where('id', '=', queued!.message_id).executeTakeFirstOrThrow();
    expect(message.status).toBe('skipped');
    expect(catcher.emails().filter((e) => e.to.includes(late.email))).toHaveLength(0);
  });

  it('does not send a survey again when the worker died after handing it to the mail server', async () => {
    const customer = await newCustomer();
    clock.setMs(startMs + 3 * periodDays * dayMs + dayMs);
    await pay(customer.id);
    clock.setMs(startMs + 3 * periodDays * dayMs + 5 * dayMs);
    await sendDueSurveys(stack.context);
    const [survey] = await surveysOf(customer.id);
    // The worker claims the message and the server takes the email; the worker dies before recording it.
    const claimed = await claimMessage(stack.db.db, { id: survey!.message_id, merchantId }, new Date(clock.nowMs()), limits.deliveryLeaseMs);
    expect(claimed?.previous_lease_until).toBeNull();
    await stack.context.messaging.mailer!.send({ from: 'Survey <nps@shop.example>', to: customer.email, subject: 'survey', text: 'the first try', html: null });
    await catcher.waitForEmail((e) => e.to.includes(customer.email), 10_000);

    // After the lease, the sweep and the message's own job find it due again: neither sends it.
    clock.advanceMs(limits.deliveryLeaseMs + 1000);
    await sendQueued();
    expect(await sendMessage(stack.context, { id: survey!.message_id, merchantId })).toBe('not_due');
    const message = await stack.db.db.selectFrom('messages').selectAll().where('id', '=', survey!.message_id).executeTakeFirstOrThrow();
    expect(message.status).toBe('failed');
    expect(message.last_error).toContain('at most once');
    expect(catcher.emails().filter((e) => e.to.includes(customer.email))).toHaveLength(1);
  });

  it('still sends another kind of message again after an unknown outcome (only surveys are at most once)', async () => {
    const customer = await newCustomer();
    const [id] = await queueMessages(
      stack.db.db,
      [{ id: stack.context.ids.newId('msg'), merchantId, mode: 'test', channel: 'email', purpose: 'support_reply', dedupeKey: `crash-${customer.id}`, recipient: customer.email, locale: 'en', customerId: customer.id, paymentId: null, eventId: null, subject: 'answer', bodyText: 'the answer', bodyHtml: null }],
      new Date(clock.nowMs()),
      stack.context.keys.messages,
    );
    await claimMessage(stack.db.db, { id: id!, merchantId }, new Date(clock.nowMs()), limits.deliveryLeaseMs);
    clock.advanceMs(limits.deliveryLeaseMs + 1000);
    expect(await sendMessage(stack.context, { id: id!, merchantId })).toBe('sent');
    await catcher.waitForEmail((e) => e.to.includes(customer.email), 10_000);
  });
});
