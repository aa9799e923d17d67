/**
 * How the simulated acquirer answers each card: the "Test cards" table of
 * shared/PROTOCOLS.md (Stripe's published test numbers). Any other number
 * that passes the Luhn check and has a future expiry is approved.
 */
import { isExpired, luhnValid } from '../../domain/payments/card.ts';
import type { WireAuthorizationRequest, WireCardError } from '../../connectors/card/wire.ts';

export type CardVerdict =
  | { kind: 'approve' }
  | { kind: 'require_otp' }
  | { kind: 'decline'; error: WireCardError }
  /** Answered 402 and never stored: nothing happened, the client may try again. */
  | { kind: 'processing_error' };

/** The one-time code the OTP card accepts. */
export const otpCodeCorrect = '000000';

const messages: Record<string, string> = {
  card_declined: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  incorrect_number: 'Your card number is incorrect.',
  risk_blocked: 'This payment was blocked by risk checks.',
  authentication_failed: 'The one-time code is not correct.',
};

export function cardError(code: string, declineCode: string | null = null): WireCardError {
  return { code, decline_code: declineCode, message: messages[code] ?? 'Your card was declined.' };
}

function decline(code: string, declineCode: string | null = null): CardVerdict {
  return { kind: 'decline', error: cardError(code, declineCode) };
}

const testCards: ReadonlyMap<string, CardVerdict> = new Map([
  ['4000000000000002', decline('card_declined', 'generic_decline')],
  ['4000000000009995', decline('card_declined', 'insufficient_funds')],
  ['4000000000009987', decline('card_declined', 'lost_card')],
  ['4000000000009979', decline('card_declined', 'stolen_card')],
  ['4000000000000069', decline('expired_card')],
  ['4000000000000127', decline('incorrect_cvc')],
  ['4000000000000119', { kind: 'processing_error' }],
  ['4000000000006975', decline('card_declined', 'card_velocity_exceeded')],
  ['4000002760003184', { kind: 'require_otp' }],
  ['4100000000000019', decline('risk_blocked')],
]);

export function cardVerdict(card: WireAuthorizationRequest['card'], nowMs: number): CardVerdict {
  if (!luhnValid(card.number)) return decline('incorrect_number');
  if (isExpired(card.exp_month, card.exp_year, nowMs)) return decline('expired_card');
  return testCards.get(card.number) ?? { kind: 'approve' };
}
