/**
 * The risk check of a confirm, right before a provider is asked: the signals
 * are read (one statement, store/risk-signals.ts), the merchant's rules
 * decide, and the decision is stored with its signals and the rules that
 * fired. Then:
 * - `allow`: the confirm goes on;
 * - `challenge`: the customer is sent a one-time code (the verification flow
 *   of cancellation-abuse.ts) and the payment waits for it; once verified, the
 *   next confirm goes on. No reachable customer: blocked;
 * - `review`: the payment is switched to manual capture and queued for review
 *   (flows/risk/reviews.ts), then authorized as usual. A card or the wallet
 *   is held; Alipay, WeChat Pay and UnionPay capture at once, so their
 *   payment goes on and is reviewed once paid (rejecting refunds it);
 * - `block`: `risk_blocked`, the same generic error a provider's risk decline
 *   gives, so the payer learns nothing of the rule.
 *
 * A merchant with no rules, no blocklist and no model is not checked at all:
 * the confirm's read of the payment says so (`findPaymentToConfirm`), so no
 * risk statement is sent and nothing is written.
 */
import { performance } from 'node:perf_hooks';
import { PaymentError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import { cardFingerprint } from '../../domain/payments/stored-card.ts';
import { decide, stricter, type RiskAction } from '../../domain/risk/decide.ts';
import { isRiskModel, riskScore } from '../../domain/risk/model.ts';
import { addressCountry, addressKey, normalizeEmail, normalizePhone } from '../../domain/risk/payer-keys.ts';
import { readsSignal } from '../../domain/risk/expression.ts';
import { computeSignals } from '../../domain/risk/signals.ts';
import { claimDeferredKey } from '../../store/idempotency.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import { insertPaidReviewDecision, insertReviewDecision, insertRiskDecision, markChallengePassed, type NewRiskDecision } from '../../store/risk-decisions.ts';
import { customerSegmentOf } from '../../store/risk-customer-segment.ts';
import { readRiskContext, type RiskKeys } from '../../store/risk-signals.ts';
import { now, type FlowContext } from '../context.ts';
import { challengeCustomer } from '../payments/cancellation-abuse.ts';
import type { ConfirmInput } from '../payments/confirm-input.ts';
import { compileStoredRules } from './compiled-rules.ts';

export type RiskStep = { answer: PaymentRecord } | { payment: PaymentRecord };

export async function assessRisk(context: FlowContext, actor: Actor, payment: PaymentRecord, input: ConfirmInput): Promise<RiskStep> {
  const method = input.payment_method;
  if (!method) return { payment };
  const startedMs = performance.now();
  const at = now(context);
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const cardNumber = method.type === 'card' ? method.card.number : null;
  const keys: RiskKeys = {
    paymentId: payment.id,
    customerId: payment.customer_id,
    cardFingerprint: cardNumber ? cardFingerprint(cardNumber, context.keys.cardFingerprint) : null,
    deviceId: input.risk?.device_id ?? null,
    addressKey: addressKey(input.risk?.billing_address, context.keys.cardFingerprint),
    email: normalizeEmail(input.risk?.email),
    phone: normalizePhone(input.risk?.phone),
    currency: payment.currency,
  };
  const reading = await readRiskContext(context.db, scope, keys, at);
  const model = isRiskModel(reading.model) ? reading.model : null;
  if (reading.rules.length === 0 && !reading.hasBlocklist && !model && reading.reviewStatus === null) return { payment };

  const request = {
    amount: Number(payment.amount),
    currency: payment.currency,
    paymentMethodType: method.type,
    hasCustomer: payment.customer_id !== null,
    cardNumber,
    addressCountry: addressCountry(input.risk?.billing_address),
    riskScore: -1,
    nowMs: at.getTime(),
  };
  const rules = compileStoredRules(reading.rules);
  // The segment is read only for a merchant whose rules read it: it parses kept segmentations.
  const segmentRead = payment.customer_id !== null && rules.some((rule) => readsSignal(rule.node, 'customer_segment'));
  const customerSegment = segmentRead && payment.customer_id ? await customerSegmentOf(context.db, scope, payment.customer_id) : '';
  const unscored = computeSignals(reading.history, { ...request, customerSegment });
  const signals = { ...unscored, risk_score: riskScore(model, unscored) };
  const decision = decide(rules, signals);
  // A payment held for review once stays held: a retry after a decline cannot slip past the queue.
  const action: RiskAction = reading.reviewStatus === 'pending' ? stricter(decision.action, 'review') : decision.action;
  const record: NewRiskDecision = {
    id: context.ids.newId('rdc'),
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    mode: payment.mode,
    customer_id: keys.customerId,
    card_fingerprint: keys.cardFingerprint,
    device_id: keys.deviceId,
    address_key: keys.addressKey,
    email: keys.email,
    phone: keys.phone,
    amount: payment.amount,
    currency: payment.currency,
    action,
    score: model ? signals.risk_score : null,
    rules_fired: decision.fired,
    signals,
    latency_us: 0,
    created_at: at,
  };
  // What follows writes: a confirm whose idempotency key waits for its first write claims it now.
  await claimDeferredKey(context.db);
  const latency = () => Math.round((performance.now() - startedMs) * 1000);
  return act(context, actor, payment, method.type, record, latency);
}

async function act(context: FlowContext, actor: Actor, payment: PaymentRecord, methodType: string, record: NewRiskDecision, latency: () => number): Promise<RiskStep> {
  const blocked = () => new PaymentError('risk_blocked', { paymentId: payment.id });
  const holdable = methodType === 'card' || methodType === 'wallet';
  const paidAtOnce = methodType === 'alipay' || methodType === 'wechat_pay' || methodType === 'unionpay';
  const action = record.action === 'review' && !holdable && !paidAtOnce ? 'block' : record.action;
  if (action === 'review' && paidAtOnce) {
    // Nothing to hold: the payer pays at the provider, then the paid payment waits in the queue.
    await insertPaidReviewDecision(context.db, { ...record, latency_us: latency() }, payment, now(context));
    return { payment };
  }
  if (action === 'review') {
    const held = await insertReviewDecision(context.db, { ...record, latency_us: latency() }, payment, now(context));
    if (!held) throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: 'changing', action: 'confirmed' } });
    return { payment: held };
  }
  await insertRiskDecision(context.db, { ...record, action, latency_us: latency() });
  if (action === 'block') throw blocked();
  if (action === 'allow') return { payment };
  const waiting = await challengeCustomer(context, actor, payment, blocked);
  if (waiting) return { answer: waiting };
  await markChallengePassed(context.db, { merchantId: payment.merchant_id, id: payment.id });
  return { payment };
}
