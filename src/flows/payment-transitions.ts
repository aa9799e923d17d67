/**
 * The one way flows change a payment's status: compute the new state, write
 * it with its history row and its merchant events in one statement, and
 * answer the new state (or null when another writer got there first).
 */
import type { ErrorCode } from '../domain/errors.ts';
import type { Actor, PaymentStatus } from '../domain/payment-state.ts';
import { commitTransition, type AttemptResult, type NewAttempt, type PaymentPatch, type PaymentRecord } from '../store/payments.ts';
import { now, type FlowContext } from './context.ts';
import { presentPayment, type StoredError } from './present.ts';

export interface TransitionRequest {
  to: PaymentStatus;
  patch?: PaymentPatch;
  actor: Actor;
  reason?: string | null;
  error?: StoredError | null;
  eventTypes?: string[];
  newAttempt?: NewAttempt;
  attemptResult?: AttemptResult;
  /** The instant of the change (default: now); a new attempt starts at it. */
  at?: Date;
}

export async function transitionPayment(
  context: FlowContext,
  payment: PaymentRecord,
  request: TransitionRequest,
): Promise<PaymentRecord | null> {
  const at = request.at ?? now(context);
  const patch = request.patch ?? {};
  const next = {
    ...payment,
    ...patch,
    status: request.to,
    version: payment.version + 1,
    updated_at: at,
  } as PaymentRecord;
  const snapshot = presentPayment(next, { publicBaseUrl: context.publicBaseUrl, locale: 'en', viewer: 'merchant' });
  const attemptId = request.newAttempt?.id ?? request.attemptResult?.id ?? null;
  const committed = await commitTransition(context.db, {
    payment: { id: payment.id, status: payment.status, version: payment.version },
    to: request.to,
    patch,
    history: {
      id: context.ids.newId('pev'),
      actor: request.actor,
      reason: request.reason ?? null,
      errorCode: (request.error?.code as ErrorCode | undefined) ?? null,
      declineCode: request.error?.decline_code ?? null,
      attemptId,
    },
    events: (request.eventTypes ?? []).map((type) => ({ id: context.ids.newId('evt'), type, data: { object: snapshot } })),
    newAttempt: request.newAttempt,
    attemptResult: request.attemptResult,
    now: at,
  });
  return committed ? next : null;
}
