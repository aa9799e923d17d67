/**
 * Delivering one event to one merchant endpoint: claim the delivery (one
 * worker at a time), sign the body, POST it with a 10-second limit, then log
 * the try and settle what follows in one statement. Any 2xx is success;
 * anything else, a redirect or no answer in time is a failure, tried again
 * with exponential backoff and jitter for more than 3 days. An endpoint that
 * has failed for 3 days is disabled and the merchant is emailed.
 */
import { presentEvent } from '../../domain/notifications/present-event.ts';
import { nextAttemptAt, webhookRetryRule } from '../../domain/notifications/delivery-schedule.ts';
import { limits } from '../../domain/limits.ts';
import { redactUrl } from '../../domain/redaction.ts';
import { unseal } from '../../domain/secrets.ts';
import { webhookSignature, webhookSignatureHeader } from '../../domain/notifications/webhook-signature.ts';
import { findMerchant } from '../../store/merchants.ts';
import { queueMessages } from '../../store/messages.ts';
import { cancelDelivery, claimDelivery, findDueDeliveries, recordDeliveryTry, type ClaimedDelivery } from '../../store/webhooks.ts';
import { now, type FlowContext } from '../context.ts';

const sweepParallelism = 8;

export type DeliveryResult = 'succeeded' | 'retrying' | 'failed' | 'canceled' | 'not_due';

/** One try of a delivery, claimed through its merchant (the job's payload names both). */
export async function deliverWebhook(context: FlowContext, ref: { id: string; merchantId: string }): Promise<DeliveryResult> {
  const at = now(context);
  const claimed = await claimDelivery(context.db, ref, at, limits.deliveryLeaseMs);
  if (!claimed) return 'not_due';
  const { delivery, endpoint } = claimed;
  if (endpoint.deleted_at || endpoint.status !== 'enabled') {
    await cancelDelivery(context.db, { id: delivery.id, merchantId: delivery.merchant_id }, `endpoint ${endpoint.deleted_at ? 'deleted' : 'disabled'}`, at);
    return 'canceled';
  }
  const body = eventBody(claimed);
  const secret = unseal(endpoint.secret_sealed, context.keys.credentials, endpoint.id);
  const signature = webhookSignature(body, secret, Math.floor(at.getTime() / 1000));
  const response = await post(context, endpoint.url, endpoint.mode, body, signature);
  const succeeded = response.status !== null && response.status >= 200 && response.status < 300;
  const firstAttemptMs = (delivery.first_attempted_at ?? at).getTime();
  const disableIfFailingSince = new Date(at.getTime() - limits.webhookDisableAfterFailingMs);
  // The try that disables the endpoint is this delivery's last: it fails now rather than being canceled later.
  const disables = !succeeded && (endpoint.failing_since ?? at) <= disableIfFailingSince;
  const next = succeeded || disables ? null : nextAttemptAt(webhookRetryRule, delivery.attempts, firstAttemptMs, at.getTime(), context.random);
  const recorded = await recordDeliveryTry(context.db, {
    merchantId: delivery.merchant_id,
    deliveryId: delivery.id,
    endpointId: endpoint.id,
    attempt: delivery.attempts,
    at,
    url: endpoint.url,
    signature,
    responseStatus: response.status,
    responseBody: response.body,
    responseBytes: response.bytes,
    durationMs: response.durationMs,
    error: succeeded ? null : (response.error ?? `answered ${response.status}`),
    succeeded,
    nextAttemptAt: next,
    disableIfFailingSince,
  });
  if (recorded.disabledEndpoint) await emailMerchantEndpointDisabled(context, claimed, recorded.failingSince ?? at);
  const result = succeeded ? 'succeeded' : next ? 'retrying' : 'failed';
  context.metrics.webhookDeliverySeconds.observe({ outcome: result }, response.durationMs / 1000);
  return result;
}

/** The event as the merchant receives it; the same bytes on every try, so a receiver can dedupe on its id. */
function eventBody({ event }: ClaimedDelivery): string {
  return JSON.stringify(presentEvent(event));
}

interface PostResult {
  status: number | null;
  /** The first kilobyte of the answer, kept only when it came from a public address. */
  body: string | null;
  bytes: number | null;
  durationMs: number;
  error: string | null;
}

async function post(context: FlowContext, url: string, mode: 'test' | 'live', body: string, signature: string): Promise<PostResult> {
  const started = performance.now();
  const result = await context.outbound.send({
    mode,
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Paypilot-Webhooks/1', [webhookSignatureHeader]: signature },
    body,
    timeoutMs: limits.webhookTimeoutMs,
    // Only the start of the answer is read: the status is the answer, and a
    // body that is large or never ends must neither fill memory nor turn a 2xx
    // into a time-out. A redirect is a failure (never followed): it would send
    // the event where the merchant did not say.
    responseBytesMax: limits.webhookResponseBodyBytesMax,
    overLimit: 'keep_first_bytes',
    peer: 'the endpoint',
    reportAddress: true,
  });
  const durationMs = Math.round(performance.now() - started);
  if (result.kind === 'answered') {
    // What an internal service answers must never be readable through the delivery log.
    const text = result.fromPublicAddress ? result.body.toString('utf8') : null;
    return { status: result.status, body: text, bytes: result.body.length, durationMs, error: null };
  }
  if (result.kind === 'failed' && result.timedOut) {
    return { status: null, body: null, bytes: null, durationMs, error: `no answer within ${limits.webhookTimeoutMs} ms` };
  }
  return { status: null, body: null, bytes: null, durationMs, error: result.detail };
}

async function emailMerchantEndpointDisabled(context: FlowContext, claimed: ClaimedDelivery, failingSince: Date): Promise<void> {
  const merchant = await findMerchant(context.db, claimed.endpoint.merchant_id);
  if (!merchant?.support_email) return;
  // The endpoint's URL may carry credentials (a user and password, a key in its query): the email names it without them.
  const url = redactUrl(claimed.endpoint.url);
  const text = [
    `Paypilot stopped sending webhooks to ${url} (endpoint ${claimed.endpoint.id}).`,
    `Every delivery to it has failed since ${failingSince.toISOString()}, for more than 3 days; the last try: ${claimed.delivery.last_error ?? 'failed'}.`,
    'Fix the receiver, then turn the endpoint back on (POST /v1/webhook_endpoints/:id with {"enabled": true}) and redeliver the events you missed (POST /v1/events/:id/redeliver).',
    '',
    `Paypilot 已停止向 ${url} 发送 Webhook：该地址连续 3 天以上接收失败。请修复后重新启用该端点，并重新投递错过的事件。`,
  ].join('\n');
  await queueMessages(
    context.db,
    [
      {
        id: context.ids.newId('msg'),
        merchantId: merchant.id,
        mode: claimed.endpoint.mode,
        channel: 'email',
        purpose: 'webhook_endpoint_disabled',
        dedupeKey: `webhook_endpoint_disabled:${claimed.endpoint.id}:${failingSince.toISOString()}`,
        recipient: merchant.support_email,
        locale: 'en',
        customerId: null,
        paymentId: null,
        eventId: null,
        subject: `Webhook endpoint disabled: ${url}`,
        bodyText: text,
        bodyHtml: null,
      },
    ],
    now(context),
    context.keys.messages,
  );
}

/** The sweep: deliveries due whose job was lost or whose worker died mid-try. Bounded per run. */
export async function deliverDueWebhooks(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const due = await findDueDeliveries(context.db, now(context), batchSize);
  let delivered = 0;
  // A few at a time: one slow receiver must not hold up the rest for its whole timeout each.
  for (let start = 0; start < due.length; start += sweepParallelism) {
    const results = await Promise.all(due.slice(start, start + sweepParallelism).map((ref) => deliverWebhook(context, ref).catch(() => 'not_due' as const)));
    delivered += results.filter((result) => result === 'succeeded').length;
  }
  return delivered;
}
