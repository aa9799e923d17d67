/**
 * What a payment's change of status does to its customer's points, decided
 * before the change is written so it commits in the same statement
 * (flows/payment-transitions.ts):
 * - succeeded: the reserved points are spent, and the payment earns points
 *   (a new lot, pending for the programme's delay);
 * - back to requires_payment_method (declined, or the payer switched method)
 *   or canceled (by anyone, or abandoned): the reserved points come back and
 *   the amount due is the full amount again.
 * A payment without a customer never touches points, and reads nothing.
 */
import { earnPoints, redeemPoints, releasePoints } from '../../domain/loyalty/postings.ts';
import { pointsEarned } from '../../domain/loyalty/programme.ts';
import type { PaymentStatus } from '../../domain/payments/payment-state.ts';
import { findCustomer } from '../../store/customers.ts';
import { ensurePointsAccounts, findProgramme, type PointsTransitionChange } from '../../store/loyalty.ts';
import type { PaymentPatch, PaymentRecord } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

export interface PointsOfTransition {
  patch: PaymentPatch;
  change: PointsTransitionChange | undefined;
}

const none: PointsOfTransition = { patch: {}, change: undefined };

export async function pointsOfTransition(context: FlowContext, payment: PaymentRecord, to: PaymentStatus, patch: PaymentPatch, at: Date): Promise<PointsOfTransition> {
  const customerId = payment.customer_id;
  if (customerId === null || payment.status === to || payment.purpose !== 'payment') return none;
  const header = { customerId, paymentId: payment.id, refundId: null };
  const reserved = payment.points_redeemed;
  if ((to === 'requires_payment_method' || to === 'canceled') && reserved > 0n) {
    return {
      patch: { amount: payment.amount + payment.points_value, points_redeemed: 0n, points_value: 0n },
      change: { postings: [{ posting: releasePoints(header, payment.version, reserved), transactionId: context.ids.newId('ltx') }] },
    };
  }
  if (to !== 'succeeded') return none;
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const programme = await findProgramme(context.db, scope);
  if (!programme && reserved === 0n) return none;
  const amountReceived = patch.amount_received ?? payment.amount_received;
  const method = ((patch.payment_method ?? payment.payment_method) as { type?: string } | null)?.type ?? null;
  const segment = programme && Object.keys(programme.terms.earn.segment_percent).length > 0 ? await segmentOf(context, scope, customerId) : null;
  const earned = programme ? pointsEarned(programme, { amountReceived, currency: payment.currency, paymentMethodType: method, segment, at }) : 0n;
  if (earned === 0n && reserved === 0n) return none;
  await ensurePointsAccounts(context.db, scope, customerId, () => context.ids.newId('lac'), at);
  const postings = [];
  if (reserved > 0n) postings.push({ posting: redeemPoints(header, reserved), transactionId: context.ids.newId('ltx') });
  if (earned > 0n) postings.push({ posting: earnPoints(header, earned), transactionId: context.ids.newId('ltx') });
  const hourMs = 3_600_000;
  const lot =
    earned > 0n && programme
      ? {
          id: context.ids.newId('plt'),
          customerId,
          points: earned,
          availableAt: new Date(at.getTime() + programme.terms.spend_delay_hours * hourMs),
          expiresAt: new Date(at.getTime() + programme.terms.expiry_days * 24 * hourMs),
        }
      : undefined;
  return {
    patch: { points_earned: earned },
    change: { postings, lot, refundBasis: { customerId, earned, spent: reserved, amountBasis: amountReceived } },
  };
}

async function segmentOf(context: FlowContext, scope: { merchantId: string; mode: PaymentRecord['mode'] }, customerId: string): Promise<string | null> {
  const customer = await findCustomer(context.db, scope, customerId);
  return customer?.metadata.loyalty_segment ?? null;
}
