/**
 * Words for API values and errors, shared by both pages. Pure (no DOM), so
 * it is unit-tested in Node.
 */
import { ApiError, NetworkError } from './api.ts';
import type { PaymentMethodSummary } from './api-types.ts';
import { label, t, type Lang } from './i18n.ts';

/** "Visa ending in 4242", "Alipay"; a dash when no method is known yet. */
export function describeMethod(method: PaymentMethodSummary | null, lang: Lang): string {
  if (!method) return '—';
  if (method.type === 'card' && 'card' in method) {
    return t(lang, 'result.cardEnding', { brand: label(lang, 'brand', method.card.brand), last4: method.card.last4 });
  }
  return label(lang, 'method', method.type);
}

/** What an error box shows: the API's localized text when it answered, ours when it could not. */
export interface ShownError {
  code: string;
  message: string;
  suggestion: string;
  /** A third line some codes add: attempts left, an unlock time, an available balance. */
  detail: string | null;
}

export function shownError(error: unknown, lang: Lang): ShownError {
  if (error instanceof ApiError && error.body.message.length > 0) {
    return { code: error.body.code, message: error.body.message, suggestion: error.body.suggestion, detail: null };
  }
  if (error instanceof NetworkError) {
    return { code: 'network_error', message: t(lang, 'error.network'), suggestion: t(lang, 'error.networkSuggestion'), detail: null };
  }
  // An unreadable answer, or a bug of ours: the payer can only try again.
  return { code: 'unreadable_response', message: t(lang, 'error.unreadable'), suggestion: t(lang, 'error.unreadableSuggestion'), detail: null };
}

/** "1 attempt remains …" / "3 attempts remain …". */
export function attemptsRemainingText(count: number, lang: Lang): string {
  return count === 1 ? t(lang, 'wallet.attemptsOne') : t(lang, 'wallet.attemptsOther', { count });
}

/**
 * The order's status as the payer should read it: a paid order some of
 * whose money came back is "partially refunded", all of it "refunded".
 * Only refunds that succeeded count (amount_refunded), so a refund that was
 * approved but then failed leaves the order "paid".
 */
/** An after-sales request's badge: an approved refund request says what became of its refund (never "approved" over a failed one). */
export function afterSalesBadgeKey(request: { kind: string; status: string; refund_status?: string | null }): string {
  if (request.kind !== 'refund' || request.status !== 'approved' || !request.refund_status) return request.status;
  return request.refund_status === 'succeeded' ? 'refunded' : request.refund_status === 'failed' ? 'refund_failed' : 'refund_pending';
}

export function orderStatusKey(order: { status: string; amount: number; amount_refunded: number }): string {
  if (order.status !== 'succeeded' || order.amount_refunded <= 0) return order.status;
  return order.amount_refunded >= order.amount ? 'refunded' : 'partially_refunded';
}
