/**
 * The baseline: what one create + confirm pair costs the database alone.
 * The same statements, in the same order, with the same values, sent
 * through the same store functions (Kysely over a pg Pool) — but with no
 * HTTP, no Fastify, no acquirer call and no second process. The list is in
 * statements.ts (`expectedStatements`); the bench counts what is really sent.
 *
 * The flow pieces that shape the values (createPayment, transitionPayment,
 * decideAuthorization, presentPayment, requestHash) are the real ones, so
 * the rows and JSON written are those the server writes.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CardInput } from '../src/domain/card.ts';
import { toStoredCard } from '../src/domain/stored-card.ts';
import { decideAuthorization } from '../src/flows/authorization-outcome.ts';
import type { FlowContext } from '../src/flows/context.ts';
import { createPayment, type CreatePaymentInput } from '../src/flows/create-payment.ts';
import { transitionPayment } from '../src/flows/payment-transitions.ts';
import { presentPayment } from '../src/flows/present.ts';
import { requestHash } from '../src/http/plugins/idempotency.ts';
import { limits } from '../src/domain/limits.ts';
import { findEnabledAccounts } from '../src/store/connector-accounts.ts';
import { claimIdempotencyKey, completeIdempotencyKey } from '../src/store/idempotency.ts';
import { findPayment, type PaymentRecord, type Scope } from '../src/store/payments.ts';
import type { Sample } from './load.ts';

export interface PaymentRequests {
  create: CreatePaymentInput;
  confirm: { payment_method: { type: 'card'; card: CardInput } };
}

export interface BaselineOptions {
  context: FlowContext;
  scope: Scope;
  apiKeyId: string;
  withIdempotencyKeys: boolean;
  requests: PaymentRequests;
}

/** One create + confirm pair, statement for statement what the server sends for it. */
export async function baselinePayment(options: BaselineOptions): Promise<Sample> {
  const { context, scope, requests } = options;
  const startedMs = performance.now();

  // POST /v1/payments
  const createKey = await claim(options, '/v1/payments', requests.create);
  const created = await createPayment(context, scope, requests.create);
  if (createKey) await completeIdempotencyKey(context.db, createKey, { status: 200, body: responseBody(context, created) });
  const createdMs = performance.now();

  // POST /v1/payments/:id/confirm
  const confirmPath = `/v1/payments/${created.id}/confirm`;
  const confirmKey = await claim(options, confirmPath, requests.confirm);
  const payment = await findPayment(context.db, scope, created.id);
  if (!payment) return failure('confirm: payment not found');
  const [account] = await findEnabledAccounts(context.db, scope, 'card');
  if (!account) return failure('confirm: no card account');
  const attemptId = context.ids.newId('att');
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor: 'merchant',
    patch: { payment_method: { type: 'card', card: toStoredCard(requests.confirm.payment_method.card, context.keys.cardFingerprint) }, last_error: null, next_action: null },
    newAttempt: {
      id: attemptId,
      operation: 'authorize',
      connector: 'card',
      connector_account_id: account.id,
      payment_method_type: 'card',
      amount: payment.amount,
      provider_idempotency_key: attemptId,
    },
  });
  if (!processing) return failure('confirm: lost the processing transition');
  // What the acquirer answers for 4242…: authorized and captured. No call is made here.
  const decision = decideAuthorization(processing, attemptId, { kind: 'authorized', reference: `ch_${randomUUID()}`, captured: true, amountCaptured: payment.amount });
  if (decision.kind !== 'settled') return failure('confirm: unexpected decision');
  const settled = await transitionPayment(context, processing, {
    to: decision.to,
    actor: 'provider',
    patch: decision.patch,
    error: decision.error,
    eventTypes: decision.eventTypes,
    attemptResult: {
      id: attemptId,
      status: decision.attemptStatus,
      provider_reference: decision.reference,
      error_code: null,
      decline_code: null,
      tries: 1,
      latency_ms: 0,
      completed: true,
      next_query_at: null,
    },
  });
  if (!settled) return failure('confirm: lost the settling transition');
  if (confirmKey) await completeIdempotencyKey(context.db, confirmKey, { status: 200, body: responseBody(context, settled) });
  const endedMs = performance.now();
  return { ok: settled.status === 'succeeded', latenciesMs: { pair: endedMs - startedMs, create: createdMs - startedMs, confirm: endedMs - createdMs } };
}

async function claim(options: BaselineOptions, path: string, body: unknown): Promise<{ apiKeyId: string; key: string } | null> {
  if (!options.withIdempotencyKeys) return null;
  const key = randomUUID();
  const nowMs = options.context.clock.nowMs();
  const result = await claimIdempotencyKey(options.context.db, {
    apiKeyId: options.apiKeyId,
    key,
    method: 'POST',
    path,
    requestHash: requestHash('POST', path, body),
    now: new Date(nowMs),
    staleBefore: new Date(nowMs - limits.idempotencyInProgressStaleMs),
  });
  if (result.kind !== 'claimed') throw new Error(`baseline: idempotency key not claimed (${result.kind})`);
  return { apiKeyId: options.apiKeyId, key };
}

function responseBody(context: FlowContext, payment: PaymentRecord): string {
  return JSON.stringify(presentPayment(payment, { publicBaseUrl: context.publicBaseUrl, locale: 'en', viewer: 'merchant' }));
}

function failure(error: string): Sample {
  return { ok: false, latenciesMs: {}, error };
}
