/**
 * Reads and writes by a row's id also filter by its merchant (issue 19 item
 * 5): the same id named with another merchant's id finds nothing and
 * changes nothing. One representative per capability: a webhook delivery's
 * claim, a message's claim and try, a risk review's close, a support
 * request's update, and an NPS survey's answer; and on the tables that
 * gained merchant_id in migration 0058, an idempotency key's completion, a
 * wallet PIN's tries, a support thread's messages and a provider
 * notification's application. Each is also shown to work with its own
 * merchant, so "nothing" is the filter, not a broken call.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobHelpers } from 'graphile-worker';
import { limits } from '../../src/domain/limits.ts';
import { deliverDueWebhooks, deliverWebhook } from '../../src/flows/notifications/deliver-webhook.ts';
import { sendDueMessages } from '../../src/flows/notifications/send-message.ts';
import { applyNotification } from '../../src/flows/channels/apply-notification.ts';
import { requestHash } from '../../src/http/plugins/idempotency.ts';
import { taskList } from '../../src/jobs/worker.ts';
import { claimIdempotencyKey, completeIdempotencyKey, heldBy, releaseIdempotencyKey, type IdempotencyClaim } from '../../src/store/idempotency.ts';
import { findUnappliedNotification, storeNotification } from '../../src/store/notifications.ts';
import { findPin, reservePinTry, savePin } from '../../src/store/wallet-pins.ts';
import { claimMessage, queueMessages, recordMessageTry } from '../../src/store/messages.ts';
import { findPaymentById, type PaymentRecord } from '../../src/store/payments.ts';
import { closeReview, insertPaidReviewDecision } from '../../src/store/risk-decisions.ts';
import { countSupportMessages, insertSupportMessage, insertSupportRequest, listSupportMessages, updateSupportRequest } from '../../src/store/support/requests.ts';
import { answerSurvey, insertSurvey } from '../../src/store/support/surveys.ts';
import { cancelDelivery, claimDelivery } from '../../src/store/webhooks.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
/** The other merchant: its id is what a mistaken (or malicious) caller would pair with the first merchant's row id. */
let otherMerchantId: string;
let merchantId: string;
let payment: PaymentRecord;

beforeAll(async () => {
  stack = await startStack({ clock });
  merchantId = stack.merchant.merchantId;
  otherMerchantId = (await stack.newMerchant()).merchant.merchantId;
  const endpoint = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['payment.succeeded'] });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
  const customer = await stack.api('POST', '/v1/customers', { email: 'scoped@example.com' });
  const created = await stack.api('POST', '/v1/payments', { amount: 1200, currency: 'CNY', customer: customer.body.id });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
  payment = (await findPaymentById(stack.db.db, stack.merchant.merchantId, created.body.id))!;
});
afterAll(async () => stack?.close());

const at = () => new Date(clock.nowMs());

describe("another merchant's id finds and changes nothing", () => {
  it('a webhook delivery is neither claimed nor canceled with another merchant; with its own it is claimed', async () => {
    const delivery = await stack.db.db.selectFrom('webhook_deliveries').selectAll().where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
    expect(await claimDelivery(stack.db.db, { id: delivery.id, merchantId: otherMerchantId }, at(), limits.deliveryLeaseMs)).toBeNull();
    await cancelDelivery(stack.db.db, { id: delivery.id, merchantId: otherMerchantId }, 'not yours', at());
    const untouched = await stack.db.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', delivery.id).executeTakeFirstOrThrow();
    expect(untouched).toMatchObject({ status: 'pending', attempts: 0, lease_until: null, last_error: null });

    const claimed = await claimDelivery(stack.db.db, { id: delivery.id, merchantId }, at(), limits.deliveryLeaseMs);
    expect(claimed?.delivery).toMatchObject({ id: delivery.id, attempts: 1 });
    expect(claimed?.endpoint.merchant_id).toBe(merchantId);
  });

  it('a message is neither claimed nor recorded with another merchant; with its own it is claimed', async () => {
    const [id] = await queueMessages(
      stack.db.db,
      [{ id: stack.context.ids.newId('msg'), merchantId, mode: 'test', channel: 'email', purpose: 'support_reply', dedupeKey: `scoped-${Date.now()}`, recipient: 'scoped@example.com', locale: 'en', customerId: null, paymentId: null, eventId: null, subject: 'hello', bodyText: 'hello', bodyHtml: null }],
      at(),
      stack.context.keys.messages,
    );
    expect(await claimMessage(stack.db.db, { id: id!, merchantId: otherMerchantId }, at(), limits.deliveryLeaseMs)).toBeNull();
    await recordMessageTry(stack.db.db, { merchantId: otherMerchantId, id: id!, at: at(), outcome: 'sent', providerMessageId: 'not-yours', error: null, nextAttemptAt: null });
    const untouched = await stack.db.db.selectFrom('messages').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(untouched).toMatchObject({ status: 'pending', attempts: 0, provider_message_id: null, sent_at: null });

    expect(await claimMessage(stack.db.db, { id: id!, merchantId }, at(), limits.deliveryLeaseMs)).toMatchObject({ id, attempts: 1 });
  });

  it("a risk review is not closed in another merchant's scope; in its own it is", async () => {
    const decisionId = stack.context.ids.newId('rdc');
    await insertPaidReviewDecision(
      stack.db.db,
      { id: decisionId, payment_id: payment.id, merchant_id: merchantId, mode: 'test', customer_id: payment.customer_id, card_fingerprint: null, device_id: null, address_key: null, email: null, phone: null, amount: payment.amount, currency: payment.currency, action: 'review', score: null, rules_fired: [], signals: {}, latency_us: 1, created_at: at() },
      payment,
      at(),
    );
    expect(await closeReview(stack.db.db, { merchantId: otherMerchantId, mode: 'test' }, payment.id, 'rejected', at())).toBe(false);
    const review = () => stack.db.db.selectFrom('risk_reviews').select(['status', 'decided_at']).where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    expect(await review()).toEqual({ status: 'pending', decided_at: null });

    expect(await closeReview(stack.db.db, { merchantId, mode: 'test' }, payment.id, 'approved', at())).toBe(true);
    expect((await review()).status).toBe('approved');
  });

  it('a support request is not updated with another merchant; with its own it is', async () => {
    const id = stack.context.ids.newId('sr');
    await insertSupportRequest(stack.db.db, {
      id, merchant_id: merchantId, mode: 'test', payment_id: payment.id, customer_id: null, category: 'other', contact_preference: 'email',
      contact_email: 'scoped@example.com', contact_phone: null, locale: 'en', status: 'open', created_at: at(), updated_at: at(),
      first_response_at: null, first_resolved_at: null, resolved_at: null,
    });
    await expect(updateSupportRequest(stack.db.db, { merchant_id: otherMerchantId, id }, { status: 'resolved', resolved_at: at(), updated_at: at() })).rejects.toThrow();
    const status = async () => (await stack.db.db.selectFrom('support_requests').select(['status', 'resolved_at']).where('id', '=', id).executeTakeFirstOrThrow());
    expect(await status()).toEqual({ status: 'open', resolved_at: null });

    expect(await updateSupportRequest(stack.db.db, { merchant_id: merchantId, id }, { status: 'resolved', resolved_at: at(), updated_at: at() })).toMatchObject({ id, status: 'resolved' });
  });

  it('an NPS survey is not answered with another merchant; with its own it is', async () => {
    const id = stack.context.ids.newId('nps');
    const recorded = await insertSurvey(stack.db.db, { id, merchant_id: merchantId, mode: 'test', customer_id: payment.customer_id!, payment_id: payment.id, period_number: 1, message_id: 'msg_none', created_at: at() });
    expect(recorded).toBe(true);
    expect(await answerSurvey(stack.db.db, { merchant_id: otherMerchantId, id }, 2, at())).toBeUndefined();
    const stored = await sql<{ status: string; nps_score: number | null }>`select status, nps_score from nps_surveys where id = ${id}`.execute(stack.db.db);
    expect(stored.rows[0]).toEqual({ status: 'sent', nps_score: null });

    expect(await answerSurvey(stack.db.db, { merchant_id: merchantId, id }, 9, at())).toMatchObject({ id, status: 'answered', nps_score: 9 });
  });
});

describe("another merchant's id finds and changes nothing on the tables migration 0058 gave merchant_id", () => {
  it('an idempotency key is neither completed nor released with another merchant; with its own it is completed', async () => {
    const now = at();
    const claim: IdempotencyClaim = {
      apiKeyId: `key_scoped_${randomUUID()}`, merchantId, key: 'scoped', method: 'POST', path: '/v1/test', requestHash: requestHash('POST', '/v1/test', {}),
      now, nodeId: 'node_scoped', staleBefore: new Date(now.getTime() - limits.idempotencyInProgressStaleMs), holderDeadAfterMs: limits.apiNodeDeadAfterMs,
    };
    expect(await claimIdempotencyKey(stack.db.db, claim)).toEqual({ kind: 'claimed' });
    const theirs = { ...heldBy(claim), merchantId: otherMerchantId };
    expect(await completeIdempotencyKey(stack.db.db, theirs, { status: 200, body: '{"by":"them"}' })).toBe(false);
    await releaseIdempotencyKey(stack.db.db, theirs);
    const stored = () => stack.db.db.selectFrom('idempotency_keys').select(['status', 'response_body']).where('api_key_id', '=', claim.apiKeyId).execute();
    expect(await stored()).toEqual([{ status: 'in_progress', response_body: null }]);

    expect(await completeIdempotencyKey(stack.db.db, heldBy(claim), { status: 200, body: '{"by":"us"}' })).toBe(true);
    expect(await stored()).toEqual([{ status: 'complete', response_body: '{"by":"us"}' }]);
  });

  it("a wallet PIN is neither found nor tried with another merchant; with its own a try is reserved", async () => {
    const customer = { id: payment.customer_id!, merchant_id: merchantId };
    await savePin(stack.db.db, customer, 'not-a-real-hash', at());
    const rule = { attemptsMax: limits.pinAttemptsMax, lockMs: limits.pinLockMs, reservationTtlMs: limits.pinTryReservationTtlMs };
    const theirs = { id: customer.id, merchant_id: otherMerchantId };
    expect(await findPin(stack.db.db, theirs)).toBeUndefined();
    expect(await reservePinTry(stack.db.db, theirs, at(), rule)).toMatchObject({ kind: 'refused' });
    expect(await findPin(stack.db.db, customer)).toMatchObject({ tries_in_flight: 0, failed_attempts: 0 });

    expect(await reservePinTry(stack.db.db, customer, at(), rule)).toEqual({ kind: 'reserved', countedBefore: 0 });
    expect(await findPin(stack.db.db, customer)).toMatchObject({ tries_in_flight: 1 });
  });

  it("a support request's messages are neither listed nor counted with another merchant; with its own they are", async () => {
    const id = stack.context.ids.newId('sr');
    await insertSupportRequest(stack.db.db, {
      id, merchant_id: merchantId, mode: 'test', payment_id: payment.id, customer_id: null, category: 'other', contact_preference: 'email',
      contact_email: 'scoped@example.com', contact_phone: null, locale: 'en', status: 'open', created_at: at(), updated_at: at(),
      first_response_at: null, first_resolved_at: null, resolved_at: null,
    });
    await insertSupportMessage(stack.db.db, { id: stack.context.ids.newId('smg'), request_id: id, merchant_id: merchantId, author: 'payer', body: 'hello', created_at: at() });
    expect(await listSupportMessages(stack.db.db, otherMerchantId, [id])).toEqual([]);
    expect(await countSupportMessages(stack.db.db, { id, merchant_id: otherMerchantId })).toBe(0);

    expect((await listSupportMessages(stack.db.db, merchantId, [id])).map((message) => message.body)).toEqual(['hello']);
    expect(await countSupportMessages(stack.db.db, { id, merchant_id: merchantId })).toBe(1);
  });

  it("a provider notification is not applied with another merchant; its job names its merchant, and one of the previous version (its id alone) applies it", async () => {
    const notificationId = stack.context.ids.newId('pnt');
    const stored = await storeNotification(stack.db.db, {
      id: notificationId, connectorAccountId: stack.cardAccountId, merchantId, providerNotificationId: `scoped-${notificationId}`,
      orderNumber: 'ord_nothing', verdict: { refund_number: null, amount: null, merchant_identity: {}, state: { kind: 'pending' } }, receivedAt: at(),
    });
    expect(stored).toBe(true);
    const jobs = await sql<{ payload: unknown }>`
      delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
       where t.id = j.task_id and t.identifier = 'apply_notification' and j.payload->>'id' = ${notificationId} and j.locked_at is null
      returning j.payload`.execute(stack.db.db);
    expect(jobs.rows.map((row) => row.payload)).toEqual([{ id: notificationId, merchant: merchantId }]);

    expect(await findUnappliedNotification(stack.db.db, { id: notificationId, merchantId: otherMerchantId })).toBeUndefined();
    expect(await applyNotification(stack.context, { id: notificationId, merchantId: otherMerchantId })).toBe('already_applied');
    const applied = async () => (await stack.db.db.selectFrom('provider_notifications').select(['applied_at', 'outcome']).where('id', '=', notificationId).executeTakeFirstOrThrow());
    expect(await applied()).toEqual({ applied_at: null, outcome: null });

    // The previous version's job names the notification alone: its merchant is read from its row.
    await taskList(stack.context).apply_notification!({ id: notificationId }, {} as JobHelpers);
    expect(await applied()).toMatchObject({ outcome: 'unknown_order' });
    expect((await applied()).applied_at).not.toBeNull();
  });
});

describe('the jobs that name a message or a delivery carry its merchant', () => {
  /** The send_message jobs queued for one message, taken off the queue (no worker runs in this file). */
  async function takeSendJobs(messageId: string): Promise<unknown[]> {
    const taken = await sql<{ payload: unknown }>`
      delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
       where t.id = j.task_id and t.identifier = 'send_message' and j.payload->>'id' = ${messageId} and j.locked_at is null
      returning j.payload`.execute(stack.db.db);
    return taken.rows.map((row) => row.payload);
  }

  it("a queued message's job names its merchant; a job of the previous version (its id alone) is left to the sweep, which sends it", async () => {
    const queue = (dedupeKey: string) =>
      queueMessages(
        stack.db.db,
        [{ id: stack.context.ids.newId('msg'), merchantId, mode: 'test', channel: 'email', purpose: 'support_reply', dedupeKey, recipient: 'scoped@example.com', locale: 'en', customerId: null, paymentId: null, eventId: null, subject: 'hello', bodyText: 'hello', bodyHtml: null }],
        at(),
        stack.context.keys.messages,
      );
    const [id] = await queue(`job-${Date.now()}`);
    expect(await takeSendJobs(id!)).toEqual([{ id, merchant: merchantId }]);

    const helpers = {} as JobHelpers;
    await taskList(stack.context).send_message!({ id }, helpers);
    const status = async () => (await stack.db.db.selectFrom('messages').select(['status', 'attempts']).where('id', '=', id!).executeTakeFirstOrThrow());
    expect(await status()).toEqual({ status: 'pending', attempts: 0 });
    // No sender is configured in this stack: the sweep's try skips it, visibly, which is a try all the same.
    await sendDueMessages(stack.context);
    expect(await status()).toEqual({ status: 'skipped', attempts: 1 });
  });

  it("a failed try's next job names the delivery's merchant; a job naming the delivery alone is left to the sweep, which tries it", async () => {
    const delivery = await stack.db.db.selectFrom('webhook_deliveries').select(['id', 'merchant_id']).where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
    const deliveryJobs = async () =>
      (await sql<{ payload: unknown }>`
        select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
         where t.identifier = 'deliver_webhook' and j.payload->>'id' = ${delivery.id}`.execute(stack.db.db)).rows.map((row) => row.payload);
    const dropJobs = () =>
      sql`delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
           where t.id = j.task_id and t.identifier = 'deliver_webhook' and j.payload->>'id' = ${delivery.id} and j.locked_at is null`.execute(stack.db.db);
    const attempts = async () => (await stack.db.db.selectFrom('webhook_deliveries').select('attempts').where('id', '=', delivery.id).executeTakeFirstOrThrow()).attempts;
    await sql`update webhook_deliveries set lease_until = null, next_attempt_at = ${at()}, status = 'pending' where id = ${delivery.id}`.execute(stack.db.db);
    await dropJobs();
    // The endpoint listens nowhere (port 9): the try fails and its next one is queued.
    expect(await deliverWebhook(stack.context, { id: delivery.id, merchantId })).toBe('retrying');
    expect(await deliveryJobs()).toEqual([{ id: delivery.id, merchant: merchantId }]);

    // A job queued before jobs named the merchant: the worker tries nothing for it, and the delivery stays due.
    await sql`update webhook_deliveries set lease_until = null, next_attempt_at = ${at()}, status = 'pending' where id = ${delivery.id}`.execute(stack.db.db);
    await dropJobs();
    const before = await attempts();
    await taskList(stack.context).deliver_webhook!({ id: delivery.id }, {} as JobHelpers);
    expect(await attempts()).toBe(before);
    // The sweep finds it due and tries it through the merchant of its row.
    await deliverDueWebhooks(stack.context);
    expect(await attempts()).toBe(before + 1);
  });
});
