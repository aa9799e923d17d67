/**
 * The payment state machine: the one place that says which status may follow
 * which. Flows ask `canTransition` to decide, and `assertTransition` right
 * before they write, so an illegal change can never reach the database.
 */
import { assert } from '../assert.ts';

export const paymentStatuses = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const cancellationReasons = [
  'duplicate',
  'fraudulent',
  'requested_by_customer',
  'abandoned',
  'price_changed',
  'too_complicated',
  'payment_method_unavailable',
  'network_issue',
  'quality_concern',
  'other',
] as const;
export type CancellationReason = (typeof cancellationReasons)[number];

/** Who caused a change: recorded on every payment event. */
export type Actor = 'payer' | 'merchant' | 'provider' | 'system';

const transitions: Record<PaymentStatus, readonly PaymentStatus[]> = {
  // A new payment waits for the payer to choose how to pay; confirming sends it to the provider, or first
  // asks a customer restricted for abuse of cancellation for a one-time code (requires_action).
  requires_payment_method: ['processing', 'requires_action', 'canceled'],
  requires_confirmation: ['processing', 'requires_action', 'canceled'],
  // The payer must act (one-time code, redirect, QR scan); the answer comes back through processing.
  requires_action: ['processing', 'requires_payment_method', 'requires_capture', 'succeeded', 'canceled'],
  // An outcome is awaited from the provider; nobody may cancel until it is known.
  processing: ['requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'canceled'],
  // Authorized: capture (through processing) or cancel (releasing the authorization).
  requires_capture: ['processing', 'canceled'],
  succeeded: [],
  canceled: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return transitions[from].includes(to);
}

export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  assert(canTransition(from, to), `illegal payment transition ${from} -> ${to}`);
}

export function isFinal(status: PaymentStatus): boolean {
  return transitions[status].length === 0;
}

/** Statuses from which a payer may confirm (pay). */
export function isConfirmable(status: PaymentStatus): boolean {
  return status === 'requires_payment_method' || status === 'requires_confirmation';
}

/** Statuses in which nobody has paid and nothing is in flight: these expire as abandoned. */
export const abandonableStatuses = ['requires_payment_method', 'requires_confirmation', 'requires_action'] as const satisfies readonly PaymentStatus[];

/** Statuses a merchant or payer may cancel from. */
export function isCancelable(status: PaymentStatus): boolean {
  return canTransition(status, 'canceled') && status !== 'processing';
}

for (const [from, targets] of Object.entries(transitions)) {
  for (const to of targets) assert(to !== from, `self-transition listed for ${from}`);
}
assert(!canTransition('succeeded', 'canceled') && !canTransition('canceled', 'succeeded'), 'final statuses stay final');
