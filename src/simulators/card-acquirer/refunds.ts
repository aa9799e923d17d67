/**
 * /v1/refunds: refund part or all of a captured authorization, and look a
 * refund up. A refund that would take the succeeded refunds past what was
 * captured is recorded as failed (a final answer for its key), never paid.
 */
import type { FastifyInstance } from 'fastify';
import type { WireRefund } from '../../connectors/card/wire.ts';
import type { AcquirerContext } from './context.ts';
import { answerRead, answerWrite, requiredKey } from './context.ts';
import type { ApiResponse } from './responses.ts';
import { errorResponse, okResponse } from './responses.ts';
import type { AcquirerState } from './state.ts';
import { assertAmounts, findAuthorization, newObjectId, refundedAmount, scopedKey } from './state.ts';
import { amountSchema, byKeyQuerySchema, idParamsSchema } from './schemas.ts';

interface RefundRequest {
  authorization: string;
  amount: number;
}

const refundBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['authorization', 'amount'],
  properties: { authorization: { type: 'string', minLength: 1, maxLength: 64 }, amount: amountSchema },
} as const;

export function refundRoutes(app: FastifyInstance, context: AcquirerContext): void {
  app.post<{ Body: RefundRequest }>('/refunds', { schema: { body: refundBodySchema } }, (request, reply) =>
    answerWrite(context, request, reply, { keyRequired: true }, (state, account, key) =>
      refund(context, state, account, requiredKey(key), request.body),
    ),
  );

  app.get<{ Querystring: { idempotency_key: string } }>(
    '/refunds',
    { schema: { querystring: byKeyQuerySchema } },
    (request, reply) =>
      answerRead(context, request, reply, (state, account) =>
        refundResponse(state.refundsByKey.get(scopedKey(account, request.query.idempotency_key)), account),
      ),
  );

  app.get<{ Params: { id: string } }>('/refunds/:id', { schema: { params: idParamsSchema } }, (request, reply) =>
    answerRead(context, request, reply, (state, account) => refundResponse(state.refunds.get(request.params.id), account)),
  );
}

function refundResponse(found: { account: string; wire: WireRefund } | undefined, account: string): ApiResponse {
  return found === undefined || found.account !== account ? errorResponse('resource_missing') : okResponse({ ...found.wire });
}

function refund(
  context: AcquirerContext,
  state: AcquirerState,
  account: string,
  idempotencyKey: string,
  body: RefundRequest,
): ApiResponse {
  const authorization = findAuthorization(state, account, body.authorization);
  if (authorization === null) return errorResponse('resource_missing', { param: 'authorization' });
  const failureReason =
    authorization.wire.status !== 'captured'
      ? 'not_captured'
      : refundedAmount(authorization) + body.amount > authorization.wire.amount_captured
        ? 'exceeds_captured'
        : null;
  const wire: WireRefund = {
    id: newObjectId('rf', context.random),
    object: 'refund',
    status: failureReason === null ? 'succeeded' : 'failed',
    amount: body.amount,
    authorization: authorization.wire.id,
    idempotency_key: idempotencyKey,
    failure_reason: failureReason,
  };
  authorization.refunds.push(wire);
  state.refunds.set(wire.id, { account, wire });
  state.refundsByKey.set(scopedKey(account, idempotencyKey), { account, wire });
  if (wire.status === 'succeeded') state.stats.refunds_succeeded += 1;
  state.records.effect({
    kind: wire.status === 'succeeded' ? 'refunded' : 'refund_failed',
    keyKind: 'idempotency_key',
    key: idempotencyKey,
    object: wire.id,
    amount: wire.amount,
    currency: authorization.wire.currency,
    detail: `authorization ${authorization.wire.id}${failureReason === null ? '' : `: ${failureReason}`}`,
  });
  assertAmounts(authorization);
  return okResponse({ ...wire });
}
