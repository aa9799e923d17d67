/// <reference lib="dom" />
/**
 * The hosted checkout. One controller holds the state (the session, the
 * payment, what the payer has typed, the request in flight) and renders the
 * step the payment calls for (flow.ts). Rules that matter most:
 * - one action at a time: every action starts by checking `busy`, and the
 *   buttons are disabled while a request is in flight, so a payment is never
 *   submitted twice; a retry after a network failure reuses its
 *   Idempotency-Key (api.ts), so even that cannot pay twice;
 * - the client_secret never leaves this origin: return_url has no fragment;
 * - every failure shows the API's own localized message and suggestion, and
 *   the payer can retry or switch method without reloading.
 */
import { isCancelable } from '../../src/domain/payment-state.ts';
import { ApiError, IdempotencyKeys, apiClient, newIdempotencyKey, type ApiClient } from './api.ts';
import { isMethodType, type CheckoutSession, type CustomerVerification, type Feedback, type MethodType, type Payment } from './api-types.ts';
import { openCancelDialog } from './cancel-dialog.ts';
import { cardForm, type CardDraft, type CardForm } from './card-form.ts';
import { h, replaceChildren, type Child } from './dom.ts';
import {
  customerVerificationOf,
  isNewer,
  isPolledView,
  isVerificationExpired,
  otpConfirmBody,
  pollAttemptsMax,
  pollIntervalMs,
  safeRedirectUrl,
  viewForPayment,
  type PaymentView,
  type SubmittedMethod,
} from './flow.ts';
import { formatAmount, formatDateTime } from './format.ts';
import { label, t, type Lang, type MessageKey } from './i18n.ts';
import { commentLengthMax, isSixDigitCode, otpLength, sanitizeCode } from './input-rules.ts';
import { describeMethod, shownError, type ShownError } from './present.ts';
import { qrCodeSvg } from './qr.ts';
import { writeSession, languageStorageKey } from './storage.ts';
import { applyLanguage, buildFrame, detailsList, errorAlert, itemsList, type Frame } from './views.ts';
import { walletForm } from './wallet-form.ts';

export interface CheckoutOptions {
  body: HTMLElement;
  paymentId: string;
  clientSecret: string | null;
  publishableKey: string | null;
  lang: Lang;
  /** True when the payer picked the language in this tab: the customer's saved locale then does not override it. */
  langChosen: boolean;
}

type View = PaymentView | { kind: 'loading' } | { kind: 'fatal'; error: ShownError; retry: boolean };

const qrMethods: readonly MethodType[] = ['alipay', 'wechat_pay'];
const redirectMethods: readonly MethodType[] = ['unionpay'];
/** Timers further away than this are not set: the payer will have reloaded by then. */
const rerenderDelayMaxMs = 60 * 60 * 1000;
/** Wrong PINs in a row before the wallet locks (API.md); fewer remaining means some were already used. */
const walletPinAttemptsMax = 5;

export function startCheckout(options: CheckoutOptions): void {
  new CheckoutPage(options).start();
}

class CheckoutPage {
  private lang: Lang;
  private langChosen: boolean;
  private readonly frame: Frame;
  private readonly api: ApiClient;
  private readonly keys = new IdempotencyKeys();
  private readonly paymentPath: string;

  private session: CheckoutSession | null = null;
  private payment: Payment | null = null;
  private fatal: { error: ShownError; retry: boolean } | null = null;
  private method: MethodType | null = null;
  private readonly card: CardDraft = { number: '', expiry: '', cvc: '' };
  private cardFormNow: CardForm | null = null;
  private pin = '';
  private otp = '';
  /**
   * The method the payer submitted when the API asked the customer for a
   * code first: sent again with the code so one call verifies and pays.
   * Memory only (never storage or the URL), dropped as soon as the payment
   * leaves that step.
   */
  private submitted: SubmittedMethod | null = null;
  /** Tries left for the customer's code after a wrong one. */
  private codeAttemptsRemaining: number | null = null;
  private busy = false;
  private error: ShownError | null = null;
  private pinAttemptsRemaining: number | null = null;
  private walletLockedUntil: string | null = null;
  /** The payer left a QR or redirect step to pick another method. */
  private choosingAgain = false;
  /** The API said payment_expired before the payment itself shows it. */
  private forcedExpired = false;
  /** A confirm answered redirect_to_url and the page is navigating there. */
  private redirecting = false;
  private polls = 0;
  private pollGaveUp = false;
  private pollInFlight = false;
  private pollTimer: number | undefined;
  private rerenderTimer: number | undefined;
  private rating: number | null = null;
  private ratingComment = '';
  private ratingError: ShownError | null = null;
  private feedback: Feedback | null = null;
  private npsScore: number | null = null;
  private npsError: ShownError | null = null;
  private lastViewKey = 'loading';
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
    applyLanguage(this.lang, t(this.lang, 'page.checkout'));
    document.addEventListener('visibilitychange', () => {
      // Back from the payer's wallet app: ask at once rather than at the next tick.
      if (document.visibilityState === 'visible' && isPolledView(this.view())) void this.pollOnce();
    });
    if (!this.options.clientSecret) {
      this.fatal = { error: { code: 'missing_client_secret', message: this.tr('error.missingLink'), suggestion: this.tr('error.missingLinkSuggestion'), detail: null }, retry: false };
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

  private viewReported = false;

  /** Tells the API about a funnel step only the browser sees; best effort, never in the payer's way. */
  private reportStep(type: 'checkout_viewed' | 'method_chosen', method: MethodType | null): void {
    const body = { client_secret: this.clientSecret, type, locale: this.lang, ...(method ? { payment_method_type: method } : {}) };
    this.api.post(`${this.paymentPath}/funnel_events`, body, newIdempotencyKey()).catch(() => undefined);
  }

  // ---- Loading and applying the payment ----

  private async load(): Promise<void> {
    try {
      const session = await this.api.get<CheckoutSession>(`${this.paymentPath}/checkout?client_secret=${encodeURIComponent(this.clientSecret)}`);
      this.fatal = null;
      this.session = session;
      this.feedback = session.feedback;
      this.method = this.initialMethod(session);
      if (!this.langChosen && session.customer_locale && session.customer_locale !== this.lang) this.setLanguage(session.customer_locale);
      this.applyPayment(session.payment, 'load');
      if (!this.viewReported) {
        this.viewReported = true;
        this.reportStep('checkout_viewed', null);
      }
    } catch (error) {
      this.fatal = { error: shownError(error, this.lang), retry: !(error instanceof ApiError && error.status < 500 && error.status !== 429) };
      this.render();
    }
  }

  private offeredMethods(): MethodType[] {
    return (this.session?.methods ?? []).filter(isMethodType);
  }

  private initialMethod(session: CheckoutSession): MethodType | null {
    const offered = this.offeredMethods();
    const preselected = session.preselected_method;
    if (isMethodType(preselected) && offered.includes(preselected)) return preselected;
    return offered[0] ?? null;
  }

  /** Takes a newer copy of the payment and shows what it calls for. */
  private applyPayment(payment: Payment, source: 'load' | 'confirm' | 'poll' | 'cancel' | 'reload'): void {
    if (source === 'poll' && !isNewer(payment, this.payment)) return;
    const before = this.payment ? this.view().kind : null;
    const wasVerifying = this.verification() !== null;
    this.payment = payment;
    if (source !== 'poll') this.choosingAgain = false;
    const view = this.view();
    const verifying = this.verification() !== null;
    if (!verifying) {
      this.submitted = null;
      this.codeAttemptsRemaining = null;
    }
    if (view.kind === 'redirect' && source === 'confirm') {
      const url = safeRedirectUrl(view.url, window.location.href);
      if (url) {
        this.redirecting = true;
        this.render();
        window.location.assign(url);
        return;
      }
    }
    if (view.kind === 'pay' && payment.last_error && (source !== 'poll' || before !== 'pay')) {
      this.error = { ...payment.last_error, detail: null };
    }
    if (view.kind === 'succeeded' || view.kind === 'canceled') this.error = null;
    if (view.kind === 'succeeded' && before !== 'succeeded' && source !== 'load') void this.refreshSession();
    // The customer's code step opens on its code input, whose description says where the code went.
    this.render(verifying && !wasVerifying ? { focusId: 'otp-input' } : {});
  }

  /** The customer's own verification the page shows now, if any (not a card's code). */
  private verification(): CustomerVerification | null {
    const view = this.view();
    return view.kind === 'otp' ? view.verification : null;
  }

  /** After success the session gains order_url; fetched again quietly. */
  private async refreshSession(): Promise<void> {
    try {
      const session = await this.api.get<CheckoutSession>(`${this.paymentPath}/checkout?client_secret=${encodeURIComponent(this.clientSecret)}`);
      this.session = session;
      this.feedback ??= session.feedback;
      if (isNewer(session.payment, this.payment)) this.payment = session.payment;
      this.render();
    } catch {
      // The result stands without the order link; nothing to tell the payer.
    }
  }

  private async reloadPayment(): Promise<void> {
    try {
      const payment = await this.api.get<Payment>(`${this.paymentPath}?client_secret=${encodeURIComponent(this.clientSecret)}`);
      this.applyPayment(payment, 'reload');
    } catch {
      // Keep showing what we have; the error box already says what failed.
    }
  }

  private view(): View {
    if (this.fatal) return { kind: 'fatal', ...this.fatal };
    if (!this.payment || !this.session) return { kind: 'loading' };
    if (this.forcedExpired && this.payment.status !== 'succeeded' && this.payment.status !== 'requires_capture') return { kind: 'canceled', expired: true };
    const view = viewForPayment(this.payment, Date.now());
    if (this.choosingAgain && (view.kind === 'qr' || view.kind === 'redirect')) return { kind: 'pay' };
    return view;
  }

  // ---- Polling ----

  private syncPolling(view: View): void {
    const polled = view.kind !== 'loading' && view.kind !== 'fatal' && isPolledView(view) && !this.redirecting && !this.pollGaveUp;
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
    const view = this.view();
    if (view.kind === 'loading' || view.kind === 'fatal' || !isPolledView(view) || this.redirecting) return;
    if (this.busy || this.pollInFlight) {
      this.syncPolling(view);
      return;
    }
    if (this.polls >= pollAttemptsMax) {
      this.pollGaveUp = true;
      this.render();
      return;
    }
    this.polls += 1;
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
    this.polls = 0;
    this.pollGaveUp = false;
    this.render();
    void this.pollOnce();
  }

  // ---- Actions ----

  /** Runs one payer action: refuses while another is in flight, disables the controls, settles the key. */
  private async act(signature: string, run: (idempotencyKey: string) => Promise<void>, onError: (error: unknown) => Promise<string | null>): Promise<void> {
    if (this.busy) return;
    const origin = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    const key = this.keys.keyFor(signature);
    this.error = null;
    this.setBusy(true);
    let focusId: string | null = null;
    try {
      await run(key);
      this.keys.settle(signature, key, null);
    } catch (error) {
      this.keys.settle(signature, key, error);
      focusId = await onError(error);
      if (focusId === null) focusId = origin || 'error';
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
    if (qrMethods.includes(method) || redirectMethods.includes(method)) {
      // The provider sends the payer back here; the fragment (the client_secret) stays out of its hands.
      body.return_url = `${window.location.origin}/checkout/${encodeURIComponent(this.options.paymentId)}`;
    }
    return this.act(
      `confirm:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key);
        this.polls = 0;
        this.pollGaveUp = false;
        const { client_secret: _secret, ...submitted } = body;
        this.submitted = customerVerificationOf(payment.next_action) ? (submitted as unknown as SubmittedMethod) : null;
        this.codeAttemptsRemaining = null;
        this.otp = '';
        this.applyPayment(payment, 'confirm');
      },
      (error) => this.handleConfirmError(error),
    );
  }

  /** Words the failure and answers the id of the field to focus (null: where the payer was). */
  private async handleConfirmError(error: unknown): Promise<string | null> {
    const shown = shownError(error, this.lang);
    this.error = shown;
    if (!(error instanceof ApiError)) return null;
    const body = error.body;
    switch (body.code) {
      case 'incorrect_pin':
        // The attempts left are shown beside the PIN field (wallet-form.ts), which the field's description reads out.
        this.pin = '';
        if (typeof body.attempts_remaining === 'number') this.pinAttemptsRemaining = body.attempts_remaining;
        return 'pin-input';
      case 'pin_locked':
        // The wallet step then shows the lock and its end in the payer's local time instead of the PIN entry.
        this.pin = '';
        this.walletLockedUntil = body.unlocks_at ?? null;
        return null;
      case 'insufficient_funds':
        if (typeof body.available === 'number' && this.payment) shown.detail = this.tr('wallet.available', { amount: formatAmount(body.available, this.payment.currency, this.lang) });
        return null;
      case 'authentication_failed':
        this.otp = '';
        return 'otp-input';
      case 'verification_code_incorrect':
        // The tries left are shown beside the code input too, which its description reads out.
        this.otp = '';
        if (typeof body.attempts_remaining === 'number') this.codeAttemptsRemaining = body.attempts_remaining;
        return 'otp-input';
      case 'verification_code_expired':
        // The API has ended the code and reopened the payment: back to paying, where paying again sends a new code.
        this.otp = '';
        // What the payer typed to pay is still in the form when the page remembered it (not after a reload).
        if (this.submitted) shown.detail = this.tr('verify.newCode');
        this.submitted = null;
        this.codeAttemptsRemaining = null;
        await this.reloadPayment();
        return 'error';
      case 'payment_expired':
        this.forcedExpired = true;
        this.error = null;
        await this.reloadPayment();
        return 'step-heading';
      case 'payment_unexpected_state': {
        await this.reloadPayment();
        // Shown with the payment's present state, unless that state is the final word itself.
        const kind = this.view().kind;
        this.error = kind === 'succeeded' || kind === 'canceled' ? null : shown;
        return 'step-heading';
      }
      default:
        return null;
    }
  }

  private submitPay(): void {
    const method = this.method;
    if (!method || this.busy) return;
    if (method === 'card') {
      const card = this.cardFormNow?.validate();
      if (card) void this.confirm({ type: 'card', card }, method);
    } else if (method === 'wallet') {
      if (!isSixDigitCode(this.pin)) {
        this.showFieldProblem('pin-input', this.tr('wallet.pinIncomplete'));
        return;
      }
      void this.confirm({ type: 'wallet', wallet: { pin: this.pin } }, method);
    } else {
      void this.confirm({ type: method }, method);
    }
  }

  private submitOtp(): void {
    if (this.busy) return;
    if (!isSixDigitCode(this.otp)) {
      this.showFieldProblem('otp-input', this.tr('otp.incomplete'));
      return;
    }
    const verification = this.verification();
    if (!verification) {
      const body = { client_secret: this.clientSecret, otp: this.otp };
      void this.act(
        `otp:${this.otp}`,
        async (key) => this.applyPayment(await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key), 'confirm'),
        (error) => this.handleConfirmError(error),
      );
      return;
    }
    const body = otpConfirmBody(this.clientSecret, this.otp, verification, this.submitted);
    const paysToo = 'payment_method' in body;
    void this.act(
      `verify:${JSON.stringify(body)}`,
      async (key) => {
        const payment = await this.api.post<Payment>(`${this.paymentPath}/confirm`, body, key);
        this.otp = '';
        this.applyPayment(payment, 'confirm');
        if (!paysToo && this.view().kind === 'pay') this.frame.announce(this.tr('verify.verified'));
      },
      async (error) => {
        const focusId = await this.handleConfirmError(error);
        // Verified but then not paid (a decline, say): the payment has moved on, so show it as it is now.
        const code = error instanceof ApiError ? error.body.code : null;
        if (code === null || code === 'verification_code_incorrect' || code === 'verification_code_expired' || !this.verification()) return focusId;
        await this.reloadPayment();
        return this.verification() ? focusId : 'error';
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
    if (this.busy || method === this.method) return;
    this.method = method;
    this.reportStep('method_chosen', method);
    this.error = null;
    this.render();
  }

  private chooseAnotherMethod(): void {
    if (this.busy) return;
    this.choosingAgain = true;
    this.error = null;
    this.render({ focusId: 'page-heading' });
  }

  private openCancel(): void {
    if (this.busy || !this.session) return;
    this.busy = true;
    openCancelDialog({
      lang: this.lang,
      reasons: this.session.cancellation_reasons,
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

  private submitRating(): void {
    if (this.busy || this.feedback) return;
    if (this.rating === null) {
      this.ratingError = { code: 'rating_required', message: this.tr('rating.required'), suggestion: '', detail: null };
      this.render({ focusId: 'rating-1' });
      return;
    }
    const body: Record<string, unknown> = { client_secret: this.clientSecret, rating: this.rating };
    const comment = this.ratingComment.trim();
    if (comment.length > 0) body.comment = comment.slice(0, commentLengthMax);
    this.ratingError = null;
    void this.act(
      `feedback:${JSON.stringify(body)}`,
      async (key) => {
        this.feedback = await this.api.post<Feedback>(`${this.paymentPath}/feedback`, body, key);
        this.frame.announce(this.tr('rating.thanks'));
      },
      async (error) => {
        this.ratingError = shownError(error, this.lang);
        return 'rating-submit';
      },
    ).then(() => {
      if (this.feedback) document.getElementById('rating-thanks')?.focus();
    });
  }

  /** The optional second question, sent with the rating already given (the API keeps the first answer to each). */
  private submitNps(): void {
    const feedback = this.feedback;
    if (this.busy || !feedback || feedback.nps_score !== null) return;
    if (this.npsScore === null) {
      this.npsError = { code: 'nps_required', message: this.tr('nps.required'), suggestion: '', detail: null };
      this.render({ focusId: 'nps-0' });
      return;
    }
    const body = { client_secret: this.clientSecret, rating: feedback.rating, nps_score: this.npsScore };
    this.npsError = null;
    void this.act(
      `nps:${JSON.stringify(body)}`,
      async (key) => {
        this.feedback = await this.api.post<Feedback>(`${this.paymentPath}/feedback`, body, key);
        this.frame.announce(this.tr('nps.thanks'));
      },
      async (error) => {
        this.npsError = shownError(error, this.lang);
        return 'nps-submit';
      },
    ).then(() => {
      if (this.feedback?.nps_score !== null) document.getElementById('nps-thanks')?.focus();
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
    const merchant = this.session?.merchant.name;
    applyLanguage(lang, merchant ? `${this.tr('page.checkout')} · ${merchant}` : this.tr('page.checkout'));
  }

  // ---- Rendering ----

  private render(options: { focusId?: string | null } = {}): void {
    const view = this.view();
    const key = view.kind === 'qr' ? `qr:${view.data}` : view.kind === 'otp' && view.verification ? `verify:${view.verification.expires_at}` : view.kind;
    const active = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    this.cardFormNow = null;
    replaceChildren(this.frame.content, this.session && this.payment && view.kind !== 'fatal' ? this.summary(view) : null, this.step(view));
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
    const merchant = this.session?.merchant.name;
    document.title = merchant ? `${this.tr('page.checkout')} · ${merchant}` : this.tr('page.checkout');
  }

  private announceView(view: View): void {
    if (view.kind === 'qr') this.frame.announce(this.tr('qr.waiting'));
    if (view.kind === 'processing') this.frame.announce(this.tr('processing.title'));
  }

  /** A QR code or a customer's code that expires, or a wallet lock that ends, changes the page without any answer from the API. */
  private scheduleRerender(view: View): void {
    window.clearTimeout(this.rerenderTimer);
    const at =
      view.kind === 'qr'
        ? view.expiresAt
        : view.kind === 'otp' && view.verification
          ? view.verification.expires_at
          : view.kind === 'pay' && this.method === 'wallet'
            ? (this.walletLockedUntil ?? this.session?.wallet?.pin.locked_until ?? null)
            : null;
    const delayMs = at ? Date.parse(at) - Date.now() : Number.NaN;
    if (delayMs > 0 && delayMs < rerenderDelayMaxMs) this.rerenderTimer = window.setTimeout(() => this.render(), delayMs + 250);
  }

  private summary(view: View): HTMLElement {
    const payment = this.payment as Payment;
    const merchant = this.session?.merchant.name || this.tr('page.checkout');
    const over = view.kind === 'succeeded' || view.kind === 'canceled';
    const description = payment.order?.description ?? payment.description;
    return h(
      'section',
      { class: 'summary', 'aria-labelledby': 'page-heading' },
      h('h1', { id: 'page-heading', tabindex: -1 }, this.tr('checkout.heading', { merchant })),
      h('p', { class: 'amount-label' }, over ? this.tr('field.amount') : this.tr('checkout.amountDue')),
      h('p', { class: 'amount', 'data-testid': 'amount' }, formatAmount(payment.amount, payment.currency, this.lang)),
      payment.order?.reference ? h('p', { class: 'reference' }, this.tr('checkout.orderReference', { reference: payment.order.reference })) : null,
      description ? h('p', { class: 'description' }, description) : null,
      itemsList(payment.order?.items, payment.currency, this.lang),
    );
  }

  private step(view: View): HTMLElement {
    switch (view.kind) {
      case 'loading':
        return h('section', { class: 'step', 'aria-busy': 'true' }, h('p', { class: 'loading' }, this.tr('loading')));
      case 'fatal':
        return h(
          'section',
          { class: 'step' },
          h('h1', { id: 'step-heading', tabindex: -1, 'data-testid': 'status-title' }, this.tr('error.heading')),
          errorAlert(view.error),
          view.retry ? h('button', { type: 'button', class: 'button', id: 'retry-button', 'data-testid': 'retry-button', onclick: () => this.retryLoad() }, this.tr('retry')) : null,
        );
      case 'pay':
        return this.payStep();
      case 'otp':
        return view.verification ? this.verifyStep(view.verification) : this.otpStep();
      case 'qr':
        return this.qrStep(view);
      case 'redirect':
        return this.redirectStep(view.url);
      case 'processing':
        return this.section(
          this.statusHeading(this.tr('processing.title')),
          h('p', { class: 'waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), this.tr('processing.intro')),
          this.pollGaveUp ? [h('p', null, this.tr('processing.slow')), this.button('check-again', this.tr('processing.check'), () => this.checkAgain(), 'secondary')] : null,
          errorAlert(this.error),
        );
      case 'succeeded':
        return this.resultStep(view.authorizedOnly);
      case 'canceled':
        return this.canceledStep(view.expired);
    }
  }

  private retryLoad(): void {
    this.fatal = null;
    this.lastViewKey = 'loading';
    this.render();
    void this.load();
  }

  private section(...children: Child[]): HTMLElement {
    return h('section', { class: 'step', 'aria-labelledby': 'step-heading' }, children);
  }

  private statusHeading(text: string, testId = 'status-title'): HTMLElement {
    return h('h2', { id: 'step-heading', tabindex: -1, 'data-testid': testId }, text);
  }

  private button(id: string, text: string, onclick: () => void, variant: 'primary' | 'secondary' | 'link' = 'primary'): HTMLButtonElement {
    return h('button', { type: 'button', id, 'data-testid': id, 'data-action': '', class: variant === 'primary' ? 'button' : `button ${variant}`, onclick }, text);
  }

  private cancelButton(): HTMLElement | null {
    const status = this.payment?.status;
    if (!status || !isCancelable(status) || status === 'requires_capture' || this.redirecting) return null;
    return h('div', { class: 'cancel-row' }, this.button('cancel-button', this.tr('cancel.button'), () => this.openCancel(), 'link'));
  }

  private payLabel(): string {
    const payment = this.payment as Payment;
    return this.tr('pay.button', { amount: formatAmount(payment.amount, payment.currency, this.lang) });
  }

  private payStep(): HTMLElement {
    const methods = this.offeredMethods();
    const method = this.method;
    let details: Child = null;
    let submit: HTMLElement | null = null;
    const submitButton = (id: string) =>
      h('button', { type: 'submit', class: 'button pay', id, 'data-testid': id, 'data-action': '', 'data-busy-label': this.tr('pay.busy') }, this.payLabel());
    if (method === 'card') {
      this.cardFormNow = cardForm(this.card, this.lang, () => Date.now());
      details = this.cardFormNow.element;
      submit = submitButton('pay-button');
    } else if (method === 'wallet') {
      const wallet = walletForm({
        wallet: this.session?.wallet ?? null,
        currency: (this.payment as Payment).currency,
        lang: this.lang,
        pin: this.pin,
        attemptsRemaining: this.pinAttemptsRemaining ?? this.lowAttempts(),
        lockedUntil: this.walletLockedUntil,
        nowMs: Date.now(),
        onPinChange: (pin) => {
          this.pin = pin;
        },
        isBusy: () => this.busy,
      });
      details = wallet.element;
      submit = wallet.canPay ? submitButton('pin-submit') : null;
    } else if (method) {
      const name = label(this.lang, 'method', method);
      details = h('p', { class: 'method-note' }, this.tr(qrMethods.includes(method) ? 'method.qrNote' : 'method.redirectNote', { method: name }));
      submit = submitButton('pay-button');
    }
    const form = h(
      'form',
      {
        novalidate: true,
        class: 'pay-form',
        onsubmit: (event) => {
          event.preventDefault();
          this.submitPay();
        },
      },
      h(
        'fieldset',
        { class: 'methods' },
        h('legend', null, this.tr('method.legend')),
        methods.map((type) =>
          h(
            'label',
            { class: 'method', for: `method-${type}` },
            h('input', {
              type: 'radio', name: 'method', value: type, id: `method-${type}`, 'data-testid': `method-${type}`, 'data-action': '', checked: type === method,
              onchange: () => this.chooseMethod(type),
            }),
            h('span', null, label(this.lang, 'method', type)),
          ),
        ),
      ),
      h('div', { class: 'method-details' }, details),
      errorAlert(this.error),
      submit,
    );
    return h('section', { class: 'step' }, form, this.cancelButton());
  }

  /** The inquiry's attempts remaining, shown before any wrong PIN only when some were already used. */
  private lowAttempts(): number | null {
    const remaining = this.session?.wallet?.pin.attempts_remaining;
    return typeof remaining === 'number' && remaining < walletPinAttemptsMax ? remaining : null;
  }

  private otpStep(): HTMLElement {
    const input = h('input', {
      id: 'otp-input', 'data-testid': 'otp-input', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
      maxlength: otpLength, value: this.otp, class: 'code', 'aria-describedby': 'otp-intro otp-input-error',
    });
    input.addEventListener('input', () => {
      this.otp = sanitizeCode(input.value);
      if (input.value !== this.otp) input.value = this.otp;
    });
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          this.submitOtp();
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'otp-input' }, this.tr('otp.label')), input, h('p', { class: 'field-error', id: 'otp-input-error', hidden: true })),
      errorAlert(this.error),
      h('button', { type: 'submit', class: 'button pay', id: 'otp-submit', 'data-testid': 'otp-submit', 'data-action': '', 'data-busy-label': this.tr('pay.busy') }, this.tr('otp.submit')),
    );
    return this.section(this.statusHeading(this.tr('otp.title'), 'otp-title'), h('p', { id: 'otp-intro' }, this.tr('otp.intro')), form, this.cancelButton());
  }

  /** The customer's own code (sent by Paypilot because the merchant asks flagged customers to confirm it is them). */
  private verifyStep(verification: CustomerVerification): HTMLElement {
    const expired = isVerificationExpired(verification, Date.now());
    const attempts = this.codeAttemptsRemaining;
    const attemptsNote =
      attempts !== null
        ? h('p', { class: 'hint', id: 'otp-attempts', 'data-testid': 'otp-attempts' }, this.tr(attempts === 1 ? 'verify.attemptsOne' : 'verify.attemptsOther', { count: attempts }))
        : null;
    const input = h('input', {
      id: 'otp-input', 'data-testid': 'otp-input', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: otpLength, value: this.otp, class: 'code',
      'aria-describedby': ['otp-intro', 'otp-expiry', attemptsNote ? 'otp-attempts' : null, 'otp-input-error', this.error ? 'error' : null].filter(Boolean).join(' '),
      'aria-invalid': this.error?.code === 'verification_code_incorrect' ? 'true' : null,
    });
    input.addEventListener('input', () => {
      this.otp = sanitizeCode(input.value);
      if (input.value !== this.otp) input.value = this.otp;
    });
    const recipient = verification.sent_to;
    const submitLabel = this.submitted ? this.tr('verify.submitPay', { amount: formatAmount((this.payment as Payment).amount, (this.payment as Payment).currency, this.lang) }) : this.tr('verify.submit');
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          this.submitOtp();
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'otp-input' }, this.tr('verify.label')), input, attemptsNote, h('p', { class: 'field-error', id: 'otp-input-error', hidden: true })),
      errorAlert(this.error),
      h('button', { type: 'submit', class: 'button pay', id: 'otp-submit', 'data-testid': 'otp-submit', 'data-action': '', 'data-busy-label': this.tr('pay.busy') }, submitLabel),
    );
    return this.section(
      this.statusHeading(this.tr('verify.title'), 'otp-title'),
      h('p', { id: 'otp-intro', 'data-testid': 'verify-intro' }, this.tr(verification.channel === 'sms' ? 'verify.sentSms' : 'verify.sentEmail', { recipient })),
      expired
        ? h('p', { class: 'notice', id: 'otp-expiry', 'data-testid': 'verify-expired' }, this.tr('verify.expired'))
        : h('p', { class: 'hint', id: 'otp-expiry', 'data-testid': 'verify-expiry' }, this.tr('verify.expiresAt', { time: formatDateTime(verification.expires_at, this.lang) })),
      form,
      this.cancelButton(),
    );
  }

  private actionMethodName(): string {
    const type = this.payment?.payment_method?.type ?? this.method ?? '';
    return label(this.lang, 'method', type);
  }

  private qrStep(view: Extract<PaymentView, { kind: 'qr' }>): HTMLElement {
    const payment = this.payment as Payment;
    const method = this.actionMethodName();
    const expired = view.expiresAt !== null && Date.parse(view.expiresAt) <= Date.now();
    const amount = formatAmount(payment.amount, payment.currency, this.lang);
    const retryType = payment.payment_method?.type ?? this.method;
    return this.section(
      this.statusHeading(this.tr('qr.title', { method })),
      h('p', null, this.tr('qr.intro', { method })),
      h('div', { class: expired ? 'qr-box expired' : 'qr-box' }, qrCodeSvg(view.data, this.tr('qr.alt', { amount, method }))),
      expired
        ? [
            h('p', { class: 'notice', 'data-testid': 'qr-expired' }, this.tr('qr.expired')),
            isMethodType(retryType) ? this.button('qr-refresh', this.tr('qr.refresh'), () => void this.confirm({ type: retryType }, retryType)) : null,
          ]
        : [
            h('p', { class: 'waiting', 'data-testid': 'qr-waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), this.tr('qr.waiting')),
            view.expiresAt ? h('p', { class: 'hint' }, this.tr('qr.expiresAt', { time: formatDateTime(view.expiresAt, this.lang) })) : null,
          ],
      errorAlert(this.error),
      h('div', { class: 'actions' }, this.offeredMethods().length > 1 ? this.button('other-method', this.tr('method.other'), () => this.chooseAnotherMethod(), 'secondary') : null),
      this.cancelButton(),
    );
  }

  private redirectStep(url: string): HTMLElement {
    const method = this.actionMethodName();
    const safe = safeRedirectUrl(url, window.location.href);
    const link = safe ? h('a', { class: 'button', href: safe, id: 'redirect-link', 'data-testid': 'redirect-link' }, this.tr('redirect.link', { method })) : null;
    if (this.redirecting) {
      return this.section(this.statusHeading(this.tr('redirect.title', { method })), h('p', { class: 'waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), link));
    }
    return this.section(
      this.statusHeading(this.tr('redirect.pendingTitle', { method })),
      h('p', null, this.tr('redirect.pendingIntro', { method })),
      errorAlert(this.error),
      h('div', { class: 'actions' }, link, this.offeredMethods().length > 1 ? this.button('other-method', this.tr('method.other'), () => this.chooseAnotherMethod(), 'secondary') : null),
      this.cancelButton(),
    );
  }

  private resultStep(authorizedOnly: boolean): HTMLElement {
    const payment = this.payment as Payment;
    const orderUrl = this.session?.order_url ? safeRedirectUrl(this.session.order_url, window.location.href) : null;
    return this.section(
      this.statusHeading(this.tr(authorizedOnly ? 'result.authorized' : 'result.succeeded'), 'result-title'),
      authorizedOnly ? h('p', null, this.tr('result.authorizedNote')) : null,
      detailsList([
        [this.tr('field.orderNumber'), payment.order?.reference || payment.id, 'result-order-number'],
        [this.tr('field.amount'), formatAmount(payment.amount, payment.currency, this.lang), 'result-amount'],
        [this.tr('field.method'), describeMethod(payment.payment_method, this.lang), 'result-method'],
        [this.tr('field.time'), formatDateTime(payment.updated_at, this.lang), 'result-time'],
      ]),
      orderUrl ? h('p', null, h('a', { href: orderUrl, class: 'button secondary', id: 'order-link', 'data-testid': 'order-link' }, this.tr('result.orderLink'))) : null,
      payment.status === 'succeeded' ? this.ratingForm() : null,
    );
  }

  private canceledStep(expired: boolean): HTMLElement {
    const payment = this.payment as Payment;
    const reason = payment.cancellation_reason;
    return this.section(
      this.statusHeading(this.tr(expired ? 'result.expired' : 'result.canceled')),
      h('p', null, this.tr(expired ? 'result.expiredNote' : 'result.canceledNote')),
      !expired && reason ? h('p', { 'data-testid': 'cancellation-reason' }, this.tr('result.canceledReason', { reason: label(this.lang, 'reason', reason) })) : null,
      errorAlert(this.error),
      payment.status === 'canceled' && !expired ? this.ratingForm() : null,
    );
  }

  private ratingForm(): HTMLElement {
    if (this.feedback) {
      const thanks = h('p', { class: 'thanks', id: 'rating-thanks', 'data-testid': 'rating-thanks', tabindex: -1 }, this.tr('rating.thanks'));
      if (this.feedback.nps_score !== null) {
        return h('div', null, thanks, h('p', { class: 'thanks', id: 'nps-thanks', 'data-testid': 'nps-thanks', tabindex: -1 }, this.tr('nps.thanks')));
      }
      return h('div', null, thanks, this.npsForm());
    }
    const comment = h('textarea', { id: 'rating-comment', 'data-testid': 'rating-comment', maxlength: commentLengthMax, rows: 2 }, this.ratingComment);
    comment.addEventListener('input', () => {
      this.ratingComment = comment.value;
    });
    return h(
      'form',
      {
        novalidate: true,
        class: 'rating-form',
        onsubmit: (event) => {
          event.preventDefault();
          this.submitRating();
        },
      },
      h(
        'fieldset',
        { class: 'rating', 'aria-describedby': 'rating-scale' },
        h('legend', null, this.tr('rating.legend')),
        h('p', { class: 'hint', id: 'rating-scale' }, this.tr('rating.scale')),
        scaleOptions('rating', [1, 2, 3, 4, 5], this.rating, (value) => (this.rating = value)),
      ),
      h('div', { class: 'field' }, h('label', { for: 'rating-comment' }, this.tr('rating.comment')), comment),
      errorAlert(this.ratingError, 'rating-error'),
      h('button', { type: 'submit', class: 'button secondary', id: 'rating-submit', 'data-testid': 'rating-submit', 'data-action': '' }, this.tr('rating.submit')),
    );
  }

  /** "How likely are you to recommend …?" 0–10, optional: the payer may leave it unanswered. */
  private npsForm(): HTMLElement {
    const merchant = this.session?.merchant.name || this.tr('nps.merchantFallback');
    return h(
      'form',
      {
        novalidate: true,
        class: 'rating-form',
        'data-testid': 'nps-form',
        onsubmit: (event) => {
          event.preventDefault();
          this.submitNps();
        },
      },
      h(
        'fieldset',
        { class: 'rating', 'aria-describedby': 'nps-scale' },
        h('legend', null, this.tr('nps.legend', { merchant })),
        h('p', { class: 'hint', id: 'nps-scale' }, this.tr('nps.scale')),
        scaleOptions('nps', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], this.npsScore, (value) => (this.npsScore = value)),
      ),
      errorAlert(this.npsError, 'nps-error'),
      h('button', { type: 'submit', class: 'button secondary', id: 'nps-submit', 'data-testid': 'nps-submit', 'data-action': '' }, this.tr('nps.submit')),
    );
  }
}

/** A row of numbered radio buttons (a rating scale), each labelled by its number. */
function scaleOptions(name: string, values: number[], selected: number | null, onSelect: (value: number) => void): HTMLElement {
  return h(
    'div',
    { class: `rating-options ${name}-options` },
    values.map((value) =>
      h(
        'label',
        { class: 'rating-option', for: `${name}-${value}` },
        h('input', {
          type: 'radio', name, value, id: `${name}-${value}`, 'data-testid': `${name}-${value}`, checked: selected === value,
          onchange: () => onSelect(value),
        }),
        h('span', null, String(value)),
      ),
    ),
  );
}
