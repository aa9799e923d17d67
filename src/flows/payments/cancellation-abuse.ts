/**
 * What confirm does for a customer flagged for abuse of cancellation, by the
 * merchant's choice: nothing, refuse (`customer_restricted`), or first send
 * the customer a one-time code by SMS (else email) through the messages
 * outbox and answer `requires_action` with `next_action.type = verify_otp`.
 * Confirming again with `otp` checks the code: right, the payment goes back
 * to `requires_payment_method` and may be paid (at once when the same
 * request names a `payment_method`); wrong, the tries left are said; the
 * last wrong try or an expired code ends that code, and confirming again
 * sends a new one, up to three per payment.
 *
 * A card's own one-time code (the bank's) is a different step: it follows an
 * authorization attempt waiting at the provider, while this code comes
 * before any attempt and is recognised by its pending row; the two never
 * meet, and a card that asks for its code after this one was verified gets
 * the bank's step as usual.
 */
import { abuseRules, maskRecipient, newVerificationCode, verificationCodeHash, verificationCodeMatches, verificationMessage } from '../../domain/insight/cancellation-abuse.ts';
import { PaymentError } from '../../domain/errors.ts';
import { isLocale } from '../../domain/locale.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import {
  closeVerification,
  findAbuseSettings,
  findActiveFlag,
  insertVerification,
  listVerifications,
  useVerificationAttempt,
  type AbuseFlagRow,
  type VerificationRow,
} from '../../store/cancellation-abuse.ts';
import { findCustomer } from '../../store/customers.ts';
import { findMerchant } from '../../store/merchants.ts';
import { queueMessages } from '../../store/messages.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { ConfirmInput } from './confirm-input.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment } from './payment-transitions.ts';

export type VerificationStep = { answer: PaymentRecord } | { payment: PaymentRecord; input: ConfirmInput };

/**
 * Before anything else in confirm: a payment waiting for the customer's code
 * takes only the code. Anything else passes through unchanged.
 */
export async function continueCustomerVerification(context: FlowContext, actor: Actor, payment: PaymentRecord, input: ConfirmInput): Promise<VerificationStep> {
  if (payment.status !== 'requires_action') return { payment, input };
  const pending = (await listVerifications(context.db, { merchantId: payment.merchant_id, id: payment.id })).filter((v) => v.status === 'pending').at(-1);
  if (!pending) return { payment, input };
  if (input.otp === undefined) throw new PaymentError('parameter_missing', { param: 'otp', paymentId: payment.id });
  const at = now(context);
  if (at.getTime() >= pending.expires_at.getTime()) {
    await closeVerification(context.db, payment.merchant_id, pending.id, 'expired', at);
    await reopen(context, actor, payment, 'customer_verification_expired');
    throw new PaymentError('verification_code_expired', { param: 'otp', paymentId: payment.id });
  }
  if (!verificationCodeMatches(input.otp, payment.id, context.keys.customerVerification, pending.code_hash)) {
    const remaining = await useVerificationAttempt(context.db, payment.merchant_id, pending.id);
    if (remaining !== null && remaining > 0) {
      throw new PaymentError('verification_code_incorrect', { param: 'otp', paymentId: payment.id, details: { attempts_remaining: remaining } });
    }
    await reopen(context, actor, payment, 'customer_verification_failed');
    throw new PaymentError('verification_code_expired', { param: 'otp', paymentId: payment.id });
  }
  if (!(await closeVerification(context.db, payment.merchant_id, pending.id, 'verified', at))) throw changing(payment.id);
  const reopened = await reopen(context, actor, payment, 'customer_verified');
  const { otp: _otp, ...rest } = input;
  return rest.payment_method ? { payment: reopened, input: rest } : { answer: reopened };
}

/**
 * Right before a confirm reaches a provider: a flagged customer's payment is
 * refused or asked for a code, as the merchant chose. Answers the payment
 * waiting for the code, or null to go on.
 */
export async function challengeRestrictedCustomer(context: FlowContext, actor: Actor, payment: PaymentRecord): Promise<PaymentRecord | null> {
  if (!payment.customer_id) return null;
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const at = now(context);
  const flag = await findActiveFlag(context.db, scope, payment.customer_id, at);
  if (!flag) return null;
  const settings = await findAbuseSettings(context.db, scope);
  if (settings.action === 'none') return null;
  if (settings.action === 'refuse') throw restricted(payment, flag);
  return challengeCustomer(context, actor, payment, () => restricted(payment, flag));
}

/**
 * Asks the payment's customer for a one-time code before the provider is
 * called (also used by a risk rule's `challenge`): null once a code for this
 * payment was verified; `refusal` when the customer cannot be reached or has
 * had every code a payment may send.
 */
export async function challengeCustomer(context: FlowContext, actor: Actor, payment: PaymentRecord, refusal: () => PaymentError): Promise<PaymentRecord | null> {
  const verifications = await listVerifications(context.db, { merchantId: payment.merchant_id, id: payment.id });
  if (verifications.some((v) => v.status === 'verified')) return null;
  if (verifications.length >= abuseRules.codesPerPaymentMax) throw refusal();
  return sendCode(context, actor, payment, refusal);
}

async function sendCode(context: FlowContext, actor: Actor, payment: PaymentRecord, refusal: () => PaymentError): Promise<PaymentRecord> {
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const customer = payment.customer_id ? await findCustomer(context.db, scope, payment.customer_id) : undefined;
  const channel = customer?.phone ? 'sms' : customer?.email ? 'email' : null;
  // A customer we cannot reach cannot prove who they are: refused, as the merchant would otherwise have it.
  if (!customer || !channel) throw refusal();
  const recipient = (channel === 'sms' ? customer.phone : customer.email) ?? '';
  const at = now(context);
  const expiresAt = new Date(at.getTime() + abuseRules.codeLifetimeMs);
  const code = newVerificationCode(context.random);
  const merchant = await findMerchant(context.db, payment.merchant_id);
  const text = verificationMessage(isLocale(customer.locale) ? customer.locale : 'en', merchant?.name ?? 'Paypilot', code);
  const verification: Omit<VerificationRow, 'id' | 'verified_at' | 'status'> = {
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    customer_id: customer.id,
    code_hash: verificationCodeHash(code, payment.id, context.keys.customerVerification),
    channel,
    attempts_remaining: abuseRules.codeAttemptsMax,
    expires_at: expiresAt,
    created_at: at,
  };
  // The code and its message are kept together, then the payment waits for it; a lost race ends the code unused.
  const verificationId = await context.db.transaction().execute(async (trx) => {
    const id = await insertVerification(trx, verification);
    await queueMessages(
      trx,
      [
        {
          id: context.ids.newId('msg'),
          merchantId: payment.merchant_id,
          mode: payment.mode,
          channel,
          purpose: 'customer_verification',
          dedupeKey: `customer_verification:${payment.id}:${id}`,
          recipient,
          locale: customer.locale,
          customerId: customer.id,
          paymentId: payment.id,
          eventId: null,
          subject: channel === 'email' ? text.subject : null,
          bodyText: text.body,
          bodyHtml: null,
        },
      ],
      at,
      context.keys.messages,
    );
    return id;
  });
  const waiting = await transitionPayment(context, payment, {
    to: 'requires_action',
    actor,
    reason: 'customer_verification_required',
    patch: {
      next_action: { type: 'verify_otp', verify_otp: { reason: 'customer_verification', channel, sent_to: maskRecipient(channel, recipient), expires_at: expiresAt.toISOString() } },
      last_error: null,
    },
    eventTypes: ['payment.requires_action'],
  });
  if (!waiting) {
    await closeVerification(context.db, payment.merchant_id, verificationId, 'failed', at);
    throw changing(payment.id);
  }
  return waiting;
}

async function reopen(context: FlowContext, actor: Actor, payment: PaymentRecord, reason: string): Promise<PaymentRecord> {
  const reopened = await transitionPayment(context, payment, { to: 'requires_payment_method', actor, reason, patch: { next_action: null } });
  if (!reopened) throw changing(payment.id);
  return reopened;
}

function restricted(payment: PaymentRecord, flag: AbuseFlagRow): PaymentError {
  return new PaymentError('customer_restricted', { paymentId: payment.id, details: { unlocks_at: flag.flagged_until.toISOString() } });
}

function changing(paymentId: string): PaymentError {
  return new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action: 'confirmed' } });
}
