/// <reference lib="dom" />
/**
 * Entry point of the payer pages' bundle: reads which page this is from
 * <body data-page>, the publishable key from <meta name="paypilot-publishable-key">,
 * and the payment from the URL, then starts the checkout or the order page.
 *
 * Stable hooks for browser tests (data-testid), kept as they are:
 *
 * Both pages
 *   language-select              the language <select> ("Language / 语言 / 語言")
 *   status-title                 heading of a status step: processing, waiting for a QR scan,
 *                                redirect, canceled, expired, or a page that could not load
 *   error                        the role=alert error box, holding:
 *   error-message                  the API's localized message
 *   error-suggestion               its suggestion
 *   error-detail                   attempts left / unlock time / available balance, when the code has one
 *   retry-button                 "Try again" when the page could not load
 * Checkout
 *   amount                       the amount due, formatted
 *   method-<type>                method radio: method-card, method-alipay, method-wechat_pay,
 *                                method-unionpay, method-wallet, most likely first (method-order.ts);
 *                                with cards offered too, method-unionpay is the card step's button
 *                                to UnionPay's own page (unionpay-option around it)
 *   countdown                    "Pay within 29:41", ticking to the payment's expires_at
 *   card-number, card-expiry, card-cvc, card-brand (brand name, empty while unknown)
 *   pay-button                   the submit for card, Alipay, WeChat Pay and UnionPay
 *   wallet-balance               the wallet's available balance
 *   wallet-shortfall, wallet-no-pin, wallet-locked, wallet-unavailable   why the wallet cannot pay
 *   pin-input, pin-submit        PIN field (masked) and the wallet's submit
 *   pin-attempts                 attempts remaining, after a wrong PIN
 *   keypad-0 … keypad-9, keypad-delete, keypad-clear   the on-screen keypad
 *   otp-title, otp-input, otp-submit   one-time-code step
 *   qr-code                      the QR code <svg>; qr-waiting, qr-expired, qr-refresh
 *   other-method                 leave a QR/redirect step to choose another method
 *   redirect-link                link to the provider on a redirect step
 *   check-again                  poll again after polling gave up
 *   cancel-button                opens the cancel dialog
 *   cancel-reason-<reason>       reason radios, e.g. cancel-reason-price_changed
 *   cancel-comment, cancel-confirm, cancel-keep
 *   cancellation-reason          the reason shown on the canceled step (only when the payer gave it)
 *   canceled-note                what the canceled or expired step says (who canceled)
 *   return-to-merchant           link back to the merchant (return_url) on result, canceled, expired
 *   close-hint                   instead of that link when the merchant gave no return_url
 *   result-title                 "Payment successful" / "Payment authorized" heading
 *   result-order-number, result-amount, result-method, result-time
 *   order-link                   link to the order-tracking page
 *   rating-1 … rating-5          rating radios; rating-comment, rating-submit, rating-thanks
 * Order page
 *   order-status, order-amount, order-refunded, order-method, order-created
 *   timeline-<type>              timeline entries: paid, shipped, delivered, refunded, canceled
 *   after-sales-request-<status> a request: pending, approved, rejected; an approved refund request by its refund: refund_pending, refunded, refund_failed
 *   after-sales-kind, after-sales-reason, after-sales-amount, after-sales-submit
 *   after-sales-sent             confirmation after sending; after-sales-closed when not allowed
 */
import { startCheckout } from './checkout-page.ts';
import { clientSecretFromHash, paymentIdFromPath } from './flow.ts';
import { detectLanguage, isLang } from './i18n.ts';
import { startOrderPage } from './order-page.ts';
import { clientSecretStorageKey, languageStorageKey, readSession, writeSession } from './storage.ts';

function main(): void {
  const body = document.body;
  const page = body.dataset.page;
  const chosen = readSession(languageStorageKey);
  const lang = detectLanguage({ chosen, customerLocale: null, navigatorLanguages: navigator.languages ?? [navigator.language] });
  const langChosen = isLang(chosen);

  if (page === 'checkout') {
    const paymentId = paymentIdFromPath(window.location.pathname, 'checkout') ?? '';
    const storageKey = clientSecretStorageKey(paymentId);
    const fromHash = clientSecretFromHash(window.location.hash);
    if (fromHash) {
      writeSession(storageKey, fromHash);
      // The secret leaves the address bar (and so screenshots, shared links and history) once the tab
      // has kept it: a reload, or the way back from a provider, finds it in sessionStorage.
      if (readSession(storageKey) === fromHash) window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    }
    const publishableKey = document.querySelector<HTMLMetaElement>('meta[name="paypilot-publishable-key"]')?.content || null;
    startCheckout({ body, paymentId, clientSecret: paymentId ? (fromHash ?? readSession(storageKey)) : null, publishableKey, lang, langChosen });
  } else if (page === 'order') {
    const paymentId = paymentIdFromPath(window.location.pathname, 'orders') ?? '';
    const token = new URLSearchParams(window.location.search).get('token');
    startOrderPage({ body, paymentId, token: paymentId ? token : null, lang, langChosen });
  }
}

main();
