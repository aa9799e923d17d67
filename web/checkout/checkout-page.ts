/// <reference lib="dom" />
/**
 * The hosted checkout's controller. It holds one `CheckoutState` (state.ts),
 * feeds it every event through a pure transition, and draws the step the
 * state calls for (steps/). Effects live here and in checkout-actions.ts
 * (what the payer does) only: requests, timers, navigation, focus. Rules
 * that matter most:
 * - one action at a time: every action starts by checking `busy`, and the
 *   buttons are disabled while a request is in flight, so a payment is never
 *   submitted twice; a retry after a network failure reuses its
 *   Idempotency-Key (api.ts), so even that cannot pay twice;
 * - the client_secret never leaves this origin: return_url has no fragment;
 * - every failure shows the API's own localized message and suggestion, and
 *   the payer can retry or switch method without reloading.
 */
import { ApiError, IdempotencyKeys, apiClient, newIdempotencyKey, type ApiClient } from './api.ts';
import { CheckoutActions, type CheckoutHost } from './checkout-actions.ts';
import { isMethodType, type CheckoutSession, type MethodType, type Payment } from './api-types.ts';
import type { CardForm } from './card-form.ts';
import { replaceChildren } from './dom.ts';
import { isPolledView, pollAttemptsMax, pollIntervalMs, safeRedirectUrl } from './flow.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';
import { listedMethods, orderMethods } from './method-order.ts';
import { presentationOf, presentedMethods } from '../../src/domain/experiments/checkout-presentation.ts';
import { payerFacingError } from './page-errors.ts';
import { shownError } from './present.ts';
import * as S from './state.ts';
import { fatalStep, loadingStep, summary } from './steps/frame-steps.ts';
import { renderStep } from './steps/render.ts';
import { clockText, secondsLeft, type Drafts, type StepContext } from './steps/step-kit.ts';
import { languageStorageKey, lastMethodStorageKey, payerId, readLocal, readSession, returnUrlStorageKey, writeLocal, writeSession } from './storage.ts';
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

class CheckoutPage implements CheckoutHost {
  state: S.CheckoutState = S.loading;
  lang: Lang;
  private langChosen: boolean;
  readonly frame: Frame;
  readonly api: ApiClient;
  readonly keys = new IdempotencyKeys();
  readonly paymentPath: string;
  readonly drafts: Drafts = { card: { number: '', expiry: '', cvc: '' }, pin: '', otp: '', usePoints: false, coupon: '' };
  cardForm: CardForm | null = null;
  busy = false;
  private pollInFlight = false;
  private pollTimer: number | undefined;
  private rerenderTimer: number | undefined;
  private lastViewKey = 'loading';
  private viewReported = false;

  private readonly options: CheckoutOptions;
  private readonly actions: CheckoutActions = new CheckoutActions(this);

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

  get paymentId(): string {
    return this.options.paymentId;
  }

  get clientSecret(): string {
    return this.options.clientSecret ?? '';
  }

  private tr(key: MessageKey, params?: Record<string, string | number>): string {
    return t(this.lang, key, params);
  }

  view(): S.View {
    return S.viewOf(this.state, Date.now());
  }

  ready(): S.Ready | null {
    return this.state.phase === 'ready' ? this.state : null;
  }

  /** Tells the API about a funnel step only the browser sees; best effort, never in the payer's way. */
  reportStep(type: 'checkout_viewed' | 'method_chosen', method: MethodType | null): void {
    // Seeing the checkout in an experiment's variant is the payer's exposure to it: the server records it with this step.
    const experiment = type === 'checkout_viewed' ? this.ready()?.session.experiment : null;
    const exposure = experiment ? { payer_id: payerId(), experiment: experiment.id, variant: experiment.variant } : {};
    const body = { client_secret: this.clientSecret, type, locale: this.lang, ...(method ? { payment_method_type: method } : {}), ...exposure };
    this.api.post(`${this.paymentPath}/funnel_events`, body, newIdempotencyKey()).catch(() => undefined);
  }

  // ---- Loading and applying the payment ----

  private async load(): Promise<void> {
    try {
      const session = await this.api.get<CheckoutSession>(this.sessionPath());
      const shown = this.methodsFor(session);
      this.state = S.loaded(session, shown.methods, shown.preselected);
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

  /** The session, with this browser's id so a payer without a customer keeps their experiment variant. */
  private sessionPath(): string {
    return `${this.paymentPath}/checkout?client_secret=${encodeURIComponent(this.clientSecret)}&payer_id=${encodeURIComponent(payerId())}`;
  }

  /** The methods in the automatic order, then as the presentation (the merchant's setting or the payer's variant) rearranges them. */
  private methodsFor(session: CheckoutSession): { methods: MethodType[]; preselected: MethodType | null } {
    const remembered = readLocal(lastMethodStorageKey);
    const lastUsed = isMethodType(session.preselected_method) ? session.preselected_method : isMethodType(remembered) ? remembered : null;
    const phone = window.matchMedia('(pointer: coarse)').matches || /Mobi|Android|iPhone/.test(navigator.userAgent);
    const offered = session.methods.filter(isMethodType);
    const automatic = orderMethods({ offered, lastUsed, currency: session.payment.currency, phone, walletCovers: session.wallet?.covers === true });
    const presented = presentedMethods(automatic, presentationOf(session.presentation));
    const methods = listedMethods(presented.methods);
    // UnionPay is listed as the card when both are offered.
    const preselected = presented.preselected === 'unionpay' && !methods.includes('unionpay') ? 'card' : presented.preselected;
    return { methods, preselected: preselected && methods.includes(preselected) ? preselected : (methods[0] ?? null) };
  }

  /** Takes a newer copy of the payment and shows what it calls for. */
  applyPayment(payment: Payment, source: S.PaymentSource): void {
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
      const session = await this.api.get<CheckoutSession>(this.sessionPath());
      const state = this.ready();
      if (state) this.state = S.sessionRefreshed(state, session);
      this.render();
    } catch {
      // The result stands without the order link; nothing to tell the payer.
    }
  }

  async reloadPayment(): Promise<void> {
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
  async act(signature: string, run: (idempotencyKey: string) => Promise<void>, onError: (error: unknown) => Promise<string | null>): Promise<void> {
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
        chooseMethod: (method) => this.actions.chooseMethod(method),
        usePoints: (on) => {
          this.drafts.usePoints = on;
          this.render({ focusId: 'use-points' });
        },
        submitPay: () => this.actions.submitPay(),
        payWith: (method) => void this.actions.confirm({ type: method }, method),
        submitOtp: () => this.actions.submitOtp(),
        chooseAnother: () => this.actions.chooseAnotherMethod(),
        openCancel: () => this.actions.openCancel(),
        checkAgain: () => this.checkAgain(),
        cardFormShown: (form) => {
          this.cardForm = form;
        },
        rate: (patch) => {
          const now = this.ready();
          if (now) this.state = S.ratingChanged(now, patch);
        },
        submitRating: () => this.actions.submitFeedback('rating'),
        submitNps: () => this.actions.submitFeedback('nps'),
        openCoupon: () => this.actions.openCoupon(),
        openCardDetails: () => this.actions.openCardDetails(),
        applyCoupon: (code) => this.actions.applyCoupon(code),
      },
    };
  }

  render(options: { focusId?: string | null } = {}): void {
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
