/**
 * The one interface every payment connector implements. Connectors are
 * stateless: they turn a request into the provider's wire format, call it with
 * an explicit timeout, verify what comes back, and map the provider's answer
 * onto these outcomes. They never touch the database and never retry: the
 * flows decide what to do with each outcome (see flows/connector-calls.ts).
 *
 * An answer a connector does not understand maps to `unknown`, never to
 * success or failure: the payment then waits for a status query.
 */
import type { CardInput } from '../domain/card.ts';
import type { DeclineCode } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';

export const connectorNames = ['card', 'alipay', 'wechat_pay', 'unionpay'] as const;
export type ConnectorName = (typeof connectorNames)[number];

/** A merchant's account at one provider, with its credentials decrypted for the call. */
export interface ConnectorAccount {
  id: string;
  connector: ConnectorName;
  baseUrl: string;
  credentials: Readonly<Record<string, string>>;
}

/** Codes a provider may give for a refusal; every one is in the error catalog. */
export type DeclineErrorCode =
  | 'card_declined'
  | 'expired_card'
  | 'incorrect_cvc'
  | 'incorrect_number'
  | 'risk_blocked'
  | 'authentication_failed'
  | 'insufficient_funds';

/**
 * Failures, by what they mean for money:
 * - `declined`: the provider refused and nothing moved. Never retried.
 * - `retriable`: the provider said nothing moved but trying again may work
 *   (processing_error, a 5xx whose body says so). Retried with a new key.
 * - `unknown`: we cannot tell whether anything moved (timeout after sending,
 *   connection dropped, unreadable answer). Retried only with the same key,
 *   or resolved by a status query.
 */
export type ConnectorFailure =
  | {
      kind: 'declined';
      code: DeclineErrorCode;
      declineCode: DeclineCode | null;
      reference: string | null;
      attemptsRemaining: number | null;
    }
  | { kind: 'retriable'; code: 'processing_error' | 'connector_unavailable'; detail: string }
  | { kind: 'unknown'; detail: string };

export type NextAction =
  | { type: 'verify_otp' }
  | { type: 'redirect_to_url'; redirect_to_url: { url: string } }
  | { type: 'display_qr_code'; display_qr_code: { data: string; expires_at: string } };

/** The state of a payment at the provider, as an authorization, a query or an OTP check reports it. */
export type PaymentOutcome =
  | {
      kind: 'authorized';
      reference: string;
      /** True when the funds were captured too (automatic capture). */
      captured: boolean;
      amountCaptured: bigint;
    }
  | { kind: 'requires_action'; reference: string; nextAction: NextAction }
  | { kind: 'voided'; reference: string }
  | { kind: 'not_found' }
  | ConnectorFailure;

export type CaptureOutcome = { kind: 'captured'; amountCaptured: bigint } | ConnectorFailure;
export type VoidOutcome = { kind: 'voided' } | ConnectorFailure;
export type RefundOutcome =
  | { kind: 'succeeded'; reference: string }
  | { kind: 'pending'; reference: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'not_found' }
  | ConnectorFailure;

export interface AuthorizeRequest {
  /** Derived from the attempt: the same key on a retry means the provider charges at most once. */
  idempotencyKey: string;
  amount: bigint;
  currency: Currency;
  capture: boolean;
  card: CardInput;
  description: string | null;
}

export interface CardConnector {
  readonly name: 'card';
  authorize(account: ConnectorAccount, request: AuthorizeRequest): Promise<PaymentOutcome>;
  verifyOtp(account: ConnectorAccount, request: { idempotencyKey: string; reference: string; otp: string }): Promise<PaymentOutcome>;
  capture(account: ConnectorAccount, request: { idempotencyKey: string; reference: string; amount: bigint }): Promise<CaptureOutcome>;
  void(account: ConnectorAccount, request: { idempotencyKey: string; reference: string }): Promise<VoidOutcome>;
  refund(
    account: ConnectorAccount,
    request: { idempotencyKey: string; reference: string; amount: bigint; currency: Currency },
  ): Promise<RefundOutcome>;
  /** Looks a payment up by the idempotency key its authorization was sent with. */
  queryPayment(account: ConnectorAccount, request: { idempotencyKey: string }): Promise<PaymentOutcome>;
  queryRefund(account: ConnectorAccount, request: { idempotencyKey: string }): Promise<RefundOutcome>;
}
