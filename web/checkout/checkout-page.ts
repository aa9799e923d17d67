/// <reference lib="dom" />
/**
 * The hosted checkout's controller. It holds one `CheckoutState` (state.ts),
 * feeds it every event through a pure transition, and draws the step the
 * state calls for (steps/). Effects live here only: requests, timers,
 * navigation, focus. Rules that matter most:
 * - one action at a time: every action starts by checking `busy`, and the
 *   buttons are disabled while a request is in flight, so a payment is never
 *   submitted twice; a retry after a network failure reuses its
 *   Idempotency-Key (api.ts), so even that cannot pay twice;
 * - the client_secret never leaves this origin: return_url has no fragment;
 * - every failure shows the API's own localized message and suggestion, and
 *   the payer can retry or switch method without reloading.
 */
import { ApiError, IdempotencyKeys, apiClient, newIdempotencyKey, type ApiClient } from './api.ts';
import { isMethodType, type CheckoutSession, type Feedback, type MethodType, type Payment } from './api-types.ts';
import { openCancelDialog } from './cancel-dialog.ts';
import type { CardForm } from './card-form.ts';
import { replaceChildren } from './dom.ts';
import { customerVerificationOf, isPolledView, otpConfirmBody, pollAttemptsMax, pollIntervalMs, safeRedirectUrl, type SubmittedMethod } from './flow.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';
import { commentLengthMax, isSixDigitCode } from './input-rules.ts';
import { listedMethods, orderMethods } from './method-order.ts';
import { payerFacingError } from './page-errors.ts';
import { shownError, type ShownError } from './present.ts';
import * as S from './state.ts';
import { fatalStep, loadingStep, summary } from './steps/frame-steps.ts';
import { qrMethods } from './steps/pay-step.ts';
import { renderStep } from './steps/render.ts';
import { clockText, secondsLeft, type Drafts, type StepContext } from './steps/step-kit.ts';
import { languageStorageKey, lastMethodStorageKey, readLocal, readSession, returnUrlStorageKey, writeLocal, writeSession } from './storage.ts';
import { applyLanguage, buildFrame, type Frame } from './views.ts';

export interface CheckoutOptions {
  body: HTMLElement;
  paymentId: string;
  clientSecret: string | null;
  publishableKey: string | null;
  lang: Lang;
  /** True when the payer picked the language in this tab: the customer's saved locale then does not override it. */
  langChosen: boolean;
}

/** Timers further away than this are not set: the payer will have reloaded by then. */
const rerenderDelayMaxMs = 60 * 60 * 1000;
const countdownTickMs = 1000;

export function startCheckout(options: CheckoutOptions): void {
  new CheckoutPage(options).start();
}

class CheckoutPage {
  private state: S.CheckoutState = S.loading;
  private lang: Lang;
  private langChosen: boolean;
  private readonly frame: Frame;
  private readonly api: ApiClient;
  private readonly keys = new IdempotencyKeys();
  private readonly paymentPath: string;
  private readonly drafts: Drafts = { card: { number: '', expiry: '', cvc: '' }, pin: '', otp: '' };
  private cardForm: CardForm | null = null;
  private busy = false;
  private pollInFlight = false;
  private pollTimer: number | undefined;
  private rerenderTimer: number | undefined;
  private lastViewKey = 'loading';
  private viewReported = false;

  private readonly options: CheckoutOptions;

  constructor(options: CheckoutOptions) {
    this.options = options;
    this.lang = options.lang;
    this.langChosen = options.langChosen;
    this.frame = buildFrame(options.body, this.lang, (lang) => this.changeLanguage(lang));
    this.api = apiClient({ authorization: options.publishableKey ? `Bearer ${options.publishableKey}` : null, lang: () => this.lang });
    this.paymentPath = `/v1/payments/${encodeURIComponent(options.paymentId)}`;
  }

  start(): void {
    applyLanguage(this.lang, this.tr('page.checkout'));
    document.addEventListener('visibilitychange', () => {
      // Back from the payer's wallet app: ask at once rather than at the next tick.
      if (document.visibilityState === 'visible' && isPolledView(this.view())) void this.pollOnce();
    });
    window.setInterval(() => this.tickCountdown(), countdownTickMs);
    if (!this.options.clientSecret) {
      this.state = S.failed({ code: 'missing_client_secret', message: this.tr('error.missingLink'), suggestion: this.tr('error.missingLinkSuggestion'), detail: null }, false);
      this.render();
      return;
    }
    this.render();
    void this.load();
  }

  private get clientSecret(): string {
    return this.options.clientSecret ?? '';
  }

  private tr(key: MessageKey, params?: Record<string, string | number>): string {
    return t(this.lang, key, params);
  }

  private view(): S.View {
    return S.viewOf(this.state, Date.now());
  }

  private ready(): S.Ready | null {
    return this.state.phase === 'ready' ? this.state : null;
  }

  /** Tells the API about a funnel step only the browser sees; best effort, never in the payer's way. */
  private reportStep(type: 'checkout_viewed' | 'method_chosen', method: MethodType | null): void {
    const body = { client_secret: this.clientSecret, type, locale: this.lang, ...(method ? { payment_method_type: method } : {}) };
    this.api.post(`${this.paymentPath}/funnel_events`, body, newIdempotencyKey()).catch(() => undefined);
  }

  // ---- Loading and applying the payment ----

  private async load(): Promise<void> {
    try {
      const session = await this.api.get<CheckoutSession>(`${this.paymentPath}/checkout?client_secret=${encodeURIComponent(this.clientSecret)}`);
      this.state = S.loaded(session, this.methodsFor(session));
      if (!this.langChosen && session.customer_locale && session.customer_locale !== this.lang) this.setLanguage(session.customer_locale);
      this.applyPayment(session.payment, 'load');
      if (!this.viewReported) {
        this.viewReported = true;
        this.reportStep('checkout_viewed', null);
      }
    } catch (error) {
      const retry = !(error instanceof ApiError && error.status < 500 && error.status !== 429);
      this.state = S.failed(payerFacingError(error, this.lang, 'checkout') ?? shownError(error, this.lang), retry);
      this.render();
    }
  }

  private methodsFor(session: CheckoutSession): MethodType[] {
    const remembered = readLocal(lastMethodStorageKey);
    const lastUsed = isMethodType(session.preselected_method) ? session.preselected_method : isMethodType(remembered) ? remembered : null;
    const phone = window.matchMedia('(pointer: coarse)').matches || /Mobi|Android|iPhone/.test(navigator.userAgent);
    const offered = session.methods.filter(isMethodType);
    return listedMethods(orderMethods({ offered, lastUsed, currency: session.payment.currency, phone, walletCovers: session.wallet?.covers === true }));
  }

  /** Takes a newer copy of the payment and shows what it calls for. */
  private applyPayment(payment: Payment, source: S.PaymentSource): void {
    const state = this.ready();
    if (!state) return;
    const applied = S.paymentApplied(state, payment, source, Date.now(), (url) => safeRedirectUrl(url, window.location.href));
    if (!applied) return;
    this.state = applied.state;
    this.rememberReturnUrl(payment);
    if (applied.navigateTo) {
      this.render();
      window.location.assign(applied.navigateTo);
      return;
    }
    if (applied.refreshSession) {
      if (payment.payment_method && isMethodType(payment.payment_method.type)) writeLocal(lastMethodStorageKey, payment.payment_method.type);
      void this.refreshSession();
    }
    // The customer's code step opens on its code input, whose description says where the code went.
    this.render(applied.focusCode ? { focusId: 'otp-input' } : {});
  }

  /** The merchant's return_url; once a confirm has pointed it at this page, the copy this tab kept. */
  private returnUrl(): string | null {
    const own = `${window.location.origin}/checkout/${encodeURIComponent(this.options.paymentId)}`;
    const url = this.ready()?.payment.return_url ?? null;
    const merchant = url && !url.startsWith(own) ? url : readSession(returnUrlStorageKey(this.options.paymentId));
    return merchant ? safeRedirectUrl(merchant, window.location.href) : null;
  }

  private rememberReturnUrl(payment: Payment): void {
    const own = `${window.location.origin}/checkout/`;
    if (payment.return_url && !payment.return_url.startsWith(own)) writeSession(returnUrlStorageKey(this.options.paymentId), payment.return_url);
  }

  /** After success the session gains order_url; fetched again quietly. */
  private async refreshSession(): Promise<void> {
    try {
      const session = await this.api.get<CheckoutSession>(`${this.paymentPath}/checkout?client_secret=${encodeURIComponent(this.clientSecret)}`);
      const state = this.ready();
      if (state) this.state = S.sessionRefreshed(state, session);
      this.render();
    } catch {
      // The result stands without the order link; nothing to tell the payer.
    }
  }

  private async reloadPayment(): Promise<void> {
    try {
      this.applyPayment(await this.api.get<Payment>(`${this.paymentPath}?client_secret=${encodeURIComponent(this.clientSecret)}`), 'reload');
    } catch {
      // Keep showing what we have; the error box already says what failed.
    }
  }

  // ---- Polling ----

  private syncPolling(view: S.View): void {
    const state = this.ready();
    const polled = state !== null && isPolledView(view) && !state.redirecting && !state.pollGaveUp;
    if (!polled) {
      window.clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    } else if (this.pollTimer === undefined) {
      this.pollTimer = window.setTimeout(() => {
        this.pollTimer = undefined;
        void this.pollOnce();
      }, pollIntervalMs);
    }
  }

  private async pollOnce(): Promise<void> {
    const state = this.ready();
    if (!state || !isPolledView(this.view()) || state.redirecting) return;
    if (this.busy || this.pollInFlight) {
      this.syncPolling(this.view());
      return;
    }
    this.state = S.pollCounted(state, pollAttemptsMax);
    if (this.state.phase === 'ready' && this.state.pollGaveUp) {
      this.render();
      return;
    }
    this.pollInFlight = true;
    try {
      const payment = await this.api.get<Payment>(`${this.paymentPath}?client_secret=${encodeURIComponent(this.clientSecret)}`);
      // A payer action that started meanwhile owns the payment now; its answer is the newer truth.
      if (!this.busy) this.applyPayment(payment, 'poll');
    } catch {
      // A missed poll is not news: the next one asks again.
    } finally {
      this.pollInFlight = false;
      this.syncPolling(this.view());
    }
  }

  private checkAgain(): void {
    const state = this.ready();
    if (!state) return;
    this.state = S.checkAgain(state);
    this.render();
    void this.pollOnce();
  }

  // ---- Actions ----

  /** Runs one payer action: refuses while another is in flight, disables the controls, settles the key. */
  private async act(signature: string, run: (idempotencyKey: string) => Promise<void>, onError: (error: unknown) => Promise<string | null>): Promise<void> {
    const state = this.ready();
    if (this.busy || !state) return;
    const origin = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    const key = this.keys.keyFor(signature);
    this.state = S.errorShown(state, null);
    this.setBusy(true);
    let focusId: string | null = null;
    try {
      await run(key);
      this.keys.settle(signature, key, null);
    } catch (error) {
      this.keys.settle(signature, key, error);
      focusId = (await onError(error)) ?? (origin || 'error');
    } finally {
      this.busy = false;
    }
    this.render({ focusId });
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const control of this.frame.content.querySelectorAll<HTMLButtonElement | HTMLInputElement>('[data-action]')) {
      control.disabled = busy;
      const busyText = control.dataset.busyLabel;
      if (busy && busyText && control instanceof HTMLButtonElement) control.textContent = busyText;
    }
    this.frame.content.querySelector('form')?.setAttribute('aria-busy', String(busy));
  }

  private confirm(paymentMethod: Record<string, unknown>, method: MethodType): Promise<void> {
    const body: Record<string, unknown> = { client_secret: this.clientSecret, payment_method: paymentMethod };
    if (qrMethods.includes(method) || method === 'unionpay') {
      // The provider sends the payer back here; the fragment (the client_secret) stays out of its hands.
      body.return_url = `${window.location.origin}/checkout/${encodeURIComponent(this.options.paymentId)}`;
    }
    return this.act(
      `confirm:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key);
        const { client_secret: _secret, ...submitted } = body;
        const state = this.ready();
        if (state) this.state = S.confirmed(state, customerVerificationOf(payment.next_action) ? (submitted as unknown as SubmittedMethod) : null);
        this.drafts.otp = '';
        this.applyPayment(payment, 'confirm');
      },
      (error) => this.handleConfirmError(error),
    );
  }

  /** Words the failure and answers the id of the field to focus (null: where the payer was). */
  private async handleConfirmError(error: unknown): Promise<string | null> {
    const state = this.ready();
    if (!state) return null;
    const failure = S.confirmFailed(state, shownError(error, this.lang), error instanceof ApiError ? error.body : null, this.lang);
    this.state = failure.state;
    if (failure.clear) this.drafts[failure.clear] = '';
    if (failure.reload) {
      await this.reloadPayment();
      const after = this.ready();
      if (after && error instanceof ApiError && error.body.code === 'payment_unexpected_state') this.state = S.settledAfterConflict(after, Date.now());
    }
    return failure.focusId;
  }

  private submitPay(): void {
    const method = this.ready()?.method;
    if (!method || this.busy) return;
    if (method === 'card') {
      const card = this.cardForm?.validate();
      if (card) void this.confirm({ type: 'card', card }, method);
    } else if (method === 'wallet') {
      if (!isSixDigitCode(this.drafts.pin)) {
        this.showFieldProblem('pin-input', this.tr('wallet.pinIncomplete'));
        return;
      }
      void this.confirm({ type: 'wallet', wallet: { pin: this.drafts.pin } }, method);
    } else {
      void this.confirm({ type: method }, method);
    }
  }

  private submitOtp(): void {
    const state = this.ready();
    if (this.busy || !state) return;
    const otp = this.drafts.otp;
    if (!isSixDigitCode(otp)) {
      this.showFieldProblem('otp-input', this.tr('otp.incomplete'));
      return;
    }
    const view = this.view();
    const verification = view.kind === 'otp' ? view.verification : null;
    if (!verification) {
      const body = { client_secret: this.clientSecret, otp };
      void this.act(`otp:${otp}`, async (key) => this.applyPayment(await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key), 'confirm'), (error) => this.handleConfirmError(error));
      return;
    }
    const body = otpConfirmBody(this.clientSecret, otp, verification, state.submitted);
    const paysToo = 'payment_method' in body;
    const verifying = () => {
      const now = this.view();
      return now.kind === 'otp' && now.verification !== null;
    };
    void this.act(
      `verify:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key);
        this.drafts.otp = '';
        this.applyPayment(payment, 'confirm');
        if (!paysToo && this.view().kind === 'pay') this.frame.announce(this.tr('verify.verified'));
      },
      async (error) => {
        const focusId = await this.handleConfirmError(error);
        // Verified but then not paid (a decline, say): the payment has moved on, so show it as it is now.
        const code = error instanceof ApiError ? error.body.code : null;
        if (code === null || code === 'verification_code_incorrect' || code === 'verification_code_expired' || !verifying()) return focusId;
        await this.reloadPayment();
        return verifying() ? focusId : 'error';
      },
    );
  }

  private showFieldProblem(inputId: string, message: string): void {
    const input = document.getElementById(inputId);
    const problem = document.getElementById(`${inputId}-error`);
    if (problem) {
      problem.textContent = message;
      problem.hidden = false;
    }
    input?.setAttribute('aria-invalid', 'true');
    input?.focus();
  }

  private chooseMethod(method: MethodType): void {
    const state = this.ready();
    if (this.busy || !state) return;
    const next = S.methodChosen(state, method);
    if (next === state) return;
    this.state = next;
    this.reportStep('method_chosen', method);
    this.render();
  }

  private chooseAnotherMethod(): void {
    const state = this.ready();
    if (this.busy || !state) return;
    this.state = S.choseAnotherMethod(state);
    this.render({ focusId: 'page-heading' });
  }

  private openCancel(): void {
    const state = this.ready();
    if (this.busy || !state) return;
    this.busy = true;
    openCancelDialog({
      lang: this.lang,
      reasons: state.session.cancellation_reasons,
      submit: (reason, comment) => this.cancel(reason, comment),
      onClosed: (canceled) => {
        this.busy = false;
        this.render({ focusId: canceled ? 'step-heading' : 'cancel-button' });
      },
    });
  }

  private cancel(reason: string, comment: string): Promise<ShownError | null> {
    const body: Record<string, unknown> = { client_secret: this.clientSecret, cancellation_reason: reason };
    if (comment.length > 0) body.comment = comment.slice(0, commentLengthMax);
    const signature = `cancel:${JSON.stringify(body)}`;
    const key = this.keys.keyFor(signature);
    return this.api.post<Payment>(`${this.paymentPath}/cancel`, body, key).then(
      (payment) => {
        this.keys.settle(signature, key, null);
        const state = this.ready();
        if (state) this.state = S.canceledByPayer(state);
        this.applyPayment(payment, 'cancel');
        return null;
      },
      async (error: unknown) => {
        this.keys.settle(signature, key, error);
        if (error instanceof ApiError && error.body.code === 'payment_unexpected_state') {
          // Paid or canceled meanwhile: the dialog is moot; show the payment as it is.
          await this.reloadPayment();
          return null;
        }
        return shownError(error, this.lang);
      },
    );
  }

  /** The rating, then the optional NPS answer sent with the rating already given (the API keeps the first answer to each). */
  private submitFeedback(kind: 'rating' | 'nps'): void {
    const state = this.ready();
    if (this.busy || !state) return;
    const { feedback, rating } = state;
    if (kind === 'rating' ? feedback !== null : feedback === null || feedback.nps_score !== null) return;
    const missing = kind === 'rating' ? rating.score === null : rating.nps === null;
    if (missing) {
      const error = { code: `${kind}_required`, message: this.tr(kind === 'rating' ? 'rating.required' : 'nps.required'), suggestion: '', detail: null };
      this.state = S.ratingChanged(state, kind === 'rating' ? { error } : { npsError: error });
      this.render({ focusId: kind === 'rating' ? 'rating-1' : 'nps-0' });
      return;
    }
    const body: Record<string, unknown> = { client_secret: this.clientSecret, rating: feedback?.rating ?? rating.score };
    if (kind === 'nps') body.nps_score = rating.nps;
    const comment = rating.comment.trim();
    if (kind === 'rating' && comment.length > 0) body.comment = comment.slice(0, commentLengthMax);
    this.state = S.ratingChanged(state, kind === 'rating' ? { error: null } : { npsError: null });
    const thanks = kind === 'rating' ? 'rating-thanks' : 'nps-thanks';
    void this.act(
      `${kind === 'rating' ? 'feedback' : 'nps'}:${JSON.stringify(body)}`,
      async (key) => {
        const saved = await this.api.post<Feedback>(`${this.paymentPath}/feedback`, body, key);
        const now = this.ready();
        if (now) this.state = S.feedbackSaved(now, saved);
        this.frame.announce(this.tr(kind === 'rating' ? 'rating.thanks' : 'nps.thanks'));
      },
      async (error) => {
        const now = this.ready();
        if (now) this.state = S.ratingChanged(now, kind === 'rating' ? { error: shownError(error, this.lang) } : { npsError: shownError(error, this.lang) });
        return kind === 'rating' ? 'rating-submit' : 'nps-submit';
      },
    ).then(() => {
      const now = this.ready();
      if (now?.feedback && (kind === 'rating' || now.feedback.nps_score !== null)) document.getElementById(thanks)?.focus();
    });
  }

  private changeLanguage(lang: Lang): void {
    this.langChosen = true;
    writeSession(languageStorageKey, lang);
    this.setLanguage(lang);
    this.render();
  }

  private setLanguage(lang: Lang): void {
    this.lang = lang;
    this.frame.showLanguage(lang);
    this.applyTitle();
  }

  private applyTitle(): void {
    const merchant = this.ready()?.session.merchant.name;
    applyLanguage(this.lang, merchant ? `${this.tr('page.checkout')} · ${merchant}` : this.tr('page.checkout'));
  }

  // ---- Rendering ----

  private stepContext(state: S.Ready): StepContext {
    return {
      state,
      lang: this.lang,
      nowMs: Date.now(),
      drafts: this.drafts,
      returnUrl: this.returnUrl(),
      actions: {
        isBusy: () => this.busy,
        chooseMethod: (method) => this.chooseMethod(method),
        submitPay: () => this.submitPay(),
        payWith: (method) => void this.confirm({ type: method }, method),
        submitOtp: () => this.submitOtp(),
        chooseAnother: () => this.chooseAnotherMethod(),
        openCancel: () => this.openCancel(),
        checkAgain: () => this.checkAgain(),
        cardFormShown: (form) => {
          this.cardForm = form;
        },
        rate: (patch) => {
          const now = this.ready();
          if (now) this.state = S.ratingChanged(now, patch);
        },
        submitRating: () => this.submitFeedback('rating'),
        submitNps: () => this.submitFeedback('nps'),
      },
    };
  }

  private render(options: { focusId?: string | null } = {}): void {
    const view = this.view();
    const state = this.ready();
    const key = view.kind === 'qr' ? `qr:${view.data}` : view.kind === 'otp' && view.verification ? `verify:${view.verification.expires_at}` : view.kind;
    const active = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    this.cardForm = null;
    if (view.kind === 'fatal') replaceChildren(this.frame.content, fatalStep(this.lang, view.error, view.retry ? () => this.retryLoad() : null));
    else if (!state || view.kind === 'loading') replaceChildren(this.frame.content, loadingStep(this.lang));
    else {
      const context = this.stepContext(state);
      replaceChildren(this.frame.content, summary(context, view), renderStep(context, view));
    }
    if (this.busy) this.setBusy(true);
    // A new step takes focus to its heading; otherwise focus stays on the control the payer was using.
    const viewChanged = key !== this.lastViewKey;
    const focusId = options.focusId ?? (viewChanged && this.lastViewKey !== 'loading' ? 'step-heading' : active);
    if (viewChanged) this.announceView(view);
    this.lastViewKey = key;
    // The pay step's heading is the page's h1.
    const target = focusId ? (document.getElementById(focusId) ?? (focusId === 'step-heading' ? document.getElementById('page-heading') : null)) : null;
    target?.focus();
    this.syncPolling(view);
    this.scheduleRerender(view);
    this.applyTitle();
  }

  private announceView(view: S.View): void {
    if (view.kind === 'qr') this.frame.announce(this.tr('qr.waiting'));
    if (view.kind === 'processing') this.frame.announce(this.tr('processing.title'));
  }

  /** A QR code or a customer's code that expires, or a wallet lock that ends, changes the page without any answer from the API. */
  private scheduleRerender(view: S.View): void {
    window.clearTimeout(this.rerenderTimer);
    const state = this.ready();
    const at =
      view.kind === 'qr'
        ? view.expiresAt
        : view.kind === 'otp' && view.verification
          ? view.verification.expires_at
          : view.kind === 'pay' && state?.method === 'wallet'
            ? (state.walletLockedUntil ?? state.session.wallet?.pin.locked_until ?? null)
            : null;
    const delayMs = at ? Date.parse(at) - Date.now() : Number.NaN;
    if (delayMs > 0 && delayMs < rerenderDelayMaxMs) this.rerenderTimer = window.setTimeout(() => this.render(), delayMs + 250);
  }

  /** Moves the countdown on by rewriting its text alone (the form around it keeps focus and what was typed); at zero, the step changes. */
  private tickCountdown(): void {
    const element = this.frame.content.querySelector<HTMLElement>('[data-testid="countdown"]');
    if (!element) return;
    const seconds = secondsLeft(element.dataset.expiresAt ?? null, Date.now());
    if (seconds === null || seconds <= 0) {
      if (!this.busy) this.render();
      return;
    }
    element.textContent = (element.dataset.template ?? '{time}').replace('{time}', clockText(seconds));
  }

  private retryLoad(): void {
    this.state = S.loading;
    this.lastViewKey = 'loading';
    this.render();
    void this.load();
  }
}
