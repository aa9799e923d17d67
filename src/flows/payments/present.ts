/**
 * The API's view of stored records: what merchants receive in responses and
 * webhook events. A payer (publishable key) sees less than the merchant.
 */
import { amountToJson } from '../../domain/money.ts';
import { errorType, isDeclineCode, localizeError, payerVisibleDeclineCode, type ErrorCode, type ErrorDetails } from '../../domain/errors.ts';
import type { Locale } from '../../domain/locale.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { AttemptRow, RefundRow } from '../../store/schema.ts';

export type Viewer = 'merchant' | 'payer';

/** What a failed attempt leaves on the payment; rendered in the reader's language when presented. */
export interface StoredError {
  code: ErrorCode;
  decline_code: string | null;
  details: ErrorDetails;
  attempt: string | null;
}

export function checkoutUrl(publicBaseUrl: string, payment: { id: string; client_secret: string }): string {
  return `${publicBaseUrl}/checkout/${payment.id}#${payment.client_secret}`;
}

export function presentError(stored: StoredError, locale: Locale, viewer: Viewer) {
  const declineCode = stored.decline_code && isDeclineCode(stored.decline_code) ? stored.decline_code : null;
  const shownDecline = declineCode && viewer === 'payer' ? payerVisibleDeclineCode(declineCode) : declineCode;
  const text = localizeError(stored.code, locale, stored.details, shownDecline);
  return {
    type: errorType(stored.code),
    code: stored.code,
    decline_code: shownDecline,
    message: text.message,
    suggestion: text.suggestion,
    attempt: stored.attempt,
  };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function presentPayment(payment: PaymentRecord, options: { publicBaseUrl: string; locale: Locale; viewer: Viewer }) {
  const forMerchant = options.viewer === 'merchant';
  return {
    id: payment.id,
    object: 'payment' as const,
    livemode: payment.mode === 'live',
    status: payment.status,
    amount: amountToJson(payment.amount),
    currency: payment.currency,
    amount_original: amountToJson(payment.amount + payment.amount_discount + payment.points_value),
    amount_discount: amountToJson(payment.amount_discount),
    amount_due: amountToJson(payment.amount),
    coupon: payment.coupon_code,
    amount_capturable: amountToJson(payment.amount_capturable),
    amount_received: amountToJson(payment.amount_received),
    amount_refunded: amountToJson(payment.amount_refunded),
    capture_method: payment.capture_method,
    purpose: payment.purpose,
    points: {
      redeemed: amountToJson(payment.points_redeemed),
      value: amountToJson(payment.points_value),
      amount_original: amountToJson(payment.amount + payment.points_value),
      earned: amountToJson(payment.points_earned),
    },
    payment_method_types: payment.payment_method_types,
    payment_method: payment.payment_method ?? null,
    customer: forMerchant ? payment.customer_id : null,
    order: payment.order_details ?? null,
    description: payment.description,
    metadata: forMerchant ? payment.metadata : {},
    client_secret: payment.client_secret,
    checkout_url: checkoutUrl(options.publicBaseUrl, payment),
    return_url: payment.return_url,
    next_action: payment.next_action ?? null,
    last_error: payment.last_error ? presentError(payment.last_error as StoredError, options.locale, options.viewer) : null,
    cancellation_reason: payment.cancellation_reason,
    cancellation_comment: forMerchant ? payment.cancellation_comment : null,
    canceled_at: iso(payment.canceled_at),
    expires_at: payment.expires_at.toISOString(),
    created_at: payment.created_at.toISOString(),
    updated_at: payment.updated_at.toISOString(),
  };
}

export type PaymentView = ReturnType<typeof presentPayment>;

export function presentAttempt(attempt: AttemptRow) {
  return {
    id: attempt.id,
    object: 'payment_attempt' as const,
    payment: attempt.payment_id,
    operation: attempt.operation,
    payment_method_type: attempt.payment_method_type,
    connector: attempt.connector,
    connector_account: attempt.connector_account_id,
    status: attempt.status,
    amount: amountToJson(attempt.amount),
    error_code: attempt.error_code,
    decline_code: attempt.decline_code,
    tries: attempt.tries,
    latency_ms: attempt.latency_ms,
    created_at: attempt.started_at.toISOString(),
    completed_at: iso(attempt.completed_at),
  };
}

export function presentRefund(refund: RefundRow) {
  return {
    id: refund.id,
    object: 'refund' as const,
    payment: refund.payment_id,
    amount: amountToJson(refund.amount),
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    failure_reason: refund.failure_reason,
    created_at: refund.created_at.toISOString(),
  };
}
