/**
 * /v1/authorizations: authorize (optionally capturing at once), verify a
 * one-time code, capture, void and look up. Statuses move only this way:
 *
 *   requires_otp → authorized | captured | declined | voided
 *   authorized   → captured | voided
 *   captured, declined, voided: final
 */
import type { FastifyInstance } from 'fastify';
import { cardBrand } from '../../domain/payments/card.ts';
import type { WireAuthorizationRequest } from '../../connectors/card/wire.ts';
import { cardError, cardVerdict, otpCodeCorrect } from './cards.ts';
import type { AcquirerContext } from './context.ts';
import { answerRead, answerWrite, requiredKey } from './context.ts';
import type { ApiResponse } from './responses.ts';
import { errorResponse, okResponse } from './responses.ts';
import type { EffectKind } from '../persistence/records.ts';
import type { AcquirerState, AuthorizationRecord } from './state.ts';
import { assertAmounts, authorizationJson, findAuthorization, newObjectId, scopedKey } from './state.ts';
import { amountSchema, byKeyQuerySchema, idParamsSchema } from './schemas.ts';

/** Wrong one-time codes allowed before the authorization is declined. */
export const otpAttemptsMax = 3;

const authorizeBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency', 'capture', 'card'],
  properties: {
    amount: amountSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    capture: { type: 'boolean' },
    description: { type: 'string', maxLength: 1000 },
    card: {
      type: 'object',
      additionalProperties: false,
      required: ['number', 'exp_month', 'exp_year', 'cvc'],
      properties: {
        number: { type: 'string', minLength: 1, maxLength: 32 },
        exp_month: { type: 'integer', minimum: 1, maximum: 12 },
        exp_year: { type: 'integer', minimum: 1970, maximum: 9999 },
        cvc: { type: 'string', pattern: '^[0-9]{3,4}$' },
      },
    },
  },
} as const;

const otpBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['otp'],
  properties: { otp: { type: 'string', minLength: 1, maxLength: 12 } },
} as const;

const captureBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: { amount: amountSchema },
} as const;

type IdParams = { id: string };

export function authorizationRoutes(app: FastifyInstance, context: AcquirerContext): void {
  app.post<{ Body: WireAuthorizationRequest }>(
    '/authorizations',
    { schema: { body: authorizeBodySchema } },
    (request, reply) =>
      answerWrite(context, request, reply, { keyRequired: true }, (state, account, key) =>
        authorize(context, state, account, requiredKey(key), request.body),
      ),
  );

  app.post<{ Params: IdParams; Body: { otp: string } }>(
    '/authorizations/:id/otp',
    { schema: { params: idParamsSchema, body: otpBodySchema } },
    (request, reply) =>
      answerWrite(context, request, reply, { keyRequired: false }, (state, account) =>
        withAuthorization(state, account, request.params.id, (record) => verifyOtp(state, record, request.body.otp)),
      ),
  );

  app.post<{ Params: IdParams; Body: { amount: number } }>(
    '/authorizations/:id/capture',
    { schema: { params: idParamsSchema, body: captureBodySchema } },
    (request, reply) =>
      answerWrite(context, request, reply, { keyRequired: false }, (state, account) =>
        withAuthorization(state, account, request.params.id, (record) => capture(state, record, request.body.amount)),
      ),
  );

  app.post<{ Params: IdParams }>(
    '/authorizations/:id/void',
    // No body schema: a void carries no parameters, and clients may send none.
    { schema: { params: idParamsSchema } },
    (request, reply) =>
      answerWrite(context, request, reply, { keyRequired: false }, (state, account) =>
        withAuthorization(state, account, request.params.id, (record) => voidAuthorization(state, record)),
      ),
  );

  app.get<{ Params: IdParams }>('/authorizations/:id', { schema: { params: idParamsSchema } }, (request, reply) =>
    answerRead(context, request, reply, (state, account) =>
      withAuthorization(state, account, request.params.id, (record) => okResponse(authorizationJson(record))),
    ),
  );

  app.get<{ Querystring: { idempotency_key: string } }>(
    '/authorizations',
    { schema: { querystring: byKeyQuerySchema } },
    (request, reply) =>
      answerRead(context, request, reply, (state, account) => {
        const record = state.authorizationsByKey.get(scopedKey(account, request.query.idempotency_key));
        return record === undefined ? errorResponse('resource_missing') : okResponse(authorizationJson(record));
      }),
  );
}

function withAuthorization(
  state: AcquirerState,
  account: string,
  id: string,
  then: (record: AuthorizationRecord) => ApiResponse,
): ApiResponse {
  const record = findAuthorization(state, account, id);
  if (record === null) return errorResponse('resource_missing', { param: 'id' });
  const response = then(record);
  assertAmounts(record);
  return response;
}

function authorize(
  context: AcquirerContext,
  state: AcquirerState,
  account: string,
  idempotencyKey: string,
  body: WireAuthorizationRequest,
): ApiResponse {
  const verdict = cardVerdict(body.card, context.clock.nowMs());
  // Nothing is created: the client tries again, and nothing is stored under the key.
  if (verdict.kind === 'processing_error') return errorResponse('processing_error');
  const record: AuthorizationRecord = {
    account,
    capture: body.capture,
    otpAttemptsRemaining: otpAttemptsMax,
    refunds: [],
    wire: {
      id: newObjectId('auth', context.random),
      object: 'authorization',
      status: 'requires_otp',
      amount: body.amount,
      amount_captured: 0,
      currency: body.currency,
      idempotency_key: idempotencyKey,
      card: { brand: cardBrand(body.card.number), last4: body.card.number.slice(-4) },
      error: null,
    },
  };
  if (verdict.kind === 'approve') approve(state, record);
  if (verdict.kind === 'decline') decline(state, record, verdict.error);
  state.authorizations.set(record.wire.id, record);
  state.authorizationsByKey.set(scopedKey(account, idempotencyKey), record);
  state.stats.authorizations_created += 1;
  assertAmounts(record);
  return okResponse(authorizationJson(record));
}

/** Approves, capturing at once when the authorization asked for it. */
function approve(state: AcquirerState, record: AuthorizationRecord): void {
  record.wire.error = null;
  recordEffect(state, record, 'authorized', record.wire.amount);
  if (!record.capture) {
    record.wire.status = 'authorized';
    return;
  }
  record.wire.status = 'captured';
  record.wire.amount_captured = record.wire.amount;
  state.stats.charges_succeeded += 1;
  recordEffect(state, record, 'captured', record.wire.amount);
}

function decline(state: AcquirerState, record: AuthorizationRecord, error: AuthorizationRecord['wire']['error']): void {
  record.wire.status = 'declined';
  record.wire.error = error;
  recordEffect(state, record, 'declined', record.wire.amount, error?.code ?? null);
}

/** An effect on an authorization, under the key that created it. */
function recordEffect(state: AcquirerState, record: AuthorizationRecord, kind: EffectKind, amount: number, detail: string | null = null): void {
  state.records.effect({
    kind,
    keyKind: 'idempotency_key',
    key: record.wire.idempotency_key,
    object: record.wire.id,
    amount,
    currency: record.wire.currency,
    detail,
  });
}

function unexpectedState(record: AuthorizationRecord): ApiResponse {
  return errorResponse('authorization_unexpected_state', { message: `The authorization is ${record.wire.status}.` });
}

function verifyOtp(state: AcquirerState, record: AuthorizationRecord, otp: string): ApiResponse {
  if (record.wire.status !== 'requires_otp') return unexpectedState(record);
  if (otp === otpCodeCorrect) {
    approve(state, record);
    return okResponse(authorizationJson(record));
  }
  record.otpAttemptsRemaining -= 1;
  const error = { ...cardError('authentication_failed'), attempts_remaining: record.otpAttemptsRemaining };
  if (record.otpAttemptsRemaining === 0) decline(state, record, error);
  else record.wire.error = error;
  return okResponse(authorizationJson(record));
}

function capture(state: AcquirerState, record: AuthorizationRecord, amount: number): ApiResponse {
  if (record.wire.status !== 'authorized') return unexpectedState(record);
  if (amount > record.wire.amount) return errorResponse('amount_too_large', { param: 'amount' });
  record.wire.status = 'captured';
  record.wire.amount_captured = amount;
  state.stats.captures += 1;
  state.stats.charges_succeeded += 1;
  recordEffect(state, record, 'captured', amount);
  return okResponse(authorizationJson(record));
}

/** Voiding a voided authorization answers it again: the void already happened. */
function voidAuthorization(state: AcquirerState, record: AuthorizationRecord): ApiResponse {
  const { status } = record.wire;
  if (status !== 'authorized' && status !== 'requires_otp' && status !== 'voided') return unexpectedState(record);
  if (status !== 'voided') recordEffect(state, record, 'voided', record.wire.amount);
  record.wire.status = 'voided';
  record.wire.error = null;
  return okResponse(authorizationJson(record));
}
