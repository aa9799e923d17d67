/// <reference lib="dom" />
/**
 * What the payer does on the checkout: pay with the chosen method, send a
 * one-time code, choose another method, cancel, rate. Each action goes
 * through the page's `act` (one at a time, buttons disabled, the
 * Idempotency-Key settled) and hands the answer to a pure transition of
 * state.ts; the page then draws the result.
 */
import { ApiError, type ApiClient, type IdempotencyKeys } from './api.ts';
import type { Feedback, MethodType, Payment } from './api-types.ts';
import { openCancelDialog } from './cancel-dialog.ts';
import type { CardForm } from './card-form.ts';
import { customerVerificationOf, otpConfirmBody, wechatOpenid, type SubmittedMethod } from './flow.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';
import { commentLengthMax, isSixDigitCode } from './input-rules.ts';
import { shownError, type ShownError } from './present.ts';
import { formatAmount } from './format.ts';
import * as S from './state.ts';
import { qrMethods } from './steps/pay-step.ts';
import type { Drafts } from './steps/step-kit.ts';
import type { Frame } from './views.ts';

/** What the actions need of the page that holds the state. */
export interface CheckoutHost {
  state: S.CheckoutState;
  busy: boolean;
  readonly lang: Lang;
  readonly drafts: Drafts;
  readonly cardForm: CardForm | null;
  readonly api: ApiClient;
  readonly keys: IdempotencyKeys;
  readonly frame: Frame;
  readonly clientSecret: string;
  readonly paymentPath: string;
  readonly paymentId: string;
  view(): S.View;
  ready(): S.Ready | null;
  act(signature: string, run: (idempotencyKey: string) => Promise<void>, onError: (error: unknown) => Promise<string | null>): Promise<void>;
  applyPayment(payment: Payment, source: S.PaymentSource): void;
  reloadPayment(): Promise<void>;
  render(options?: { focusId?: string | null }): void;
  reportStep(type: 'checkout_viewed' | 'method_chosen', method: MethodType | null): void;
}

export class CheckoutActions {
  private readonly host: CheckoutHost;

  constructor(host: CheckoutHost) {
    this.host = host;
  }

  private tr(key: MessageKey, params?: Record<string, string | number>): string {
    return t(this.host.lang, key, params);
  }

  confirm(paymentMethod: Record<string, unknown>, method: MethodType): Promise<void> {
    const body: Record<string, unknown> = { client_secret: this.host.clientSecret, payment_method: paymentMethod };
    // Points the payer chose to use; 0 gives back what an earlier try reserved.
    const points = this.host.ready()?.session.points;
    if (points && (this.host.drafts.usePoints || points.redeemed > 0)) body.points = this.host.drafts.usePoints ? points.usable : 0;
    const openid = method === 'wechat_pay' ? wechatOpenid(window.location.search, navigator.userAgent) : null;
    if (openid !== null) body.payment_method_options = { wechat_pay: { openid } };
    if (qrMethods.includes(method) || method === 'unionpay') {
      // The provider sends the payer back here; the fragment (the client_secret) stays out of its hands.
      body.return_url = `${window.location.origin}/checkout/${encodeURIComponent(this.host.paymentId)}`;
    }
    return this.host.act(
      `confirm:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.host.api.post<Payment>(`${this.host.paymentPath}/confirm`, body, key);
        const { client_secret: _secret, ...submitted } = body;
        const state = this.host.ready();
        if (state) this.host.state = S.confirmed(state, customerVerificationOf(payment.next_action) ? (submitted as unknown as SubmittedMethod) : null);
        this.host.drafts.otp = '';
        this.host.applyPayment(payment, 'confirm');
      },
      (error) => this.handleConfirmError(error),
    );
  }

  /** Words the failure and answers the id of the field to focus (null: where the payer was). */
  async handleConfirmError(error: unknown): Promise<string | null> {
    const state = this.host.ready();
    if (!state) return null;
    const failure = S.confirmFailed(state, shownError(error, this.host.lang), error instanceof ApiError ? error.body : null, this.host.lang);
    this.host.state = failure.state;
    if (failure.clear) this.host.drafts[failure.clear] = '';
    if (failure.reload) {
      await this.host.reloadPayment();
      const after = this.host.ready();
      if (after && error instanceof ApiError && error.body.code === 'payment_unexpected_state') this.host.state = S.settledAfterConflict(after, Date.now());
    }
    return failure.focusId;
  }

  submitPay(): void {
    const method = this.host.ready()?.method;
    if (!method || this.host.busy) return;
    if (method === 'card') {
      const card = this.host.cardForm?.validate();
      if (card) void this.confirm({ type: 'card', card }, method);
    } else if (method === 'wallet') {
      if (!isSixDigitCode(this.host.drafts.pin)) {
        this.showFieldProblem('pin-input', this.tr('wallet.pinIncomplete'));
        return;
      }
      void this.confirm({ type: 'wallet', wallet: { pin: this.host.drafts.pin } }, method);
    } else {
      void this.confirm({ type: method }, method);
    }
  }

  submitOtp(): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    const otp = this.host.drafts.otp;
    if (!isSixDigitCode(otp)) {
      this.showFieldProblem('otp-input', this.tr('otp.incomplete'));
      return;
    }
    const view = this.host.view();
    const verification = view.kind === 'otp' ? view.verification : null;
    if (!verification) {
      const body = { client_secret: this.host.clientSecret, otp };
      void this.host.act(`otp:${otp}`, async (key) => this.host.applyPayment(await this.host.api.post<Payment>(`${this.host.paymentPath}/confirm`, body, key), 'confirm'), (error) => this.handleConfirmError(error));
      return;
    }
    const body = otpConfirmBody(this.host.clientSecret, otp, verification, state.submitted);
    const paysToo = 'payment_method' in body;
    const verifying = () => {
      const now = this.host.view();
      return now.kind === 'otp' && now.verification !== null;
    };
    void this.host.act(
      `verify:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.host.api.post<Payment>(`${this.host.paymentPath}/confirm`, body, key);
        this.host.drafts.otp = '';
        this.host.applyPayment(payment, 'confirm');
        if (!paysToo && this.host.view().kind === 'pay') this.host.frame.announce(this.tr('verify.verified'));
      },
      async (error) => {
        const focusId = await this.handleConfirmError(error);
        // Verified but then not paid (a decline, say): the payment has moved on, so show it as it is now.
        const code = error instanceof ApiError ? error.body.code : null;
        if (code === null || code === 'verification_code_incorrect' || code === 'verification_code_expired' || !verifying()) return focusId;
        await this.host.reloadPayment();
        return verifying() ? focusId : 'error';
      },
    );
  }

  openCardDetails(): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    this.host.state = S.cardDetailsOpened(state);
    this.host.render({ focusId: 'card-number' });
  }

  openCoupon(): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    this.host.state = S.couponChanged(state, { open: true, error: null });
    this.host.render({ focusId: 'coupon-input' });
  }

  /** Applies a code (or '' removes the coupon) before confirming: the payment comes back with its new total. */
  applyCoupon(code: string): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    const trimmed = code.trim();
    if ((state.payment.coupon ?? null) === null && trimmed === '') {
      this.showFieldProblem('coupon-input', this.tr('coupon.required'));
      return;
    }
    const body = { client_secret: this.host.clientSecret, coupon: trimmed };
    void this.host.act(
      `coupon:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.host.api.post<Payment>(`${this.host.paymentPath}/coupon`, body, key);
        const now = this.host.ready();
        if (now) this.host.state = S.couponChanged(now, { open: (payment.coupon ?? null) === null && trimmed !== '', error: null });
        this.host.drafts.coupon = '';
        this.host.applyPayment(payment, 'reload');
        const amount = formatAmount(payment.amount, payment.currency, this.host.lang);
        this.host.frame.announce(payment.coupon ? this.tr('coupon.applied', { code: payment.coupon, amount }) : this.tr('coupon.removed', { amount }));
      },
      async (error) => {
        const now = this.host.ready();
        if (now) this.host.state = S.couponChanged(now, { open: true, error: shownError(error, this.host.lang) });
        return 'coupon-input';
      },
    );
  }

  showFieldProblem(inputId: string, message: string): void {
    const input = document.getElementById(inputId);
    const problem = document.getElementById(`${inputId}-error`);
    if (problem) {
      problem.textContent = message;
      problem.hidden = false;
    }
    input?.setAttribute('aria-invalid', 'true');
    input?.focus();
  }

  chooseMethod(method: MethodType): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    const next = S.methodChosen(state, method);
    if (next === state) return;
    this.host.state = next;
    this.host.reportStep('method_chosen', method);
    this.host.render();
  }

  chooseAnotherMethod(): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    this.host.state = S.choseAnotherMethod(state);
    this.host.render({ focusId: 'page-heading' });
  }

  openCancel(): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    this.host.busy = true;
    openCancelDialog({
      lang: this.host.lang,
      reasons: state.session.cancellation_reasons,
      submit: (reason, comment) => this.cancel(reason, comment),
      onClosed: (canceled) => {
        this.host.busy = false;
        this.host.render({ focusId: canceled ? 'step-heading' : 'cancel-button' });
      },
    });
  }

  cancel(reason: string, comment: string): Promise<ShownError | null> {
    const body: Record<string, unknown> = { client_secret: this.host.clientSecret, cancellation_reason: reason };
    if (comment.length > 0) body.comment = comment.slice(0, commentLengthMax);
    const signature = `cancel:${JSON.stringify(body)}`;
    const key = this.host.keys.keyFor(signature);
    return this.host.api.post<Payment>(`${this.host.paymentPath}/cancel`, body, key).then(
      (payment) => {
        this.host.keys.settle(signature, key, null);
        const state = this.host.ready();
        if (state) this.host.state = S.canceledByPayer(state);
        this.host.applyPayment(payment, 'cancel');
        return null;
      },
      async (error: unknown) => {
        this.host.keys.settle(signature, key, error);
        if (error instanceof ApiError && error.body.code === 'payment_unexpected_state') {
          // Paid or canceled meanwhile: the dialog is moot; show the payment as it is.
          await this.host.reloadPayment();
          return null;
        }
        return shownError(error, this.host.lang);
      },
    );
  }

  /** The rating, then the optional NPS answer sent with the rating already given (the API keeps the first answer to each). */
  submitFeedback(kind: 'rating' | 'nps'): void {
    const state = this.host.ready();
    if (this.host.busy || !state) return;
    const { feedback, rating } = state;
    if (kind === 'rating' ? feedback !== null : feedback === null || feedback.nps_score !== null) return;
    const missing = kind === 'rating' ? rating.score === null : rating.nps === null;
    if (missing) {
      const error = { code: `${kind}_required`, message: this.tr(kind === 'rating' ? 'rating.required' : 'nps.required'), suggestion: '', detail: null };
      this.host.state = S.ratingChanged(state, kind === 'rating' ? { error } : { npsError: error });
      this.host.render({ focusId: kind === 'rating' ? 'rating-1' : 'nps-0' });
      return;
    }
    const body: Record<string, unknown> = { client_secret: this.host.clientSecret, rating: feedback?.rating ?? rating.score };
    if (kind === 'nps') body.nps_score = rating.nps;
    const comment = rating.comment.trim();
    if (kind === 'rating' && comment.length > 0) body.comment = comment.slice(0, commentLengthMax);
    this.host.state = S.ratingChanged(state, kind === 'rating' ? { error: null } : { npsError: null });
    const thanks = kind === 'rating' ? 'rating-thanks' : 'nps-thanks';
    void this.host.act(
      `${kind === 'rating' ? 'feedback' : 'nps'}:${JSON.stringify(body)}`,
      async (key) => {
        const saved = await this.host.api.post<Feedback>(`${this.host.paymentPath}/feedback`, body, key);
        const now = this.host.ready();
        if (now) this.host.state = S.feedbackSaved(now, saved);
        this.host.frame.announce(this.tr(kind === 'rating' ? 'rating.thanks' : 'nps.thanks'));
      },
      async (error) => {
        const now = this.host.ready();
        if (now) this.host.state = S.ratingChanged(now, kind === 'rating' ? { error: shownError(error, this.host.lang) } : { npsError: shownError(error, this.host.lang) });
        return kind === 'rating' ? 'rating-submit' : 'nps-submit';
      },
    ).then(() => {
      const now = this.host.ready();
      if (now?.feedback && (kind === 'rating' || now.feedback.nps_score !== null)) document.getElementById(thanks)?.focus();
    });
  }
}
