/**
 * The wallet's double-entry ledger: which accounts exist and how each kind of
 * movement splits into legs. Pure: the store writes what these functions
 * decide, and every posting is checked to balance before it leaves here.
 *
 * Accounts, per merchant, mode and currency (amounts are signed; a positive
 * balance is money the account holds):
 * - `customer_wallet`: what the customer may spend (never negative);
 * - `customer_hold`: what is set aside for the customer's uncaptured payments (never negative);
 * - `merchant_wallet`: what customers paid the merchant from their wallets (never negative);
 * - `top_up_clearing`: the other side of top-ups, money that came in through a
 *   payment channel. It is negative by nature: minus the sum the merchant owes
 *   wallet holders and has already been paid for by them.
 */
import { assert } from '../assert.ts';

export const ledgerAccountKinds = [
  'customer_wallet',
  'customer_hold',
  'merchant_wallet',
  'top_up_clearing',
  // Loyalty points, in the unit `PTS` (see domain/loyalty/postings.ts).
  'points_pending',
  'points_available',
  'points_reserved',
  'points_issued',
  'points_redeemed',
  'points_expired',
] as const;
export type LedgerAccountKind = (typeof ledgerAccountKinds)[number];

export const customerAccountKinds: readonly LedgerAccountKind[] = ['customer_wallet', 'customer_hold', 'points_pending', 'points_available', 'points_reserved'];

/** Accounts that stand for value someone holds may never go below zero; the two sources are negative by nature. */
export function isNonNegative(kind: LedgerAccountKind): boolean {
  return kind !== 'top_up_clearing' && kind !== 'points_issued';
}

export const ledgerTransactionKinds = [
  'top_up',
  'payment',
  'hold',
  'capture',
  'release',
  'refund',
  'top_up_refund',
  'top_up_refund_reversal',
  'points_earn',
  'points_mature',
  'points_reserve',
  'points_release',
  'points_redeem',
  'points_reverse',
  'points_return',
  'points_expire',
] as const;
export type LedgerTransactionKind = (typeof ledgerTransactionKinds)[number];

export interface Leg {
  account: LedgerAccountKind;
  /** Minor units; positive adds to the account's balance. */
  amount: bigint;
}

export interface Posting {
  kind: LedgerTransactionKind;
  currency: string;
  customerId: string;
  paymentId: string | null;
  refundId: string | null;
  /** One movement per key, ever: a retried write can never move money twice. */
  idempotencyKey: string;
  legs: Leg[];
}

type PostingHeader = Omit<Posting, 'kind' | 'legs' | 'idempotencyKey'>;

/** A posting whose legs are checked to balance; zero legs are left out. */
export function posting(kind: LedgerTransactionKind, header: PostingHeader, idempotencyKey: string, legs: Leg[]): Posting {
  const kept = legs.filter((leg) => leg.amount !== 0n);
  assertBalanced(kept);
  return { ...header, kind, idempotencyKey, legs: kept };
}

/** Money paid in through a channel becomes spendable. */
export function topUp(header: PostingHeader & { paymentId: string }, amount: bigint): Posting {
  return posting('top_up', header, `${header.paymentId}:top_up`, [
    { account: 'top_up_clearing', amount: -amount },
    { account: 'customer_wallet', amount },
  ]);
}

/** A wallet payment captured at once. */
export function walletPayment(header: PostingHeader & { paymentId: string }, amount: bigint): Posting {
  return posting('payment', header, `${header.paymentId}:payment`, [
    { account: 'customer_wallet', amount: -amount },
    { account: 'merchant_wallet', amount },
  ]);
}

/** A wallet payment with manual capture: the amount is set aside, not yet the merchant's. */
export function hold(header: PostingHeader & { paymentId: string }, amount: bigint): Posting {
  return posting('hold', header, `${header.paymentId}:hold`, [
    { account: 'customer_wallet', amount: -amount },
    { account: 'customer_hold', amount },
  ]);
}

/** Capturing part or all of a hold: the captured part goes to the merchant, the rest back to the wallet. */
export function capture(header: PostingHeader & { paymentId: string }, held: bigint, captured: bigint): Posting {
  assert(captured > 0n && captured <= held, 'a capture takes part or all of the hold');
  return posting('capture', header, `${header.paymentId}:capture`, [
    { account: 'customer_hold', amount: -held },
    { account: 'merchant_wallet', amount: captured },
    { account: 'customer_wallet', amount: held - captured },
  ]);
}

/** Canceling an uncaptured wallet payment gives the whole hold back. */
export function release(header: PostingHeader & { paymentId: string }, held: bigint): Posting {
  return posting('release', header, `${header.paymentId}:release`, [
    { account: 'customer_hold', amount: -held },
    { account: 'customer_wallet', amount: held },
  ]);
}

/** A refund of a wallet payment returns the money to the wallet. */
export function refund(header: PostingHeader & { refundId: string }, amount: bigint): Posting {
  return posting('refund', header, `${header.refundId}:refund`, [
    { account: 'merchant_wallet', amount: -amount },
    { account: 'customer_wallet', amount },
  ]);
}

/**
 * Refunding a top-up to the card or account it came from: the money leaves the
 * wallet before the provider is asked, so it cannot be spent twice.
 */
export function topUpRefund(header: PostingHeader & { refundId: string }, amount: bigint): Posting {
  return posting('top_up_refund', header, topUpRefundKey(header.refundId), [
    { account: 'customer_wallet', amount: -amount },
    { account: 'top_up_clearing', amount },
  ]);
}

export function topUpRefundKey(refundId: string): string {
  return `${refundId}:top_up_refund`;
}

/** The provider refused the top-up's refund: the money comes back to the wallet. */
export function topUpRefundReversal(header: PostingHeader & { refundId: string }, amount: bigint): Posting {
  return posting('top_up_refund_reversal', header, `${header.refundId}:top_up_refund_reversal`, [
    { account: 'top_up_clearing', amount: -amount },
    { account: 'customer_wallet', amount },
  ]);
}

/** Legs sum to zero, touch each account once, and move whole, bounded amounts. */
export function assertBalanced(legs: readonly Leg[]): void {
  assert(legs.length >= 2, 'a ledger transaction has at least two legs');
  const sum = legs.reduce((total, leg) => total + leg.amount, 0n);
  assert(sum === 0n, `ledger legs sum to ${sum}, not zero`);
  const accounts = new Set(legs.map((leg) => leg.account));
  assert(accounts.size === legs.length, 'a ledger transaction touches each account once');
  for (const leg of legs) assert(leg.amount !== 0n && leg.amount <= 1_000_000_000_000n && leg.amount >= -1_000_000_000_000n, 'leg amount within bounds');
}
