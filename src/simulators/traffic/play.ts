/** Playing the plan slot by slot: each payer's steps through the API and the simulators, the sweeps, the outage. */
import { orderNumberOf } from '../../flows/channels/channel-payments.ts';
import type { FlowContext } from '../../flows/context.ts';
import { expireAbandonedPayments } from '../../flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../flows/channels/resolve-outcomes.ts';
import { call, inPool, mobileUserAgent, requestTimeoutMs, sweepTailSlots, type ApiAnswer, type World } from './world.ts';
import { slotMs, type Channel, type PlannedPayment, type QrChannel, type Step, type TrafficPlan } from './traffic-plan.ts';


export async function playPlan(world: World, plan: TrafficPlan, customerIds: string[], concurrency: number, log: (line: string) => void): Promise<void> {
  const bySlot = new Map<number, PlannedPayment[]>();
  for (const payment of plan.payments) {
    const list = bySlot.get(payment.slot);
    if (list) list.push(payment);
    else bySlot.set(payment.slot, [payment]);
  }
  const { degraded } = plan;
  const { expirySweeps, querySweeps } = slotsToSweep(plan);
  let played = 0;
  let nextReport = 0.1;
  let breakerMayBeOpen = false;
  for (let slot = 0; slot < plan.slots; slot += 1) {
    const slotStartMs = plan.startMs + slot * slotMs;
    const degradedNow = slot >= degraded.fromSlot && slot < degraded.toSlot;
    if (degradedNow) await setOutage(world, degraded.channel, true);
    if (slot === degraded.toSlot) {
      await setOutage(world, degraded.channel, false);
      breakerMayBeOpen = true;
    }
    const payments = bySlot.get(slot) ?? [];
    const ids = new Map<number, string>();
    if (payments.length > 0) {
      world.clock.enter(slotStartMs, slotMs / 2 - 1);
      const play = async (payment: PlannedPayment) => {
        const id = await playPayment(world, payment, payment.customer === null ? null : (customerIds[payment.customer] ?? null));
        if (id) ids.set(payment.index, id);
      };
      // While the degraded channel's breaker opens, probes and closes, the payments that may call it go one at a time:
      // how many calls get through before it opens, and which one is the probe, must not depend on timing.
      const guarded = degradedNow || breakerMayBeOpen;
      const exposed = guarded ? payments.filter((payment) => mayCall(payment, degraded.channel)) : [];
      const others = guarded ? payments.filter((payment) => !mayCall(payment, degraded.channel)) : payments;
      await Promise.all([inPool(exposed, 1, play), inPool(others, concurrency, play)]);
    }
    if (breakerMayBeOpen && payments.some((payment) => callsFirst(payment, degraded.channel))) breakerMayBeOpen = false;
    if (expirySweeps.has(slot) || querySweeps.has(slot)) {
      world.clock.enter(slotStartMs + slotMs * 0.6, 0);
      await sweep(world.context, { queries: querySweeps.has(slot), expiry: expirySweeps.has(slot) });
    }
    const afterwards = payments.filter((p) => (p.refund !== null || p.feedback !== null) && ids.has(p.index));
    if (afterwards.length > 0) {
      world.clock.enter(slotStartMs + slotMs * 0.7, slotMs / 4);
      await inPool(afterwards, concurrency, (payment) => afterPayment(world, payment, ids.get(payment.index) ?? ''));
    }
    played += payments.length;
    if (played / plan.payments.length >= nextReport) {
      log(`  ${Math.round((played / plan.payments.length) * 100)} % (${played} payments, simulated ${new Date(slotStartMs).toISOString().slice(0, 16)}Z)`);
      nextReport += 0.1;
    }
  }
  world.clock.enter(plan.endMs, 0);
  await sweep(world.context, { queries: true, expiry: true });
}

/** Whether any step of the payment (its fallback included) may call the channel's provider. */
function mayCall(payment: PlannedPayment, channel: Channel): boolean {
  return [...payment.steps, ...payment.onProviderFailure].some((step) => (step.kind === 'card' ? channel === 'card' : step.kind === 'qr' && step.channel === channel));
}

/** Whether the payment's first step, which is always played, calls the channel's provider. */
function callsFirst(payment: PlannedPayment, channel: Channel): boolean {
  const first = payment.steps[0];
  return first !== undefined && (first.kind === 'card' ? channel === 'card' : first.kind === 'qr' && first.channel === channel);
}

/**
 * The slots whose sweeps can have work. Expiry: the slot where a payment
 * expires. Status queries: the slot of a payment that meets a provider's QR
 * code or a refund, and the next; the outage and the slots after it. Skipping
 * the others keeps a long history fast; a sweep that would find nothing
 * changes nothing, so which ones run never changes the outcome.
 */
function slotsToSweep(plan: TrafficPlan): { expirySweeps: Set<number>; querySweeps: Set<number> } {
  const expirySweeps = new Set<number>();
  const querySweeps = new Set<number>();
  for (const payment of plan.payments) {
    expirySweeps.add(payment.slot + (payment.expiresInSeconds * 1000) / slotMs);
    if (payment.refund !== null || [...payment.steps, ...payment.onProviderFailure].some((step) => step.kind === 'qr')) {
      querySweeps.add(payment.slot);
      querySweeps.add(payment.slot + 1);
    }
  }
  for (let slot = plan.degraded.fromSlot; slot <= plan.degraded.toSlot + sweepTailSlots; slot += 1) querySweeps.add(slot);
  return { expirySweeps, querySweeps };
}

/** What the worker's recurring jobs would have done by now, until there is nothing more to do (bounded). */
async function sweep(context: FlowContext, what: { queries: boolean; expiry: boolean }): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    const settled = what.queries ? await resolveUnknownOutcomes(context) : 0;
    const expired = what.expiry ? await expireAbandonedPayments(context) : 0;
    if (settled + expired === 0) return;
  }
}

async function setOutage(world: World, channel: Channel, on: boolean): Promise<void> {
  const url = channel === 'card' ? world.acquirer.url : world.qr[channel].url;
  const response = await fetch(`${url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(on ? { failNext: 10_000, failMode: channel === 'alipay' ? 'error_20000' : 'error_500' } : { failNext: 0 }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  if (!response.ok) throw new Error(`the ${channel} simulator refused its faults: ${await response.text()}`);
}

/** Plays one payment's steps; answers its id. */
async function playPayment(world: World, payment: PlannedPayment, customerId: string | null): Promise<string | null> {
  const created = await call(
    world,
    'POST',
    '/v1/payments',
    {
      amount: payment.amount,
      currency: payment.currency,
      ...(customerId ? { customer: customerId } : {}),
      description: 'Simulated order',
      order: { reference: `SIM-${payment.index + 1}` },
      metadata: { simulation: world.run },
      expires_in_seconds: payment.expiresInSeconds,
    },
    { 'idempotency-key': `${world.run}-${payment.index}` },
  );
  if (created.status !== 200) throw new Error(`could not create a payment: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  // The payer opens the hosted checkout; its page reports the view (the server records every later step itself).
  await call(world, 'POST', `/v1/payments/${id}/funnel_events`, { type: 'checkout_viewed' }, payment.mobile ? { 'user-agent': mobileUserAgent } : {});
  let steps = payment.steps;
  let failedOver = false;
  for (let i = 0; i < steps.length; i += 1) {
    const step = steps[i] as Step;
    const result = await playStep(world, id, created.body.client_secret as string, step);
    if (result === 'done') break;
    if (result === 'provider_failed' && !failedOver) {
      failedOver = true;
      steps = payment.onProviderFailure;
      i = -1;
    }
  }
  return id;
}

type StepResult = 'done' | 'declined' | 'provider_failed' | 'left';

async function playStep(world: World, id: string, clientSecret: string, step: Step): Promise<StepResult> {
  if (step.kind === 'cancel') {
    // The merchant cancels what it found fraudulent; every other reason is the payer's, given at the checkout's cancel button.
    if (step.reason === 'fraudulent') await call(world, 'POST', `/v1/payments/${id}/cancel`, { cancellation_reason: step.reason, comment: step.comment });
    else await call(world, 'POST', `/v1/payments/${id}/cancel`, { client_secret: clientSecret, cancellation_reason: step.reason, comment: step.comment }, { authorization: `Bearer ${world.publishableKey}` });
    return 'done';
  }
  if (step.kind === 'card') {
    const card = { number: step.number, exp_month: 12, exp_year: new Date(world.clock.nowMs()).getUTCFullYear() + 3, cvc: '123' };
    let answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { payment_method: { type: 'card', card } });
    if (answer.status === 200 && answer.body.next_action?.type === 'verify_otp') answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { otp: '000000' });
    return outcomeOf(answer);
  }
  return playQr(world, id, step);
}

async function playQr(world: World, id: string, step: Extract<Step, { kind: 'qr' }>): Promise<StepResult> {
  const headers: Record<string, string> = step.mobile ? { 'user-agent': mobileUserAgent } : {};
  const answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { payment_method: { type: step.channel } }, headers);
  const result = outcomeOf(answer);
  if (answer.status !== 200 || answer.body.status !== 'requires_action') return result;
  // The payer's browser opens the provider's page, as one following the redirect would.
  const redirect = answer.body.next_action?.redirect_to_url?.url as string | undefined;
  if (redirect) await fetch(redirect, { headers, signal: AbortSignal.timeout(requestTimeoutMs) }).then((page) => page.arrayBuffer());
  const attempts = await call(world, 'GET', `/v1/payments/${id}/attempts?limit=1`);
  const attemptId = attempts.body?.data?.[0]?.id as string | undefined;
  if (!attemptId) return 'left';
  payerActs(world, step.channel, orderNumberOf(attemptId), step.payer);
  return step.payer === 'pay' ? 'done' : step.payer === 'leave' ? 'left' : 'declined';
}

function payerActs(world: World, channel: QrChannel, orderNumber: string, action: 'pay' | 'leave' | 'decline'): void {
  try {
    if (channel === 'alipay') world.qr.alipay.payer(orderNumber)[action]();
    else if (channel === 'wechat_pay') world.qr.wechat_pay.payer(orderNumber)[action === 'decline' ? 'fail' : action]();
    else world.qr.unionpay.payer(orderNumber)[action]();
  } catch {
    // The order is not payable (it expired, or the page never opened it): the payer gives up, as a real one would.
  }
}

function outcomeOf(answer: ApiAnswer): StepResult {
  if (answer.status === 200) return answer.body.status === 'succeeded' || answer.body.status === 'requires_capture' || answer.body.status === 'processing' ? 'done' : 'left';
  const code = answer.body?.error?.code as string | undefined;
  if (answer.status >= 500 || code === 'connector_unavailable') return 'provider_failed';
  return 'declined';
}

/** Once the sweep has settled it: the payer rates the checkout of a final payment, and some paid ones are refunded. */
async function afterPayment(world: World, payment: PlannedPayment, id: string): Promise<void> {
  const current = await call(world, 'GET', `/v1/payments/${id}`);
  const status = current.body?.status as string | undefined;
  if (payment.feedback && (status === 'succeeded' || status === 'canceled')) {
    const { ratingIfSucceeded, ratingOtherwise, npsScore } = payment.feedback;
    await call(world, 'POST', `/v1/payments/${id}/feedback`, { rating: status === 'succeeded' ? ratingIfSucceeded : ratingOtherwise, ...(npsScore === null ? {} : { nps_score: npsScore }) });
  }
  if (status !== 'succeeded' || !payment.refund) return;
  const amount = payment.refund.share === 'full' ? undefined : Math.max(1, Math.floor(Number(current.body.amount_received) / 2));
  await call(world, 'POST', '/v1/refunds', { payment: id, reason: payment.refund.reason, ...(amount ? { amount } : {}) });
}

