/**
 * Which step of the checkout a payment calls for. Pure: the page renders
 * whatever this answers, and the unit tests pin it for every status.
 */
import type { CustomerVerification, NextAction, Payment, WechatPayJsapiParameters } from './api-types.ts';

export type PaymentView =
  | { kind: 'pay' }
  /** A one-time code: the bank's (verification null) or the customer's own, sent by Paypilot. */
  | { kind: 'otp'; verification: CustomerVerification | null }
  | { kind: 'qr'; data: string; expiresAt: string | null }
  | { kind: 'redirect'; url: string }
  /** Inside WeChat: WeChat's own cashier, opened with parameters the server signed. */
  | { kind: 'wechat_jsapi'; parameters: WechatPayJsapiParameters }
  | { kind: 'processing' }
  | { kind: 'succeeded'; authorizedOnly: boolean }
  | { kind: 'canceled'; expired: boolean };

export const pollIntervalMs = 2_000;
/** Thirty minutes of polling (a payment's default lifetime); then the payer is offered a button to check again. */
export const pollAttemptsMax = 900;

export function viewForPayment(payment: Payment, nowMs: number): PaymentView {
  switch (payment.status) {
    case 'succeeded':
      return { kind: 'succeeded', authorizedOnly: false };
    case 'requires_capture':
      // The payer's part is over; the merchant captures later.
      return { kind: 'succeeded', authorizedOnly: true };
    case 'canceled':
      return { kind: 'canceled', expired: payment.cancellation_reason === 'abandoned' };
    case 'requires_action':
      return viewForAction(payment);
    case 'requires_payment_method':
    case 'requires_confirmation':
      return isPastExpiry(payment, nowMs) ? { kind: 'canceled', expired: true } : { kind: 'pay' };
    default:
      // `processing`, or a status this page does not know yet: wait for the outcome, never assume one.
      return { kind: 'processing' };
  }
}

function viewForAction(payment: Payment): PaymentView {
  const action = payment.next_action;
  switch (action?.type) {
    case 'verify_otp':
      return { kind: 'otp', verification: customerVerificationOf(action) };
    case 'display_qr_code':
      return { kind: 'qr', data: action.display_qr_code.data, expiresAt: action.display_qr_code.expires_at ?? null };
    case 'redirect_to_url':
      return { kind: 'redirect', url: action.redirect_to_url.url };
    case 'wechat_pay_jsapi':
      return { kind: 'wechat_jsapi', parameters: action.wechat_pay_jsapi };
    default:
      return { kind: 'processing' };
  }
}

/** The customer's own verification when next_action asks for it; null for a card's code or anything else. */
export function customerVerificationOf(action: NextAction | null | undefined): CustomerVerification | null {
  if (action?.type !== 'verify_otp') return null;
  const verification = action.verify_otp;
  return verification?.reason === 'customer_verification' ? verification : null;
}

/** What the payer submitted to pay (the method, and the return address some methods need), minus the client_secret. */
export interface SubmittedMethod {
  payment_method: Record<string, unknown>;
  return_url?: string;
}

/**
 * The confirm body for a code: the bank's code alone; the customer's code
 * with the method the payer just submitted, so one call verifies and pays
 * (without it, the code only verifies and the payer chooses a method again).
 */
export function otpConfirmBody(clientSecret: string, otp: string, verification: CustomerVerification | null, submitted: SubmittedMethod | null): Record<string, unknown> {
  if (!verification || !submitted) return { client_secret: clientSecret, otp };
  return { client_secret: clientSecret, otp, ...submitted };
}

/** True once the customer's code is past its expiry (an unreadable time is never taken as expired: the API decides). */
export function isVerificationExpired(verification: CustomerVerification, nowMs: number): boolean {
  const expiresMs = Date.parse(verification.expires_at);
  return !Number.isNaN(expiresMs) && expiresMs <= nowMs;
}

function isPastExpiry(payment: Payment, nowMs: number): boolean {
  if (!payment.expires_at) return false;
  const expiresMs = Date.parse(payment.expires_at);
  return !Number.isNaN(expiresMs) && expiresMs <= nowMs;
}

/** Steps that wait on someone else (the payer's phone, a provider), so the page asks again every two seconds. */
export function isPolledView(view: { kind: string }): boolean {
  return view.kind === 'qr' || view.kind === 'redirect' || view.kind === 'wechat_jsapi' || view.kind === 'processing';
}

/**
 * The payer's WeChat openid for a JSAPI payment: only inside WeChat (its
 * browser says MicroMessenger) and only when the merchant, who knows it from
 * its own official account, sent the payer here with `?wechat_openid=…`.
 */
export function wechatOpenid(search: string, userAgent: string): string | null {
  if (!/MicroMessenger\//i.test(userAgent)) return null;
  const openid = new URLSearchParams(search).get('wechat_openid');
  return openid !== null && /^[A-Za-z0-9_-]{1,128}$/.test(openid) ? openid : null;
}

/** Only http(s) addresses are followed: never a javascript: or data: URL, whatever the API says. */
export function safeRedirectUrl(url: string, base: string): string | null {
  try {
    const parsed = new URL(url, base);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A newer copy of the payment replaces the one shown; an older one (a slow poll) is dropped. */
export function isNewer(incoming: Payment, current: Payment | null): boolean {
  if (!current) return true;
  const incomingMs = Date.parse(incoming.updated_at);
  const currentMs = Date.parse(current.updated_at);
  if (Number.isNaN(incomingMs) || Number.isNaN(currentMs)) return true;
  return incomingMs >= currentMs;
}

/** The payment id in /checkout/:id or /orders/:id; null when the path is anything else. */
export function paymentIdFromPath(pathname: string, prefix: 'checkout' | 'orders'): string | null {
  const match = new RegExp(`^/${prefix}/([A-Za-z0-9_]{1,64})/?$`).exec(pathname);
  return match?.[1] ?? null;
}

/** The client_secret after '#' in the checkout link (it never reaches the server in a request line). */
export function clientSecretFromHash(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw.length === 0 || raw.length > 255) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return /^[A-Za-z0-9_\-.]+$/.test(decoded) ? decoded : null;
}
