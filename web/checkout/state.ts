/**
 * The checkout's one explicit state and the pure transitions between its
 * values. The page (checkout-page.ts) holds a single `CheckoutState`, hands
 * each event to a function here and renders whatever comes back; effects
 * (requests, timers, navigation) stay in the page. No DOM here, so every
 * transition is unit-tested in Node (state.test.ts).
 */
import { presentationOf } from '../../src/domain/experiments/checkout-presentation.ts';
import type { ApiErrorBody, CheckoutSession, Feedback, MethodType, Payment } from './api-types.ts';
import { isMethodType } from './api-types.ts';
import { customerVerificationOf, isNewer, viewForPayment, type PaymentView, type SubmittedMethod } from './flow.ts';
import { formatAmount } from './format.ts';
import { t, type Lang } from './i18n.ts';
import type { ShownError } from './present.ts';

/** What the payer is doing with the payment: the same fields whatever step the payment is at. */
export interface Ready {
  phase: 'ready';
  session: CheckoutSession;
  payment: Payment;
  /** The methods in the order shown (method-order.ts). */
  methods: MethodType[];
  method: MethodType | null;
  error: ShownError | null;
  /** What the payer submitted when the API asked for the customer's code first; sent again with the code. */
  submitted: SubmittedMethod | null;
  codeAttemptsRemaining: number | null;
  pinAttemptsRemaining: number | null;
  walletLockedUntil: string | null;
  /** The payer left a QR or redirect step to pick another method. */
  choosingAgain: boolean;
  /** The API said payment_expired before the payment itself shows it. */
  forcedExpired: boolean;
  /** A confirm answered redirect_to_url and the page is navigating there. */
  redirecting: boolean;
  /** The payer canceled in this tab (so the canceled step speaks to them, not of the merchant). */
  canceledHere: boolean;
  polls: number;
  pollGaveUp: boolean;
  feedback: Feedback | null;
  rating: Rating;
  /** The coupon field: folded until the payer opens it (or open from the start, as the presentation says), and the last coupon error. */
  coupon: CouponField;
  /** The card fields are shown (a two-step card form shows a Continue button first). */
  cardDetailsOpen: boolean;
}

export interface CouponField {
  open: boolean;
  error: ShownError | null;
}

export interface Rating {
  score: number | null;
  comment: string;
  error: ShownError | null;
  nps: number | null;
  npsError: ShownError | null;
}

export type CheckoutState = { phase: 'loading' } | { phase: 'fatal'; error: ShownError; retry: boolean } | Ready;

export type View = PaymentView | { kind: 'loading' } | { kind: 'fatal'; error: ShownError; retry: boolean };

export const loading: CheckoutState = { phase: 'loading' };

export function failed(error: ShownError, retry: boolean): CheckoutState {
  return { phase: 'fatal', error, retry };
}

/**
 * The session arrived: the first method in the shown order is preselected
 * (it is the one the payer most likely uses), unless the presentation names
 * another; the presentation also opens the coupon field and folds the card form.
 */
export function loaded(session: CheckoutSession, methods: MethodType[], preselected: MethodType | null = methods[0] ?? null): Ready {
  const presentation = presentationOf(session.presentation);
  return {
    phase: 'ready',
    session,
    payment: session.payment,
    methods,
    method: preselected,
    error: null,
    submitted: null,
    codeAttemptsRemaining: null,
    pinAttemptsRemaining: null,
    walletLockedUntil: null,
    choosingAgain: false,
    forcedExpired: false,
    redirecting: false,
    canceledHere: false,
    polls: 0,
    pollGaveUp: false,
    feedback: session.feedback,
    rating: { score: null, comment: '', error: null, nps: null, npsError: null },
    coupon: { open: presentation.coupon_field === 'open', error: null },
    cardDetailsOpen: presentation.card_form !== 'two_step',
  };
}

export function cardDetailsOpened(state: Ready): Ready {
  return { ...state, cardDetailsOpen: true };
}

export function couponChanged(state: Ready, patch: Partial<CouponField>): Ready {
  return { ...state, coupon: { ...state.coupon, ...patch } };
}

/** The step shown now, derived from the state alone (and the clock, for expiry). */
export function viewOf(state: CheckoutState, nowMs: number): View {
  if (state.phase === 'fatal') return { kind: 'fatal', error: state.error, retry: state.retry };
  if (state.phase === 'loading') return { kind: 'loading' };
  const status = state.payment.status;
  if (state.forcedExpired && status !== 'succeeded' && status !== 'requires_capture') return { kind: 'canceled', expired: true };
  const view = viewForPayment(state.payment, nowMs);
  if (state.choosingAgain && (view.kind === 'qr' || view.kind === 'redirect' || view.kind === 'wechat_jsapi')) return { kind: 'pay' };
  return view;
}

export type PaymentSource = 'load' | 'confirm' | 'poll' | 'cancel' | 'reload';

export interface Applied {
  state: Ready;
  /** The provider's page to go to now (a confirm that answered redirect_to_url). */
  navigateTo: string | null;
  /** The payment just succeeded here: the session (its order link) is fetched again. */
  refreshSession: boolean;
  /** The customer's code step just opened: focus its input. */
  focusCode: boolean;
}

/** A copy of the payment arrived; `safeUrl` vets a redirect address (only http(s) is followed). */
export function paymentApplied(state: Ready, payment: Payment, source: PaymentSource, nowMs: number, safeUrl: (url: string) => string | null): Applied | null {
  if (source === 'poll' && !isNewer(payment, state.payment)) return null;
  const before = viewOf(state, nowMs).kind;
  const wasVerifying = customerVerificationOf(state.payment.next_action) !== null && before === 'otp';
  let next: Ready = { ...state, payment, choosingAgain: source === 'poll' ? state.choosingAgain : false };
  const view = viewOf(next, nowMs);
  const verifying = view.kind === 'otp' && view.verification !== null;
  if (!verifying) next = { ...next, submitted: null, codeAttemptsRemaining: null };
  if (view.kind === 'redirect' && source === 'confirm') {
    const url = safeUrl(view.url);
    if (url) return { state: { ...next, redirecting: true }, navigateTo: url, refreshSession: false, focusCode: false };
  }
  if (view.kind === 'pay' && payment.last_error && (source !== 'poll' || before !== 'pay')) next = { ...next, error: { ...payment.last_error, detail: null } };
  if (view.kind === 'succeeded' || view.kind === 'canceled') next = { ...next, error: null };
  const refreshSession = view.kind === 'succeeded' && before !== 'succeeded' && source !== 'load';
  return { state: next, navigateTo: null, refreshSession, focusCode: verifying && !wasVerifying };
}

/** A fresher session (after success it carries the order link). */
export function sessionRefreshed(state: Ready, session: CheckoutSession): Ready {
  return { ...state, session, feedback: state.feedback ?? session.feedback, payment: isNewer(session.payment, state.payment) ? session.payment : state.payment };
}

export function methodChosen(state: Ready, method: MethodType): Ready {
  if (method === state.method || !state.methods.includes(method)) return state;
  return { ...state, method, error: null };
}

export function choseAnotherMethod(state: Ready): Ready {
  return { ...state, choosingAgain: true, error: null };
}

/** A confirm went out: the poll budget starts again and what was submitted is kept while the customer's code is asked. */
export function confirmed(state: Ready, submitted: SubmittedMethod | null): Ready {
  return { ...state, polls: 0, pollGaveUp: false, submitted, codeAttemptsRemaining: null };
}

export function pollCounted(state: Ready, pollsMax: number): Ready {
  return state.polls >= pollsMax ? { ...state, pollGaveUp: true } : { ...state, polls: state.polls + 1 };
}

export function checkAgain(state: Ready): Ready {
  return { ...state, polls: 0, pollGaveUp: false };
}

export function errorShown(state: Ready, error: ShownError | null): Ready {
  return { ...state, error };
}

export interface ConfirmFailure {
  state: Ready;
  /** Clear what the payer typed into this field (a wrong PIN or code is not kept). */
  clear: 'pin' | 'otp' | null;
  /** Fetch the payment again: the API has moved it on. */
  reload: boolean;
  /** Where focus goes once shown (null: where the payer was). */
  focusId: string | null;
}

/** A confirm failed: what the page shows and does next, by the API's error code. */
export function confirmFailed(state: Ready, shown: ShownError, body: ApiErrorBody | null, lang: Lang): ConfirmFailure {
  const next: Ready = { ...state, error: shown };
  const result = (patch: Partial<Ready>, clear: ConfirmFailure['clear'], reload: boolean, focusId: string | null): ConfirmFailure => ({ state: { ...next, ...patch }, clear, reload, focusId });
  switch (body?.code) {
    case 'incorrect_pin':
      return result(typeof body.attempts_remaining === 'number' ? { pinAttemptsRemaining: body.attempts_remaining } : {}, 'pin', false, 'pin-input');
    case 'pin_locked':
      return result({ walletLockedUntil: body.unlocks_at ?? null }, 'pin', false, null);
    case 'insufficient_funds': {
      const detail = typeof body.available === 'number' ? t(lang, 'wallet.available', { amount: formatAmount(body.available, state.payment.currency, lang) }) : null;
      return result({ error: { ...shown, detail } }, null, false, null);
    }
    case 'authentication_failed':
      return result({}, 'otp', false, 'otp-input');
    case 'verification_code_incorrect':
      return result(typeof body.attempts_remaining === 'number' ? { codeAttemptsRemaining: body.attempts_remaining } : {}, 'otp', false, 'otp-input');
    case 'verification_code_expired':
      // The API reopened the payment: paying again sends a new code, the card still typed when the page remembered it.
      return result({ error: { ...shown, detail: state.submitted ? t(lang, 'verify.newCode') : null }, submitted: null, codeAttemptsRemaining: null }, 'otp', true, 'error');
    case 'payment_expired':
      return result({ forcedExpired: true, error: null }, null, true, 'step-heading');
    case 'payment_unexpected_state':
      return result({}, null, true, 'step-heading');
    default:
      return result({}, null, false, null);
  }
}

/** After a reload that followed payment_unexpected_state: the final word needs no error beside it. */
export function settledAfterConflict(state: Ready, nowMs: number): Ready {
  const kind = viewOf(state, nowMs).kind;
  return kind === 'succeeded' || kind === 'canceled' ? { ...state, error: null } : state;
}

export function canceledByPayer(state: Ready): Ready {
  return { ...state, canceledHere: true };
}

export function ratingChanged(state: Ready, patch: Partial<Rating>): Ready {
  return { ...state, rating: { ...state.rating, ...patch } };
}

export function feedbackSaved(state: Ready, feedback: Feedback): Ready {
  return { ...state, feedback };
}

/** The method the last confirm used, for a QR refresh or the labels of a waiting step. */
export function actionMethod(state: Ready): MethodType | null {
  const type = state.payment.payment_method?.type;
  return isMethodType(type) ? type : state.method;
}

/** Who canceled, as far as the payer should hear it: themselves (with their reason), the merchant, or time. */
export type CancellationSpeaker = 'payer' | 'merchant' | 'expired';

/**
 * `fraudulent` is the merchant's word alone (the payer's reasons never
 * include it), so it is never shown to the payer as theirs, and they are not
 * asked to rate paying; a reason the payer can give is theirs.
 */
export function cancellationSpeaker(state: Ready, expired: boolean): CancellationSpeaker {
  if (expired) return 'expired';
  const reason = state.payment.cancellation_reason;
  if (state.canceledHere) return 'payer';
  return reason !== null && state.session.cancellation_reasons.includes(reason) ? 'payer' : 'merchant';
}
