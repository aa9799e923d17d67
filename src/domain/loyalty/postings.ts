/**
 * Loyalty points on the double-entry ledger, in the unit `PTS`.
 *
 * Accounts, per merchant and mode:
 * - `points_pending` (a customer's): earned, not yet spendable;
 * - `points_available` (a customer's): spendable;
 * - `points_reserved` (a customer's): set aside for a payment in flight;
 * - `points_issued` (the merchant's): the source of every point, negative by
 *   nature: minus the points issued and not taken back;
 * - `points_redeemed`, `points_expired` (the merchant's): where spent and
 *   expired points end.
 * So the outstanding liability is the sum of the three customer accounts, and
 * `-issued = pending + available + reserved + redeemed + expired`.
 *
 * Each movement is one balanced transaction with a key of its own, so a
 * retried write can never move points twice. The movements whose amount
 * depends on rows locked in the same statement (a refund's share) are
 * written by SQL in store/loyalty.ts, with these same accounts and kinds.
 */
import type { Leg, LedgerTransactionKind, Posting } from '../wallet/ledger.ts';
import { posting } from '../wallet/ledger.ts';
import { pointsUnit } from './programme.ts';

export { pointsUnit };

interface PointsHeader {
  customerId: string;
  paymentId: string | null;
  refundId: string | null;
}

function pointsPosting(kind: LedgerTransactionKind, header: PointsHeader, idempotencyKey: string, legs: Leg[]): Posting {
  return posting(kind, { ...header, currency: pointsUnit }, idempotencyKey, legs);
}

/** A payment earned points: they are pending until the programme's delay has passed. */
export function earnPoints(header: PointsHeader & { paymentId: string }, points: bigint): Posting {
  return pointsPosting('points_earn', header, `${header.paymentId}:points_earn`, [
    { account: 'points_issued', amount: -points },
    { account: 'points_pending', amount: points },
  ]);
}

/** A lot's delay has passed: its points (less what a refund took back) become spendable. */
export function maturePoints(header: PointsHeader, lotId: string, points: bigint): Posting {
  return pointsPosting('points_mature', header, `${lotId}:points_mature`, [
    { account: 'points_pending', amount: -points },
    { account: 'points_available', amount: points },
  ]);
}

/** Points set aside for a payment being confirmed; `serial` (the payment's version) keys each confirm's reservation. */
export function reservePoints(header: PointsHeader & { paymentId: string }, serial: number, points: bigint): Posting {
  return pointsPosting('points_reserve', header, `${header.paymentId}:points_reserve:${serial}`, [
    { account: 'points_available', amount: -points },
    { account: 'points_reserved', amount: points },
  ]);
}

/** The payment did not go through (declined, canceled, expired, or confirmed again with other points): they come back. */
export function releasePoints(header: PointsHeader & { paymentId: string }, serial: number, points: bigint): Posting {
  return pointsPosting('points_release', header, `${header.paymentId}:points_release:${serial}`, [
    { account: 'points_reserved', amount: -points },
    { account: 'points_available', amount: points },
  ]);
}

/** The payment succeeded: the reserved points are spent. */
export function redeemPoints(header: PointsHeader & { paymentId: string }, points: bigint): Posting {
  return pointsPosting('points_redeem', header, `${header.paymentId}:points_redeem`, [
    { account: 'points_reserved', amount: -points },
    { account: 'points_redeemed', amount: points },
  ]);
}

/** Points left unspent past their lot's expiry; `through` names the last lot this run settled. */
export function expirePoints(header: PointsHeader, through: string, points: bigint): Posting {
  return pointsPosting('points_expire', header, `${header.customerId}:points_expire:${through}`, [
    { account: 'points_available', amount: -points },
    { account: 'points_expired', amount: points },
  ]);
}

export const customerPointsAccounts = ['points_pending', 'points_available', 'points_reserved'] as const;
export const merchantPointsAccounts = ['points_issued', 'points_redeemed', 'points_expired'] as const;
